"""Timed rules: a client waiting in a stage longer than N working minutes, from the durable table of due
actions: once per stay, void after a move, caught up after a restart, and once with two workers on PostgreSQL."""

import os
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.account.working_hours import set_working_hours, working_hours
from app.domain.automation.notifications import my_notifications
from app.domain.automation.timed import Scheduler, run_due_actions
from app.domain.clients import clients, feed
from app.domain.db import Database
from app.domain.models import AutomationLog, Client, DueAction, utcnow
from tests.factories import make_client, make_user


@pytest.fixture
def untouched_rule(db, admin, add_rule):
    """The shipped default: a lead untouched in «Не разобрано» for 30 working minutes notifies the heads."""
    return add_rule(
        'Не разобрано',
        'waiting',
        'notify',
        name='Лид ждёт',
        wait_minutes=30,
        params={'recipient': 'heads', 'untouched_only': True},
    )


@pytest.fixture
def head(db):
    return make_user(db, 'head', role='head', name='Ольга')


def _unread(db, user) -> int:
    with db.read() as session:
        return my_notifications(session, actor=user)[0]


def _later(days=10):
    return utcnow() + timedelta(days=days)


def test_a_lead_waiting_longer_than_the_working_minutes_notifies_the_heads_once(db, admin, head, untouched_rule):
    client = make_client(db, admin)
    with db.read() as session:
        due = session.exec(select(DueAction)).one()
        created = session.get(Client, client.id).created_at
        assert due.due_at == working_hours(session).add_working_minutes(created, 30)
    assert run_due_actions(db, now=due.due_at - timedelta(seconds=1)) == 0
    assert _unread(db, head) == 0
    assert run_due_actions(db, now=due.due_at) == 1
    assert _unread(db, head) == 1
    assert run_due_actions(db, now=_later()) == 0
    assert _unread(db, head) == 1


def test_a_lead_a_person_handled_or_moved_meanwhile_is_left_alone(db, admin, head, untouched_rule, stage_ids):
    handled = make_client(db, admin)
    moved = make_client(db, admin, phone='+79120000002')
    with db.write() as session:
        feed.add_comment(session, actor=admin, client_id=handled.id, text='Дозвонился, перезвонит вечером')
        clients.move_client(session, actor=admin, client_id=moved.id, stage_id=stage_ids['Назначение встречи'])
    assert run_due_actions(db, now=_later()) == 2
    assert _unread(db, head) == 0


def test_a_client_back_in_the_stage_waits_again_from_its_new_arrival(db, admin, head, untouched_rule, stage_ids):
    client = make_client(db, admin)
    with db.write() as session:
        clients.move_client(session, actor=admin, client_id=client.id, stage_id=stage_ids['Назначение встречи'])
        clients.move_client(session, actor=admin, client_id=client.id, stage_id=stage_ids['Не разобрано'])
    with db.read() as session:
        assert len(session.exec(select(DueAction)).all()) == 2
    run_due_actions(db, now=_later())
    assert _unread(db, head) == 0  # the manager moved it: handled, whichever stay


def test_what_fell_due_while_the_app_was_down_runs_once_on_start(db, admin, head, untouched_rule):
    make_client(db, admin)
    with db.write() as session:  # the app was down past the due time
        for due in session.exec(select(DueAction)):
            due.due_at = utcnow() - timedelta(hours=3)
    for _ in range(2):  # two restarts: the second finds nothing left to do
        scheduler = Scheduler()
        scheduler.start(db)
        scheduler.stop()
    assert _unread(db, head) == 1
    with db.read() as session:
        assert session.exec(select(DueAction)).all() == []


def test_a_new_waiting_rule_plans_the_clients_already_waiting_but_not_the_long_overdue(db, admin, head, add_rule):
    with db.write() as session:
        set_working_hours(session, actor=admin, days=list(range(7)), start='00:00', end='23:59')
    fresh, old = make_client(db, admin), make_client(db, admin, phone='+79120000002')
    with db.write() as session:
        session.get(Client, old.id).stage_changed_at = utcnow() - timedelta(hours=5)
    add_rule('Не разобрано', 'waiting', 'notify', wait_minutes=60, params={'recipient': 'heads'})
    with db.read() as session:
        assert [due.client_id for due in session.exec(select(DueAction))] == [fresh.id]


def test_a_timed_move_starts_a_cascade_of_its_own(db, admin, add_rule, stage_ids):
    add_rule(
        'Не разобрано',
        'waiting',
        'move',
        name='Застрял',
        wait_minutes=10,
        params={'stage_id': stage_ids['Назначение встречи']},
    )
    add_rule(
        'Назначение встречи',
        'entered',
        'task',
        name='Позвонить',
        params={'task_type': 'call', 'title': 'Позвонить', 'due_minutes': 0},
    )
    client = make_client(db, admin)
    run_due_actions(db, now=_later())
    with db.read() as session:
        detail = clients.get_client(session, actor=admin, client_id=client.id)
        log = session.exec(select(AutomationLog.rule_name).order_by(AutomationLog.id)).all()
    assert detail.stage_id == stage_ids['Назначение встречи']
    assert [t.title for t in detail.tasks] == ['Позвонить']
    assert log == ['Застрял', 'Позвонить']


@pytest.mark.skipif(not os.environ['DATABASE_URL'].startswith('postgresql'), reason='PostgreSQL only')
def test_two_workers_on_postgresql_run_each_due_action_once(db, admin, head, untouched_rule):
    for n in range(250):
        make_client(db, admin, phone=f'+7912100{n:04d}')
    other = Database(db.url)  # a second app process: its own engine and connections
    barrier = threading.Barrier(2)
    taken = []

    def work(database):
        barrier.wait()
        taken.append(run_due_actions(database, now=_later()))

    threads = [threading.Thread(target=work, args=(database,)) for database in (db, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert sum(taken) == 250
    assert _unread(db, head) == 250
    with db.read() as session:
        assert len(session.exec(select(AutomationLog)).all()) == 250
