"""Accounts: creating and deactivating users, password checks throttled by source, login sessions, API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from passlib.context import CryptContext
from pydantic import BaseModel
from sqlmodel import select

from app.i18n import LOCALES

from ..errors import InvalidInput, LoginRefused, NotFound
from ..events import SessionEnded, queue_event
from ..limits import INTERNAL_NUMBER_MAX
from ..memo import Believed
from ..models import ApiToken, LoginSession, Role, User, utcnow
from ..permissions import Actor, ensure_active
from . import login_throttle
from .audit import record_change

passwords = CryptContext(schemes=['argon2'], deprecated='auto')

# checked against when the login is unknown, so an unknown login costs as much time as a wrong password
_DUMMY_HASH = passwords.hash('voronka-dummy-password')

ROLE_DEFAULTS = {
    Role.admin: dict(can_see_others=True, can_act_on_others=True, can_export=True, can_import=True, can_bulk=True),
    Role.head: dict(can_see_others=True, can_act_on_others=True, can_export=True, can_import=True, can_bulk=True),
    Role.manager: dict(
        can_see_others=True, can_act_on_others=False, can_export=False, can_import=False, can_bulk=False
    ),
}


def check_internal_number(session, value: str | None, *, user_id: int | None = None) -> str | None:
    """An internal number as stored: its digits, None when empty; refused when another active user has it (the
    database's partial unique index backs this against two admins saving at once)."""
    number = ''.join((value or '').split())
    if not number:
        return None
    if len(number) > INTERNAL_NUMBER_MAX or not (number.isascii() and number.isdigit()):
        raise InvalidInput('error.internal_number', limit=INTERNAL_NUMBER_MAX)
    holder = internal_number_holder(session, number, other_than=user_id)
    if holder is not None:
        raise InvalidInput('error.internal_number_taken', number=number, user=holder.name)
    return number


def internal_number_holder(session, number: str, *, other_than: int | None = None) -> User | None:
    """The active user with this internal number (other than the one given), if any."""
    return session.exec(
        select(User).where(User.internal_number == number, User.active, User.id != (other_than or 0))
    ).first()


def create_user(
    session,
    *,
    login: str,
    name: str,
    role: str,
    password: str,
    password_hash: str | None = None,
    internal_number: str | None = None,
) -> User:
    """A new active user with the switches their role usually has."""
    login = (login or '').strip().lower()
    if not login:
        raise InvalidInput('error.unknown_user')
    if role not in set(Role):
        raise InvalidInput('error.bad_role')
    if session.exec(select(User.id).where(User.login == login)).first() is not None:
        raise InvalidInput('error.login_taken', login=login)
    user = User(
        login=login,
        name=(name or login).strip(),
        role=role,
        password_hash=password_hash or passwords.hash(password),
        internal_number=check_internal_number(session, internal_number),
        **ROLE_DEFAULTS[Role(role)],
    )
    session.add(user)
    session.flush()
    return user


def any_user(session) -> bool:
    """Whether anyone has an account yet (a fresh install gets the demo team)."""
    return session.exec(select(User.id)).first() is not None


def user_by_login(session, login: str) -> User:
    user = session.exec(select(User).where(User.login == (login or '').strip().lower())).first()
    if user is None:
        raise NotFound()
    return user


def deactivate_user(session, *, login: str) -> User:
    """The user can no longer log in or be made responsible; their clients stay, to be reassigned."""
    user = user_by_login(session, login)
    user.active = False
    session.add(user)
    end_sessions_of(session, user_id=user.id)
    session.flush()
    return user


def _find_login(session, login: str) -> User | None:
    return session.exec(select(User).where(User.login == (login or '').strip().lower())).first()


def _password_ok(user: User | None, password: str) -> bool:
    """The slow part (argon2); an unknown login is checked against a dummy hash so it takes as long."""
    valid = passwords.verify(password or '', user.password_hash if user and user.password_hash else _DUMMY_HASH)
    return valid and user is not None and user.active


def authenticate(session, *, login: str, password: str) -> Actor:
    """The password check alone: the active user it belongs to, or LoginRefused (nothing is counted here)."""
    user = _find_login(session, login)
    if not _password_ok(user, password):
        raise LoginRefused()
    return Actor.of(user)


def log_in(database, *, login: str, password: str, hours: int, address: str = '') -> tuple[str, Actor]:
    """The browser login from one address: refused at once while that source must wait; the slow password
    check runs outside any write transaction, so it never holds the database's write lock; the outcome (a
    counted failure or a new session) is written afterwards."""
    with database.read() as session:
        login_throttle.ensure_not_throttled(session, login=login, address=address)
        try:
            actor = authenticate(session, login=login, password=password)
        except LoginRefused:
            actor = None
    with database.write() as session:
        if actor is not None:
            login_throttle.record_success(session, login=login, address=address)
            return open_session(session, actor=actor, hours=hours), actor
        login_throttle.record_failure(session, login=login, address=address)
    raise LoginRefused()


def token_digest(token: str) -> str:
    """What the database keeps of a token or login key (its SHA-256): also how other tables name a token
    without holding it."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session, *, login: str, label: str = '') -> str:
    """A new bearer token for the user; only its hash is kept, so it is shown once."""
    user = user_by_login(session, login)
    token = 'vk_' + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), label=label))
    session.flush()
    return token


class TokenView(BaseModel):
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None


def my_tokens(session, *, actor: Actor) -> list[TokenView]:
    """The actor's own API tokens (never the tokens themselves: only their hashes are kept)."""
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.created_at.desc()))
    return [TokenView(id=t.id, label=t.label, created_at=t.created_at, last_used_at=t.last_used_at) for t in rows]


def create_my_token(session, *, actor: Actor, label: str) -> str:
    ensure_active(actor)
    user = session.get(User, actor.id)
    token = create_token(session, login=user.login, label=(label or '').strip())
    record_change(session, actor, 'tokens', 'token created', label=label)
    return token


def revoke_my_token(session, *, actor: Actor, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != actor.id:
        raise NotFound()
    session.delete(row)
    record_change(session, actor, 'tokens', 'token revoked', label=row.label)


# A verified token is believed this long without asking the database: an integration posting leads pays for the
# lookup once per 10 s, not per request. A change to a user or a revoked token in this process is seen at once.
TOKEN_TRUST_S = 10
LAST_USED_EVERY_S = 60
_verified = Believed(TOKEN_TRUST_S, watched=(User,), deletions=(ApiToken,))


def actor_for_token(session, token: str, *, touch: bool = False) -> Actor | None:
    """The active user a bearer token belongs to, or None."""
    if not token:
        return None
    digest = token_digest(token)
    return _verified.get(digest, lambda: _verify_token(session, digest, touch))


def _verify_token(session, digest: str, touch: bool) -> Actor | None:
    row = session.exec(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest)
    ).first()
    if row is None or not row[1].active:
        return None
    token_row, user = row
    now = utcnow()
    # "last used" to the minute, and only inside a write transaction (a read one must never write)
    if touch and (token_row.last_used_at is None or (now - token_row.last_used_at).total_seconds() > LAST_USED_EVERY_S):
        token_row.last_used_at = now
        session.add(token_row)
    return Actor.of(user)


def open_session(session, *, actor: Actor, hours: int) -> str:
    """A login session for a browser; the returned key is kept in the browser's storage, its hash here."""
    key = secrets.token_urlsafe(32)
    session.add(
        LoginSession(user_id=actor.id, token_hash=token_digest(key), expires_at=utcnow() + timedelta(hours=hours))
    )
    session.flush()
    return key


def actor_for_session(session, key: str | None) -> Actor | None:
    """The user of a live login session; None once it expired, ended or its user was deactivated."""
    if not key:
        return None
    row = session.exec(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_digest(key))
    ).first()
    if row is None or row[0].expires_at <= utcnow() or not row[1].active:
        return None
    return Actor.of(row[1])


def ended_sessions(session, keys: set[str]) -> set[str]:
    """Of the login keys open tabs hold, those that no longer log anyone in (ended, expired, or their user
    deactivated, by any process): one query, so every process can check its tabs every few seconds."""
    hashes = {token_digest(key): key for key in keys if key}
    if not hashes:
        return set()
    alive = set(
        session.exec(
            select(LoginSession.token_hash)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash.in_(list(hashes)), LoginSession.expires_at > utcnow(), User.active)
        ).all()
    )
    return {key for token_hash, key in hashes.items() if token_hash not in alive}


def end_session(session, *, key: str) -> None:
    """Log out: the session is gone for every tab that shares it, and they are told so."""
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == token_digest(key or ''))).first()
    if row is not None:
        session.delete(row)
        queue_event(session, SessionEnded(session_key=_event_key(row.token_hash), user_id=row.user_id))


def end_sessions_of(session, *, user_id: int) -> None:
    """Log a user out everywhere (deactivation): every tab of theirs goes to the login page."""
    for row in session.exec(select(LoginSession).where(LoginSession.user_id == user_id)):
        session.delete(row)
        queue_event(session, SessionEnded(session_key=_event_key(row.token_hash), user_id=user_id))


def _event_key(token_hash: str) -> str:
    return token_digest('event:' + token_hash)[:32]


def session_event_key(key: str) -> str:
    """What an event may say about a session: derived from its stored hash, so the key never travels."""
    return _event_key(token_digest(key))


def set_locale(session, *, actor: Actor, locale: str) -> None:
    """The user's interface language, kept for their next login on any device."""
    if locale not in LOCALES:
        raise InvalidInput('error.invalid')
    user = session.get(User, actor.id)
    user.locale = locale
    session.add(user)


def actor_by_id(session, user_id: int) -> Actor | None:
    """The current state of a logged-in user (None once deactivated), re-read for every action."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return Actor.of(user)
