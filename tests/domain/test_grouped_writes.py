"""Writes committed in groups: every caller is answered only after its own write is committed, and a write that
is refused undoes itself alone."""

import threading

import pytest
from sqlalchemy import event
from sqlmodel import select

from app.domain.clients import leads
from app.domain.db import DbSession
from app.domain.errors import InvalidInput
from app.domain.events import ClientChanged, bus
from app.domain.models import Client
from tests.factories import make_user


def _lead(actor, phone: str):
    return lambda session: leads.receive_lead(session, actor=actor, name='Лид', phone=phone)


def _names(db) -> list[str]:
    with db.read() as session:
        return sorted(c.name for c in session.exec(select(Client)))


def test_concurrent_writes_are_all_committed_before_anyone_is_answered(db):
    manager = make_user(db, 'anna')
    answered_unseen = []

    def submit(index: int) -> None:
        result = db.write_grouped(_lead(manager, f'+7912000{index:04d}')).result(timeout=30)
        with db.read() as session:  # what the caller was told is already in the database for everyone
            if session.get(Client, result.client_id) is None:
                answered_unseen.append(index)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answered_unseen == []
    assert len(_names(db)) == 60


def test_a_refused_write_undoes_only_itself(db):
    manager = make_user(db, 'anna')
    heard: list[ClientChanged] = []
    unsubscribe = bus.subscribe(heard.append)
    bad_then_partly_written = _half_written(manager)
    futures = [
        db.write_grouped(_lead(manager, '+79120000001')),
        db.write_grouped(bad_then_partly_written),
        db.write_grouped(_lead(manager, 'не телефон')),
        db.write_grouped(_lead(manager, '+79120000002')),
    ]
    assert futures[0].result(timeout=30).status == 'created'
    with pytest.raises(InvalidInput):
        futures[1].result(timeout=30)
    with pytest.raises(InvalidInput):
        futures[2].result(timeout=30)
    assert futures[3].result(timeout=30).status == 'created'
    unsubscribe()
    assert _names(db) == ['Лид', 'Лид']  # nothing of the half-done write
    assert len(heard) == 2  # and no announcement of it


def _half_written(manager):
    def work(session):
        leads.receive_lead(session, actor=manager, name='Половина', phone='+79120000003')
        raise InvalidInput('error.invalid')

    return work


def test_a_write_that_breaks_the_commit_sinks_no_other(db):
    manager = make_user(db, 'anna')
    gate = threading.Event()

    def blocker(session):
        gate.wait(timeout=30)  # holds the writer until the whole group below is queued

    def breaks_the_commit(session):
        # as a deferred constraint would: the work itself goes through, the commit of its transaction fails
        session.info['break_commit'] = True

    def fail_if_marked(session):
        if not session.in_nested_transaction() and session.info.pop('break_commit', False):
            raise RuntimeError('commit refused')

    event.listen(DbSession, 'before_commit', fail_if_marked)
    try:
        first = db.write_grouped(blocker)
        group = [
            db.write_grouped(_lead(manager, '+79120000001')),
            db.write_grouped(breaks_the_commit),
            db.write_grouped(_lead(manager, '+79120000002')),
        ]
        gate.set()
        first.result(timeout=30)
        assert group[0].result(timeout=30).status == 'created'
        assert group[2].result(timeout=30).status == 'created'
        with pytest.raises(RuntimeError):
            group[1].result(timeout=30)
    finally:
        event.remove(DbSession, 'before_commit', fail_if_marked)
    assert _names(db) == ['Лид', 'Лид']
