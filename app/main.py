"""The web app: NiceGUI pages plus the JSON API, on one server. Also the main file of the UI tests."""

from pathlib import Path

from fastapi.middleware.gzip import GZipMiddleware
from nicegui import app as nicegui_app
from nicegui import ui
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from app import pages, signature_cache
from app.api import api
from app.api.health import HEALTH_PATH, health
from app.borders import DOCUMENT_UPLOAD_PATHS, MULTIPART_SLACK, BodyLimit, SecurityHeaders
from app.compressed_assets import CompressedAssets
from app.config import Settings, load_settings
from app.domain.automation.timed import scheduler
from app.domain.db import get_database
from app.domain.documents.storage import file_max_bytes, file_store
from app.domain.excel.sources import MAX_BYTES as UPLOAD_MAX_BYTES
from app.domain.integrations import delivery
from app.live import hub
from app.setup import prepare_database
from app.socket_guard import PageRequestGuard, install_socket_guard

CSS = Path(__file__).parent / 'static' / 'voronka.css'
TAILWIND = Path(__file__).parent / 'static' / 'tailwind.css'  # prebuilt: no Tailwind compiler in the browser
PDFJS = Path(__file__).parent / 'static' / 'pdfjs'  # pdf.js from npm (pdfjs-dist), served as our own files
# a JSON body or a form is a few kilobytes; only the import (and the upload of its file) may be larger
BODY_MAX_BYTES = 1024 * 1024
API_PATH = '/api/v1'


class ApiBeforePages:
    """The API answered before NiceGUI's middleware chain: an integration's request pays for our borders
    (security headers, body limit, gzip) and nothing of the page machinery (NiceGUI's request-wrapping
    middlewares, its page routing). The balancer's health check is answered here too, beside our borders."""

    def __init__(self, pages: ASGIApp, api_app: ASGIApp, health_app: ASGIApp) -> None:
        self.pages = pages
        self.api = Mount(API_PATH, app=api_app)
        self.health = health_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http':
            match, child_scope = self.api.matches(scope)
            if match == Match.FULL:
                scope.update(child_scope)
                await self.api.handle(scope, receive, send)
                return
            if scope['path'] == HEALTH_PATH:
                await self.health(scope, receive, send)
                return
        await self.pages(scope, receive, send)


def upload_limits() -> dict:
    """The bodies larger than a form: the import's file, and documents (one file per request, from the window or
    the API), whose size the border refuses before anything is spooled."""
    document_max = file_max_bytes() + MULTIPART_SLACK
    return {
        '/api/v1/import': UPLOAD_MAX_BYTES,
        DOCUMENT_UPLOAD_PATHS: document_max,
        '/_nicegui/client/': max(UPLOAD_MAX_BYTES, document_max),
    }


def api_stack(settings: Settings, uploads: dict) -> ASGIApp:
    """The API with its borders (security headers, body limit, gzip), as the server answers it."""
    api_app = GZipMiddleware(BodyLimit(api, default=BODY_MAX_BYTES, larger=uploads), minimum_size=1000)
    api_app = SecurityHeaders(api_app, settings=settings)
    return api_app


def _serve_api_first(settings: Settings, uploads: dict) -> None:
    api_app = api_stack(settings, uploads)
    health_app = SecurityHeaders(health, settings=settings)
    build_pages = type(nicegui_app).build_middleware_stack
    # Starlette builds an app's middleware stack on its first request: ours puts the API in front of it
    nicegui_app.build_middleware_stack = lambda: ApiBeforePages(build_pages(nicegui_app), api_app, health_app)


def build() -> Settings:
    """Register everything the server serves; called once per start (and per UI test)."""
    settings = load_settings()
    database = prepare_database(settings)
    signature_cache.install()
    install_socket_guard()
    uploads = upload_limits()
    file_store().sweep()  # the temporary files of uploads killed before they were stored
    nicegui_app.add_static_files('/static/pdfjs', PDFJS)
    nicegui_app.add_middleware(PageRequestGuard, settings=settings)
    nicegui_app.add_middleware(BodyLimit, default=BODY_MAX_BYTES, larger=uploads)
    nicegui_app.add_middleware(SecurityHeaders, settings=settings)  # the outermost: a 413 carries the headers too
    _serve_api_first(settings, uploads)
    nicegui_app.on_startup(hub.start)
    nicegui_app.on_shutdown(hub.stop)
    nicegui_app.on_startup(lambda: scheduler.start(database))  # what fell due while the app was down runs now
    nicegui_app.on_shutdown(scheduler.stop)
    # every process sends the outbox's webhooks; several share it on PostgreSQL
    nicegui_app.on_startup(lambda: delivery.start_worker(get_database()))
    nicegui_app.on_shutdown(delivery.stop_worker)
    ui.add_css(TAILWIND.read_text(), shared=True)
    ui.add_css(CSS.read_text(), shared=True)
    pages.register()
    return settings


def run(host: str | None = None, port: int | None = None) -> None:
    """Serve; without a storage secret NiceGUI keeps no per-browser storage (logins live in the database)."""
    settings = build()
    ui.run(
        host=host or settings.host,
        port=port or settings.port,
        title='Воронка',
        reload=False,
        show=False,
        language='ru',
        favicon='🔻',
        tailwind=False,
        gzip_middleware_factory=CompressedAssets,
        proxy_headers=False,  # whom to believe about the caller is app.borders' decision (VORONKA_TRUSTED_PROXIES)
    )


if __name__ in {'__main__', '__mp_main__'}:
    run()
