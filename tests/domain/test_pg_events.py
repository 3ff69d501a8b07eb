"""Committed events between processes on PostgreSQL: what travels, when, marked how, and what a listener that
lost its connection or a notification does."""

import os
import socket
import threading
import time

import pytest
from sqlalchemy import text

from app.domain import pg_events
from app.domain.events import (
    EVENT_TYPES,
    AccountChanged,
    ChangesMissed,
    ClientChanged,
    IncomingCall,
    LocalSnapshot,
    TransactionSnapshot,
    queue_event,
)

on_postgres = pytest.mark.skipif(
    not os.environ.get('DATABASE_URL', '').startswith('postgresql'), reason='LISTEN/NOTIFY needs PostgreSQL'
)


def test_every_event_kind_travels_as_text_and_reads_back_equal():
    samples = [
        ClientChanged(client_id=1, stage_id=2, actor_id=3, what='moved', previous_stage_id=4, task_assignee_ids=(5, 6)),
        AccountChanged(area='stages', actor_id=1),
        IncomingCall(client_id=1, responsible_id=2, request_id=3, phone='+79161234567'),
        ChangesMissed(reason='gap'),
    ]
    for event in samples:
        mark, origin, number, back = pg_events.decode('42|' + pg_events._payload(event))
        assert (mark, origin, back) == (42, pg_events.ORIGIN, event)
        assert number > 0
    assert set(EVENT_TYPES) >= {type(e).__name__ for e in samples}


def test_an_event_too_large_for_a_notification_travels_as_missed_changes():
    huge = ClientChanged(client_id=1, stage_id=2, actor_id=3, what='x', task_assignee_ids=tuple(range(3000)))
    _, _, _, event = pg_events.decode('1|' + pg_events._payload(huge))
    assert event == ChangesMissed(reason='too large')


def test_a_snapshot_holds_what_committed_before_it_and_nothing_in_progress():
    snapshot = TransactionSnapshot.parse('100:105:101,103')
    assert [snapshot.includes(x) for x in (99, 100, 101, 102, 103, 104, 105, 110)] == [
        True,
        True,
        False,
        True,
        False,
        True,
        False,
        False,
    ]
    assert TransactionSnapshot.parse('7:7:').in_progress == frozenset()
    assert LocalSnapshot(3).includes(3) and not LocalSnapshot(3).includes(4)


def test_a_number_heard_late_is_no_gap_but_one_never_heard_is():
    gaps = pg_events._Gaps()
    gaps.heard('a', 1, now=0)
    gaps.heard('a', 3, now=0)  # 2 is committed later than 3 by another thread of that process
    gaps.heard('a', 2, now=1)
    assert not gaps.lost(now=10)
    gaps.heard('a', 5, now=20)
    assert not gaps.lost(now=21)
    assert gaps.lost(now=20 + pg_events.GAP_WAIT_S)
    gaps.heard('b', 9, now=30)  # another process, first heard in the middle of its numbering
    assert not gaps.lost(now=100)


class _Heard:
    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.changed = threading.Condition()

    def __call__(self, event, mark) -> None:
        with self.changed:
            self.events.append((event, mark))
            self.changed.notify_all()

    def wait_for(self, test, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [e for e in self.events if test(e[0])]
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self.changed.wait(left)


@pytest.fixture
def listener(db):
    heard = _Heard()
    other_process = pg_events.Listener(db.url, heard, origin='another-process')
    other_process.start()
    assert other_process.connected.wait(10)
    yield other_process, heard
    other_process.stop()


def _commit(db, event) -> int:
    with db.write() as session:
        session.execute(text('SELECT 1'))
        queue_event(session, event)
        session.flush()
        mark = session.execute(text('SELECT pg_current_xact_id()::text')).scalar_one()
    return int(mark)


@on_postgres
def test_a_committed_change_reaches_another_process_marked_with_its_transaction(db, listener):
    process, heard = listener
    event = AccountChanged(area='stages', actor_id=1)
    mark = _commit(db, event)
    [(got, got_mark)] = heard.wait_for(lambda e: e == event)
    assert got_mark == mark
    with db.read(one_snapshot=True) as session:
        snapshot = TransactionSnapshot.parse(session.execute(text('SELECT pg_current_snapshot()::text')).scalar_one())
    assert snapshot.includes(got_mark)


@on_postgres
def test_a_rolled_back_change_travels_nowhere(db, listener):
    process, heard = listener
    undone = AccountChanged(area='undone', actor_id=1)
    with pytest.raises(RuntimeError), db.write() as session:
        queue_event(session, undone)
        session.execute(text('SELECT 1'))
        raise RuntimeError('rolled back')
    after = AccountChanged(area='after', actor_id=1)
    _commit(db, after)
    heard.wait_for(lambda e: e == after)
    assert undone not in [e for e, _ in heard.events]


@on_postgres
def test_a_read_that_began_before_a_commit_does_not_hold_it(db, listener):
    process, heard = listener
    with db.read(one_snapshot=True) as session:
        snapshot = TransactionSnapshot.parse(session.execute(text('SELECT pg_current_snapshot()::text')).scalar_one())
        event = AccountChanged(area='meanwhile', actor_id=1)
        _commit(db, event)
    [(_, mark)] = heard.wait_for(lambda e: e == event)
    assert not snapshot.includes(mark)


@on_postgres
def test_a_listener_whose_connection_was_cut_comes_back_and_says_changes_may_be_missed(db, listener):
    process, heard = listener
    with db.engine.connect() as connection:
        connection.execute(text('SELECT pg_terminate_backend(:pid)'), {'pid': process.backend_pid})
    assert heard.wait_for(lambda e: e == ChangesMissed(reason='reconnected'))
    assert process.connected.wait(10)
    event = AccountChanged(area='after reconnect', actor_id=1)
    _commit(db, event)
    assert heard.wait_for(lambda e: e == event)


def test_a_sender_silent_for_an_hour_is_forgotten_and_heard_afresh_later():
    """Every CLI run sends as a process of its own: a listener running for months must not keep them all."""
    gaps = pg_events._Gaps()
    gaps.heard('cli-run', 1, now=0)
    gaps.heard('server', 1, now=0)
    gaps.heard('server', 2, now=pg_events.SENDER_FORGET_S)
    assert not gaps.lost(now=pg_events.SENDER_FORGET_S + 1)
    assert set(gaps.last) == {'server'}
    gaps.heard('cli-run', 7, now=pg_events.SENDER_FORGET_S + 2)  # as first heard: no gap before it
    assert not gaps.lost(now=pg_events.SENDER_FORGET_S * 2)


@on_postgres
def test_the_listening_connection_probes_its_server_so_a_silent_loss_is_noticed(db, monkeypatch):
    """An idle LISTEN sends nothing: a server gone without a word (or a NAT dropping idle connections) is noticed
    only because the socket itself probes the peer and gives up on unanswered data."""
    opened = []
    connect = pg_events.psycopg.connect
    monkeypatch.setattr(pg_events.psycopg, 'connect', lambda *a, **k: opened.append(connect(*a, **k)) or opened[-1])
    listening = pg_events.Listener(db.url, lambda event, mark: None, origin='another-process')
    listening.start()
    try:
        assert listening.connected.wait(10)
        [connection] = opened
        sock = socket.socket(fileno=connection.fileno())
        try:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) <= 10
            assert 0 < sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) <= 60_000
        finally:
            sock.detach()  # the socket stays the listener's
    finally:
        listening.stop()
