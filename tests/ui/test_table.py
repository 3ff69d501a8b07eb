"""The clients table and bulk actions, as the head of sales uses them."""

from nicegui import ElementFilter
from nicegui.testing import User

from app.domain.clients import filters
from app.domain.clients.filters import ClientFilter
from app.domain.models import Client
from tests.factories import make_client, make_user
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
