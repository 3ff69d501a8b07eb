"""Closing a client as a failure or trash completes its open tasks, by every path, written to its feed; a booking
keeps them (the work after a booking is real)."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.api import api
from app.domain.clients import bulk, clients, tasks
from app.domain.clients.bulk import Selection
from app.domain.deals import deals
from app.domain.models import Client, utcnow
from tests.factories import bearer, make_client, make_user, stages


@pytest.fixture
def anna(db):
    return make_user(db, 'anna', name='Анна Смирнова')


def with_tasks(db, actor, phone: str) -> int:
    """A client with one overdue and one future task of its manager."""
    client = make_client(db, actor, name=f'Клиент {phone[-2:]}', phone=phone)
    with db.write() as session:
        now = utcnow()
        tasks.add_task(session, actor=actor, client_id=client.id, title='Перезвонить', due_at=now - timedelta(hours=2))
        tasks.add_task(session, actor=actor, client_id=client.id, title='Встреча', due_at=now + timedelta(days=2))
    return client.id


def state(db, actor, client_id: int) -> tuple[tuple[int, int], int, list[str], object]:
    """(open, overdue) in «Мои задачи», the client's open tasks, its feed texts, its next due time."""
    with db.read() as session:
        detail = clients.get_client(session, actor=actor, client_id=client_id)
        counters = tasks.task_counters(session, actor=actor)
        next_due = session.get(Client, client_id).next_due_at
    return counters, len(detail.open_tasks), [entry.text for entry in detail.feed], next_due


@pytest.mark.parametrize('stage_name', ['Бронь не поставлена', 'Не лид (корзина)'])
def test_closing_in_the_window_or_by_a_drag_completes_the_open_tasks_in_the_feed(db, anna, stage_name):
    client_id = with_tasks(db, anna, '+79120000001')
    stage = stages(db)[stage_name]
    assert state(db, anna, client_id)[0] == (2, 1)
    with db.write() as session:  # the window, the drag and «⋮ → Переместить…» all move through move_client
        clients.move_client(session, actor=anna, client_id=client_id, stage_id=stage.id, reason_id=stage.reasons[0].id)
    counters, open_tasks, feed, next_due = state(db, anna, client_id)
    assert counters == (0, 0) and open_tasks == 0 and next_due is None
    assert 'Задача закрыта вместе с клиентом: Перезвонить' in feed
    assert 'Задача закрыта вместе с клиентом: Встреча' in feed


def test_a_booking_keeps_the_open_tasks(db, anna):
    client_id = with_tasks(db, anna, '+79120000002')
    with db.write() as session:
        deals.book_client(session, actor=anna, client_id=client_id, project_id=None, unit='кв. 7', amount=6_400_000)
    counters, open_tasks, feed, next_due = state(db, anna, client_id)
    assert counters == (2, 1) and open_tasks == 2 and next_due is not None
    assert not any('вместе с клиентом' in text for text in feed)


def test_a_move_to_another_working_stage_keeps_the_open_tasks(db, anna):
    client_id = with_tasks(db, anna, '+79120000003')
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=client_id, stage_id=stages(db)['Назначение встречи'].id)
    assert state(db, anna, client_id)[:2] == ((2, 1), 2)


def test_a_bulk_move_to_trash_completes_the_open_tasks_of_every_client_moved(db, anna):
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    ids = [with_tasks(db, anna, f'+7912000001{n}') for n in range(3)]
    trash = stages(db)['Не лид (корзина)']
    with db.write() as session:
        result = bulk.bulk_move(
            session,
            actor=head,
            selection=Selection(client_ids=ids[:2]),
            stage_id=trash.id,
            reason_id=trash.reasons[0].id,
        )
    assert result.changed == 2
    assert state(db, anna, ids[0])[0] == (2, 1)  # the third client's tasks are still open
    for client_id in ids[:2]:
        _, open_tasks, feed, next_due = state(db, anna, client_id)
        assert open_tasks == 0 and next_due is None
        assert 'Задача закрыта вместе с клиентом: Перезвонить' in feed
    assert state(db, anna, ids[2])[1] == 2


def test_closing_through_the_api_completes_the_open_tasks(db, anna):
    client_id = with_tasks(db, anna, '+79120000004')
    failure = stages(db)['Бронь не поставлена']
    with TestClient(api) as client:
        response = client.post(
            f'/clients/{client_id}/move',
            json={'stage_id': failure.id, 'reason_id': failure.reasons[0].id},
            headers=bearer(db, 'anna'),
        )
    assert response.status_code == 200
    assert response.json()['open_tasks'] == []
    assert state(db, anna, client_id)[0] == (0, 0)
