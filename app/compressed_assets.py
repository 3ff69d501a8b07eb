"""NiceGUI's own scripts and styles, gzipped once per process instead of for every browser that loads them.

Their URLs carry NiceGUI's version (components also a hash of their file), so a compressed copy never goes stale;
compressing Quasar alone at level 9 took ~45 ms of the event loop for each new browser, while the page it belongs to
waited. Everything else is compressed as NiceGUI does it (Starlette's GZipMiddleware)."""

import gzip

from nicegui import __version__
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# the immutable kinds of NiceGUI's asset URLs: its package files, libraries, components and ES modules
ASSETS = tuple(f'/_nicegui/{__version__}/{kind}/' for kind in ('static', 'libraries', 'components', 'esm'))
COMPRESSIBLE = ('text/', 'application/javascript', 'application/json', 'image/svg+xml')


class CompressedAssets:
    """ui.run's gzip middleware: NiceGUI's versioned assets from a cache of their compressed bodies; the headers
    still come from the app for every request (they may depend on it), the compression only once per file."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app)
        self.compressed: dict[str, bytes] = {}  # bounded: NiceGUI's files and our components, by path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _cacheable(scope):
            await self.gzip(scope, receive, send)
            return
        path = scope['path']
        start: Message = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message['type'] == 'http.response.start':
                start = message
                return
            chunks.append(message.get('body', b''))
            if message.get('more_body'):
                return
            headers = MutableHeaders(raw=list(start['headers']))
            body = b''.join(chunks)
            compressible = headers.get('content-type', '').startswith(COMPRESSIBLE)
            if start['status'] == 200 and compressible and 'content-encoding' not in headers:
                if path not in self.compressed:
                    self.compressed[path] = gzip.compress(body, compresslevel=9, mtime=0)
                body = self.compressed[path]
                headers['content-encoding'] = 'gzip'
                headers['content-length'] = str(len(body))
                headers.add_vary_header('Accept-Encoding')
            await send({**start, 'headers': headers.raw})
            await send({'type': 'http.response.body', 'body': body})

        await self.app(scope, receive, collect)


def _cacheable(scope: Scope) -> bool:
    """A plain GET of a versioned asset by a browser that takes gzip (no query, no range; a revalidation's 304
    passes through as it is)."""
    if scope['type'] != 'http' or scope['method'] != 'GET' or scope['query_string']:
        return False
    if not scope['path'].startswith(ASSETS):
        return False
    headers = Headers(scope=scope)
    return 'gzip' in headers.get('accept-encoding', '') and 'range' not in headers
