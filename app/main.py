"""The web app: NiceGUI pages plus the JSON API, on one server. Also the main file of the UI tests."""

from pathlib import Path

from nicegui import app as nicegui_app
from nicegui import ui

from app import pages
from app.api import api
from app.borders import BodyLimit, SecurityHeaders
from app.compressed_assets import CompressedAssets
from app.config import Settings, load_settings
from app.domain.excel.importing import MAX_BYTES as UPLOAD_MAX_BYTES
from app.live import hub
from app.setup import prepare_database
from app.socket_guard import PageRequestGuard, install_socket_guard

CSS = Path(__file__).parent / 'static' / 'voronka.css'
TAILWIND = Path(__file__).parent / 'static' / 'tailwind.css'  # prebuilt: no Tailwind compiler in the browser
# a JSON body or a form is a few kilobytes; only the import (and the upload of its file) may be larger
BODY_MAX_BYTES = 1024 * 1024


def build() -> Settings:
    """Register everything the server serves; called once per start (and per UI test)."""
    settings = load_settings()
    prepare_database(settings)
    install_socket_guard()
    uploads = {'/api/v1/import': UPLOAD_MAX_BYTES, '/_nicegui/client/': UPLOAD_MAX_BYTES}
    nicegui_app.add_middleware(PageRequestGuard, settings=settings)
    nicegui_app.add_middleware(BodyLimit, default=BODY_MAX_BYTES, larger=uploads)
    nicegui_app.add_middleware(SecurityHeaders, settings=settings)  # the outermost: a 413 carries the headers too
    nicegui_app.mount('/api/v1', api)
    nicegui_app.on_startup(hub.start)
    nicegui_app.on_shutdown(hub.stop)
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
