"""The catalogue of property objects: the admin keeps it, booking takes a free object, payment sells it.
Catalogue changes are admin-only and audited (area 'lists'); status changes come from deals."""

import math
import re

from pydantic import BaseModel
from sqlmodel import select

from ..account.audit import record_change
from ..account.reference import ensure_exists
from ..errors import InvalidInput, NotFound
from ..limits import check_money, clean_text
from ..models import Deal, Project, PropertyUnit, UnitStatus
from ..permissions import Actor, ensure_active, ensure_admin
from ..views import RefView

AREA = 'lists'
LABEL_MAX = 100
_DIGITS = re.compile(r'(\d+)')


class UnitView(BaseModel):
    """One object as the catalogue and the booking dialog show it."""

    id: int
    project_id: int | None
    project_name: str
    project_abbreviation: str
    label: str
    area: float | None
    price: float | None
    status: str


def _label(value: str | None) -> str:
    label = ' '.join(clean_text(value).split())
    if not label:
        raise InvalidInput('error.unit_label_required')
    if len(label) > LABEL_MAX:
        raise InvalidInput('error.unit_label_too_long', limit=LABEL_MAX)
    return label


def _positive(value, key: str) -> float | None:
    """An optional positive number (area, price); empty means unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(',', '.').replace(' ', '').replace('\xa0', ''))
    except ValueError:
        raise InvalidInput(key) from None
    if not math.isfinite(number) or number <= 0:
        raise InvalidInput(key)
    return number


def _price(value) -> float | None:
    price = _positive(value, 'error.unit_price')
    return None if price is None else check_money(price, 'units.price')


def _status(value: str) -> str:
    if value not in tuple(UnitStatus):
        raise InvalidInput('error.unit_status', status=value)
    return str(value)


def _get(session, unit_id: int) -> PropertyUnit:
    unit = session.get(PropertyUnit, unit_id)
    if unit is None:
        raise NotFound()
    return unit


def _lock(session, unit_id: int) -> PropertyUnit:
    """The unit row, locked until the transaction ends, so two bookings cannot take the same object."""
    unit = session.exec(
        select(PropertyUnit)
        .where(PropertyUnit.id == unit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if unit is None:
        raise NotFound()
    return unit


def _views(session, *conditions) -> list[UnitView]:
    rows = session.exec(
        select(PropertyUnit, Project.name, Project.abbreviation)
        .join(Project, Project.id == PropertyUnit.project_id, isouter=True)
        .where(*conditions)
    ).all()
    views = [
        UnitView(
            id=u.id,
            project_id=u.project_id,
            project_name=name or '',
            project_abbreviation=abbreviation or '',
            label=u.label,
            area=u.area,
            price=u.price,
            status=u.status,
        )
        for u, name, abbreviation in rows
    ]
    return sorted(views, key=_order)


def _order(view: UnitView) -> tuple:
    """By project (objects without one last), then «кв. 2» before «кв. 10»."""
    natural = tuple(
        (0, int(part), '') if part.isdigit() else (1, 0, part.casefold()) for part in _DIGITS.split(view.label)
    )
    return (not view.project_name, view.project_name.casefold(), natural, view.id)


def _describe(unit: PropertyUnit) -> str:
    return ' · '.join(str(part) for part in (unit.label, unit.area, unit.price, unit.status) if part is not None)


def list_units(session, *, actor: Actor, project_id: int | None = None, status: str | None = None) -> list[UnitView]:
    """The catalogue as the admin edits it, optionally one project and/or one status."""
    ensure_admin(actor)
    conditions = []
    if project_id is not None:
        conditions.append(PropertyUnit.project_id == project_id)
    if status:
        conditions.append(PropertyUnit.status == _status(status))
    return _views(session, *conditions)


class UnitCatalogue(BaseModel):
    """Everything the objects tab shows, in one read: the objects and the projects they may belong to."""

    units: list[UnitView]
    projects: list[RefView]


def unit_catalogue(session, *, actor: Actor) -> UnitCatalogue:
    """The whole catalogue with the projects (active ones first), as the admin edits it."""
    ensure_admin(actor)
    projects = session.exec(select(Project).order_by(Project.active.desc(), Project.name)).all()
    return UnitCatalogue(
        units=_views(session),
        projects=[RefView(id=p.id, name=p.name, abbreviation=p.abbreviation) for p in projects],
    )


def free_units(session, actor: Actor, project_id: int | None = None) -> list[UnitView]:
    """What a booking may pick: the free objects, of one project when it is chosen."""
    ensure_active(actor)
    conditions = [PropertyUnit.status == UnitStatus.free]
    if project_id is not None:
        conditions.append(PropertyUnit.project_id == project_id)
    return _views(session, *conditions)


def add_unit(
    session,
    *,
    actor: Actor,
    project_id: int | None,
    label: str,
    area: float | None = None,
    price: float | None = None,
) -> int:
    """A new object of a project, free for booking."""
    ensure_admin(actor)
    project = ensure_exists(session, Project, project_id, 'field.project_id')
    unit = PropertyUnit(
        project_id=project.id if project else None,
        label=_label(label),
        area=_positive(area, 'error.unit_area'),
        price=_price(price),
        status=UnitStatus.free,
    )
    session.add(unit)
    session.flush()
    record_change(session, actor, AREA, 'unit_added', project=project.name if project else '', unit=_describe(unit))
    return unit.id


def edit_unit(
    session,
    *,
    actor: Actor,
    unit_id: int,
    project_id: int | None,
    label: str,
    area: float | None = None,
    price: float | None = None,
    status: str | None = None,
) -> int:
    """Change an object's data; the status is set by hand only when given (deals set it otherwise)."""
    ensure_admin(actor)
    unit = _get(session, unit_id)
    old = _describe(unit)
    project = ensure_exists(session, Project, project_id, 'field.project_id')
    unit.project_id = project.id if project else None
    unit.label = _label(label)
    unit.area = _positive(area, 'error.unit_area')
    unit.price = _price(price)
    if status is not None:
        unit.status = _status(status)
    session.add(unit)
    record_change(session, actor, AREA, 'unit_edited', old=old, new=_describe(unit))
    return unit.id


def delete_unit(session, *, actor: Actor, unit_id: int) -> int:
    """Delete an object nobody has dealt on; one with deals stays, for their history."""
    ensure_admin(actor)
    unit = _get(session, unit_id)
    deals = session.exec(select(Deal.id).where(Deal.unit_id == unit.id)).all()
    if deals:
        raise InvalidInput('error.unit_has_deals', unit=unit.label, count=len(deals))
    session.delete(unit)
    record_change(session, actor, AREA, 'unit_deleted', unit=_describe(unit))
    return unit_id


def book_unit(session, unit_id: int) -> PropertyUnit:
    """Take a free object for a booking (row-locked); any other status refuses naming the object."""
    unit = _lock(session, unit_id)
    if unit.status != UnitStatus.free:
        raise InvalidInput('error.unit_not_free', unit=unit.label, status=f'unit.status.{unit.status}')
    unit.status = UnitStatus.booked
    session.add(unit)
    return unit


def release_unit(session, unit_id: int) -> None:
    """The booking is off (the deal reached «Бронь снята»): the object is free again."""
    unit = _lock(session, unit_id)
    unit.status = UnitStatus.free
    session.add(unit)


def sell_unit(session, unit_id: int) -> None:
    """The deal is paid: the object is sold."""
    unit = _lock(session, unit_id)
    unit.status = UnitStatus.sold
    session.add(unit)
