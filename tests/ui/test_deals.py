"""The deals kanban through NiceGUI's simulated browser: counts and sums, moves, live changes, the deal window."""

import asyncio

from nicegui import ElementFilter
from nicegui.testing import User
from sqlmodel import select

from app.components.kanban import KanbanColumn
from app.domain.deals import deal_board, deals
from app.domain.models import Deal
from tests.factories import make_client, make_user, stages
from tests.ui.test_board import eventually, log_in, pick


def book(db, actor, name: str, phone: str, amount: float, unit: str = 'кв. 45') -> int:
    """A client booked through the real service: its deal lands on «Бронь поставлена»."""
    client = make_client(db, actor, name=name, phone=phone)
    with db.write() as session:
        deals.book_client(session, actor=actor, client_id=client.id, project_id=None, unit=unit, amount=amount)
        return session.exec(select(Deal.id).where(Deal.client_id == client.id)).one()


async def open_deals(user: User, login: str) -> None:
    await log_in(user, login)
    await user.open('/deals')
    await user.should_see(marker='deals-ready', retries=100)


def stage_of(db, deal_id: int) -> int:
    with db.read() as session:
        return session.get(Deal, deal_id).stage_id


def column_of(user: User, deal_id: int) -> int | None:
    with user:
        found = list(ElementFilter(marker=f'deal-{deal_id}'))
    if not found:
        return None
    column = next((a for a in found[0].ancestors() if isinstance(a, KanbanColumn)), None)
    return column.stage.id if column else None


def text_of(user: User, marker: str) -> str:
    """The text of a visible element, '' while there is none (a sum shows once its column has deals)."""
    with user:
        found = [e for e in ElementFilter(marker=marker) if e.visible]
    return found[0].text if found else ''


async def test_the_deals_board_shows_columns_with_counts_and_sums(user: User, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    book(db, anna, 'Константинопольская Александра', '+79120000001', 7_500_000)
    book(db, anna, 'Петров Пётр', '+79120000002', 4_250_000, unit='кв. 12')
    board = stages(db, 'deals')
    await open_deals(user, 'anna')
    for name in ('Бронь поставлена', 'Подготовка договора', 'Договор подписан', 'Регистрация договора'):
        await user.should_see(name)
    await user.should_see(marker=f'closing-{board["Оплата получена"].id}')
    await user.should_see(marker=f'closing-{board["Бронь снята"].id}')
    await user.should_see('Константинопольская Александра')
    first = board['Бронь поставлена'].id
    assert text_of(user, f'count-{first}') == '2'
    assert text_of(user, f'sum-{first}') == '11\xa0750\xa0000\xa0₽'
    assert text_of(user, f'count-{board["Подготовка договора"].id}') == '0'
    await user.should_see('7\xa0500\xa0000\xa0₽')  # the card's amount


async def test_moving_a_deal_with_the_click_path(user: User, db):
    anna = make_user(db, 'anna')
    deal_id = book(db, anna, 'Иванов Иван', '+79120000001', 5_000_000)
    target = stages(db, 'deals')['Договор подписан']
    await open_deals(user, 'anna')
    user.find(marker=f'deal-{deal_id}').trigger('move')
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', target.id)
    user.find(marker='dialog-ok').click()
    await eventually(lambda: stage_of(db, deal_id) == target.id)
    await eventually(lambda: column_of(user, deal_id) == target.id)
    await eventually(lambda: text_of(user, f'sum-{target.id}') == '5\xa0000\xa0000\xa0₽')


async def test_cancelling_a_booking_asks_for_a_reason(user: User, db):
    anna = make_user(db, 'anna')
    deal_id = book(db, anna, 'Иванов Иван', '+79120000001', 5_000_000)
    cancelled = stages(db, 'deals')['Бронь снята']
    await open_deals(user, 'anna')
    user.find(marker=f'deal-{deal_id}').trigger('move')
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', cancelled.id)
    user.find(marker='dialog-ok').click()
    await user.should_see('Выберите причину')
    assert stage_of(db, deal_id) != cancelled.id
    pick(user, 'move-reason', cancelled.reasons[0].id)
    user.find(marker='dialog-ok').click()
    await eventually(lambda: stage_of(db, deal_id) == cancelled.id)
    await eventually(lambda: column_of(user, deal_id) is None)
    await eventually(lambda: text_of(user, f'count-{cancelled.id}') == '1')
    with db.read() as session:
        assert session.get(Deal, deal_id).closing_reason_id == cancelled.reasons[0].id


async def test_a_move_by_one_user_appears_live_for_a_colleague(create_user, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    make_user(db, 'head', role='head')
    make_user(db, 'hidden', can_see_others=False)
    deal_id = book(db, anna, 'Живой Клиент', '+79120000001', 3_000_000)
    board = stages(db, 'deals')
    target = board['Регистрация договора']
    head_browser, hidden_browser = create_user(), create_user()
    await open_deals(head_browser, 'head')
    await open_deals(hidden_browser, 'hidden')
    assert column_of(head_browser, deal_id) == board['Бронь поставлена'].id
    assert column_of(hidden_browser, deal_id) is None
    with db.write() as session:  # Anna moves it from her own tab
        deal_board.move_deal(session, actor=anna, deal_id=deal_id, stage_id=target.id)
    await eventually(lambda: column_of(head_browser, deal_id) == target.id)
    await head_browser.should_see('Анна Смирнова')  # the card flashes with who moved it
    await eventually(lambda: text_of(head_browser, f'count-{target.id}') == '1')
    await eventually(lambda: text_of(head_browser, f'sum-{target.id}') == '3\xa0000\xa0000\xa0₽')
    assert text_of(head_browser, f'count-{board["Бронь поставлена"].id}') == '0'
    await asyncio.sleep(0.3)
    assert column_of(hidden_browser, deal_id) is None
    assert text_of(hidden_browser, f'count-{target.id}') == '0'


async def test_a_new_booking_appears_live_on_the_deals_board(create_user, db):
    anna = make_user(db, 'anna')
    make_user(db, 'head', role='head')
    head_browser = create_user()
    await open_deals(head_browser, 'head')
    deal_id = book(db, anna, 'Новая Бронь', '+79120000009', 6_100_000)
    await eventually(lambda: column_of(head_browser, deal_id) == stages(db, 'deals')['Бронь поставлена'].id)


async def test_the_deal_window_shows_its_feed_takes_a_comment_and_leads_to_the_client(user: User, db):
    anna = make_user(db, 'anna')
    deal_id = book(db, anna, 'Оконный Клиент', '+79120000001', 5_000_000)
    await open_deals(user, 'anna')
    user.find(marker=f'deal-{deal_id}').trigger('open')
    await user.should_see(marker='deal-window-name')
    await user.should_see('Бронь: кв. 45, 5 000 000')  # the booking starts the deal's feed
    pick(user, 'deal-comment-box', 'Ждём одобрения банка')
    user.find(marker='deal-comment-send').click()
    await user.should_see('Ждём одобрения банка')
    user.find(marker='deal-open-client').click()
    await user.should_see(marker='window-name')
    await user.should_see(marker=f'open-deal-{deal_id}')


async def test_a_link_opens_the_deal_window_directly(user: User, db):
    anna = make_user(db, 'anna')
    deal_id = book(db, anna, 'По Ссылке', '+79120000001', 5_000_000)
    await log_in(user, 'anna')
    await user.open(f'/deals?deal={deal_id}')
    await user.should_see(marker='deal-window-name')
    await user.should_see('Сделка: По Ссылке')


async def test_a_colleagues_deal_cannot_be_moved(user: User, db):
    make_user(db, 'anna')
    boris = make_user(db, 'boris', name='Борис Колесников')
    deal_id = book(db, boris, 'Чужой', '+79120000001', 5_000_000)
    await open_deals(user, 'anna')
    user.find(marker=f'deal-{deal_id}').trigger('move')  # the menu hides «Переместить…», a crafted event arrives
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', stages(db, 'deals')['Договор подписан'].id)
    user.find(marker='dialog-ok').click()
    await user.should_see('может изменять только ответственный — Борис Колесников')
    assert stage_of(db, deal_id) == stages(db, 'deals')['Бронь поставлена'].id
