"""The delivery worker: a thread in every app process that sends the outbox's deliveries, at least once, signed,
in order per endpoint and client, retrying with growing pauses for more than a day.

A worker claims due deliveries with `SELECT … FOR UPDATE SKIP LOCKED` (SQLite: the one writer lock) and leases
them for LEASE_S, so several processes share the outbox and no two send the same delivery; a worker that dies
mid-send leaves a lease that lapses, and the delivery is sent again (at least once). A delivery waits while an
earlier one of the same endpoint and client is pending; other clients and other endpoints go on, and an endpoint
never holds more than PER_ENDPOINT of the worker's sending threads, so a dead one cannot hold up the rest."""

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import time
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, or_, update
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
    rows another worker is claiming right now, and at most `per_endpoint` in flight per endpoint."""
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
    rows = session.exec(
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
            WebhookEndpoint.active == True,  # noqa: E712  (a disabled endpoint's deliveries wait for it)
            ~waits,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit * per_endpoint)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    taken, counts = [], Counter(busy)
    for delivery_id, endpoint_id in rows:
        if len(taken) < limit and counts[endpoint_id] < per_endpoint:
            taken.append(delivery_id)
            counts[endpoint_id] += 1
    if not taken:
        return []
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(taken))
        .values(
            locked_until=now + timedelta(seconds=lease_s), attempts=WebhookDelivery.attempts + 1, last_attempt_at=now
        )
        .execution_options(synchronize_session=False)
    )
    details = session.exec(
        select(
            WebhookDelivery.id,
            WebhookDelivery.uid,
            WebhookDelivery.endpoint_id,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            OutboxEvent.kind,
            OutboxEvent.body,
            WebhookDelivery.attempts,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(taken))
        .order_by(WebhookDelivery.id)
    ).all()
    return [Claimed(*row) for row in details]


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


def record_outcome(session, claimed: Claimed, code: int | None, error: str, *, now: datetime, delays) -> None:
    """Write what the attempt gave: delivered, due again after its pause, or given up after the last one. An
    attempt whose delivery was meanwhile restarted by «Отправить снова» changes nothing."""
    mine = (
        WebhookDelivery.id == claimed.delivery_id,
        WebhookDelivery.attempts == claimed.attempts,
        WebhookDelivery.status == DeliveryStatus.pending,
    )
    if not error:
        values = {'status': DeliveryStatus.delivered, 'delivered_at': now, 'last_error': ''}
        failing_since = None
    elif claimed.attempts > len(delays):
        values = {'status': DeliveryStatus.failed, 'last_error': error}
        failing_since = now
    else:
        values = {'next_attempt_at': now + timedelta(seconds=delays[claimed.attempts - 1]), 'last_error': error}
        failing_since = now
    changed = session.execute(
        update(WebhookDelivery)
        .where(*mine)
        .values(response_code=code, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return
    endpoint = update(WebhookEndpoint).where(WebhookEndpoint.id == claimed.endpoint_id)
    if failing_since is None:
        endpoint = endpoint.where(WebhookEndpoint.failing_since.is_not(None)).values(failing_since=None)
    else:
        endpoint = endpoint.where(WebhookEndpoint.failing_since.is_(None)).values(failing_since=failing_since)
    session.execute(endpoint.execution_options(synchronize_session=False))


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
    """One process's sender: a claiming thread and a pool of sending threads."""

    def __init__(
        self,
        database: Database,
        *,
        concurrency: int = CONCURRENCY,
        per_endpoint: int = PER_ENDPOINT,
        timeout_s: float = TIMEOUT_S,
        first_retry_s: float = RETRY_FIRST_S,
        poll_s: float = POLL_S,
        lease_s: float = LEASE_S,
    ) -> None:
        self.database = database
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.lease_s = lease_s
        self.delays = retry_delays(first_s=first_retry_s)
        self._busy: Counter = Counter()
        self._in_flight = 0
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
        """Stop claiming, let the sends under way finish (each is bounded by its timeout), close the client."""
        self._stopping.set()
        wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s * 3 + 5)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._http is not None:
            self._http.close()
        self._thread = self._pool = self._http = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.is_set():
            wakeup.clear()  # before claiming: a commit landing meanwhile sets it again, and the wait returns at once
            try:
                claimed = self._claim()
                self._prune_now_and_then()
            except Exception:  # the database away for a moment: try again after a pause, never die
                log.exception('claiming webhook deliveries failed')
                claimed = []
            for item in claimed:
                self._pool.submit(self._deliver, item)
            if not claimed:
                wakeup.wait(self.poll_s)

    def _claim(self) -> list[Claimed]:
        with self._lock:
            free = self.concurrency - self._in_flight
            busy = Counter(self._busy)
        if free <= 0:
            return []
        with self.database.write() as session:
            claimed = claim_due(
                session, now=utcnow(), limit=free, busy=busy, per_endpoint=self.per_endpoint, lease_s=self.lease_s
            )
        with self._lock:
            self._in_flight += len(claimed)
            self._busy.update(c.endpoint_id for c in claimed)
        return claimed

    def _deliver(self, claimed: Claimed) -> None:
        try:
            code, error = send_delivery(self._http, claimed, timeout_s=self.timeout_s)
            with self.database.write() as session:
                record_outcome(session, claimed, code, error, now=utcnow(), delays=self.delays)
        except Exception:  # its lease lapses and it is sent again: at least once
            log.exception('webhook delivery %s failed', claimed.uid)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._busy[claimed.endpoint_id] -= 1
            wakeup.set()  # a slot is free, and the client's next delivery may go

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
