"""Real Chromium at 1280x720 on the «Документы» tab: a file dropped on the client window is attached and listed,
a PDF is previewed by pdf.js (no frame), and the card on the board shows its paperclip. Screenshots go to
/tmp/shots_i17/ for the closing note."""

from pathlib import Path

import pytest

from app.domain.account.users import user_by_login
from app.domain.clients import clients
from app.domain.db import Database
from app.domain.permissions import Actor
from tests.e2e.conftest import CHROMIUM, logged_in_page, running_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason='Debian chromium is not installed')

LAPTOP = (1280, 720)
SHOTS = Path('/tmp/shots_i17')


def two_page_pdf() -> bytes:
    """A small valid PDF of two pages with text, written by hand (offsets in its cross-reference table)."""
    texts = ['Booking form No. 17', 'Page 2']
    objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>']
    for number, text in enumerate(texts):
        content = f'BT /F1 28 Tf 72 700 Td ({text}) Tj ET'
        objects.append(
            f'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * number} 0 R '
            '/Resources << /Font << /F1 7 0 R >> >> >>'
        )
        objects.append(f'<< /Length {len(content)} >>\nstream\n{content}\nendstream')
    objects.append('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>')
    out = bytearray(b'%PDF-1.4\n')
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f'{number} 0 obj\n{body}\nendobj\n'.encode()
    xref = len(out)
    out += f'xref\n0 {len(objects) + 1}\n0000000000 65535 f \n'.encode()
    out += ''.join(f'{offset:010d} 00000 n \n' for offset in offsets).encode()
    out += f'trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n'.encode()
    return bytes(out)


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp('documents')
    with running_app(data_dir) as (url, _):
        database = Database(f'sqlite:///{data_dir / "voronka.db"}')
        with database.write() as session:
            manager = Actor.of(user_by_login(session, 'manager1'))
            client = clients.create_client(session, actor=manager, name='Соколова Ольга', phones=['+79125550101'])
        yield url, client.id
        database.dispose()


def _drop(page, target: str, name: str, data: bytes, mime: str) -> None:
    """What a person's drag from the file manager does: the file dragged over the drop zone, then dropped on the
    overlay Quasar shows while something is dragged over it."""
    page.evaluate(
        """async ([selector, name, bytes, mime]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
            const event = (type) => new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true });
            const zone = document.querySelector(selector);
            zone.dispatchEvent(event('dragenter'));
            zone.dispatchEvent(event('dragover'));
            await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)));
            (zone.querySelector('.q-uploader__dnd') || zone).dispatchEvent(event('drop'));
        }""",
        [target, name, list(data), mime],
    )


def test_a_file_dropped_on_the_client_window_is_attached_listed_and_previewed(server, browser):
    url, client_id = server
    SHOTS.mkdir(exist_ok=True)
    page = logged_in_page(browser, url, 'manager1', viewport=LAPTOP)
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    page.get_by_text('Соколова Ольга').click()
    page.get_by_role('tab', name='Документы (0)').click()
    page.locator('.vk-documents-drop').wait_for(timeout=10000)
    _drop(page, '.vk-documents-drop', 'Договор брони.pdf', two_page_pdf(), 'application/pdf')
    # the list's own line, not the notification naming the file: the panel is rebuilt before the next drop
    page.locator('.vk-document-name', has_text='Договор брони.pdf').wait_for(timeout=30000)
    # and the window has followed its own change (the tab counts it): a drop during that refresh would be lost
    page.get_by_role('tab', name='Документы (1)').wait_for(timeout=30000)
    _drop(page, '.vk-documents-drop', 'паспорт.png', _png(), 'image/png')
    page.locator('.vk-document-name', has_text='паспорт.png').wait_for(timeout=30000)
    page.get_by_role('tab', name='Документы (2)').wait_for(timeout=30000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / 'documents_list.png'))

    row = page.locator('.vk-feed-item', has=page.locator('.vk-document-name', has_text='Договор брони.pdf'))
    row.locator('button', has_text='visibility').click()
    page.locator('.vk-pdf-pages[data-rendered="2"]').wait_for(timeout=20000)
    assert page.locator('iframe, object, embed').count() == 0  # never framed
    page.screenshot(path=str(SHOTS / 'documents_pdf_preview.png'))
    assert errors == []

    page.keyboard.press('Escape')
    page.locator('.vk-pdf-pages').wait_for(state='detached', timeout=10000)
    page.keyboard.press('Escape')
    card = page.locator(f'[data-client-id="{client_id}"] .vk-part-documents')
    card.wait_for(timeout=10000)
    assert card.inner_text().strip().endswith('2')
    page.context.close()


def _png() -> bytes:
    """A 2x2 red PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b''.join(b'\x00' + b'\xff\x00\x00' * 2 for _ in range(2))
    return (
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', 2, 2, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(raw))
        + chunk(b'IEND', b'')
    )
