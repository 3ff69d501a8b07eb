"""The websocket border NiceGUI 3.18 leaves open, closed at start-up.

NiceGUI's socket.io server accepts every Origin (`cors_allowed_origins='*'`) and routes each message by the
client id written inside it, whichever socket sent it: a page of another site could open a socket to us, and any
socket knowing a page's client id could fire that page's handlers or write lines into our log. This module
replaces the origin setting and the message handlers of NiceGUI's one server; `tests/e2e/test_socket_guard.py`
fails when an upgrade of NiceGUI changes what is patched here.
"""

import logging
import os
from typing import Any
from urllib.parse import urlsplit

from nicegui import Client, core

log = logging.getLogger(__name__)


def _border_from_env() -> tuple[frozenset[str], frozenset[str]]:
    """The extra origins a deployment allows and the proxies whose X-Forwarded-Host we believe, read once."""
    origins = os.environ.get('VORONKA_ALLOWED_ORIGINS', '')
    proxies = os.environ.get('VORONKA_TRUSTED_PROXIES', '127.0.0.1')
    return (
        frozenset(o.strip().rstrip('/').lower() for o in origins.split(',') if o.strip()),
        frozenset(p.strip() for p in proxies.split(',') if p.strip()),
    )


class OriginCheck:
    """engineio's `cors_allowed_origins` callable: the app's own origin, or one the deployment listed.

    engineio asks it on every request of both transports (polling and the websocket upgrade) that carries an
    Origin. Own means the Origin's host:port is the request's Host, or the X-Forwarded-Host set by a trusted proxy
    (the peer is the address uvicorn reports, so behind a proxy that also sends X-Forwarded-For, list the public
    origin in VORONKA_ALLOWED_ORIGINS instead). The scheme is not compared: behind a TLS proxy the app sees http.

    A request without an Origin is let through, as engineio does: browsers leave it out only on same-origin
    requests (socket.io's polling GETs from our own pages), and always send it from another site's page, so a
    missing Origin never means a foreign page in a victim's browser. A non-browser client can omit or forge the
    header at will; it carries no victim's cookies, and `_page_of` keeps it away from other pages' handlers.
    """

    def __init__(self, allowed: frozenset[str], trusted_proxies: frozenset[str]) -> None:
        self.allowed = allowed
        self.trusted_proxies = trusted_proxies

    def __call__(self, origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return False  # asked so only for CORS headers, which a request without Origin does not need
        if origin.rstrip('/').lower() in self.allowed:
            return True
        hosts = {environ.get('HTTP_HOST', '')}
        peer = (environ.get('asgi.scope') or {}).get('client') or ('',)
        if peer[0] in self.trusted_proxies:
            hosts.add(environ.get('HTTP_X_FORWARDED_HOST', '').split(',')[0].strip())
        netloc = urlsplit(origin).netloc.lower()
        return bool(netloc) and netloc in {host.lower() for host in hosts}


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
    if client := _page_of(sid, msg):
        client.outbox.prune_history(msg['next_message_id'])


def _on_log(sid: str, msg: Any) -> None:
    """Browser console lines are dropped, not logged: any visitor has a page (the login page will do) and a socket
    of its own, so whatever we wrote, even bounded, would be text of anyone's choosing flooding our log; NiceGUI's
    messages there are developer hints the browser console already shows."""


HANDLERS = {
    'event': _on_event,
    'javascript_response': _on_javascript_response,
    'ack': _on_ack,
    'log': _on_log,
}


def install_socket_guard() -> None:
    """Refuse foreign origins and bind each page's messages to its own sockets; idempotent, called from build()."""
    allowed, proxies = _border_from_env()
    core.sio.eio.cors_allowed_origins = OriginCheck(allowed, proxies)
    for event, handler in HANDLERS.items():
        core.sio.on(event, handler)
