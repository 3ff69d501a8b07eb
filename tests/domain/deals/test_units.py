"""The catalogue of property objects: admin-only upkeep, and booking that takes a free object."""

import pytest
from sqlmodel import select

from app.domain.account import audit
from app.domain.clients import clients
from app.domain.deals import deals, units
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.models import Deal, Project, PropertyUnit, UnitStatus
from tests.factories import make_client, make_user


def _project(db, name: str = 'ЖК Северный парк', abbreviation: str = 'СП') -> int:
    with db.write() as session:
        project = Project(name=name, abbreviation=abbreviation)
        session.add(project)
        session.flush()
        return project.id


def _unit(db, admin, project_id: int | None, label: str, area=54.3, price=7_500_000) -> int:
    with db.write() as session:
        return units.add_unit(session, actor=admin, project_id=project_id, label=label, area=area, price=price)


def _status(db, unit_id: int) -> str:
    with db.read() as session:
        return session.get(PropertyUnit, unit_id).status


def test_admin_keeps_the_catalogue_and_every_change_is_audited(db):
    admin = make_user(db, 'boss', 'admin')
    project_id = _project(db)
    unit_id = _unit(db, admin, project_id, ' кв.  45 ')
    with db.write() as session:
        units.edit_unit(
            session, actor=admin, unit_id=unit_id, project_id=project_id, label='кв. 46', area='60,5', price=''
        )
    with db.read() as session:
        [view] = units.list_units(session, actor=admin, project_id=project_id)
        log = audit.audit_log(session, actor=admin)
    assert (view.label, view.area, view.price, view.status, view.project_name) == (
        'кв. 46',
        60.5,
        None,
        UnitStatus.free,
        'ЖК Северный парк',
    )
    assert [(e.area, e.action) for e in log] == [('lists', 'unit_edited'), ('lists', 'unit_added')]


def test_manager_cannot_change_the_catalogue_but_sees_free_units(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    project_id = _project(db)
    unit_id = _unit(db, admin, project_id, 'кв. 1')
    with pytest.raises(PermissionDenied), db.write() as session:
        units.add_unit(session, actor=manager, project_id=project_id, label='кв. 2')
    with pytest.raises(PermissionDenied), db.write() as session:
        units.edit_unit(session, actor=manager, unit_id=unit_id, project_id=project_id, label='кв. 3')
    with pytest.raises(PermissionDenied), db.write() as session:
        units.delete_unit(session, actor=manager, unit_id=unit_id)
    with pytest.raises(PermissionDenied), db.read() as session:
        units.list_units(session, actor=manager)
    with db.read() as session:
        assert [u.label for u in units.free_units(session, manager, project_id=project_id)] == ['кв. 1']


def test_catalogue_filters_by_project_and_status(db):
    admin = make_user(db, 'boss', 'admin')
    north, south = _project(db), _project(db, 'ЖК Южный', 'Ю')
    _unit(db, admin, north, 'кв. 1')
    sold = _unit(db, admin, north, 'кв. 2')
    _unit(db, admin, south, 'кв. 3')
    with db.write() as session:
        units.sell_unit(session, sold)
    with db.read() as session:
        assert [u.label for u in units.list_units(session, actor=admin, project_id=north)] == ['кв. 1', 'кв. 2']
        assert [u.label for u in units.list_units(session, actor=admin, status='sold')] == ['кв. 2']
        assert [u.label for u in units.list_units(session, actor=admin, project_id=north, status='free')] == ['кв. 1']
        assert [u.label for u in units.free_units(session, admin)] == ['кв. 1', 'кв. 3']


def test_unit_needs_a_label_and_positive_numbers(db):
    admin = make_user(db, 'boss', 'admin')
    for arguments in ({'label': '  '}, {'label': 'кв. 1', 'area': -3}, {'label': 'кв. 1', 'price': 'дорого'}):
        with pytest.raises(InvalidInput), db.write() as session:
            units.add_unit(session, actor=admin, project_id=None, **arguments)
    with db.read() as session:
        assert units.list_units(session, actor=admin) == []


def test_booking_a_free_unit_marks_it_booked_and_the_deal_carries_it(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    project_id = _project(db)
    unit_id = _unit(db, admin, project_id, 'кв. 45', price=7_500_000)

    with db.write() as session:
        detail = deals.book_client(session, actor=manager, client_id=client.id, project_id=None, unit_id=unit_id)

    [deal] = detail.deals
    assert (deal.unit_id, deal.project.id, deal.amount, deal.unit) == (unit_id, project_id, 7_500_000, 'кв. 45')
    assert _status(db, unit_id) == UnitStatus.booked
    assert detail.feed[1].text == 'Бронь: СП кв. 45, 7 500 000'
    with db.read() as session:
        assert units.free_units(session, manager) == []


def test_an_amount_given_at_booking_wins_over_the_price(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    unit_id = _unit(db, admin, _project(db), 'кв. 45', price=7_500_000)
    with db.write() as session:
        detail = deals.book_client(
            session, actor=manager, client_id=client.id, project_id=None, unit_id=unit_id, amount=7_000_000
        )
    assert detail.deals[0].amount == 7_000_000


def test_booking_a_booked_unit_is_refused_and_nothing_changes(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    first = make_client(db, manager)
    second = make_client(db, manager, name='Петров Пётр', phone='+79120000002')
    unit_id = _unit(db, admin, _project(db), 'кв. 45')
    with db.write() as session:
        deals.book_client(session, actor=manager, client_id=first.id, project_id=None, unit_id=unit_id)

    with pytest.raises(InvalidInput) as refused, db.write() as session:
        deals.book_client(session, actor=manager, client_id=second.id, project_id=None, unit_id=unit_id)

    assert refused.value.key == 'error.unit_not_free'
    assert 'кв. 45' in refused.value.message('ru') and 'Забронирован' in refused.value.message('ru')
    assert _status(db, unit_id) == UnitStatus.booked
    with db.read() as session:
        assert [d.client_id for d in session.exec(select(Deal))] == [first.id]
        after = clients.get_client(session, actor=manager, client_id=second.id)
    assert (after.stage_id, after.deals, after.version) == (second.stage_id, [], second.version)


def test_a_refused_booking_leaves_the_unit_free(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    unit_id = _unit(db, admin, _project(db), 'кв. 45', price=None)
    with pytest.raises(InvalidInput), db.write() as session:  # no price and no amount
        deals.book_client(session, actor=manager, client_id=client.id, project_id=None, unit_id=unit_id)
    assert _status(db, unit_id) == UnitStatus.free


def test_a_unit_of_another_project_is_refused(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    unit_id = _unit(db, admin, _project(db), 'кв. 45')
    with pytest.raises(InvalidInput), db.write() as session:
        deals.book_client(
            session, actor=manager, client_id=client.id, project_id=_project(db, 'ЖК Южный', 'Ю'), unit_id=unit_id
        )
    assert _status(db, unit_id) == UnitStatus.free


def test_returning_client_books_again_and_gets_a_second_deal_with_another_unit(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    project_id = _project(db)
    first, second = _unit(db, admin, project_id, 'кв. 1'), _unit(db, admin, project_id, 'кв. 2')
    for unit_id in (first, second):
        with db.write() as session:
            detail = deals.book_client(session, actor=manager, client_id=client.id, project_id=None, unit_id=unit_id)
    assert detail.id == client.id
    assert sorted((d.unit_id, d.unit) for d in detail.deals) == [(first, 'кв. 1'), (second, 'кв. 2')]
    assert (_status(db, first), _status(db, second)) == (UnitStatus.booked, UnitStatus.booked)


def test_booking_without_a_unit_keeps_the_free_text(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with db.write() as session:
        detail = deals.book_client(
            session, actor=manager, client_id=client.id, project_id=None, unit='кладовка 3', amount=300_000
        )
    assert (detail.deals[0].unit, detail.deals[0].unit_id) == ('кладовка 3', None)


def test_release_and_sale_move_the_unit_status(db):
    admin = make_user(db, 'boss', 'admin')
    unit_id = _unit(db, admin, None, 'паркинг 7')
    with db.write() as session:
        units.book_unit(session, unit_id)
    with db.write() as session:
        units.release_unit(session, unit_id)
    assert _status(db, unit_id) == UnitStatus.free
    with db.write() as session:
        units.sell_unit(session, unit_id)
    assert _status(db, unit_id) == UnitStatus.sold
    with pytest.raises(InvalidInput), db.write() as session:
        units.book_unit(session, unit_id)


def test_unit_with_a_deal_cannot_be_deleted(db):
    admin = make_user(db, 'boss', 'admin')
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    booked = _unit(db, admin, _project(db), 'кв. 45')
    spare = _unit(db, admin, None, 'кв. 46')
    with db.write() as session:
        deals.book_client(session, actor=manager, client_id=client.id, project_id=None, unit_id=booked)

    with pytest.raises(InvalidInput) as refused, db.write() as session:
        units.delete_unit(session, actor=admin, unit_id=booked)
    assert refused.value.message('ru') == 'Объект «кв. 45» нельзя удалить: на него оформлено сделок — 1'

    with db.write() as session:
        units.delete_unit(session, actor=admin, unit_id=spare)
    with db.read() as session:
        assert [u.id for u in units.list_units(session, actor=admin)] == [booked]
