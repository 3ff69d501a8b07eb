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
from app.borders import BodyLimit, SecurityHeaders
from app.compressed_assets import CompressedAssets
from app.config import Settings, load_settings
from app.domain.automation.timed import scheduler
from app.domain.excel.sources import MAX_BYTES as UPLOAD_MAX_BYTES
from app.live import hub
from app.setup import prepare_database
from app.socket_guard import PageRequestGuard, install_socket_guard

CSS = Path(__file__).parent / 'static' / 'voronka.css'
TAILWIND = Path(__file__).parent / 'static' / 'tailwind.css'  # prebuilt: no Tailwind compiler in the browser
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


def _serve_api_first(settings: Settings, uploads: dict[str, int]) -> None:
    api_app = GZipMiddleware(BodyLimit(api, default=BODY_MAX_BYTES, larger=uploads), minimum_size=1000)
    api_app = SecurityHeaders(api_app, settings=settings)
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
    uploads = {'/api/v1/import': UPLOAD_MAX_BYTES, '/_nicegui/client/': UPLOAD_MAX_BYTES}
    nicegui_app.add_middleware(PageRequestGuard, settings=settings)
    nicegui_app.add_middleware(BodyLimit, default=BODY_MAX_BYTES, larger=uploads)
    nicegui_app.add_middleware(SecurityHeaders, settings=settings)  # the outermost: a 413 carries the headers too
    _serve_api_first(settings, uploads)
    nicegui_app.on_startup(hub.start)
    nicegui_app.on_shutdown(hub.stop)
    nicegui_app.on_startup(lambda: scheduler.start(database))  # what fell due while the app was down runs now
    nicegui_app.on_shutdown(scheduler.stop)
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
