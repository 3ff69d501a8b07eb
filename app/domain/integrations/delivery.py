"""The delivery worker: a thread in every app process that sends the outbox's deliveries, at least once, signed,
in order per endpoint and client, retrying with growing pauses for more than a day.

A worker claims a batch of due deliveries in one `UPDATE … RETURNING` whose selection is `FOR UPDATE SKIP LOCKED`
(SQLite: the one writer lock) and leases them for LEASE_S, so several processes share the outbox and no two send
the same delivery; a worker that dies mid-send leaves a lease that lapses, and the delivery is sent again (at least
once). A delivery waits while an earlier one of the same endpoint and client is pending, so a batch holds at most
one of each; other clients and other endpoints go on, and an endpoint never holds more than PER_ENDPOINT of the
worker's sending threads, so a dead one cannot hold up the rest. The worker's writes (outcomes, claims) go in one
transaction a round: on SQLite they queue for the one writer lock with the changes themselves, and that queue,
not the sending, is what a busy outbox waits on."""

import logging
import threading
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic, time
from urllib.parse import urlsplit

import httpx
from sqlalchemy import bindparam, case, delete, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import select

from ..db import Database
from ..errors import DomainError
from ..models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint, utcnow
from .outbox import wakeup
from .webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, check_destination, sign

log = logging.getLogger(__name__)

TIMEOUT_S = 10  # connecting, sending, and waiting for the answer's headers: each at most this long
LEASE_S = 120  # longer than any send can take: a claim older than this belongs to a worker that died
RETRY_FIRST_S = 15
RETRY_MAX_S = 3600
RETRY_FOR = timedelta(hours=24)
CONCURRENCY = 8
PER_ENDPOINT = 4
# claimed ahead per endpoint: a dead one's queue is all tried (QUEUED / PER_ENDPOINT * TIMEOUT_S) well within LEASE_S
QUEUED_PER_ENDPOINT = 32
BATCH = 256  # claimed and not yet recorded, all endpoints together
GATHER_S = 0.05  # a round woken by a commit or a send waits this long from its start: one round serves many
POLL_S = 1.0  # how soon deliveries written by another process (or falling due) are noticed
KEEP_DELIVERED = timedelta(days=30)
PRUNE_EVERY_S = 3600
ERROR_MAX = 300


def retry_delays(first_s: float = RETRY_FIRST_S, max_s: float = RETRY_MAX_S, total: timedelta = RETRY_FOR):
    """The pauses after each failed attempt: doubling up to max_s, until together they pass `total`; after the
    last one the delivery is given up."""
    delays, delay = [], first_s
    while sum(delays) < total.total_seconds():
        delays.append(delay)
        delay = min(delay * 2, max_s)
    return tuple(delays)


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds, with all it needs to send it."""

    delivery_id: int
    uid: str
    endpoint_id: int
    url: str
    secret: str
    kind: str
    body: str
    attempts: int  # counting this one


def claim_due(session, *, now: datetime, limit: int, busy: Counter, per_endpoint: int, lease_s: float) -> list:
    """Lease up to `limit` due deliveries whose earlier ones (same endpoint and client) are all done, skipping
    rows another worker is claiming right now, with at most `per_endpoint` held per endpoint (`busy` counts those
    held already). One UPDATE … RETURNING picks and leases the whole batch; an endpoint that is full is not even
    looked at, so a dead one's backlog never fills the window the others are picked from."""
    earlier = aliased(WebhookDelivery)
    waits = (
        select(earlier.id)
        .where(
            earlier.endpoint_id == WebhookDelivery.endpoint_id,
            earlier.client_id == WebhookDelivery.client_id,
            earlier.status == DeliveryStatus.pending,
            earlier.id < WebhookDelivery.id,
        )
        .exists()
    )
    full = [endpoint_id for endpoint_id, held in busy.items() if held >= per_endpoint]
    due = (
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookDelivery.next_attempt_at)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
            WebhookEndpoint.active == True,  # noqa: E712  (a disabled endpoint's deliveries wait for it)
            WebhookDelivery.endpoint_id.not_in(full),
            ~waits,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit * 2)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
        .subquery()
    )
    ranked = select(
        due.c.id,
        due.c.endpoint_id,
        func.row_number().over(partition_by=due.c.endpoint_id, order_by=(due.c.next_attempt_at, due.c.id)).label('n'),
    ).subquery()
    rooms = {endpoint_id: per_endpoint - held for endpoint_id, held in busy.items() if 0 < held < per_endpoint}
    room = case(rooms, value=ranked.c.endpoint_id, else_=per_endpoint) if rooms else per_endpoint
    chosen = select(ranked.c.id).where(ranked.c.n <= room).limit(limit)
    table = WebhookDelivery.__table__
    leased = (
        session.connection()
        .execute(
            table.update()
            .where(table.c.id.in_(chosen))
            .values(locked_until=now + timedelta(seconds=lease_s), attempts=table.c.attempts + 1, last_attempt_at=now)
            .returning(table.c.id, table.c.uid, table.c.endpoint_id, table.c.event_id, table.c.attempts)
        )
        .all()
    )
    if not leased:
        return []
    events = {
        event_id: (kind, body)
        for event_id, kind, body in session.exec(
            select(OutboxEvent.id, OutboxEvent.kind, OutboxEvent.body).where(
                OutboxEvent.id.in_({row.event_id for row in leased})
            )
        )
    }
    endpoints = {
        endpoint_id: (url, secret)
        for endpoint_id, url, secret in session.exec(
            select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.secret).where(
                WebhookEndpoint.id.in_({row.endpoint_id for row in leased})
            )
        )
    }
    return [
        Claimed(row.id, row.uid, row.endpoint_id, *endpoints[row.endpoint_id], *events[row.event_id], row.attempts)
        for row in sorted(leased, key=lambda row: row.id)
    ]


def send_delivery(http: httpx.Client, claimed: Claimed, *, timeout_s: float = TIMEOUT_S) -> tuple[int | None, str]:
    """POST the event to its endpoint, signed; (the answer's status code, or None, and what went wrong)."""
    parts = urlsplit(claimed.url)
    try:
        check_destination(parts.hostname or '', parts.port)
    except DomainError as refusal:
        return None, refusal.message('en')[:ERROR_MAX]
    body = claimed.body.encode()
    timestamp = int(time())
    headers = {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Voronka-Webhooks/1',
        SIGNATURE_HEADER: sign(claimed.secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: claimed.uid,
        EVENT_HEADER: claimed.kind,
    }
    try:
        # streamed and closed unread: only the status counts, and a receiver's endless answer cannot hold us
        with http.stream('POST', claimed.url, content=body, headers=headers, timeout=timeout_s) as response:
            code = response.status_code
    except httpx.HTTPError as error:
        return None, f'{type(error).__name__}: {error}'[:ERROR_MAX]
    return code, '' if 200 <= code < 300 else f'HTTP {code}'


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: the answer's status code (None when there was none) and what went wrong."""

    claimed: Claimed
    code: int | None
    error: str


def record_outcomes(session, outcomes: Sequence[Outcome], *, now: datetime, delays) -> None:
    """Write what the attempts gave, in one statement for the lot: delivered, due again after its pause, or given
    up after the last one. An attempt whose delivery was meanwhile restarted by «Отправить снова» changes nothing.
    Each endpoint's latest attempt says whether it is failing."""
    if not outcomes:
        return
    rows, health = [], {}
    for outcome in outcomes:
        claimed, error = outcome.claimed, outcome.error
        row = {
            'b_id': claimed.delivery_id,
            'b_attempts': claimed.attempts,
            'code': outcome.code,
            'status': DeliveryStatus.pending,
            'delivered_at': None,
            'next_attempt_at': now,
            'last_error': error,
        }
        if not error:
            row.update(status=DeliveryStatus.delivered, delivered_at=now)
        elif claimed.attempts > len(delays):
            row.update(status=DeliveryStatus.failed)
        else:
            row.update(next_attempt_at=now + timedelta(seconds=delays[claimed.attempts - 1]))
        rows.append(row)
        health[claimed.endpoint_id] = not error
    table = WebhookDelivery.__table__
    connection = session.connection()
    connection.execute(
        table.update()
        .where(
            table.c.id == bindparam('b_id'),
            table.c.attempts == bindparam('b_attempts'),
            table.c.status == DeliveryStatus.pending,
        )
        .values(
            response_code=bindparam('code'),
            locked_until=None,
            status=bindparam('status'),
            delivered_at=bindparam('delivered_at'),
            next_attempt_at=bindparam('next_attempt_at'),
            last_error=bindparam('last_error'),
        ),
        rows,
    )
    endpoints = WebhookEndpoint.__table__
    healthy = [endpoint_id for endpoint_id, ok in health.items() if ok]
    failing = [endpoint_id for endpoint_id, ok in health.items() if not ok]
    if healthy:
        connection.execute(
            endpoints.update()
            .where(endpoints.c.id.in_(healthy), endpoints.c.failing_since.is_not(None))
            .values(failing_since=None)
        )
    if failing:
        connection.execute(
            endpoints.update()
            .where(endpoints.c.id.in_(failing), endpoints.c.failing_since.is_(None))
            .values(failing_since=now)
        )


def release_unsent(session, claimed: Sequence[Claimed]) -> None:
    """Give back leased deliveries a stopping worker never tried: due again at once, for any worker, the attempt
    not counted."""
    if not claimed:
        return
    table = WebhookDelivery.__table__
    session.connection().execute(
        table.update()
        .where(table.c.id == bindparam('b_id'), table.c.attempts == bindparam('b_attempts'))
        .values(locked_until=None, attempts=table.c.attempts - 1),
        [{'b_id': c.delivery_id, 'b_attempts': c.attempts} for c in claimed],
    )


def prune_outbox(session, *, now: datetime, keep: timedelta = KEEP_DELIVERED) -> None:
    """Forget deliveries done (delivered or given up) longer than `keep` ago, and events nobody waits for."""
    session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status != DeliveryStatus.pending, WebhookDelivery.created_at < now - keep
        )
    )
    session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.created_at < now - keep, ~OutboxEvent.id.in_(select(WebhookDelivery.event_id))
        )
    )


class DeliveryWorker:
    """One process's sender: a claiming thread and a pool of sending threads.

    The claiming thread does all the worker's writing, one transaction a round: the outcomes the senders noted
    since the last round, then a batch of new claims. Claimed deliveries wait in their endpoint's queue (at most
    `queued` each, few enough that a dead endpoint's are all tried well within their lease); at most
    `per_endpoint` threads send from one queue."""

    def __init__(
        self,
        database: Database,
        *,
        concurrency: int = CONCURRENCY,
        per_endpoint: int = PER_ENDPOINT,
        queued: int = QUEUED_PER_ENDPOINT,
        batch: int = BATCH,
        timeout_s: float = TIMEOUT_S,
        first_retry_s: float = RETRY_FIRST_S,
        poll_s: float = POLL_S,
        lease_s: float = LEASE_S,
    ) -> None:
        self.database = database
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.queued = queued
        self.batch = batch
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.lease_s = lease_s
        self.delays = retry_delays(first_s=first_retry_s)
        self._held: Counter = Counter()  # endpoint -> claimed and not yet recorded
        self._queues: dict[int, deque[Claimed]] = {}
        self._sending: Counter = Counter()  # endpoint -> threads sending from its queue
        self._outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._http: httpx.Client | None = None
        self._pruned_at = 0.0

    def start(self) -> None:
        self._stopping.clear()
        self._http = httpx.Client(follow_redirects=False, limits=httpx.Limits(max_connections=self.concurrency * 2))
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix='webhook-send')
        self._thread = threading.Thread(target=self._run, name='webhook-delivery', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming, let the sends under way finish (each is bounded by its timeout), write what they gave,
        give back what was claimed and never tried, close the client."""
        self._stopping.set()
        wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s * 3 + 5)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            unsent = [c for queue in self._queues.values() for c in queue]
            outcomes, self._outcomes = self._outcomes, []
            self._queues.clear()
        try:
            with self.database.write() as session:
                record_outcomes(session, outcomes, now=utcnow(), delays=self.delays)
                release_unsent(session, unsent)
        except Exception:  # their leases lapse and they are sent again: at least once
            log.exception('writing the last webhook outcomes failed')
        if self._http is not None:
            self._http.close()
        self._thread = self._pool = self._http = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.is_set():
            wakeup.clear()  # before claiming: a commit landing meanwhile sets it again, and the wait returns at once
            began = monotonic()
            try:
                claimed = self._claim()
                self._prune_now_and_then()
            except Exception:  # the database away for a moment: try again after a pause, never die
                log.exception('claiming webhook deliveries failed')
                claimed = []
            self._dispatch(claimed)
            if not wakeup.wait(self.poll_s) or self._stopping.is_set():
                continue
            # woken by a commit or a sender: let a few more gather, so that one round serves them all
            self._stopping.wait(max(0.0, began + GATHER_S - monotonic()))

    def _claim(self) -> list[Claimed]:
        """One round: record what was sent, claim what may go next."""
        with self._lock:
            busy = Counter(self._held)
            outcomes, self._outcomes = self._outcomes, []
        busy.subtract(outcome.claimed.endpoint_id for outcome in outcomes)
        free = self.batch - sum(busy.values())
        try:
            with self.database.write() as session:
                record_outcomes(session, outcomes, now=utcnow(), delays=self.delays)
                claimed = (
                    claim_due(
                        session, now=utcnow(), limit=free, busy=busy, per_endpoint=self.queued, lease_s=self.lease_s
                    )
                    if free > 0
                    else []
                )
        except BaseException:
            with self._lock:  # noted again for the next round
                self._outcomes[:0] = outcomes
            raise
        with self._lock:
            self._held.subtract(outcome.claimed.endpoint_id for outcome in outcomes)
            self._held.update(c.endpoint_id for c in claimed)
        return claimed

    def _dispatch(self, claimed: list[Claimed]) -> None:
        """Queue the claims by endpoint and start a sender on each queue that may have one more."""
        with self._lock:
            for item in claimed:
                self._queues.setdefault(item.endpoint_id, deque()).append(item)
            starting = []
            for endpoint_id, queue in self._queues.items():
                more = min(len(queue), self.per_endpoint) - self._sending[endpoint_id]
                for _ in range(max(0, more)):
                    if sum(self._sending.values()) >= self.concurrency:
                        break
                    self._sending[endpoint_id] += 1
                    starting.append(endpoint_id)
        for endpoint_id in starting:
            self._pool.submit(self._send_queue, endpoint_id)

    def _send_queue(self, endpoint_id: int) -> None:
        """Send the endpoint's queued deliveries one after another, until it is empty or the worker stops."""
        while True:
            with self._lock:
                queue = self._queues.get(endpoint_id)
                if not queue or self._stopping.is_set():
                    self._sending[endpoint_id] -= 1
                    break
                claimed = queue.popleft()
                refill = len(queue) in (0, self.queued // 2)
            try:
                code, error = send_delivery(self._http, claimed, timeout_s=self.timeout_s)
            except Exception as failure:  # a failed attempt like any other: retried after its pause
                log.exception('webhook delivery %s failed', claimed.uid)
                code, error = None, f'{type(failure).__name__}: {failure}'[:ERROR_MAX]
            with self._lock:
                self._outcomes.append(Outcome(claimed, code, error))
            if refill:
                wakeup.set()  # its endpoint's queue runs low (and a client's next delivery may go)
        wakeup.set()  # a sending thread is free

    def _prune_now_and_then(self) -> None:
        if time() - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = time()
        with self.database.write() as session:
            prune_outbox(session, now=utcnow())


_worker: DeliveryWorker | None = None


def start_worker(database: Database) -> DeliveryWorker:
    """Start this process's worker (the server's start-up); a second call keeps the running one."""
    global _worker
    if _worker is None or not _worker.running:
        _worker = DeliveryWorker(database)
        _worker.start()
    return _worker


def stop_worker() -> None:
    """Stop it (the server's shutdown)."""
    global _worker
    if _worker is not None:
        _worker.stop()
        _worker = None
