"""The websocket border against a real server: foreign origins are refused on both transports, a page's
handlers run only for its own socket, the browser cannot write into our log, and a closed tab's dialogs end
quietly. The first test fails when a NiceGUI upgrade undoes the patch of app/socket_guard.py."""

import json
import time
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.e2e.conftest import logged_in_page, running_app

EVIL = 'http://evil.example'
SOCKET_PATH = '/_nicegui_ws/socket.io/?EIO=4&transport='


def test_the_patch_is_in_place_for_the_pinned_nicegui():
    """NiceGUI's own handlers trust any socket: after an upgrade, re-read nicegui.py and this patch, then re-pin."""
    import nicegui
    from nicegui import core
    from nicegui import nicegui as nicegui_module

    from app import socket_guard

    assert nicegui.__version__.startswith('3.18.'), 'NiceGUI changed: re-check app/socket_guard.py, then re-pin'
    socket_guard.install_socket_guard()
    handlers = core.sio.handlers['/']
    assert core.sio is nicegui_module.sio
    assert set(handlers) == {'connect', 'handshake', 'disconnect', 'event', 'javascript_response', 'ack', 'log'}
    assert all(handlers[event] is handler for event, handler in socket_guard.HANDLERS.items())
    assert isinstance(core.sio.eio.cors_allowed_origins, socket_guard.OriginCheck)
    own = {'asgi.scope': {'client': ('10.0.0.7', 5000), 'headers': [(b'host', b'crm.example.ru')]}}
    assert nicegui_module._on_handshake is socket_guard._guarded_handshake
    assert core.sio.eio._cors_allowed_origins({**own, 'HTTP_ORIGIN': 'https://crm.example.ru'}) == [
        'https://crm.example.ru'
    ]
    assert core.sio.eio._cors_allowed_origins({**own, 'HTTP_ORIGIN': EVIL}) == []


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """`python -m app` with the demo team, its output (the server log) in a file the tests read."""
    data_dir = tmp_path_factory.mktemp('guard')
    log_path = data_dir / 'server.log'
    with running_app(data_dir, log_path) as (url, _):
        yield url, log_path


def poll_handshake(url: str, origin: str | None) -> str:
    """engine.io's opening request over long-polling, as socket.io starts; the body of the answer."""
    request = urllib.request.Request(url + SOCKET_PATH + 'polling', headers={'Origin': origin} if origin else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode()


def socket_of_own_origin(url: str):
    """A socket.io connection from a script that claims the app's own origin, connected to the default namespace."""
    ws = connect(url.replace('http', 'ws') + SOCKET_PATH + 'websocket', origin=url, open_timeout=5)
    assert ws.recv(timeout=5).startswith('0{')  # engine.io open
    ws.send('40')
    assert ws.recv(timeout=5).startswith('40')  # socket.io connected
    return ws


def click_of(page, icon: str) -> dict:
    """What the page's own socket sends when the button showing `icon` is clicked."""
    element_id = int(page.locator(f'button:has(i:text-is("{icon}"))').get_attribute('id').removeprefix('c'))
    listener_id = page.evaluate('id => mounted_app.elements[id].events[0].listener_id', element_id)
    return {'id': element_id, 'client_id': page.evaluate('window.clientId'), 'listener_id': listener_id, 'args': []}


def test_a_foreign_origin_is_refused_on_both_transports_and_the_own_origin_accepted(server):
    url, _ = server
    with pytest.raises(urllib.error.HTTPError) as refused:
        poll_handshake(url, EVIL)
    assert refused.value.code == 400
    with pytest.raises(InvalidStatus):
        connect(url.replace('http', 'ws') + SOCKET_PATH + 'websocket', origin=EVIL, open_timeout=5)

    assert poll_handshake(url, url).startswith('0{"sid"')
    socket_of_own_origin(url).close()
    assert poll_handshake(url, None).startswith('0{"sid"')  # as our own pages' same-origin polling GETs arrive


def test_another_socket_cannot_fire_a_pages_handlers(server, browser):
    url, log_path = server
    victim = logged_in_page(browser, url, 'manager1')
    click = click_of(victim, 'tune')  # «Настроить вид» opens a dialog: easy to see whether the handler ran
    attacker = socket_of_own_origin(url)
    try:
        attacker.send('42' + json.dumps(['event', click]))
        time.sleep(1.5)
    finally:
        attacker.close()
    assert not victim.get_by_text('Настройка вида').is_visible()
    assert 'dropped a socket message for another page' in log_path.read_text()

    # the same message from the page's own socket does open it: the forged one was well-formed, only refused
    victim.evaluate('msg => window.socket.emit("event", msg)', click)
    victim.get_by_text('Настройка вида').wait_for(timeout=10000)
    victim.context.close()


def test_the_browser_cannot_write_into_the_server_log(server, browser):
    url, log_path = server
    page = logged_in_page(browser, url, 'manager2')
    client_id = page.evaluate('window.clientId')
    forged = {'client_id': client_id, 'level': 'error', 'message': 'FORGED-BY-OTHER-SOCKET\nERROR fake line'}
    attacker = socket_of_own_origin(url)
    try:
        attacker.send('42' + json.dumps(['log', forged]))
        # the page's own socket is no better: any visitor has a page of their own to send from
        page.evaluate(
            'id => window.socket.emit("log", {client_id: id, level: "error", message: "FROM-OWN-PAGE\\nfake"})',
            client_id,
        )
        time.sleep(1.5)
    finally:
        attacker.close()
        page.context.close()
    log = log_path.read_text()
    assert 'FORGED-BY-OTHER-SOCKET' not in log
    assert 'FROM-OWN-PAGE' not in log


def test_closing_tabs_with_open_dialogs_leaves_no_traceback(server, browser):
    url, log_path = server
    settings = logged_in_page(browser, url, 'admin')
    settings.locator('button:has(i:text-is("tune"))').click()
    settings.get_by_text('Настройка вида').wait_for()
    filters = logged_in_page(browser, url, 'head')
    filters.get_by_role('button', name='Фильтр').click()
    filters.get_by_text('Фильтр клиентов').wait_for()
    export = logged_in_page(browser, url, 'admin')
    export.locator('button', has_text='Экспорт').click()
    export.get_by_text('Экспорт клиентов в Excel').wait_for()
    before = len(log_path.read_text())

    for page in (settings, filters, export):
        page.context.close()
    time.sleep(3 + 2)  # NiceGUI deletes a page once its socket stayed away for reconnect_timeout (3 s)
    log = log_path.read_text()[before:]
    assert 'Traceback' not in log
    assert 'list.remove' not in log
    assert 'Client has been deleted but is still being used' not in log


def test_a_pages_upload_route_refuses_a_request_without_its_login(server, browser):
    url, _ = server
    page = logged_in_page(browser, url, 'head')
    page.goto(url + '/import')
    page.wait_for_selector('.q-uploader')
    client_id = page.evaluate('window.clientId')
    forged = urllib.request.Request(
        f'{url}/_nicegui/client/{client_id}/upload/1', data=b'x', method='POST', headers={'Origin': url}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=5)
    assert refused.value.code == 403
    page.context.close()


def test_the_logged_in_browser_uploads_a_file_to_its_own_page(server, browser, tmp_path):
    """The guard refuses strangers, not the page's own browser: an import file chosen on /import is read (its
    mapping step shows the format)."""
    from app.domain.excel.importing import write_template

    url, _ = server
    page = logged_in_page(browser, url, 'head')
    page.goto(url + '/import')
    page.wait_for_selector('.q-uploader')
    refused = []
    page.on('response', lambda r: refused.append(r.url) if '/upload/' in r.url and r.status != 200 else None)
    template = tmp_path / 'клиенты.xlsx'
    with template.open('wb') as target:
        write_template(target, 'ru')
    page.locator('.q-uploader input[type=file]').set_input_files(str(template))
    page.get_by_text('Книга Excel (.xlsx)').wait_for(timeout=20000)
    assert refused == []
    page.context.close()
