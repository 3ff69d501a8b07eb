"""What the app decides at its HTTP border: whom to believe about the caller's address and scheme (only the
configured proxies), which origins are its own, the headers every response carries, and the login cookie."""

import json
import re
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.i18n import translate

SESSION_COOKIE = 'voronka_session'
LOCALE_COOKIE = 'voronka_locale'


def _peer(scope: Scope) -> str:
    client = scope.get('client')
    return client[0] if client else ''


def _header(scope: Scope, name: bytes) -> str:
    """A header's value; a header sent on several lines is one comma-separated list (RFC 9110), so a proxy that
    adds its own X-Forwarded-For line cannot be outvoted by a line the client forged before it."""
    return ','.join(value.decode('latin-1') for key, value in scope.get('headers', ()) if key == name)


def client_address(scope: Scope, settings: Settings) -> str:
    """The caller's address: the peer, or behind a trusted proxy the nearest X-Forwarded-For hop that is not
    itself a trusted proxy (the left-most entries are the client's own word and could be forged)."""
    peer = _peer(scope)
    if peer not in settings.trusted_proxies:
        return peer
    hops = [hop.strip() for hop in _header(scope, b'x-forwarded-for').split(',') if hop.strip()]
    for hop in reversed(hops):
        if hop not in settings.trusted_proxies:
            return hop
    return peer


def came_over_https(scope: Scope, settings: Settings) -> bool:
    """Whether the browser talks to us over https: directly, or as a trusted proxy says."""
    if scope.get('scheme') in ('https', 'wss'):
        return True
    if _peer(scope) in settings.trusted_proxies:
        return _header(scope, b'x-forwarded-proto').split(',')[0].strip().lower() == 'https'
    return False


_HOST = re.compile(r'[a-z0-9.-]+(:[0-9]{1,5})?|\[[0-9a-f:.]+\](:[0-9]{1,5})?')


def own_hosts(scope: Scope, settings: Settings) -> set[str]:
    """host[:port] the browser used to reach us: the Host header, and a trusted proxy's X-Forwarded-Host; only
    well-formed ones (they end up in the security policy header and in the origin rule)."""
    hosts = {_header(scope, b'host').split(',')[0].strip().lower()}
    if _peer(scope) in settings.trusted_proxies:
        hosts.add(_header(scope, b'x-forwarded-host').split(',')[0].strip().lower())
    return {host for host in hosts if _HOST.fullmatch(host)}


def origin_allowed(origin: str, scope: Scope, settings: Settings) -> bool:
    """An Origin is ours when the deployment listed it, or when its host:port is the one the request came to
    (the scheme is not compared: behind a TLS proxy the app itself sees plain http)."""
    origin = origin.strip().rstrip('/').lower()
    if origin in settings.allowed_origins:
        return True
    netloc = urlsplit(origin).netloc
    return bool(netloc) and netloc in own_hosts(scope, settings)


def form_post_allowed(request: Request, settings: Settings) -> bool:
    """A login or logout form may be posted only from our own pages; a browser always sends Origin with a POST,
    so a foreign page cannot log a visitor in or out (a non-browser client without Origin has no victim)."""
    origin = request.headers.get('origin')
    return origin is None or origin_allowed(origin, request.scope, settings)


def set_session_cookie(response: Response, request: Request, settings: Settings, key: str) -> None:
    """A fresh login key: HttpOnly, SameSite=Lax, Secure whenever the browser came over https."""
    response.set_cookie(
        SESSION_COOKIE,
        key,
        max_age=settings.session_hours * 3600,
        path='/',
        httponly=True,
        samesite='lax',
        secure=came_over_https(request.scope, settings),
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path='/', httponly=True, samesite='lax', secure=came_over_https(request.scope, settings)
    )


def content_security_policy(scope: Scope, settings: Settings) -> str:
    """NiceGUI pages need inline scripts and `new Function` (Vue templates), so scripts may be inline; the
    protection is in what may frame us, load plugins, rebase URLs, post forms or open connections."""
    sockets = ' '.join(f'{scheme}://{host}' for host in sorted(own_hosts(scope, settings)) for scheme in ('ws', 'wss'))
    extra = ' '.join(f'{origin} {origin.replace("http", "ws", 1)}' for origin in sorted(settings.allowed_origins))
    return '; '.join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            # call recordings are played from the telephony provider's host, over https (or http on a local PBX)
            "media-src 'self' blob: https: http:",
            ' '.join(part for part in ("connect-src 'self'", sockets, extra) if part),
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task hop): every HTTP response refuses framing and sniffing and
    carries the content security policy."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        policy = content_security_policy(scope, self.settings).encode()

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                # a response that set its own, stricter policy (a document sent by file_response) keeps it
                own = [v for k, v in message.get('headers', []) if k.lower() == b'content-security-policy']
                headers = [(k, v) for k, v in message.get('headers', []) if k.lower() not in _OURS]
                headers += [
                    (b'x-frame-options', b'DENY'),
                    (b'x-content-type-options', b'nosniff'),
                    (b'referrer-policy', b'same-origin'),
                    (b'content-security-policy', own[0] if own else policy),
                ]
                message = {**message, 'headers': headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_OURS = {b'x-frame-options', b'x-content-type-options', b'referrer-policy', b'content-security-policy'}


class BodyLimit:
    """Pure ASGI middleware: a request body over its path's limit is refused with 413 before it is spooled,
    by its Content-Length at once, or as soon as a body without one grows past the limit. JSON and forms get
    `default`; the prefixes (or compiled patterns of whole paths) in `larger` (file uploads, the import, the
    documents) get their own, bigger limit."""

    def __init__(self, app: ASGIApp, default: int, larger: dict[str | re.Pattern, int]) -> None:
        self.app = app
        self.default = default
        self.larger = larger

    def _limit(self, path: str) -> int:
        return next(
            (
                limit
                for prefix, limit in self.larger.items()
                if (prefix.fullmatch(path) if isinstance(prefix, re.Pattern) else path.startswith(prefix))
            ),
            self.default,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get('path', ''))
        declared = _header(scope, b'content-length')
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {'type': 'http.disconnect'}
            message = await receive()
            if message['type'] == 'http.request':
                received += len(message.get('body', b''))
                if received > limit:
                    # answered here, not by raising: an exception would meet the app's own handlers first (the
                    # API's error middleware answers 500, FastAPI's body parsing «not JSON»); the app is told
                    # the caller left, and whatever it answers or raises after that goes nowhere
                    refused = True
                    if not started:
                        await _refuse(scope, send, limit)
                    return {'type': 'http.disconnect'}
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message['type'] == 'http.response.start'
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception:
            if not refused:
                raise


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    """413 in the caller's language, as JSON (what an integration reads; a browser shows it as text)."""
    locale = 'en' if _header(scope, b'accept-language').lower().startswith('en') else 'ru'
    body = json.dumps(
        {
            'detail': translate('error.body_too_large', locale, limit=max(limit // (1024 * 1024), 1)),
            'code': 'error.body_too_large',
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            'type': 'http.response.start',
            'status': 413,
            'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(body)).encode())],
        }
    )
    await send({'type': 'http.response.body', 'body': body})


# documents (issue 17): a file of a user is sent so that it never runs in our origin -------------------------------
# nothing of it may load, run or be framed; an HTML file opened anyway is a sandboxed page of an opaque origin
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
# the documents' upload routes of the API, whose body may be a whole file
DOCUMENT_UPLOAD_PATHS = re.compile(r'/api/v1/(clients|deals)/[0-9]+/documents')
MULTIPART_SLACK = 64 * 1024  # the form's boundaries and headers around the file


def content_disposition(name: str, *, inline: bool = False) -> str:
    """RFC 6266 with an RFC 5987 `filename*` for a Cyrillic name, and an ASCII `filename` fallback."""
    fallback = re.sub(r'[^A-Za-z0-9._-]+', '_', name).strip('_.') or 'file'
    return f'{"inline" if inline else "attachment"}; filename="{fallback}"; filename*=UTF-8\'\'{quote(name, safe="")}'


def file_response(name: str, content_type: str, size: int, chunks, *, inline: bool = False) -> StreamingResponse:
    """A stored file as the browser gets it: saved, not shown (unless `inline` for a raster image or a PDF that
    pdf.js reads), with its sniffed type, no sniffing of its own and a policy that lets nothing in it run."""
    return StreamingResponse(
        chunks,
        media_type=content_type,
        headers={
            'Content-Disposition': content_disposition(name, inline=inline),
            'Content-Length': str(size),
            'X-Content-Type-Options': 'nosniff',
            'Content-Security-Policy': FILE_POLICY,
            'Cache-Control': 'private, no-store',
        },
    )
