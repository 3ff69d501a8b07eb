"""Several people and integrations at once: writers queue instead of failing, phones stay unique."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import func, select

from app.domain.clients import clients, leads
from app.domain.errors import DuplicatePhone, StaleUpdate
from app.domain.models import Client, ClientPhone, Request
from tests.factories import make_client, make_user, stages

THREADS = 8
LEADS_PER_THREAD = 25
SHARED_PHONES = [f'+7912555{n:04d}' for n in range(10)]


def _run_together(count: int, work):
    """Start `count` workers at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(count)

    def worker(index):
        barrier.wait()
        try:
            return work(index)
        except Exception as exc:  # collected: the test decides which refusals are expected
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_many_integrations_posting_leads_at_once_never_fail_and_never_duplicate(db):
    integration = make_user(db, 'site')

    def post_leads(thread):
        for n in range(LEADS_PER_THREAD):
            # every third lead is one of a few people writing in from several sites at once
            phone = SHARED_PHONES[(thread + n) % len(SHARED_PHONES)] if n % 3 == 0 else f'+7913{thread:02d}{n:05d}'
            with db.write() as session:
                leads.receive_lead(session, actor=integration, name=f'Лид {thread}-{n}', phone=phone)
        return 'ok'

    outcomes = _run_together(THREADS, post_leads)

    assert outcomes == ['ok'] * THREADS
    with db.read() as session:
        requests = session.exec(select(func.count()).select_from(Request)).one()
        client_count = session.exec(select(func.count()).select_from(Client)).one()
        phones = session.exec(select(ClientPhone.number)).all()
    assert requests == THREADS * LEADS_PER_THREAD
    assert len(phones) == len(set(phones)) == client_count
    shared_seen = {p for p in phones if p in SHARED_PHONES}
    unique_leads = THREADS * LEADS_PER_THREAD - THREADS * len(range(0, LEADS_PER_THREAD, 3))
    assert client_count == unique_leads + len(shared_seen)


def test_two_people_saving_the_same_phone_at_once_make_one_client_and_one_refusal(db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')

    def create(index):
        actor = (anna, boris)[index]
        with db.write() as session:
            return clients.create_client(session, actor=actor, name=f'Клиент {index}', phones=['+79123456789'])

    outcomes = _run_together(2, create)

    refusals = [o for o in outcomes if isinstance(o, DuplicatePhone)]
    created = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(refusals) == 1, outcomes
    assert len(created) == 1, outcomes
    assert refusals[0].client_id == created[0].id
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 1


def test_saving_over_a_colleagues_newer_edit_is_refused_and_changes_nothing(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    read_version = client.version
    with db.write() as session:
        clients.update_client(
            session,
            actor=manager,
            client_id=client.id,
            changes={'situation': 'Ждёт одобрения ипотеки'},
            expected_version=read_version,
        )

    with pytest.raises(StaleUpdate), db.write() as session:
        clients.update_client(
            session,
            actor=manager,
            client_id=client.id,
            changes={'name': 'Иванов Иван Иванович', 'situation': 'Передумал'},
            expected_version=read_version,
        )

    with db.read() as session:
        detail = clients.get_client(session, actor=manager, client_id=client.id)
    assert detail.name == 'Иванов Иван'
    assert detail.situation == 'Ждёт одобрения ипотеки'
    assert detail.version == read_version + 1


def test_stale_move_is_refused_as_well(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with db.write() as session:
        clients.update_client(session, actor=manager, client_id=client.id, changes={'situation': 'Звонил'})

    meeting = stages(db)['Назначение встречи']

    with pytest.raises(StaleUpdate), db.write() as session:
        clients.move_client(
            session, actor=manager, client_id=client.id, stage_id=meeting.id, expected_version=client.version
        )

    with db.read() as session:
        assert clients.get_client(session, actor=manager, client_id=client.id).stage_id != meeting.id
