"""Telephony's calls on the screens: the pop-up opens for the manager who answered, the feed and the calls tab play
the recording from the provider, and the admin gives each desk phone its internal number."""

import asyncio

from nicegui import ElementFilter
from nicegui.testing import User
from sqlmodel import select

from app.domain.account import admin_users
from app.domain.integrations import calls
from app.domain.models import Call
from app.domain.models import User as Account
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick
from tests.ui.test_client_window import _open as open_window
from tests.ui.test_incoming_call import window_open

RECORDING = 'https://records.example-pbx.ru/2024/05/call-77.mp3'


def report(db, actor, **fields) -> None:
    """What telephony's POST /api/v1/calls does."""
    fields.setdefault('call_id', 'pbx-1')
    fields.setdefault('direction', 'incoming')
    fields.setdefault('phone', '+79120000001')
    with db.write() as session:
        calls.log_call(session, actor=actor, **fields)


def players(user: User) -> list:
    with user:
        return [element for element in ElementFilter(kind=None) if element.tag == 'audio']


async def test_the_pop_up_opens_for_the_manager_who_answered_not_for_the_responsible(create_user, db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna', name='Анна')
    boris = make_user(db, 'boris', name='Борис')
    telephony = make_user(db, 'telephony', role='admin')
    with db.write() as session:
        admin_users.update_user(session, actor=admin, user_id=boris.id, internal_number='102')
    make_client(db, anna, name='Звонящий Клиент', phone='+79120000001')
    anna_tab, boris_tab = create_user(), create_user()
    await log_in(anna_tab, 'anna')
    await log_in(boris_tab, 'boris')

    report(db, telephony, manager='102')

    await eventually(lambda: window_open(boris_tab))
    await boris_tab.should_see('Входящий звонок: +79120000001')
    await asyncio.sleep(0.3)
    assert not window_open(anna_tab)

    report(db, telephony, call_id='pbx-2', phone='+79120000001')  # nobody named: the responsible's
    await eventually(lambda: window_open(anna_tab))


async def test_the_feed_and_the_calls_tab_play_the_recording_from_the_provider(user: User, db):
    anna = make_user(db, 'anna')
    telephony = make_user(db, 'telephony', role='admin')
    client = make_client(db, anna, name='Звонящий Клиент', phone='+79120000001')
    report(db, telephony, direction='outgoing', manager='anna', duration_s=75, recording_url=RECORDING)
    await open_window(user, 'anna', client.id)
    await user.should_see('Исходящий звонок: +79120000001 · 1:15 · Anna', retries=100)
    with db.read() as session:
        call = session.exec(select(Call)).one()
    await user.should_see(marker=f'feed-recording-{call.feed_entry_id}')
    # the feed's player and the calls tab's: nothing loads before play, from the provider's URL
    assert [(p.props['src'], p.props['preload'], p.props['controls']) for p in players(user)] == [
        (RECORDING, 'none', True)
    ] * 2
    user.find(marker='tab-calls').click()
    await user.should_see(marker=f'call-recording-{call.id}', retries=100)


async def test_a_call_without_a_recording_shows_no_player(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna, phone='+79120000001')
    report(db, anna, direction='missed')
    await open_window(user, 'anna', client.id)
    await user.should_see('Пропущенный звонок: +79120000001', retries=100)
    assert players(user) == []
    user.find(marker='tab-calls').click()
    await user.should_see('Записи нет', retries=100)


async def test_the_admin_sets_an_internal_number_and_a_taken_one_is_refused(user: User, db):
    make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris')
    await log_in(user, 'root')
    await user.open('/settings')
    await user.should_see(marker=f'user-edit-{anna.id}', retries=100)
    user.find(marker=f'user-edit-{anna.id}').click()
    await user.should_see(marker='edit-user-internal-number', retries=100)
    pick(user, 'edit-user-internal-number', '101')
    user.find(marker='edit-user-save').click()
    await eventually(lambda: stored_number(db, 'anna') == '101')
    await user.should_see('anna · вн. 101', retries=100)

    user.find(marker=f'user-edit-{boris.id}').click()
    await user.should_see(marker='edit-user-internal-number', retries=100)
    pick(user, 'edit-user-internal-number', '101')
    user.find(marker='edit-user-save').click()
    await user.should_see('Внутренний номер 101 уже у пользователя Анна Смирнова', retries=100)
    assert stored_number(db, 'boris') is None


def stored_number(db, login: str) -> str | None:
    with db.read() as session:
        return session.exec(select(Account.internal_number).where(Account.login == login)).one()
