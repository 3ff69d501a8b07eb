"""Demo data looks like a real sales team's and keeps every rule the services keep."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from app import demo
from app.domain.account import users
from app.domain.clients import clients
from app.domain.models import (
    Client,
    ClientPhone,
    ClosingReason,
    Deal,
    FeedEntry,
    FeedKind,
    Project,
    Request,
    Stage,
    StageKind,
    Tag,
    Task,
    User,
    utcnow,
)
from app.domain.permissions import Actor
from app.domain.phones import normalize_phone
from tests.factories import make_client


@pytest.fixture
def demo_db(db):
    """A team of two bosses and six managers with 200 demo clients."""
    with db.write() as session:
        demo.create_demo_users(session)
        demo.create_demo_data(session, clients=200)
    return db


def _all(db, query):
    with db.read() as session:
        return list(session.exec(query))


def test_demo_users_are_created_once_with_the_demo_password(db):
    with db.write() as session:
        first = demo.create_demo_users(session, managers=3)
    with db.write() as session:
        again = demo.create_demo_users(session, managers=3)
    assert first == again
    assert [login for login, _, _ in first] == ['admin', 'head', 'manager1', 'manager2', 'manager3']
    assert {role for _, _, role in first} == {'admin', 'head', 'manager'}
    assert all(password == demo.DEMO_PASSWORD for _, password, _ in first)
    assert len(_all(db, select(User))) == 5
    with db.write() as session:
        actor = users.authenticate(session, login='manager2', password=demo.DEMO_PASSWORD)
    assert actor.role == 'manager'
    assert not actor.can_act_on_others


def test_every_demo_client_has_its_own_valid_mobile_phone(demo_db):
    numbers = _all(demo_db, select(ClientPhone.number))
    assert len(numbers) == len(set(numbers)) >= 200
    for number in numbers:
        assert re.fullmatch(r'\+79\d{9}', number)
        assert normalize_phone(number).number == number
    with_phone = _all(demo_db, select(func.count(func.distinct(ClientPhone.client_id))))
    assert with_phone == [200]


def test_closed_demo_clients_carry_a_reason_of_their_own_stage(demo_db):
    stages = {stage.id: stage for stage in _all(demo_db, select(Stage))}
    reasons = {reason.id: reason for reason in _all(demo_db, select(ClosingReason))}
    by_kind = Counter()
    for client in _all(demo_db, select(Client)):
        stage = stages[client.stage_id]
        by_kind[stage.kind] += 1
        if stage.needs_reason:
            assert reasons[client.closing_reason_id].stage_id == stage.id
        else:
            assert client.closing_reason_id is None
    assert set(by_kind) == set(StageKind)
    assert by_kind[StageKind.working] > 100


def test_demo_clients_have_history_requests_and_searchable_names(demo_db):
    now = utcnow()
    created = _all(demo_db, select(FeedEntry.client_id).where(FeedEntry.kind == FeedKind.created))
    assert sorted(created) == sorted(c.id for c in _all(demo_db, select(Client)))
    requested = set(_all(demo_db, select(Request.client_id)))
    assert len(requested) == 200
    assert _all(demo_db, select(func.count()).where(FeedEntry.kind == FeedKind.comment))[0] > 0
    for client in _all(demo_db, select(Client)):
        assert client.name_folded == clients.fold(client.name)
        assert now - timedelta(days=181) < client.created_at <= now
        assert client.last_activity_at >= client.created_at


def test_demo_tasks_include_overdue_and_future_ones(demo_db):
    now = utcnow()
    open_tasks = _all(demo_db, select(Task).where(Task.done == False))  # noqa: E712
    assert any(task.due_at < now for task in open_tasks)
    assert any(task.due_at > now for task in open_tasks)
    assert all(task.done_at is not None for task in _all(demo_db, select(Task).where(Task.done)))


def test_booked_demo_clients_have_deals(demo_db):
    success = _all(demo_db, select(Stage.id).where(Stage.kind == StageKind.success, Stage.board == 'clients'))
    booked = set(_all(demo_db, select(Client.id).where(Client.stage_id.in_(success))))
    with_deal = set(_all(demo_db, select(Deal.client_id)))
    assert booked and booked == with_deal


def test_a_manager_lists_demo_clients_by_stage(demo_db):
    with demo_db.read() as session:
        manager = Actor.of(session.exec(select(User).where(User.login == 'manager1')).one())
        first = session.exec(select(Stage).where(Stage.board == 'clients').order_by(Stage.position)).first()
        page = clients.list_clients(session, actor=manager, stage_ids=[first.id], limit=10)
        own = clients.list_clients(session, actor=manager, stage_ids=[first.id], own_only=True, limit=500)
        in_stage = session.exec(select(func.count()).where(Client.stage_id == first.id)).one()
    assert page.total == in_stage and len(page.items) == min(10, in_stage)
    assert [card.created_at for card in page.items] == sorted((c.created_at for c in page.items), reverse=True)
    assert own.items and all(card.responsible.id == manager.id and card.can_act for card in own.items)


def test_demo_data_grows_on_the_same_reference_data_and_services_still_work(demo_db):
    projects, tags = len(_all(demo_db, select(Project))), len(_all(demo_db, select(Tag)))
    with demo_db.write() as session:
        demo.create_demo_data(session, clients=50)
    assert len(_all(demo_db, select(Client))) == 250
    assert (len(_all(demo_db, select(Project))), len(_all(demo_db, select(Tag)))) == (projects, tags)
    numbers = _all(demo_db, select(ClientPhone.number))
    assert len(numbers) == len(set(numbers))
    # ids were assigned by hand: the database must still hand out fresh ones to the services
    with demo_db.read() as session:
        manager = Actor.of(session.exec(select(User).where(User.login == 'manager1')).one())
    client = make_client(demo_db, manager, phone='+78120000001')
    assert client.id == 251


def test_demo_clients_know_their_earliest_open_task(demo_db):
    earliest = {}
    for task in _all(demo_db, select(Task).where(Task.done == False)):  # noqa: E712
        earliest[task.client_id] = min(task.due_at, earliest.get(task.client_id, task.due_at))
    next_due = {client.id: client.next_due_at for client in _all(demo_db, select(Client))}
    assert earliest and next_due == {client_id: earliest.get(client_id) for client_id in next_due}
