"""Committed events to every app process on one PostgreSQL database, through LISTEN/NOTIFY.

The committing transaction sends its events itself (NOTIFY is delivered only if that transaction commits, so
a rolled-back change travels nowhere and a committed one is never announced before it is visible), each
marked with the transaction's id. Every server process keeps one listening connection; what it hears from
the others goes to its own bus. PostgreSQL keeps nothing for a listener that is not connected, so a lost
connection, or a gap in a sender's numbering, is announced as `ChangesMissed`: the views read again.
"""

import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, fields

import psycopg
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlalchemy.engine import make_url

from .events import EVENT_TYPES, ChangesMissed, Event

log = logging.getLogger(__name__)

CHANNEL = 'voronka_events'
PAYLOAD_MAX = 7900  # PostgreSQL refuses a payload of 8,000 bytes or more
ORIGIN = uuid.uuid4().hex[:12]  # this process: its own notifications come back to it and are skipped
GAP_WAIT_S = 2.0  # two commits of one process may reach the listeners in another order than they were numbered
SENDER_FORGET_S = 3600.0  # a sender silent this long is forgotten (every CLI run is a sender of its own)
RECONNECT_WAIT_S = (0.2, 0.5, 1, 2, 5, 10)
# An idle listening connection sends nothing: without keepalives a server gone without a word (a host rebooted
# hard, a NAT or firewall dropping idle connections) would leave the listener deaf forever instead of failing
# within a minute and reconnecting.
CONNECTION_OPTIONS = {
    'connect_timeout': 10,
    'keepalives': 1,
    'keepalives_idle': 10,
    'keepalives_interval': 5,
    'keepalives_count': 3,
    'tcp_user_timeout': 30_000,
}

_numbers = itertools.count(1)
_numbers_lock = threading.Lock()

_NOTIFY = text(
    f"SELECT x.id::text, (SELECT count(pg_notify('{CHANNEL}', x.id::text || '|' || p)) FROM unnest(:payloads) p) "
    'FROM (SELECT pg_current_xact_id() AS id) x'
).bindparams(bindparam('payloads', type_=ARRAY(TEXT)))


def _payload(event: Event) -> str:
    with _numbers_lock:
        number = next(_numbers)
    body = json.dumps({'o': ORIGIN, 'n': number, 't': type(event).__name__, 'd': asdict(event)}, ensure_ascii=False)
    if len(body.encode()) > PAYLOAD_MAX - 24:  # the transaction id goes in front
        body = json.dumps({'o': ORIGIN, 'n': number, 't': 'ChangesMissed', 'd': {'reason': 'too large'}})
    return body


def notify(connection, events: list[Event]) -> int:
    """Inside the committing transaction: send `events` to the other processes; returns the transaction's id,
    the mark its changes carry."""
    mark, _ = connection.execute(_NOTIFY, {'payloads': [_payload(e) for e in events]}).one()
    return int(mark)


def decode(payload: str) -> tuple[int, str, int, Event]:
    """A notification as (mark, origin, number, event)."""
    mark, body = payload.split('|', 1)
    data = json.loads(body)
    kind = EVENT_TYPES[data['t']]
    values = {f.name: data['d'][f.name] for f in fields(kind) if f.name in data['d']}
    values = {name: tuple(v) if isinstance(v, list) else v for name, v in values.items()}
    return int(mark), data['o'], data['n'], kind(**values)


class _Gaps:
    """Per sending process, the numbers not heard yet; one still missing after GAP_WAIT_S was lost."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, float]] = {}  # per sender: the highest number heard, and when
        self.missing: dict[tuple[str, int], float] = {}
        self._swept = 0.0

    def heard(self, origin: str, number: int, now: float) -> None:
        last = self.last.get(origin, (None, now))[0]
        if last is None or number > last:
            if last is not None:
                for skipped in range(last + 1, number):
                    self.missing[(origin, skipped)] = now + GAP_WAIT_S
            self.last[origin] = (number, now)
        else:
            self.missing.pop((origin, number), None)

    def lost(self, now: float) -> bool:
        late = [key for key, deadline in self.missing.items() if deadline <= now]
        for key in late:
            del self.missing[key]
        if now - self._swept > SENDER_FORGET_S / 10:
            self._swept = now
            for origin in [o for o, (_, at) in self.last.items() if now - at > SENDER_FORGET_S]:
                del self.last[origin]
        return bool(late)


class Listener:
    """One connection LISTENing for the other processes' events, in a thread of its own, reconnecting with
    growing waits; `deliver(event, mark)` is called in that thread."""

    def __init__(
        self, database_url: str, deliver: Callable[[Event, int | None], None], *, origin: str = ORIGIN
    ) -> None:
        self.conninfo = make_url(database_url).set(drivername='postgresql').render_as_string(hide_password=False)
        self.deliver = deliver
        self.origin = origin  # notifications sent by this origin are skipped: the bus had them at once
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.backend_pid: int | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name='pg-events', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops within one wait for notifications (half a second); a stopping listener delivers nothing more."""
        self._stopping.set()

    def _run(self) -> None:
        failures = 0
        first = True
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, **CONNECTION_OPTIONS) as connection:
                    connection.execute(f'LISTEN {CHANNEL}')
                    self.backend_pid = connection.info.backend_pid
                    self.connected.set()
                    if not first:  # whatever was sent while this process was not listening is lost
                        self.deliver(ChangesMissed(reason='reconnected'), None)
                    first, failures = False, 0
                    self._listen(connection)
            except psycopg.Error as exc:
                self.connected.clear()
                if self._stopping.is_set():
                    return
                wait = RECONNECT_WAIT_S[min(failures, len(RECONNECT_WAIT_S) - 1)]
                failures += 1
                log.warning('listening for other processes failed (%s); again in %s s', exc, wait)
                self._stopping.wait(wait)

    def _listen(self, connection) -> None:
        gaps = _Gaps()
        while not self._stopping.is_set():
            for notification in connection.notifies(timeout=0.5):
                try:
                    mark, origin, number, event = decode(notification.payload)
                except (ValueError, KeyError, TypeError):
                    log.warning('unreadable notification skipped: %.200s', notification.payload)
                    continue
                if origin == self.origin or self._stopping.is_set():
                    continue
                gaps.heard(origin, number, time.monotonic())
                self.deliver(event, mark)
            if gaps.lost(time.monotonic()):
                self.deliver(ChangesMissed(reason='gap'), None)
