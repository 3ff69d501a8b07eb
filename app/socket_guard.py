"""The websocket border NiceGUI 3.18 leaves open, closed at start-up.

NiceGUI's socket.io server accepts every Origin (`cors_allowed_origins='*'`) and routes each message by the
client id written inside it, whichever socket sent it: a page of another site could open a socket to us, and any
socket knowing a page's client id could fire that page's handlers or write lines into our log. This module
replaces the origin setting and the message handlers of NiceGUI's one server; `tests/e2e/test_socket_guard.py`
fails when an upgrade of NiceGUI changes what is patched here.
"""

import hmac
import logging
from typing import Any

from nicegui import Client, core, run
from nicegui import nicegui as nicegui_server
from starlette.requests import cookie_parser

from app.borders import SESSION_COOKIE, origin_allowed
from app.config import Settings, load_settings
from app.domain.account import users
from app.domain.db import get_database

log = logging.getLogger(__name__)


class OriginCheck:
    """engineio's `cors_allowed_origins` callable: the app's own origin, or one the deployment listed
    (`app.borders.origin_allowed`, the rule the login form follows too).

    engineio asks it on every request of both transports (polling and the websocket upgrade) that carries an
    Origin. A request without an Origin is let through, as engineio does: browsers leave it out only on
    same-origin requests (socket.io's polling GETs from our own pages), and always send it from another site's
    page, so a missing Origin never means a foreign page in a victim's browser. A non-browser client can omit or
    forge the header at will; it carries no victim's cookie, so `_guarded_handshake` keeps it off every logged-in
    page, and `_page_of` keeps any socket away from other pages' handlers.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return False  # asked so only for CORS headers, which a request without Origin does not need
        return origin_allowed(origin, environ.get('asgi.scope') or {}, self.settings)


def _login_cookie(cookie_header: str) -> str:
    """Read with Starlette's own parser, the one the page's request was read with (a stricter one gives up on
    the whole header for one odd cookie of another app and would lock the user out)."""
    return cookie_parser(cookie_header or '').get(SESSION_COOKIE, '')


def _same_login(client: Client, cookie_header: str) -> bool:
    return hmac.compare_digest(_login_cookie(cookie_header), client.request.cookies.get(SESSION_COOKIE, ''))


def _login_alive(key: str) -> bool:
    with get_database().read() as session:
        return users.actor_for_session(session, key) is not None


async def _guarded_handshake(sid: str, data: Any) -> bool:
    """A socket may join a page only with the login cookie the page was loaded with: a page's client id alone
    (it is in the page's HTML) opens nothing to a socket of another browser."""
    if not (isinstance(data, dict) and all(isinstance(data.get(k), str) for k in ('client_id', 'tab_id'))):
        return False  # not a handshake our pages send: refused quietly, no traceback in the log
    client = Client.instances.get(data['client_id'])
    if client is not None and not sid.startswith('test-'):  # NiceGUI's simulated User sockets carry no environ
        environ = core.sio.get_environ(sid) or {}
        if not _same_login(client, environ.get('HTTP_COOKIE', '')):
            log.warning('refused a socket handshake for a page loaded with another login, socket %s', sid)
            return False
        key = _login_cookie(environ.get('HTTP_COOKIE', ''))
        if key and not await run.io_bound(_login_alive, key):
            return False  # the page's login ended meanwhile (logout, expiry, deactivation)
    return await _NICEGUI_HANDSHAKE(sid, data)


_NICEGUI_HANDSHAKE = nicegui_server._on_handshake


def _page_of(sid: str, msg: Any) -> Client | None:
    """The page a message names, only if `sid` is a socket that page connected with; else the message is dropped."""
    client_id = msg.get('client_id') if isinstance(msg, dict) else None
    client = Client.instances.get(client_id) if isinstance(client_id, str) else None
    if client is None:
        return None  # a page that is gone (NiceGUI drops these silently too)
    if client.id not in core.sio.rooms(sid):  # NiceGUI's handshake puts a page's sockets in a room named after it
        log.warning('dropped a socket message for another page from socket %s', sid)
        return None
    return client


def _on_event(sid: str, msg: Any) -> None:
    if (client := _page_of(sid, msg)) and client.has_socket_connection:
        client.handle_event(msg)


def _on_javascript_response(sid: str, msg: Any) -> None:
    if client := _page_of(sid, msg):
        client.handle_javascript_response(msg)


def _on_ack(sid: str, msg: Any) -> None:
    if (client := _page_of(sid, msg)) and isinstance(msg.get('next_message_id'), int):
        client.outbox.prune_history(msg['next_message_id'])


def _on_log(sid: str, msg: Any) -> None:
    """Browser console lines are dropped, not logged: any visitor has a page (the login page will do) and a socket
    of its own, so whatever we wrote, even bounded, would be text of anyone's choosing flooding our log; NiceGUI's
    messages there are developer hints the browser console already shows."""


class PageRequestGuard:
    """Pure ASGI middleware for NiceGUI's per-page HTTP routes (`/_nicegui/client/{client_id}/…`: uploads,
    downloads): like a socket, a request reaches a page only with the login cookie the page was loaded with, and
    a browser's request only from our own origin — a page's client id alone opens nothing."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get('path', '')
        if scope['type'] == 'http' and path.startswith(_PAGE_ROUTES):
            client = Client.instances.get(path[len(_PAGE_ROUTES) :].split('/', 1)[0])
            headers = {key.decode('latin-1'): value.decode('latin-1') for key, value in scope.get('headers', ())}
            origin = headers.get('origin')
            foreign = origin is not None and not origin_allowed(origin, scope, self.settings)
            if client is not None and (foreign or not _same_login(client, headers.get('cookie', ''))):
                log.warning('refused a request for a page loaded with another login: %s', path[:120])
                await send({'type': 'http.response.start', 'status': 403, 'headers': [(b'content-length', b'0')]})
                await send({'type': 'http.response.body', 'body': b''})
                return
        await self.app(scope, receive, send)


_PAGE_ROUTES = '/_nicegui/client/'

HANDLERS = {
    'handshake': _guarded_handshake,
    'event': _on_event,
    'javascript_response': _on_javascript_response,
    'ack': _on_ack,
    'log': _on_log,
}


def install_socket_guard() -> None:
    """Refuse foreign origins and bind each page's messages to its own sockets; idempotent, called from build()."""
    core.sio.eio.cors_allowed_origins = OriginCheck(load_settings())
    for event, handler in HANDLERS.items():
        core.sio.on(event, handler)
    # the implicit handshake of a socket's connect calls the module's function by name: replace it there too
    nicegui_server._on_handshake = _guarded_handshake
