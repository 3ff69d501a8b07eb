"""Tasks: assigned to the responsible by default, counted open/overdue, following a reassigned client."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.domain.account import users
from app.domain.clients import clients, tasks
from app.domain.errors import InvalidInput
from app.domain.models import Client, FeedKind, as_utc, utcnow
from tests.factories import make_client, make_user


def _add(db, actor, client_id, title='Перезвонить', hours=24, **kwargs):
    with db.write() as session:
        return tasks.add_task(
            session, actor=actor, client_id=client_id, title=title, due_at=utcnow() + timedelta(hours=hours), **kwargs
        )


def test_task_goes_to_the_responsible_by_default(db):
    anna = make_user(db, 'anna', name='Анна')
    client = make_client(db, anna)
    task = _add(db, anna, client.id)
    assert (task.assignee_id, task.assignee_name, task.done, task.overdue) == (anna.id, 'Анна', False, False)


def test_task_past_due_is_overdue_and_counted(db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    _add(db, anna, client.id, title='Вчерашний звонок', hours=-2)
    _add(db, anna, client.id, title='Завтрашняя встреча', hours=20, type='meeting')

    with db.read() as session:
        assert tasks.task_counters(session, actor=anna) == (2, 1)
        mine = tasks.my_tasks(session, actor=anna)
        card = clients.list_clients(session, actor=anna).items[0]
    assert [t.title for t in mine] == ['Вчерашний звонок', 'Завтрашняя встреча']
    assert card.overdue_count == 1


def test_completed_task_leaves_the_counter_and_is_in_the_feed(db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    task = _add(db, anna, client.id, hours=-1)
    with db.write() as session:
        tasks.complete_task(session, actor=anna, client_id=client.id, task_id=task.id)

    with db.read() as session:
        assert tasks.task_counters(session, actor=anna) == (0, 0)
        detail = clients.get_client(session, actor=anna, client_id=client.id)
    assert [e.kind for e in detail.feed[:2]] == [FeedKind.task_done, FeedKind.task_created]
    with pytest.raises(InvalidInput), db.write() as session:
        tasks.complete_task(session, actor=anna, client_id=client.id, task_id=task.id)


def test_task_needs_a_title_and_a_known_type(db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with pytest.raises(InvalidInput):
        _add(db, anna, client.id, title='  ')
    with pytest.raises(InvalidInput):
        _add(db, anna, client.id, type='party')


def test_task_cannot_go_to_a_deactivated_user(db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    client = make_client(db, anna)
    with db.write() as session:
        users.deactivate_user(session, login='boris')
    with pytest.raises(InvalidInput):
        _add(db, anna, client.id, assignee_id=boris.id)


def test_open_tasks_follow_the_client_to_the_new_responsible(db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    head = make_user(db, 'olga', role='head')
    client = make_client(db, anna)
    _add(db, anna, client.id)
    with db.write() as session:
        clients.assign_client(session, actor=head, client_id=client.id, responsible_id=boris.id)

    with db.read() as session:
        assert tasks.task_counters(session, actor=anna) == (0, 0)
        assert tasks.task_counters(session, actor=boris) == (1, 0)


def test_tasks_falling_due_are_found_for_the_notifier(db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    task = _add(db, anna, client.id, hours=-0.01)
    _add(db, anna, client.id, title='Позже', hours=5)
    with db.read() as session:
        due = tasks.tasks_falling_due(session, since=utcnow() - timedelta(minutes=5), until=utcnow())
    assert [t.id for t in due] == [task.id]


def test_refreshing_next_due_takes_the_earliest_open_task_and_clears_clients_without_one(db):
    anna = make_user(db, 'anna')
    busy, finished, idle, outside = (
        make_client(db, anna, name=name, phone=f'+7912000000{index}')
        for index, name in enumerate(('Занятой', 'Закончивший', 'Без задач', 'Вне диапазона'), start=1)
    )
    done_early = _add(db, anna, busy.id, title='Сделано', hours=-3)
    soonest = _add(db, anna, busy.id, title='Скоро', hours=2)
    _add(db, anna, busy.id, title='Потом', hours=5)
    finished_task = _add(db, anna, finished.id)
    outside_task = _add(db, anna, outside.id, hours=7)
    stale = utcnow() - timedelta(days=1)
    with db.write() as session:
        for client_id, task in ((busy.id, done_early), (finished.id, finished_task)):
            tasks.complete_task(session, actor=anna, client_id=client_id, task_id=task.id)
        # stale values, as bulk-written tasks leave them: the refresh must put every one right
        session.execute(update(Client).values(next_due_at=stale))

    def next_due() -> dict:
        with db.read() as session:
            rows = session.exec(select(Client.id, Client.next_due_at))
            return {client_id: as_utc(at) if at else None for client_id, at in rows}

    with db.write() as session:
        tasks.refresh_next_due(session, id_from=busy.id, id_to=idle.id)
    assert next_due() == {busy.id: soonest.due_at, finished.id: None, idle.id: None, outside.id: stale}
    with db.write() as session:
        tasks.refresh_next_due(session, client_ids=[outside.id])
    assert next_due()[outside.id] == outside_task.due_at
