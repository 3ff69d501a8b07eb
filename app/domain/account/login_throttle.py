"""Login throttling by source: five wrong passwords for a login from one address make that address wait,
twenty wrong passwords from one address make it wait for every login, each further failure doubling the wait;
the account itself is locked only past a ceiling no person types (a spread attack), so whoever guesses at an
account slows themselves, not its owner. Counted in the database: every app process sees the same counts."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from ..errors import LoginLocked
from ..models import LoginThrottle, utcnow

FORGET_AFTER = timedelta(hours=1)  # a quiet hour forgets a source's failures
MAX_WAIT_SECONDS = 3600


@dataclass(frozen=True)
class Limit:
    """How many failures a kind of source may have before it waits, and how long the first wait is."""

    prefix: str
    failures: int
    first_wait_seconds: int
    doubling: bool


PAIR = Limit('pair', failures=5, first_wait_seconds=60, doubling=True)
ADDRESS = Limit('address', failures=20, first_wait_seconds=60, doubling=True)
ACCOUNT = Limit('account', failures=200, first_wait_seconds=900, doubling=False)


def _keys(login: str, address: str) -> list[tuple[Limit, str]]:
    login = (login or '').strip().lower()[:64]
    address = (address or 'unknown')[:64]
    return [
        (PAIR, f'pair:{login}|{address}'),
        (ADDRESS, f'address:{address}'),
        (ACCOUNT, f'account:{login}'),
    ]


def ensure_not_throttled(session, *, login: str, address: str) -> None:
    """Refuse before the password is even checked while any of the attempt's sources must wait."""
    now = utcnow()
    keys = [key for _, key in _keys(login, address)]
    waits = session.exec(
        select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now)
    ).all()
    if waits:
        raise LoginLocked(seconds=int((max(waits) - now).total_seconds()) + 1)


def _wait(limit: Limit, failures: int) -> timedelta | None:
    if failures < limit.failures:
        return None
    extra = failures - limit.failures if limit.doubling else 0
    return timedelta(seconds=min(limit.first_wait_seconds * 2**extra, MAX_WAIT_SECONDS))


def record_failure(session, *, login: str, address: str) -> None:
    """Count one wrong password against each source; concurrent failures each count (an atomic upsert)."""
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == 'postgresql' else sqlite_insert
    session.exec(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER))
    for limit, key in _keys(login, address):
        statement = insert(LoginThrottle).values(key=key, failures=1, last_failure_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=['key'],
            set_={'failures': LoginThrottle.failures + 1, 'last_failure_at': now},
        ).returning(LoginThrottle.failures)
        failures = session.exec(statement).scalar_one()
        wait = _wait(limit, failures)
        if wait is not None:
            row = session.get(LoginThrottle, key)
            row.locked_until = now + wait
            session.add(row)


def record_success(session, *, login: str, address: str) -> None:
    """The owner got in from this address: that login's count from here starts over (the address's and the
    account's counts stay, so a valid account does not buy an attacker fresh guesses at others)."""
    pair_key = _keys(login, address)[0][1]
    session.exec(delete(LoginThrottle).where(LoginThrottle.key == pair_key))


def forget_login(session, *, login: str) -> None:
    """An admin reset the password: every count against that login is dropped."""
    login = (login or '').strip().lower()
    session.exec(
        delete(LoginThrottle).where(
            (LoginThrottle.key == f'account:{login}') | LoginThrottle.key.startswith(f'pair:{login}|')
        )
    )
