"""The incoming call pop-up: telephony posts a call, the responsible manager's tab opens the client at once and
keeps it open until the outcome of the call is written."""

import asyncio

from nicegui import ElementFilter
from nicegui.testing import User
from sqlmodel import select

from app.domain.clients import leads
from app.domain.models import Client, ClientPhone, FeedEntry
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick


def window_open(user: User) -> bool:
    with user:
        return any(dialog.value for dialog in ElementFilter(marker='client-window'))


def call(db, actor, phone: str, touch_type: str = 'call') -> None:
    """What telephony's POST /api/v1/leads does."""
    with db.write() as session:
        leads.receive_lead(session, actor=actor, name='', phone=phone, channel='Звонок', touch_type=touch_type)


def blocks_escape(user: User) -> bool:
    """Quasar's persistent dialog: Escape and a click outside do not close it."""
    with user:
        return bool(next(iter(ElementFilter(marker='client-window'))).props.get('persistent'))


def comments(db, client_id: int) -> list[tuple[str, int]]:
    with db.read() as session:
        rows = session.exec(
            select(FeedEntry.text, FeedEntry.author_id).where(
                FeedEntry.client_id == client_id, FeedEntry.kind == 'comment'
            )
        )
        return list(rows)


async def test_a_call_opens_the_client_in_the_responsibles_tab_only_and_asks_for_the_outcome(create_user, db):
    anna = make_user(db, 'anna', name='Анна')
    make_user(db, 'boris', name='Борис')  # sees every client, but is not the responsible
    telephony = make_user(db, 'telephony', role='admin')
    client = make_client(db, anna, name='Звонящий Клиент', phone='+79120000001')
    anna_tab, boris_tab = create_user(), create_user()
    await log_in(anna_tab, 'anna')
    await log_in(boris_tab, 'boris')

    call(db, telephony, '8 (912) 000-00-01')

    await eventually(lambda: window_open(anna_tab))
    await anna_tab.should_see('Входящий звонок: +79120000001')
    await anna_tab.should_see(marker='call-banner')
    with anna_tab:
        assert next(iter(ElementFilter(marker='window-name'))).text == 'Звонящий Клиент'
    await asyncio.sleep(0.3)
    assert not window_open(boris_tab)

    anna_tab.find(marker='window-close').click()  # the close button is refused
    await anna_tab.should_see('Сначала запишите итог звонка: комментарий в ленте клиента')
    assert blocks_escape(anna_tab)
    anna_tab.find(marker='client-window').trigger('shake')  # Escape or a click outside: refused as well
    assert window_open(anna_tab)

    pick(anna_tab, 'comment-box', 'Хочет двушку, перезвонить завтра')
    anna_tab.find(marker='comment-send').click()
    await anna_tab.should_see('Итог звонка записан, окно можно закрыть')
    assert not blocks_escape(anna_tab)
    anna_tab.find(marker='window-close').click()
    await eventually(lambda: not window_open(anna_tab))
    assert comments(db, client.id) == [('Хочет двушку, перезвонить завтра', anna.id)]


async def test_a_call_from_a_new_number_opens_the_new_client_for_its_responsible(user: User, db):
    anna = make_user(db, 'anna')
    telephony = make_user(db, 'telephony', role='admin')
    with db.write() as session:
        leads.set_lead_distribution(session, mode='fixed', user_id=anna.id)
    await log_in(user, 'anna')

    call(db, telephony, '+7 913 555 44 33')

    await eventually(lambda: window_open(user))
    await user.should_see('Входящий звонок: +79135554433')
    with db.read() as session:
        client = session.exec(select(Client).join(ClientPhone).where(ClientPhone.number == '+79135554433')).one()
    with user:
        assert next(iter(ElementFilter(marker='window-name'))).text == client.name
    user.find(marker='window-close').click()
    await user.should_see('Сначала запишите итог звонка: комментарий в ленте клиента')
    assert window_open(user)


async def test_a_request_that_is_not_a_call_opens_nothing(user: User, db):
    anna = make_user(db, 'anna')
    make_client(db, anna, phone='+79120000001')
    await log_in(user, 'anna')
    call(db, anna, '+79120000001', touch_type='request')
    await asyncio.sleep(0.3)
    assert not window_open(user)


async def test_the_outcome_written_in_another_tab_releases_every_tab(create_user, db):
    anna = make_user(db, 'anna')
    telephony = make_user(db, 'telephony', role='admin')
    client = make_client(db, anna, name='Звонящий Клиент', phone='+79120000001')
    first, second = create_user(), create_user()
    await log_in(first, 'anna')
    await log_in(second, 'anna')

    call(db, telephony, '+79120000001')
    await eventually(lambda: window_open(first) and window_open(second))

    pick(first, 'comment-box', 'Договорились о показе')
    first.find(marker='comment-send').click()
    await second.should_see('Итог звонка записан, окно можно закрыть')
    second.find(marker='window-close').click()
    await eventually(lambda: not window_open(second))
    assert [text for text, _ in comments(db, client.id)] == ['Договорились о показе']
