"""The logged-in user of a tab, and running domain services for them off the event loop.

A tab's login is the `voronka_session` cookie its page was loaded with (set by the login form's POST): the
key of a row in the database, so any app process can check it and nothing of it lives in this process."""

from fastapi.responses import RedirectResponse
from nicegui import context, run, ui

from app.borders import SESSION_COOKIE
from app.components.locale import current_locale, remember_locale
from app.domain.account import users
from app.domain.db import get_database
from app.domain.errors import DomainError
from app.domain.permissions import Actor

EXPIRED = 'login.expired'


def session_key() -> str | None:
    """The login key of the tab being built or handled (its page's request cookie)."""
    return context.client.request.cookies.get(SESSION_COOKIE)


def _actor_for(key: str | None) -> Actor | None:
    with get_database().read() as session:
        return users.actor_for_session(session, key)


async def page_actor() -> Actor | None:
    """The user a page is being built for; None without a live login (no database read without a cookie)."""
    key = session_key()
    actor = await run.io_bound(_actor_for, key) if key else None
    if actor is not None:
        remember_locale(context.client, actor.locale)
    return actor


def to_login() -> RedirectResponse:
    """What a page answers a request without a live login: a redirect, and the half-made page is dropped at
    once (a crawler's or a script's requests leave nothing behind in memory)."""
    expired = bool(session_key())
    context.client.delete()
    return RedirectResponse('/login?expired=1' if expired else '/login', status_code=303)


def leave_for_login() -> None:
    """Send the current tab to the login page. A full page load, not NiceGUI's navigation: the login page is
    plain HTML, not a NiceGUI page."""
    ui.run_javascript("window.location.assign('/login?expired=1')")


async def require_actor() -> Actor | None:
    """An open tab's user, re-read; None after sending the browser to the login page."""
    actor = await page_actor()
    if actor is None:
        leave_for_login()
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
    return await settle(_call, key or session_key(), write, service, arguments)


def runner(key: str | None):
    """The tab's user as a runner of services, for domain work that opens its own transactions (a document's
    attach: a check, the blob put outside any transaction, then the write)."""
    return lambda service, write, **arguments: _call(key, write, service, arguments)


async def settle(work, *args, **kwargs):
    """Blocking domain work off the event loop; a refusal is shown in the user's language and yields None."""
    try:
        return await run.io_bound(work, *args, **kwargs)
    except DomainError as error:
        if error.key == EXPIRED:
            leave_for_login()
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
