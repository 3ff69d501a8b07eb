"""The clients table and bulk actions, as the head of sales uses them."""

from nicegui import ElementFilter
from nicegui.testing import User

from app.domain.clients import filters
from app.domain.clients.filters import ClientFilter
from app.domain.models import Client
from tests.factories import make_client, make_user, stages
from tests.ui.test_board import column_of, eventually, log_in, pick


async def open_table(user: User, login: str) -> None:
    await log_in(user, login)
    await user.open('/table')
    await user.should_see(marker='table-ready', retries=100)


def table_rows(user: User) -> list[dict]:
    with user:
        return next(iter(ElementFilter(marker='clients-table'))).rows


async def test_the_table_shows_the_filtered_clients_with_the_exact_total(user: User, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    make_user(db, 'head', role='head')
    for number in range(3):
        make_client(db, anna, name=f'Клиент Анны {number}', phone=f'+7912000000{number}')
    await open_table(user, 'head')
    await user.should_see('Всего: 3')
    assert {row['name'] for row in table_rows(user)} == {'Клиент Анны 0', 'Клиент Анны 1', 'Клиент Анны 2'}
    assert table_rows(user)[0]['responsible'] == 'Анна Смирнова'


async def test_a_manager_on_leave_hands_over_all_clients_in_a_few_clicks_and_the_colleague_sees_them_live(
    create_user, db
):
    anna = make_user(db, 'anna', name='Анна В Отпуске')
    boris = make_user(db, 'boris', name='Борис Коллега')
    head = make_user(db, 'head', role='head')
    handed = [make_client(db, anna, name=f'Клиент {n}', phone=f'+7912111000{n}') for n in range(4)]
    stays = make_client(db, boris, name='Свой Клиент Бориса', phone='+79122220000')
    with db.write() as session:  # the head filters by the responsible who goes on leave
        filters.save_filter(session, actor=head, flt=ClientFilter(responsible_ids=[anna.id]))
    head_browser, boris_browser = create_user(), create_user()
    await log_in(boris_browser, 'boris')
    assert column_of(boris_browser, handed[0].id) is not None  # sees all, acts on own
    await open_table(head_browser, 'head')
    await head_browser.should_see('Всего: 4')
    rows = table_rows(head_browser)  # the header checkbox: every row of the page
    head_browser.find(marker='clients-table').trigger(
        'selection', {'added': True, 'rows': rows, 'keys': [row['id'] for row in rows]}
    )
    await head_browser.should_see('Выбрано: 4')
    head_browser.find(marker='bulk-assign').click()
    await head_browser.should_see(marker='bulk-assign-user')
    pick(head_browser, 'bulk-assign-user', boris.id)
    head_browser.find(marker='bulk-assign-ok').click()
    await head_browser.should_see('Изменено клиентов: 4')
    with db.read() as session:
        assert {session.get(Client, c.id).responsible_id for c in handed} == {boris.id}
        assert session.get(Client, stays.id).responsible_id == boris.id
    # Boris's open board reloads by itself and now his cards are actionable
    await eventually(lambda: all(column_of(boris_browser, c.id) is not None for c in handed))
    with boris_browser:
        cards = [next(iter(ElementFilter(marker=f'card-{c.id}'))) for c in handed]
    await eventually(lambda: all(card.data.can_act for card in cards if not card.is_deleted))


async def test_select_all_matching_reaches_beyond_the_page(user: User, db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    make_user(db, 'head', role='head')
    for number in range(55):
        make_client(db, anna, name=f'Клиент {number:02}', phone=f'+791230000{number:02}')
    await open_table(user, 'head')
    await user.should_see('Всего: 55')
    rows = table_rows(user)
    assert len(rows) == 50
    user.find(marker='clients-table').trigger(
        'selection', {'added': True, 'rows': rows, 'keys': [r['id'] for r in rows]}
    )
    await user.should_see('Выбрать все 55 по фильтру')
    user.find(marker='select-all-matching').click()
    await user.should_see('Выбраны все 55 по фильтру')
    user.find(marker='bulk-assign').click()
    await user.should_see(marker='bulk-assign-user')
    pick(user, 'bulk-assign-user', boris.id)
    user.find(marker='bulk-assign-ok').click()
    await user.should_see('Изменено клиентов: 55')


async def test_a_manager_without_bulk_rights_sees_no_bulk_actions(user: User, db):
    anna = make_user(db, 'anna')
    make_client(db, anna)
    await open_table(user, 'anna')
    rows = table_rows(user)
    user.find(marker='clients-table').trigger(
        'selection', {'added': True, 'rows': rows, 'keys': [r['id'] for r in rows]}
    )
    await user.should_see('Выбрано: 1')
    await user.should_not_see(marker='bulk-assign')


class Clicks:
    """Counts what the head does with the mouse: a click is one, a dropdown pick is two (open, then pick)."""

    def __init__(self, user: User) -> None:
        self.user, self.count = user, 0

    def click(self, marker: str) -> None:
        self.count += 1
        self.user.find(marker=marker).click()

    def choose(self, marker: str, value) -> None:
        self.count += 1
        pick(self.user, marker, value)

    def drop_down(self, marker: str, value) -> None:
        self.count += 2
        pick(self.user, marker, value)


async def test_the_head_hands_over_every_client_of_a_manager_on_leave_from_the_table_in_five_clicks(user: User, db):
    anna = make_user(db, 'anna', name='Анна В Отпуске')
    boris = make_user(db, 'boris', name='Борис Коллега')
    make_user(db, 'head', role='head')
    handed = [make_client(db, anna, name=f'Клиент {n}', phone=f'+7912111000{n}') for n in range(3)]
    failure = stages(db)['Бронь не поставлена']
    with db.write() as session:  # a closed client: the table's default working-stages filter does not show it
        closed = session.get(Client, handed[0].id)
        closed.stage_id, closed.closing_reason_id = failure.id, failure.reasons[0].id
    await open_table(user, 'head')
    await user.should_see('Всего: 2')
    clicks = Clicks(user)
    clicks.click('hand-over-all')
    await user.should_see(marker='hand-over-dialog')
    clicks.choose('hand-over-whose', anna.id)
    await user.should_see('Во всех этапах: 2 в рабочих и 1 в закрывающих')
    clicks.drop_down('hand-over-target', boris.id)
    await user.should_see('Передать клиентов: 3')
    clicks.click('hand-over-ok')
    await user.should_see('Передано клиентов: 3')
    assert clicks.count <= 5
    with db.read() as session:
        assert {session.get(Client, c.id).responsible_id for c in handed} == {boris.id}


async def test_the_filtered_responsible_is_the_one_whose_clients_the_dialog_offers(user: User, db):
    anna = make_user(db, 'anna', name='Анна В Отпуске')
    make_user(db, 'boris', name='Борис Коллега')
    head = make_user(db, 'head', role='head')
    make_client(db, anna)
    with db.write() as session:
        filters.save_filter(session, actor=head, flt=ClientFilter(responsible_ids=[anna.id]))
    await open_table(user, 'head')
    user.find(marker='hand-over-all').click()
    await user.should_see('Во всех этапах: 1 в рабочих и 0 в закрывающих')
    with user:
        target = next(iter(ElementFilter(marker='hand-over-target')))
    assert anna.id not in target.options  # nobody hands clients to themselves


async def test_a_manager_with_bulk_rights_over_own_clients_only_is_not_offered_the_hand_over(user: User, db):
    anna = make_user(db, 'anna', can_bulk=True)
    make_client(db, anna)
    await open_table(user, 'anna')
    await user.should_see(marker='table-ready')
    await user.should_not_see(marker='hand-over-all')
