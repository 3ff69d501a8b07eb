"""Telephony's calls as the CRM keeps them: requests for incoming and missed ones, a call-back for a missed one,
one call per provider id however often reported, the pop-up for whoever answered, recordings for those who may
see the client only."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.domain.account import admin_users
from app.domain.clients import clients, tasks
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.events import CallLogged, IncomingCall, bus
from app.domain.integrations import calls
from app.domain.models import Call, Client, ClientPhone, FeedEntry, Request, Task
from tests.factories import make_client, make_user, stages

RECORDING = 'https://records.example-pbx.ru/2024/05/call-77.mp3'


@pytest.fixture
def heard():
    events: list = []
    unsubscribe = bus.subscribe(lambda event: events.append(event))
    yield events
    unsubscribe()


@pytest.fixture
def team(db):
    admin = make_user(db, 'admin', role='admin')
    telephony = make_user(db, 'telephony', role='admin')
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Петров')
    with db.write() as session:
        admin_users.update_user(session, actor=admin, user_id=boris.id, internal_number='102')
    return {'admin': admin, 'telephony': telephony, 'anna': anna, 'boris': boris}


def log(db, actor, **report):
    report.setdefault('call_id', 'c-1')
    report.setdefault('direction', 'incoming')
    report.setdefault('phone', '+79120000001')
    with db.write() as session:
        return calls.log_call(session, actor=actor, **report)


def rows(db, model, **where):
    with db.read() as session:
        query = select(model)
        for field, value in where.items():
            query = query.where(getattr(model, field) == value)
        return list(session.exec(query))


def test_an_incoming_call_is_a_request_and_a_feed_entry_with_its_recording(db, team):
    client = make_client(db, team['anna'], phone='+79120000001')
    result = log(db, team['telephony'], phone='8 912 000-00-01', duration_s=135, manager='102', recording_url=RECORDING)
    assert (result.status, result.client_id) == ('logged', client.id)
    [request] = rows(db, Request, client_id=client.id, source='integration')
    [call] = rows(db, Call, client_id=client.id)
    assert (call.direction, call.phone, call.duration_s, call.user_id) == (
        'incoming',
        '+79120000001',
        135,
        team['boris'].id,
    )
    assert call.request_id == request.id
    [entry] = rows(db, FeedEntry, client_id=client.id, kind='call')
    assert entry.text == 'Входящий звонок: +79120000001 · 2:15 · Борис Петров'
    with db.read() as session:
        detail = clients.get_client(session, actor=team['anna'], client_id=client.id)
    assert [(c.direction, c.recording_url, c.user_name) for c in detail.calls] == [
        ('incoming', RECORDING, 'Борис Петров')
    ]
    assert next(e for e in detail.feed if e.kind == 'call').text_for('en') == (
        'Incoming call: +79120000001 · 2:15 · Борис Петров'
    )


def test_an_outgoing_call_is_no_request_and_one_to_an_unknown_number_is_skipped(db, team):
    client = make_client(db, team['anna'], phone='+79120000001')
    assert log(db, team['telephony'], direction='outgoing', manager='anna').status == 'logged'
    assert rows(db, Request, client_id=client.id, source='integration') == []
    [call] = rows(db, Call, client_id=client.id)
    assert (call.direction, call.user_id) == ('outgoing', team['anna'].id)
    skipped = log(db, team['telephony'], call_id='c-2', direction='outgoing', phone='+79990001122')
    assert (skipped.status, skipped.call_id) == ('skipped', None)
    assert rows(db, ClientPhone, number='+79990001122') == []


def test_a_missed_call_of_a_known_client_asks_its_responsible_to_call_back_once_while_open(db, team):
    client = make_client(db, team['anna'], phone='+79120000001')
    log(db, team['telephony'], direction='missed')
    log(db, team['telephony'], call_id='c-2', direction='missed')
    [task] = rows(db, Task, client_id=client.id)
    assert (task.assignee_id, task.type, task.done) == (team['anna'].id, 'call', False)
    assert task.title == 'Перезвонить: пропущенный звонок с +79120000001'
    assert len(rows(db, Request, client_id=client.id, source='integration')) == 2
    with db.write() as session:
        tasks.complete_task(session, actor=team['anna'], client_id=client.id, task_id=task.id)
    log(db, team['telephony'], call_id='c-3', direction='missed')
    assert len([t for t in rows(db, Task, client_id=client.id) if not t.done]) == 1


def test_a_missed_call_from_an_unknown_number_makes_a_new_client_in_the_first_stage(db, team):
    result = log(db, team['telephony'], direction='missed', phone='+79135554433')
    with db.read() as session:
        client = session.get(Client, result.client_id)
    assert client.stage_id == stages(db)['Не разобрано'].id
    assert (client.touch_type, client.creation_method) == ('call', 'integration')
    [request] = rows(db, Request, client_id=client.id)
    assert (request.touch_type, request.is_first) == ('call', True)
    assert len(rows(db, Task, client_id=client.id)) == 1


def test_the_same_call_reported_again_is_one_call_completed_by_the_later_report(db, team, heard):
    client = make_client(db, team['anna'], phone='+79120000001')
    first = log(db, team['telephony'])
    again = log(db, team['telephony'])
    later = log(db, team['telephony'], duration_s=61, recording_url=RECORDING, manager='102')
    assert (first.status, again.status, later.status) == ('logged', 'unchanged', 'completed')
    assert first.call_id == later.call_id
    [call] = rows(db, Call, client_id=client.id)
    assert (call.duration_s, call.recording_url, call.user_id) == (61, RECORDING, team['boris'].id)
    assert len(rows(db, Request, client_id=client.id, source='integration')) == 1
    [entry] = rows(db, FeedEntry, client_id=client.id, kind='call')
    assert entry.text == 'Входящий звонок: +79120000001 · 1:01 · Борис Петров'
    logged = [(e.call_id, e.what) for e in heard if isinstance(e, CallLogged)]
    assert logged == [(call.id, 'logged'), (call.id, 'completed')]
    assert len([e for e in heard if isinstance(e, IncomingCall)]) == 1  # the pop-up once


def test_an_unanswered_call_reported_as_missed_later_asks_for_a_call_back(db, team):
    client = make_client(db, team['anna'], phone='+79120000001')
    log(db, team['telephony'])
    assert log(db, team['telephony'], direction='missed').status == 'completed'
    assert rows(db, Call, client_id=client.id)[0].direction == 'missed'
    assert len(rows(db, Task, client_id=client.id)) == 1


def test_a_later_report_contradicting_the_call_is_a_conflict(db, team):
    make_client(db, team['anna'], phone='+79120000001')
    log(db, team['telephony'])
    with pytest.raises(Conflict):
        log(db, team['telephony'], phone='+79120000002')
    with pytest.raises(Conflict):
        log(db, team['telephony'], direction='outgoing')


def test_call_ids_are_per_integration_user(db, team):
    client = make_client(db, team['anna'], phone='+79120000001')
    log(db, team['telephony'])
    log(db, team['admin'])
    assert len(rows(db, Call, client_id=client.id)) == 2


def test_the_pop_up_goes_to_the_manager_who_answered_else_to_the_responsible(db, team, heard):
    make_client(db, team['anna'], phone='+79120000001')
    log(db, team['telephony'], manager='102')
    log(db, team['telephony'], call_id='c-2', manager='BORIS')
    log(db, team['telephony'], call_id='c-3')
    log(db, team['telephony'], call_id='c-4', manager='999')  # nobody's number: the responsible's pop-up
    pop_ups = [e.taken_by_id for e in heard if isinstance(e, IncomingCall)]
    assert pop_ups == [team['boris'].id, team['boris'].id, team['anna'].id, team['anna'].id]


def test_the_pop_up_stays_with_the_responsible_when_the_answerer_may_not_see_the_client(db, team, heard):
    make_user(db, 'vera', can_see_others=False)
    with db.write() as session:
        vera = session.exec(select(admin_users.User).where(admin_users.User.login == 'vera')).one()
        admin_users.update_user(session, actor=team['admin'], user_id=vera.id, internal_number='103')
    make_client(db, team['anna'], phone='+79120000001')
    log(db, team['telephony'], manager='103')
    assert [e.taken_by_id for e in heard if isinstance(e, IncomingCall)] == [team['anna'].id]


def test_a_missed_call_opens_no_pop_up_and_nothing_is_announced_before_commit(db, team, heard):
    make_client(db, team['anna'], phone='+79120000001')
    heard.clear()
    with db.write() as session:
        calls.log_call(session, actor=team['telephony'], call_id='c-1', direction='missed', phone='+79120000001')
        assert heard == []
    assert not any(isinstance(e, IncomingCall) for e in heard)


def test_the_recording_is_hidden_from_a_user_who_may_not_see_the_client(db, team):
    client = make_client(db, team['anna'], phone='+79120000001')
    log(db, team['telephony'], recording_url=RECORDING)
    loner = make_user(db, 'loner', can_see_others=False)
    with db.read() as session, pytest.raises(NotFound):
        clients.get_client(session, actor=loner, client_id=client.id)
    # the feed entry itself holds no URL: only the window's read of a visible client brings it
    [entry] = rows(db, FeedEntry, client_id=client.id, kind='call')
    assert RECORDING not in str(entry.data) + entry.text


def test_a_token_owner_who_may_not_see_the_client_learns_no_ids(db, team):
    make_client(db, team['anna'], phone='+79120000001')
    pbx = make_user(db, 'pbx', can_see_others=False)
    result = log(db, pbx, recording_url=RECORDING)
    assert (result.status, result.call_id, result.client_id) == ('logged', None, None)


@pytest.mark.parametrize(
    'report',
    [
        {'recording_url': 'javascript:alert(1)'},
        {'recording_url': '/static/own-file.mp3'},
        {'recording_url': 'ftp://pbx.example.ru/1.mp3'},
        {'recording_url': 'https://user:secret@pbx.example.ru/1.mp3'},
        {'recording_url': 'http://127.0.0.1:8080/api/v1/clients'},
        {'recording_url': 'http://localhost/1.mp3'},
        {'recording_url': 'http://[::1]/1.mp3'},
        {'recording_url': 'https://pbx.example.ru/' + 'a' * 2100},
        {'direction': 'sideways'},
        {'duration_s': -1},
        {'duration_s': 90_000},
        {'call_id': '   '},
        {'call_id': 'x' * 129},
        {'phone': 'not a phone'},
        {'manager': '1' * 65},
        {'started_at': datetime(1800, 1, 1, tzinfo=UTC)},
    ],
)
def test_bad_reports_are_refused_and_change_nothing(db, team, report):
    with pytest.raises(InvalidInput):
        log(db, team['telephony'], **report)
    assert rows(db, Call) == [] and rows(db, Request) == []


def test_an_internal_number_is_unique_among_active_users_and_freed_by_deactivation(db, team):
    admin, boris = team['admin'], team['boris']
    with db.write() as session, pytest.raises(InvalidInput) as refused:
        admin_users.update_user(session, actor=admin, user_id=team['anna'].id, internal_number='102')
    assert refused.value.message('ru') == 'Внутренний номер 102 уже у пользователя Борис Петров'
    with db.write() as session, pytest.raises(InvalidInput):
        admin_users.update_user(session, actor=admin, user_id=team['anna'].id, internal_number='10a')
    with db.write() as session:
        admin_users.deactivate(session, actor=admin, user_id=boris.id)
        row = admin_users.update_user(session, actor=admin, user_id=team['anna'].id, internal_number=' 102 ')
    assert row.internal_number == '102'
    with db.write() as session:
        returned = admin_users.reactivate(session, actor=admin, user_id=boris.id)
    assert returned.internal_number == ''  # the desk is Anna's now


def test_a_manager_may_not_set_internal_numbers(db, team):
    with db.write() as session, pytest.raises(PermissionDenied):
        admin_users.update_user(session, actor=team['anna'], user_id=team['anna'].id, internal_number='105')


def test_the_same_call_reported_at_the_same_moment_is_still_one_call(db, team):
    client = make_client(db, team['anna'], phone='+79120000001')
    barrier = threading.Barrier(4)

    def post(n: int) -> str:
        barrier.wait()
        with db.write() as session:
            return calls.log_call(
                session, actor=team['telephony'], call_id='same', direction='incoming', phone='+79120000001'
            ).status

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(post, range(4)))
    assert statuses == ['logged', 'unchanged', 'unchanged', 'unchanged']
    assert len(rows(db, Call, client_id=client.id)) == 1
    assert len(rows(db, Request, client_id=client.id, source='integration')) == 1
