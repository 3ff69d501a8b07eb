"""Accounts: creating and deactivating users, password checks with lock-out, API tokens."""

import hashlib
import secrets
from datetime import timedelta

from passlib.context import CryptContext
from sqlmodel import select

from .errors import InvalidInput, LoginLocked, LoginRefused, NotFound
from .models import ApiToken, Role, User, utcnow
from .permissions import Actor

passwords = CryptContext(schemes=['argon2'], deprecated='auto')

MAX_FAILED_LOGINS = 5
LOCK_SECONDS = 60
# checked against when the login is unknown, so an unknown login costs as much time as a wrong password
_DUMMY_HASH = passwords.hash('voronka-dummy-password')

ROLE_DEFAULTS = {
    Role.admin: dict(can_see_others=True, can_act_on_others=True, can_export=True, can_import=True, can_bulk=True),
    Role.head: dict(can_see_others=True, can_act_on_others=True, can_export=True, can_import=True, can_bulk=True),
    Role.manager: dict(
        can_see_others=True, can_act_on_others=False, can_export=False, can_import=False, can_bulk=False
    ),
}


def create_user(session, *, login: str, name: str, role: str, password: str, password_hash: str | None = None) -> User:
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
    session.flush()
    return user


def set_password(session, *, login: str, password: str) -> None:
    user = user_by_login(session, login)
    user.password_hash = passwords.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)


def authenticate(session, *, login: str, password: str) -> Actor:
    """Check a password (slow by design: call it off the event loop); repeated failures lock the account."""
    user = session.exec(select(User).where(User.login == (login or '').strip().lower())).first()
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginLocked(seconds=int((user.locked_until - now).total_seconds()) + 1)
    valid = passwords.verify(password or '', user.password_hash if user and user.password_hash else _DUMMY_HASH)
    if user is None or not user.active or not valid:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                # each further failure doubles the wait, up to an hour
                extra = user.failed_logins - MAX_FAILED_LOGINS
                user.locked_until = now + timedelta(seconds=min(LOCK_SECONDS * 2**extra, 3600))
            session.add(user)
        raise LoginRefused()
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    return Actor.of(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session, *, login: str, label: str = '') -> str:
    """A new bearer token for the user; only its hash is kept, so it is shown once."""
    user = user_by_login(session, login)
    token = 'vk_' + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), label=label))
    session.flush()
    return token


def actor_for_token(session, token: str) -> Actor | None:
    """The active user a bearer token belongs to, or None."""
    if not token:
        return None
    row = session.exec(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == _token_hash(token))
    ).first()
    if row is None or not row[1].active:
        return None
    return Actor.of(row[1])


def actor_by_id(session, user_id: int) -> Actor | None:
    """The current state of a logged-in user (None once deactivated), re-read for every action."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return Actor.of(user)
