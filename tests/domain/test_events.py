"""After a change commits, open boards hear about it once; a rolled-back change is never announced."""

from datetime import timedelta

import pytest

from app.domain.clients import clients, feed, leads, tasks
from app.domain.errors import PermissionDenied
from app.domain.events import ClientChanged, bus
from app.domain.models import utcnow
from tests.factories import make_client, make_user, stages


@pytest.fixture
def heard():
    received: list[ClientChanged] = []
    unsubscribe = bus.subscribe(received.append)
    yield received
    unsubscribe()


def test_created_client_is_announced_once_after_commit(db, heard):
    manager = make_user(db, 'anna')
    with db.write() as session:
        detail = clients.create_client(session, actor=manager, name='Иванов Иван', phones=['+79123456789'])
        assert heard == []  # not before the commit
    assert heard == [
        ClientChanged(
            client_id=detail.id,
            stage_id=detail.stage_id,
            actor_id=manager.id,
            what='created',
            responsible_id=manager.id,
        )
    ]


def test_move_is_announced_once_with_both_stages(db, heard):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    board = stages(db)
    heard.clear()
    with db.write() as session:
        clients.move_client(session, actor=manager, client_id=client.id, stage_id=board['Назначение встречи'].id)

    [event] = heard
    assert (event.client_id, event.what) == (client.id, 'moved')
    assert (event.previous_stage_id, event.stage_id) == (board['Не разобрано'].id, board['Назначение встречи'].id)


def test_lead_reopening_a_closed_client_is_one_event(db, heard):
    manager = make_user(db, 'anna')
    client = make_client(db, manager, phone='+79123456789')
    trash = stages(db)['Не лид (корзина)']
    with db.write() as session:
        clients.move_client(
            session, actor=manager, client_id=client.id, stage_id=trash.id, reason_id=trash.reasons[0].id
        )
    heard.clear()
    with db.write() as session:
        leads.receive_lead(session, actor=manager, name='Иван', phone='89123456789')
    assert len(heard) == 1
    assert heard[0].stage_id == stages(db)['Не разобрано'].id


def test_each_committed_change_is_one_event(db, heard):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    head = make_user(db, 'olga', role='head')
    client = make_client(db, anna)
    with db.write() as session:
        clients.update_client(session, actor=anna, client_id=client.id, changes={'situation': 'Думает'})
    with db.write() as session:
        feed.add_comment(session, actor=anna, client_id=client.id, text='Перезвонить')
    with db.write() as session:
        tasks.add_task(session, actor=anna, client_id=client.id, title='Звонок', due_at=utcnow() + timedelta(hours=1))
    with db.write() as session:
        clients.assign_client(session, actor=head, client_id=client.id, responsible_id=boris.id)

    assert [e.what for e in heard] == ['created', 'edited', 'comment', 'task', 'assigned']
    assert {e.client_id for e in heard} == {client.id}
    assert heard[-1].previous_responsible_id == anna.id
    assert heard[-1].responsible_id == boris.id
    assert heard[3].task_assignee_ids == (anna.id,)


def test_rolled_back_change_is_never_announced(db, heard):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    heard.clear()

    with pytest.raises(RuntimeError), db.write() as session:
        clients.update_client(session, actor=manager, client_id=client.id, changes={'situation': 'Черновик'})
        raise RuntimeError('the request failed after the service ran')

    assert heard == []
    with db.read() as session:
        assert clients.get_client(session, actor=manager, client_id=client.id).situation == ''


def test_rolled_back_creation_is_never_announced_and_leaves_no_client(db, heard):
    manager = make_user(db, 'anna')
    with pytest.raises(RuntimeError), db.write() as session:
        clients.create_client(session, actor=manager, name='Иванов Иван', phones=['+79123456789'])
        raise RuntimeError('boom')

    assert heard == []
    with db.read() as session:
        assert clients.list_clients(session, actor=manager).total == 0


def test_nothing_is_announced_before_the_whole_transaction_commits(db, heard):
    manager = make_user(db, 'anna')
    with pytest.raises(RuntimeError), db.write() as session:
        clients.create_client(session, actor=manager, name='Иванов Иван', phones=['+79123456789'])
        leads.receive_lead(session, actor=manager, name='Петров Пётр', phone='+79120000002')
        assert heard == []
        raise RuntimeError('the import failed on a later row')

    assert heard == []


def test_savepoint_rolled_back_inside_a_transaction_drops_only_its_own_events(db, heard):
    manager = make_user(db, 'anna')
    with db.write() as session:
        kept = clients.create_client(session, actor=manager, name='Иванов Иван', phones=['+79123456789'])
        with pytest.raises(RuntimeError), session.begin_nested():
            clients.create_client(session, actor=manager, name='Петров Пётр', phones=['+79120000002'])
            raise RuntimeError('this row of the import is skipped')
        later = clients.create_client(session, actor=manager, name='Сидоров Сидор', phones=['+79120000003'])

    assert [event.client_id for event in heard] == [kept.id, later.id]


def test_refused_change_is_not_announced(db, heard):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    client = make_client(db, anna)
    heard.clear()
    with pytest.raises(PermissionDenied), db.write() as session:
        clients.update_client(session, actor=boris, client_id=client.id, changes={'situation': 'Моё'})
    assert heard == []


def test_a_failing_subscriber_does_not_stop_the_others(db, heard):
    def broken(event):
        raise RuntimeError('viewer went away')

    bus.subscribe(broken)
    also_heard = []
    bus.subscribe(also_heard.append)
    make_client(db, make_user(db, 'anna'))
    assert len(heard) == len(also_heard) == 1


def test_unsubscribed_viewer_hears_nothing(db):
    received = []
    unsubscribe = bus.subscribe(received.append)
    unsubscribe()
    make_client(db, make_user(db, 'anna'))
    assert received == []
