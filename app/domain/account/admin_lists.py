"""The admin's reference lists: sales channels, projects, tags, agencies with realtors, custom client fields.
Every change is refused for non-admins, checked, and written to the audit log (area 'lists')."""

import math
from datetime import date

from pydantic import BaseModel
from sqlmodel import delete, select

from ..errors import InvalidInput, NotFound
from ..limits import CUSTOM_TEXT_MAX, check_day, check_text, clean_text
from ..models import Agency, Channel, Client, ClientTag, CustomField, Project, Realtor, Tag
from ..permissions import Actor, ensure_admin
from ..phones import normalize_phone
from .audit import record_change

AREA = 'lists'
FIELD_KINDS = ('text', 'number', 'date', 'bool', 'list')
ABBREVIATION_MAX = 16


class ChannelItem(BaseModel):
    id: int
    name: str
    position: int
    active: bool


class ProjectItem(BaseModel):
    id: int
    name: str
    abbreviation: str
    active: bool


class TagItem(BaseModel):
    id: int
    name: str
    color: str


class RealtorItem(BaseModel):
    id: int
    name: str
    phone: str


class AgencyItem(BaseModel):
    id: int
    name: str
    realtors: list[RealtorItem]


class CustomFieldItem(BaseModel):
    id: int
    name: str
    kind: str
    options: list[str]
    position: int


class ReferenceLists(BaseModel):
    """Everything the lists tab shows, in one read."""

    channels: list[ChannelItem]
    projects: list[ProjectItem]
    tags: list[TagItem]
    agencies: list[AgencyItem]
    custom_fields: list[CustomFieldItem]


def _name(value: str | None, limit: int) -> str:
    name = ' '.join(clean_text(value).split())
    if not name:
        raise InvalidInput('error.list_name_required')
    if len(name) > limit:
        raise InvalidInput('error.list_name_too_long', limit=limit)
    return name


def _get(session, model, item_id: int):
    item = session.get(model, item_id)
    if item is None:
        raise NotFound()
    return item


def reference_lists(session, *, actor: Actor) -> ReferenceLists:
    """All lists with inactive items too, as the admin edits them."""
    ensure_admin(actor)
    realtors: dict[int, list[RealtorItem]] = {}
    for r in session.exec(select(Realtor).order_by(Realtor.name, Realtor.id)):
        realtors.setdefault(r.agency_id, []).append(RealtorItem(id=r.id, name=r.name, phone=r.phone))
    return ReferenceLists(
        channels=[
            ChannelItem(id=c.id, name=c.name, position=c.position, active=c.active)
            for c in session.exec(select(Channel).order_by(Channel.active.desc(), Channel.position, Channel.id))
        ],
        projects=[
            ProjectItem(id=p.id, name=p.name, abbreviation=p.abbreviation, active=p.active)
            for p in session.exec(select(Project).order_by(Project.active.desc(), Project.name))
        ],
        tags=[TagItem(id=t.id, name=t.name, color=t.color) for t in session.exec(select(Tag).order_by(Tag.name))],
        agencies=[
            AgencyItem(id=a.id, name=a.name, realtors=realtors.get(a.id, []))
            for a in session.exec(select(Agency).order_by(Agency.name, Agency.id))
        ],
        custom_fields=[
            CustomFieldItem(id=f.id, name=f.name, kind=f.kind, options=list(f.options), position=f.position)
            for f in _fields_in_order(session)
        ],
    )


# sales channels


def _active_channels(session) -> list[Channel]:
    return list(session.exec(select(Channel).where(Channel.active).order_by(Channel.position, Channel.id)))


def _renumber(items) -> None:
    for position, item in enumerate(items):
        item.position = position


def _place(items, item, position: int) -> int:
    """Put `item` at `position` (clamped) among the other `items`, renumbering them all; returns where it went."""
    order = [other for other in items if other.id != item.id]
    position = max(0, min(position, len(order)))
    order.insert(position, item)
    _renumber(order)
    return position


def add_channel(session, *, actor: Actor, name: str) -> int:
    """A new channel goes last; it becomes the default only when asked."""
    ensure_admin(actor)
    name = _name(name, 100)
    active = _active_channels(session)
    channel = Channel(name=name, position=len(active))
    session.add(channel)
    session.flush()
    record_change(session, actor, AREA, 'channel_added', name=name)
    return channel.id


def rename_channel(session, *, actor: Actor, channel_id: int, name: str) -> int:
    ensure_admin(actor)
    channel = _get(session, Channel, channel_id)
    old, channel.name = channel.name, _name(name, 100)
    record_change(session, actor, AREA, 'channel_renamed', old=old, new=channel.name)
    return channel.id


def move_channel(session, *, actor: Actor, channel_id: int, position: int) -> int:
    """Put an active channel at a position among the active ones (0 is the default)."""
    ensure_admin(actor)
    channel = _get(session, Channel, channel_id)
    if not channel.active:
        raise InvalidInput('error.channel_inactive', channel=channel.name)
    position = _place(_active_channels(session), channel, position)
    record_change(session, actor, AREA, 'channel_moved', name=channel.name, position=position)
    return channel.id


def make_default_channel(session, *, actor: Actor, channel_id: int) -> int:
    """The default channel is the first one: making one the default moves it to the top."""
    ensure_admin(actor)
    channel = _get(session, Channel, channel_id)
    if not channel.active:
        raise InvalidInput('error.channel_inactive', channel=channel.name)
    _place(_active_channels(session), channel, 0)
    record_change(session, actor, AREA, 'channel_default', name=channel.name)
    return channel.id


def remove_channel(session, *, actor: Actor, channel_id: int) -> int:
    """Deactivate: clients and requests keep their channel, new ones cannot pick it; one must stay."""
    ensure_admin(actor)
    channel = _get(session, Channel, channel_id)
    active = _active_channels(session)
    if channel.active and len(active) <= 1:
        raise InvalidInput('error.last_channel', channel=channel.name)
    channel.active = False
    _renumber([c for c in active if c.id != channel.id])
    channel.position = len(active)
    record_change(session, actor, AREA, 'channel_removed', name=channel.name)
    return channel.id


# projects


def _abbreviation(value: str | None) -> str:
    abbreviation = clean_text(value).strip()
    if not abbreviation:
        raise InvalidInput('error.abbreviation_required')
    if len(abbreviation) > ABBREVIATION_MAX:
        raise InvalidInput('error.abbreviation_too_long', limit=ABBREVIATION_MAX)
    return abbreviation


def add_project(session, *, actor: Actor, name: str, abbreviation: str) -> int:
    ensure_admin(actor)
    project = Project(name=_name(name, 200), abbreviation=_abbreviation(abbreviation))
    session.add(project)
    session.flush()
    record_change(session, actor, AREA, 'project_added', name=project.name, abbreviation=project.abbreviation)
    return project.id


def edit_project(session, *, actor: Actor, project_id: int, name: str, abbreviation: str) -> int:
    ensure_admin(actor)
    project = _get(session, Project, project_id)
    old = f'{project.name} ({project.abbreviation})'
    project.name, project.abbreviation = _name(name, 200), _abbreviation(abbreviation)
    record_change(session, actor, AREA, 'project_edited', old=old, new=f'{project.name} ({project.abbreviation})')
    return project.id


def set_project_active(session, *, actor: Actor, project_id: int, active: bool) -> int:
    """Deactivated projects stay on their clients and deals but are no longer offered."""
    ensure_admin(actor)
    project = _get(session, Project, project_id)
    project.active = bool(active)
    record_change(session, actor, AREA, 'project_activated' if active else 'project_deactivated', name=project.name)
    return project.id


# tags


def _color(value: str | None) -> str:
    color = clean_text(value).strip() or '#1976d2'
    if len(color) > 16:
        raise InvalidInput('error.bad_color', color=color)
    return color


def _unique_tag_name(session, name: str, tag_id: int | None = None) -> str:
    for other_id, other in session.exec(select(Tag.id, Tag.name)):
        if other_id != tag_id and other.casefold() == name.casefold():
            raise InvalidInput('error.tag_exists', tag=name)
    return name


def add_tag(session, *, actor: Actor, name: str, color: str = '') -> int:
    ensure_admin(actor)
    tag = Tag(name=_unique_tag_name(session, _name(name, 100)), color=_color(color))
    session.add(tag)
    session.flush()
    record_change(session, actor, AREA, 'tag_added', name=tag.name, color=tag.color)
    return tag.id


def edit_tag(session, *, actor: Actor, tag_id: int, name: str | None = None, color: str | None = None) -> int:
    """Rename and/or recolour; what is not given stays."""
    ensure_admin(actor)
    tag = _get(session, Tag, tag_id)
    old = f'{tag.name} {tag.color}'
    if name is not None:
        tag.name = _unique_tag_name(session, _name(name, 100), tag.id)
    if color is not None:
        tag.color = _color(color)
    record_change(session, actor, AREA, 'tag_edited', old=old, new=f'{tag.name} {tag.color}')
    return tag.id


def delete_tag(session, *, actor: Actor, tag_id: int) -> int:
    """Delete a tag and take it off every client."""
    ensure_admin(actor)
    tag = _get(session, Tag, tag_id)
    session.exec(delete(ClientTag).where(ClientTag.tag_id == tag.id))
    session.delete(tag)
    record_change(session, actor, AREA, 'tag_deleted', name=tag.name)
    return tag_id


# agencies and realtors


def add_agency(session, *, actor: Actor, name: str) -> int:
    ensure_admin(actor)
    agency = Agency(name=_name(name, 200))
    session.add(agency)
    session.flush()
    record_change(session, actor, AREA, 'agency_added', name=agency.name)
    return agency.id


def rename_agency(session, *, actor: Actor, agency_id: int, name: str) -> int:
    ensure_admin(actor)
    agency = _get(session, Agency, agency_id)
    old, agency.name = agency.name, _name(name, 200)
    record_change(session, actor, AREA, 'agency_renamed', old=old, new=agency.name)
    return agency.id


def _realtor_phone(value: str | None) -> str:
    raw = (value or '').strip()
    return normalize_phone(raw).number if raw else ''


def add_realtor(session, *, actor: Actor, agency_id: int, name: str, phone: str = '') -> int:
    ensure_admin(actor)
    agency = _get(session, Agency, agency_id)
    realtor = Realtor(agency_id=agency.id, name=_name(name, 200), phone=_realtor_phone(phone))
    session.add(realtor)
    session.flush()
    record_change(session, actor, AREA, 'realtor_added', agency=agency.name, name=realtor.name, phone=realtor.phone)
    return realtor.id


def edit_realtor(session, *, actor: Actor, realtor_id: int, name: str, phone: str = '') -> int:
    ensure_admin(actor)
    realtor = _get(session, Realtor, realtor_id)
    old = f'{realtor.name} {realtor.phone}'.strip()
    realtor.name, realtor.phone = _name(name, 200), _realtor_phone(phone)
    record_change(session, actor, AREA, 'realtor_edited', old=old, new=f'{realtor.name} {realtor.phone}'.strip())
    return realtor.id


def remove_realtor(session, *, actor: Actor, realtor_id: int) -> int:
    """Delete a realtor; clients who came through them keep their agency and lose only the realtor."""
    ensure_admin(actor)
    realtor = _get(session, Realtor, realtor_id)
    for client in session.exec(select(Client).where(Client.realtor_id == realtor.id)):
        client.realtor_id = None
    session.flush()
    session.delete(realtor)
    record_change(session, actor, AREA, 'realtor_removed', name=realtor.name)
    return realtor_id


# custom client fields


def _fields_in_order(session) -> list[CustomField]:
    return list(session.exec(select(CustomField).order_by(CustomField.position, CustomField.id)))


def _options(kind: str, options: list[str] | None) -> list[str]:
    if kind != 'list':
        return []
    cleaned = [o for o in dict.fromkeys(check_text(o, CUSTOM_TEXT_MAX, 'lists.options') for o in options or []) if o]
    if not cleaned:
        raise InvalidInput('error.field_options_required')
    return cleaned


def add_custom_field(session, *, actor: Actor, name: str, kind: str, options: list[str] | None = None) -> int:
    """A new client field, shown last in the client window."""
    ensure_admin(actor)
    if kind not in FIELD_KINDS:
        raise InvalidInput('error.field_kind', kind=kind)
    field = CustomField(
        name=_name(name, 100), kind=kind, options=_options(kind, options), position=len(_fields_in_order(session))
    )
    session.add(field)
    session.flush()
    record_change(session, actor, AREA, 'field_added', name=field.name, kind=kind)
    return field.id


def edit_custom_field(session, *, actor: Actor, field_id: int, name: str, options: list[str] | None = None) -> int:
    """Rename a field (and, for a list, replace its options); the kind never changes under stored values."""
    ensure_admin(actor)
    field = _get(session, CustomField, field_id)
    old, field.name = field.name, _name(name, 100)
    if field.kind == 'list' and options is not None:
        field.options = _options('list', options)
    record_change(session, actor, AREA, 'field_edited', old=old, new=field.name)
    return field.id


def move_custom_field(session, *, actor: Actor, field_id: int, position: int) -> int:
    ensure_admin(actor)
    field = _get(session, CustomField, field_id)
    position = _place(_fields_in_order(session), field, position)
    record_change(session, actor, AREA, 'field_moved', name=field.name, position=position)
    return field.id


def delete_custom_field(session, *, actor: Actor, field_id: int) -> int:
    """Delete a field and its values on every client."""
    ensure_admin(actor)
    field = _get(session, CustomField, field_id)
    key = str(field.id)
    # a key inside a JSON column cannot be filtered on portably: read the small (id, custom) pairs instead
    for client_id, custom in session.exec(select(Client.id, Client.custom)):
        if custom and key in custom:
            client = session.get(Client, client_id)
            client.custom = {k: v for k, v in custom.items() if k != key}
    session.delete(field)
    _renumber([f for f in _fields_in_order(session) if f.id != field_id])
    record_change(session, actor, AREA, 'field_deleted', name=field.name)
    return field_id


def clean_custom_values(session, values: dict) -> dict:
    """Custom values as stored: known fields only, each converted by its kind (empty means absent)."""
    fields = {str(f.id): f for f in _fields_in_order(session)}
    cleaned = {}
    for key, value in (values or {}).items():
        field = fields.get(str(key))
        if field is None or value in (None, ''):
            continue
        cleaned[str(key)] = _convert(field, value)
    return cleaned


def _convert(field: CustomField, value):
    try:
        if field.kind == 'number':
            number = float(str(value).replace(',', '.').replace(' ', '').replace('\xa0', ''))
            if not math.isfinite(number):
                raise ValueError
            return int(number) if number.is_integer() else number
        if field.kind == 'date':
            return check_day(date.fromisoformat(str(value))).isoformat()
        if field.kind == 'bool':
            return bool(value)
        if field.kind == 'list' and value not in field.options:
            raise ValueError
    except ValueError:
        raise InvalidInput('error.field_value', field=field.name, value=value) from None
    return check_text(str(value), CUSTOM_TEXT_MAX, field.name) if field.kind in ('text', 'list') else value
