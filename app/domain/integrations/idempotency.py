"""Safe retries: a write sent with a key (an API token's `Idempotency-Key` or `external_id`, a site form's `tranid`)
is answered once; the same key again gets that first answer back and writes nothing, the same key with another body
is refused. Keys are per sender (scope) and kept IDEMPOTENCY_DAYS. Concurrent retries are decided by the table's
unique (scope, key): the second insert waits for the first transaction and then finds its answer."""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from time import monotonic

from sqlalchemy.exc import IntegrityError
from sqlmodel import delete, select

from ..account.users import token_digest
from ..errors import Conflict
from ..limits import check_text
from ..models import IdempotencyKey, utcnow

IDEMPOTENCY_DAYS = 7
KEY_MAX = 200
CLEANUP_EVERY_S = 600  # keys past their days are deleted by a write at most this often per process


@dataclass(frozen=True)
class Answer:
    """What the sender is answered: the HTTP status and the JSON body; `replayed` when it is a stored first answer."""

    status_code: int
    body: dict
    replayed: bool = False


def token_scope(token: str) -> str:
    """The keys of one API token (its digest, as the token table keeps it: the token itself is never stored)."""
    return 'token:' + token_digest(token)


def check_key(key: str | None) -> str:
    """A key as kept: trimmed, '' for none, refused when longer than KEY_MAX."""
    return check_text(key, KEY_MAX, 'idempotency.key', one_line=True)


def fingerprint_of(body: Mapping) -> str:
    """The body's digest, independent of the order of its keys: what tells a retry from a different write."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(',', ':'), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_cleanup_lock = Lock()
_next_cleanup = 0.0


def forget_old_keys(session, *, now: datetime | None = None) -> int:
    """Delete the keys older than IDEMPOTENCY_DAYS; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=IDEMPOTENCY_DAYS)
    return session.exec(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)).rowcount


def _forget_old_keys_now_and_then(session) -> None:
    global _next_cleanup
    with _cleanup_lock:
        if monotonic() < _next_cleanup:
            return
        _next_cleanup = monotonic() + CLEANUP_EVERY_S
    forget_old_keys(session)


def _held(session, scope: str, key: str) -> IdempotencyKey | None:
    row = session.exec(select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)).first()
    if row is not None and row.created_at < utcnow() - timedelta(days=IDEMPOTENCY_DAYS):
        session.delete(row)  # past its days: the key is free again, whether or not the cleanup ran yet
        session.flush()
        return None
    return row


def _replay(row: IdempotencyKey, fingerprint: str) -> Answer:
    if row.fingerprint != fingerprint:
        raise Conflict('error.idempotency_mismatch')
    return Answer(status_code=row.status_code, body=dict(row.response), replayed=True)


def answer_once(session, *, scope: str, key: str, fingerprint: str, write: Callable[[], Answer]) -> Answer:
    """`write()`'s answer, written and kept under the key in this transaction; or the answer kept for the key.
    Without a key, simply `write()`. A write that is refused keeps nothing, so its retry is tried afresh."""
    if not key:
        return write()
    _forget_old_keys_now_and_then(session)
    held = _held(session, scope, key)
    if held is not None:
        return _replay(held, fingerprint)
    row = IdempotencyKey(scope=scope, key=key, fingerprint=fingerprint, status_code=0, response={})
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # a concurrent twin inserted the key and has committed since (its insert made ours wait): its answer
        held = _held(session, scope, key)
        if held is None:
            raise
        return _replay(held, fingerprint)
    answer = write()
    row.status_code, row.response = answer.status_code, answer.body
    session.add(row)
    session.flush()
    return answer
