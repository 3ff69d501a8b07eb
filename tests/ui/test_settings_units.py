"""The objects tab of /settings, and the booking dialog that offers only free objects."""

from nicegui.element_filter import ElementFilter
from nicegui.testing import User
from sqlmodel import select

from app.domain.account import admin_lists
from app.domain.deals import deals, units
from app.domain.models import Deal, PropertyUnit, UnitStatus
from tests.factories import make_client, make_user, stages
from tests.ui.test_board import eventually, log_in, pick, stage_of


async def open_units(user: User) -> None:
    await user.open('/settings')
    await user.should_see(marker='settings-tab-units', retries=100)
    pick(user, 'settings-tabs', 'units')
    await user.should_see(marker='unit-new', retries=100)


def catalogue(db) -> list[tuple]:
    with db.read() as session:
        return [(u.project_id, u.label, u.area, u.price, u.status) for u in session.exec(select(PropertyUnit))]


def options_of(user: User, marker: str) -> dict:
    with user:
        return next(iter(user.find(marker=marker).elements)).options


def table_rows(user: User) -> list[dict]:
    """The rows the objects table shows now (none while the tab is being redrawn)."""
    with user:
        tables = list(ElementFilter(marker='units-table'))
    return list(tables[0].rows) if tables else []


def value_of(user: User, marker: str):
    with user:
        return next(iter(user.find(marker=marker).elements)).value


async def test_an_admin_adds_a_unit_and_sees_it_in_the_table(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        project_id = admin_lists.add_project(session, actor=admin, name='ЖК Северный парк', abbreviation='СП')
    await log_in(user, 'admin')
    await open_units(user)
    await user.should_see(marker='units-none')
    user.find(marker='unit-new').click()
    await user.should_see(marker='unit-dialog')
    pick(user, 'unit-project', project_id)
    user.find(marker='unit-label').type('кв. 45')
    pick(user, 'unit-area', 54.3)
    pick(user, 'unit-price', 7_500_000)
    user.find(marker='unit-save').click()
    await eventually(lambda: catalogue(db) == [(project_id, 'кв. 45', 54.3, 7_500_000, UnitStatus.free)])
    await user.should_not_see(marker='unit-dialog', retries=100)
    await eventually(lambda: [r['label'] for r in table_rows(user)] == ['кв. 45'])
    [row] = table_rows(user)
    assert (row['project'], row['area'], row['price'], row['status']) == (
        'ЖК Северный парк',
        '54,3',
        '7\xa0500\xa0000\xa0₽',
        'Свободен',
    )


async def test_a_manager_does_not_get_the_units_tab(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden', retries=100)
    await user.should_not_see(marker='settings-tab-units')


async def test_the_booking_dialog_offers_only_free_units_and_their_price_fills_the_amount(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    with db.write() as session:
        project_id = admin_lists.add_project(session, actor=admin, name='ЖК Северный парк', abbreviation='СП')
        other_id = admin_lists.add_project(session, actor=admin, name='ЖК Южный', abbreviation='Ю')
        free = units.add_unit(session, actor=admin, project_id=project_id, label='кв. 45', area=54.3, price=7_500_000)
        taken = units.add_unit(session, actor=admin, project_id=project_id, label='кв. 46', price=8_000_000)
        elsewhere = units.add_unit(session, actor=admin, project_id=other_id, label='кв. 1', price=5_000_000)
    earlier = make_client(db, anna, name='Петров Пётр', phone='+79120000002')
    client = make_client(db, anna, project_id=project_id)
    with db.write() as session:
        deals.book_client(session, actor=anna, client_id=earlier.id, project_id=None, unit_id=taken)
    booked = stages(db)['Бронь поставлена']

    await log_in(user, 'anna')
    user.find(marker=f'card-{client.id}').trigger('move')
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', booked.id)
    user.find(marker='dialog-ok').click()
    await user.should_see(marker='booking-object', retries=100)
    await eventually(lambda: list(options_of(user, 'booking-object')) == [free])
    assert options_of(user, 'booking-object')[free] == 'кв. 45 · 54,3 м² · 7\xa0500\xa0000\xa0₽'
    pick(user, 'booking-project', None)  # no project chosen: the free objects of every project, named with it
    await eventually(lambda: list(options_of(user, 'booking-object')) == [free, elsewhere])
    assert options_of(user, 'booking-object')[elsewhere] == 'Ю кв. 1 · 5\xa0000\xa0000\xa0₽'
    pick(user, 'booking-project', project_id)
    await eventually(lambda: list(options_of(user, 'booking-object')) == [free])
    pick(user, 'booking-object', free)
    assert value_of(user, 'booking-amount') == 7_500_000
    await user.should_not_see(marker='booking-unit')
    user.find(marker='dialog-ok').click()

    await eventually(lambda: stage_of(db, client.id) == booked.id)
    with db.read() as session:
        deal = session.exec(select(Deal).where(Deal.client_id == client.id)).one()
        assert (deal.unit_id, deal.unit, deal.amount, deal.project_id) == (free, 'кв. 45', 7_500_000, project_id)
        assert session.get(PropertyUnit, free).status == UnitStatus.booked


async def test_an_admin_filters_edits_and_deletes_units_but_not_one_with_a_deal(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    buyer = make_client(db, anna)
    with db.write() as session:
        north = admin_lists.add_project(session, actor=admin, name='ЖК Северный парк', abbreviation='СП')
        south = admin_lists.add_project(session, actor=admin, name='ЖК Южный', abbreviation='Ю')
        booked = units.add_unit(session, actor=admin, project_id=north, label='кв. 45', price=7_500_000)
        spare = units.add_unit(session, actor=admin, project_id=south, label='кв. 1')
    with db.write() as session:
        deals.book_client(session, actor=anna, client_id=buyer.id, project_id=None, unit_id=booked)
    await log_in(user, 'admin')
    await open_units(user)
    await eventually(lambda: [r['label'] for r in table_rows(user)] == ['кв. 45', 'кв. 1'])

    pick(user, 'units-filter-status', 'booked')
    await eventually(lambda: [(r['label'], r['status']) for r in table_rows(user)] == [('кв. 45', 'Забронирован')])
    pick(user, 'units-filter-status', None)
    pick(user, 'units-filter-project', south)
    await eventually(lambda: [r['label'] for r in table_rows(user)] == ['кв. 1'])

    user.find(marker='units-table').trigger('edit_unit', spare)
    await user.should_see(marker='unit-dialog')
    user.find(marker='unit-label').clear().type('кв. 2')
    user.find(marker='unit-save').click()
    await eventually(lambda: (south, 'кв. 2', None, None, UnitStatus.free) in catalogue(db))

    await eventually(lambda: bool(table_rows(user)))
    user.find(marker='units-table').trigger('delete_unit', booked)
    await user.should_see(marker='unit-delete-dialog')
    user.find(marker='unit-delete-ok').click()
    await user.should_see('Объект «кв. 45» нельзя удалить: на него оформлено сделок — 1', retries=100)
    await user.should_see(marker='unit-delete-dialog')  # a refusal leaves the question open
    user.find(marker='unit-delete-cancel').click()
    await user.should_not_see(marker='unit-delete-dialog', retries=100)

    user.find(marker='units-table').trigger('delete_unit', spare)
    await user.should_see(marker='unit-delete-dialog')
    user.find(marker='unit-delete-ok').click()
    await eventually(lambda: [row[1] for row in catalogue(db)] == ['кв. 45'])
