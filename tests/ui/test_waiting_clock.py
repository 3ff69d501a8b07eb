"""The waiting clock on a card: a lead from outside shows how long it has waited for a person, live, and loses its
clock the moment someone acts on it; admins set the two thresholds under Settings → «Автоматизация»."""

from datetime import timedelta

from nicegui import ElementFilter
from nicegui.testing import User
from sqlmodel import select

from app.domain.clients import feed, leads
from app.domain.clients.speed_to_lead import set_waiting_thresholds, waiting_thresholds
from app.domain.models import Request
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, tabs_of
from tests.ui.test_settings_automation import open_automation


def card_wait(user: User, client_id: int):
    """What the card in this browser says about the wait: its props (None: no clock on it)."""
    with user:
        (card,) = ElementFilter(marker=f'card-{client_id}')
        return card.props['card']['wait']


async def test_a_lead_waits_on_its_card_and_the_clock_goes_when_a_person_comments(user: User, db):
    anna = make_user(db, 'anna', name='Анна')
    site = make_user(db, 'site', role='admin', name='Сайт')
    with db.write() as session:
        lead = leads.receive_lead(session, actor=site, name='Лид с сайта', phone='+79120000001')
        request = session.exec(select(Request).where(Request.client_id == lead.client_id)).one()
        request.created_at -= timedelta(hours=2)  # it came two hours ago
    walk_in = make_client(db, anna, name='Пришёл в офис', phone='+79120000002')
    await log_in(user, 'anna')
    await user.should_see('Лид с сайта')
    wait = card_wait(user, lead.client_id)
    assert wait is not None and wait['s'] >= 0 and wait['at'] > 0
    assert card_wait(user, walk_in.id) is None  # entered by a person: nothing to wait for
    with db.write() as session:
        feed.add_comment(session, actor=anna, client_id=lead.client_id, text='Позвонила, договорились на пятницу')
    await eventually(lambda: card_wait(user, lead.client_id) is None)


async def test_the_board_ticks_on_the_account_thresholds_and_working_hours(user: User, db):
    anna = make_user(db, 'anna', name='Анна')
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        set_waiting_thresholds(session, actor=admin, warn=20, alarm=45)
    await log_in(user, 'anna')
    (board,) = tabs_of(anna.id)
    assert (board.clock.warn_minutes, board.clock.alarm_minutes) == (20, 45)
    assert board.clock.windows and all(opens < closes for opens, closes in board.clock.windows)


async def test_an_admin_sets_the_waiting_thresholds_and_a_wrong_pair_is_refused(user: User, db):
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_automation(user)
    await user.should_see(marker='waiting-clock')
    for marker, value in (('waiting-warn', 10), ('waiting-alarm', 30)):
        with user:
            next(iter(user.find(marker=marker).elements)).set_value(value)
    user.find(marker='waiting-save').click()
    await eventually(lambda: _thresholds(db) == (10, 30))
    with user:
        next(iter(user.find(marker='waiting-warn').elements)).set_value(40)
    user.find(marker='waiting-save').click()
    await user.should_see('Второй порог должен быть больше первого')
    assert _thresholds(db) == (10, 30)


def _thresholds(db) -> tuple[int, int]:
    with db.read() as session:
        return waiting_thresholds(session)
