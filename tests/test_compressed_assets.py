"""NiceGUI's versioned assets are gzipped once per process; everything else is compressed as before."""

import gzip

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from app import compressed_assets
from app.compressed_assets import ASSETS, CompressedAssets

SCRIPT = b'export default { template: "<div></div>" };\n' * 100
FONT = bytes(range(256)) * 20


def asset(body: bytes, media_type: str):
    def answer(request):
        headers = {'etag': '"v1"', 'x-request': request.headers.get('x-request', '')}
        return Response(body, media_type=media_type, headers=headers)

    return answer


@pytest.fixture
def client():
    app = Starlette(
        routes=[
            Route(ASSETS[0] + 'quasar.js', asset(SCRIPT, 'text/javascript')),
            Route(ASSETS[0] + 'icons.woff2', asset(FONT, 'font/woff2')),
            Route('/page', asset(SCRIPT, 'text/html')),
        ]
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(CompressedAssets(app)), base_url='http://test')


@pytest.fixture
def compressions(monkeypatch):
    calls = []
    original = gzip.compress

    def counted(data, *args, **kwargs):
        calls.append(len(data))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(compressed_assets.gzip, 'compress', counted)
    return calls


async def test_an_asset_is_compressed_once_and_each_answer_keeps_its_own_headers(client, compressions):
    for number in range(3):
        response = await client.get(ASSETS[0] + 'quasar.js', headers={'x-request': str(number)})
        assert response.headers['content-encoding'] == 'gzip' and 'Accept-Encoding' in response.headers['vary']
        assert response.content == SCRIPT  # httpx has decoded it
        assert response.headers['x-request'] == str(number) and response.headers['etag'] == '"v1"'
    assert compressions == [len(SCRIPT)]


async def test_fonts_pages_and_browsers_without_gzip_get_what_they_got_before(client, compressions):
    font = await client.get(ASSETS[0] + 'icons.woff2')
    assert font.content == FONT and 'content-encoding' not in font.headers  # woff2 is compressed already
    page = await client.get('/page')
    assert page.headers['content-encoding'] == 'gzip' and page.content == SCRIPT  # Starlette's middleware, each time
    plain = await client.get(ASSETS[0] + 'quasar.js', headers={'accept-encoding': 'identity'})
    assert plain.content == SCRIPT and 'content-encoding' not in plain.headers
    assert compressions == []
