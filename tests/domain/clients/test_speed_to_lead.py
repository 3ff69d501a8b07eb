"""Speed to lead: a lead from outside waits for a person's first action on its client; that action (a comment, a
move, a task, a bulk action, an outgoing call) keeps the wait in working seconds and whose lead it was. Requests
a person enters, and what rules or the lead intake do, stop no clock."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select, update

from app.domain.account.working_hours import WorkingHours, working_hours
from app.domain.clients import bulk, clients, feed, leads, tasks
from app.domain.clients.cards import build_cards
from app.domain.clients.speed_to_lead import set_waiting_thresholds, waiting_clock, waiting_thresholds
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.integrations import calls
from app.domain.models import Client, Request, utcnow
from tests.factories import make_client, make_user, stages

BERLIN = ZoneInfo('Europe/Berlin')
WEEKDAYS = WorkingHours(frozenset(range(5)), time(9), time(18), BERLIN)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_working_seconds_count_only_the_working_hours_across_a_weekend():
    # Friday 17:50 to Monday 9:20: ten minutes on Friday, twenty on Monday
    assert WEEKDAYS.working_seconds(local(2024, 5, 17, 17, 50), local(2024, 5, 20, 9, 20)) == 30 * 60
    assert WEEKDAYS.working_seconds(local(2024, 5, 18, 12, 0), local(2024, 5, 19, 12, 0)) == 0  # the weekend
    assert WEEKDAYS.working_seconds(local(2024, 5, 14, 11, 0), local(2024, 5, 14, 10, 0)) == 0  # backwards


def test_working_seconds_across_the_daylight_saving_change_are_real_seconds():
    # Berlin springs forward on Sunday 31 March 2024: Friday 17:45 to Monday 9:15 is still 15 + 15 minutes
    assert WEEKDAYS.working_seconds(local(2024, 3, 29, 17, 45), local(2024, 4, 1, 9, 15)) == 30 * 60
    always = WorkingHours(frozenset(range(7)), time(0), time(23, 59), BERLIN)
    # 1:30 to 3:30 local on the night of the change is one real hour
    assert always.working_seconds(local(2024, 3, 31, 1, 30), local(2024, 3, 31, 3, 30)) == 3600


def test_the_working_windows_are_cut_to_the_asked_span():
    windows = WEEKDAYS.windows_between(local(2024, 5, 17, 17, 0), local(2024, 5, 20, 10, 0))
    assert windows == [
        (local(2024, 5, 17, 17, 0), local(2024, 5, 17, 18, 0)),
        (local(2024, 5, 20, 9), local(2024, 5, 20, 10)),
    ]


@pytest.fixture
def team(db):
    return {
        'admin': make_user(db, 'admin', role='admin'),
        'site': make_user(db, 'site', role='admin', name='Сайт'),  # the integration's token user
        'anna': make_user(db, 'anna', name='Анна'),
        'boris': make_user(db, 'boris', name='Борис'),
    }


def lead(db, team, phone='+79120000001', name='Лид'):
    with db.write() as session:
        return leads.receive_lead(session, actor=team['site'], name=name, phone=phone)


def requests_of(db, client_id: int) -> list[Request]:
    with db.read() as session:
        return list(session.exec(select(Request).where(Request.client_id == client_id).order_by(Request.id)))


def waiting_on_card(db, actor, client_id: int):
    with db.read() as session:
        return build_cards(session, actor, [session.get(Client, client_id)])[0].waiting


def backdate(db, client_id: int, minutes: int) -> None:
    """The client's requests arrived `minutes` earlier than they did."""
    with db.write() as session:
        for request in session.exec(select(Request).where(Request.client_id == client_id)):
            request.created_at = request.created_at - timedelta(minutes=minutes)
            session.add(request)


def hand_to(db, team, client_id: int, user) -> None:
    with db.write() as session:
        session.execute(update(Client).where(Client.id == client_id).values(responsible_id=user.id))


def test_a_lead_waits_until_a_person_comments_and_keeps_the_wait_and_whose_lead_it_was(db, team):
    result = lead(db, team)
    hand_to(db, team, result.client_id, team['anna'])
    backdate(db, result.client_id, 20)
    waiting = waiting_on_card(db, team['anna'], result.client_id)
    (request,) = requests_of(db, result.client_id)
    assert request.awaits_action and waiting.since == request.created_at
    with db.read() as session:
        assert waiting.seconds == working_hours(session).working_seconds(request.created_at, waiting.as_of)
    with db.write() as session:
        feed.add_comment(session, actor=team['boris'], client_id=result.client_id, text='Перезвоню после обеда')
    (request,) = requests_of(db, result.client_id)
    with db.read() as session:
        handled = session.get(Client, result.client_id).handled_at
        expected = working_hours(session).working_seconds(request.created_at, handled)
    assert (request.awaits_action, request.first_action_at, request.wait_s) == (False, handled, expected)
    assert request.handled_for_id == team['anna'].id  # her lead, whoever touched it first
    assert waiting_on_card(db, team['anna'], result.client_id) is None
    # a later action changes nothing: the first one is what was measured
    with db.write() as session:
        feed.add_comment(session, actor=team['anna'], client_id=result.client_id, text='Дозвонилась')
    assert requests_of(db, result.client_id)[0].first_action_at == handled


def test_a_second_request_waits_on_its_own_and_the_card_counts_from_the_oldest_waiting(db, team):
    first = lead(db, team)
    backdate(db, first.client_id, 30)
    lead(db, team)
    older, newer = requests_of(db, first.client_id)
    assert older.awaits_action and newer.awaits_action
    assert waiting_on_card(db, team['admin'], first.client_id).since == older.created_at
    with db.write() as session:
        tasks.add_task(
            session,
            actor=team['admin'],
            client_id=first.client_id,
            title='Позвонить',
            due_at=utcnow() + timedelta(hours=1),
        )
    assert [r.awaits_action for r in requests_of(db, first.client_id)] == [False, False]


def test_a_request_reopening_a_closed_client_waits_for_a_person_too(db, team):
    client = make_client(db, team['admin'])
    trash = stages(db)['Не лид (корзина)']
    with db.write() as session:
        clients.move_client(
            session, actor=team['admin'], client_id=client.id, stage_id=trash.id, reason_id=trash.reasons[0].id
        )
    lead(db, team)
    manual, reopening = requests_of(db, client.id)
    assert not manual.awaits_action and manual.wait_s is None  # entered by a person: handled as it was entered
    assert reopening.awaits_action  # the reopening it caused is not a person's action
    assert waiting_on_card(db, team['admin'], client.id) is not None


def test_a_bulk_move_stops_the_clocks_of_every_moved_client(db, team):
    ids = [lead(db, team, phone=f'+7912000000{n}').client_id for n in range(1, 4)]
    target = stages(db)['Назначение встречи']
    with db.write() as session:
        bulk.bulk_move(session, actor=team['admin'], selection=bulk.Selection(client_ids=ids[:2]), stage_id=target.id)
    assert [requests_of(db, i)[0].awaits_action for i in ids] == [False, False, True]
    assert all(requests_of(db, i)[0].wait_s is not None for i in ids[:2])


def test_an_outgoing_call_by_a_person_stops_the_clock_at_the_call_and_one_nobody_made_does_not(db, team):
    result = lead(db, team)
    backdate(db, result.client_id, 60)
    with db.write() as session:
        calls.log_call(session, actor=team['site'], call_id='out-0', direction='outgoing', phone='+79120000001')
    assert requests_of(db, result.client_id)[0].awaits_action  # no person known: the PBX dialled by itself
    started = utcnow() - timedelta(minutes=5)
    with db.write() as session:
        calls.log_call(
            session,
            actor=team['site'],
            call_id='out-1',
            direction='outgoing',
            phone='+79120000001',
            started_at=started,
            manager='anna',
        )
    (request,) = requests_of(db, result.client_id)
    assert not request.awaits_action and request.first_action_at == started.astimezone(UTC)
    with db.read() as session:
        assert session.get(Client, result.client_id).handled_at == request.first_action_at


def test_the_admin_sets_the_two_thresholds_and_bad_ones_are_refused(db, team):
    with db.read() as session:
        assert waiting_thresholds(session) == (15, 60)
    with db.write() as session:
        set_waiting_thresholds(session, actor=team['admin'], warn=10, alarm=30)
    with db.read() as session:
        clock = waiting_clock(session)
    assert (clock.warn_minutes, clock.alarm_minutes) == (10, 30)
    for warn, alarm in ((30, 10), (0, 10), (10, 10**6)):
        with db.write() as session, pytest.raises(InvalidInput):
            set_waiting_thresholds(session, actor=team['admin'], warn=warn, alarm=alarm)
    with db.write() as session, pytest.raises(PermissionDenied):
        set_waiting_thresholds(session, actor=team['anna'], warn=5, alarm=10)
    with db.read() as session:
        assert waiting_thresholds(session) == (10, 30)
