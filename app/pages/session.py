"""The logged-in user of a tab, and running domain services for them off the event loop."""

from nicegui import app, run, ui

from app.components.locale import current_locale
from app.domain.account import users
from app.domain.db import get_database
from app.domain.errors import DomainError
from app.domain.permissions import Actor

SESSION_KEY = 'session_key'
EXPIRED = 'login.expired'


def session_key() -> str | None:
    return app.storage.user.get(SESSION_KEY)


def _actor_for(key: str | None) -> Actor | None:
    with get_database().read() as session:
        return users.actor_for_session(session, key)


async def require_actor() -> Actor | None:
    """The tab's user, or None after sending the browser to the login page."""
    actor = await run.io_bound(_actor_for, session_key())
    if actor is None:
        expired = session_key() is not None
        app.storage.user.pop(SESSION_KEY, None)
        ui.navigate.to('/login?expired=1' if expired else '/login')
    return actor


def _call(key: str | None, write: bool, service, arguments: dict):
    database = get_database()
    with database.write() if write else database.read() as session:
        actor = users.actor_for_session(session, key)
        if actor is None:
            raise DomainError(EXPIRED)
        return service(session, actor=actor, **arguments)


async def call(service, *, key: str | None = None, write: bool = True, **arguments):
    """Run a domain service as the tab's current user (re-read, so revoked rights apply at once).
    A refusal is shown to the user in their language and yields None; nothing was changed.
    Live updates run outside any request and pass the tab's session `key` themselves."""
    try:
        return await run.io_bound(_call, key or session_key(), write, service, arguments)
    except DomainError as error:
        if error.key == EXPIRED:
            ui.navigate.to('/login?expired=1')
            return None
        ui.notify(error.message(current_locale()), type='negative', multi_line=True)
        return None


async def attempt(service, *, key: str | None = None, **arguments):
    """Like `call`, but hands a refusal back to the caller (a form shows it next to its fields)."""
    try:
        return await run.io_bound(_call, key or session_key(), True, service, arguments), None
    except DomainError as error:
        return None, error


async def read(service, *, key: str | None = None, **arguments):
    return await call(service, key=key, write=False, **arguments)
