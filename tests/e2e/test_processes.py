"""Two app processes on one PostgreSQL database behind haproxy, as the README's «Several processes» runs them:
started at the same moment on an empty database, each browser on a process of its own, every change live in
both, a process killed with -9 costing its tab one reload onto the other, still logged in, and a listener that
lost its connection reading again what it missed."""

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.domain.account import users
from app.domain.account.reference import stage_views
from app.domain.clients import clients
from app.domain.db import Database
from app.domain.permissions import Actor
from tests.e2e.conftest import CHROMIUM, drag, logged_in_page
from tests.servers import free_port, own_postgres_database, started_together

HAPROXY = Path('/usr/sbin/haproxy')
POSTGRES = os.environ.get('TEST_DATABASE_URL', '')
README = Path(__file__).resolve().parents[2] / 'README.md'
STICKY_COOKIE = 'voronka_server'

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason='Debian chromium is not installed'),
    pytest.mark.skipif(not HAPROXY.exists(), reason='Debian haproxy is not installed'),
    pytest.mark.skipif(not POSTGRES.startswith('postgresql'), reason='needs PostgreSQL (TEST_DATABASE_URL)'),
]


def readme_haproxy_config(listen_port: int, app_ports: list[int]) -> str:
    """The README's haproxy configuration, verbatim but for the addresses: what the operator runs is tested."""
    config = re.search(r'```haproxy\n(.*?)```', README.read_text(), re.S).group(1)
    config = config.replace('bind :80', f'bind 127.0.0.1:{listen_port}')
    for index, port in enumerate(app_ports, start=1):
        config = config.replace(f'127.0.0.1:810{index}', f'127.0.0.1:{port}')
    assert config.count('127.0.0.1:') == len(app_ports) + 1, 'the README config names one server per process'
    return config


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """Processes a and b started at once on an empty database of their own, haproxy in front of them."""
    data_dir = tmp_path_factory.mktemp('processes')
    with own_postgres_database(POSTGRES, f'voronka_processes_{os.getpid()}') as url:
        with started_together(data_dir, 2, DATABASE_URL=url, VORONKA_DB_POOL='3') as servers:
            port = free_port()
            config = data_dir / 'haproxy.cfg'
            config.write_text(readme_haproxy_config(port, [s.port for s in servers]))
            balancer = subprocess.Popen(
                [str(HAPROXY), '-db', '-f', str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            database = Database(url)
            try:
                _wait_for(lambda: _answers(f'http://127.0.0.1:{port}/healthz'), 'haproxy did not start')
                yield f'http://127.0.0.1:{port}', servers, database
            finally:
                database.dispose()
                balancer.terminate()
                balancer.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_for(condition, failure: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure)
        time.sleep(0.1)


def _page_on(browser, url: str, server: str, login: str):
    """A browser logged in through the balancer whose stickiness cookie sends it to process `server`."""
    page = logged_in_page(browser, url, login, cookies={STICKY_COOKIE: server})
    page.evaluate('window.voronkaTabMark = true')  # gone once the tab reloads
    return page


def _listeners(database: Database) -> list[int]:
    """The backends of the processes' listening connections on this database."""
    with database.engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() '
                    "AND query = 'LISTEN voronka_events'"
                )
            ).scalars()
        )


def test_two_processes_behind_haproxy_show_every_change_live_and_survive_one_dying(cluster, browser):
    url, (server_a, server_b), database = cluster
    with database.write() as session:
        manager = Actor.of(users.user_by_login(session, 'manager1'))
        first = clients.create_client(session, actor=manager, name='Первый Переходящий', phones=['+79125550101'])
        second = clients.create_client(session, actor=manager, name='Второй Переходящий', phones=['+79125550102'])
        third = clients.create_client(session, actor=manager, name='Третий Пропущенный', phones=['+79125550103'])
        stages = {s.name: s.id for s in stage_views(session)}
        token = users.create_token(session, login='manager1')
    _wait_for(lambda: len(_listeners(database)) == 2, 'each process listens on its own connection')

    on_a = _page_on(browser, url, 'a', 'manager1')
    on_b = _page_on(browser, url, 'b', 'head')
    for page in (on_a, on_b):
        page.wait_for_selector(f'[data-client-id="{third.id}"]')

    def arrived(client_id: int, stage: str) -> str:
        return f'.vk-cards[data-stage="{stages[stage]}"] [data-client-id="{client_id}"]'

    # a drag in a's browser reaches b's, through PostgreSQL
    drag(on_a, f'[data-client-id="{first.id}"]', f'.vk-cards[data-stage="{stages["Назначение встречи"]}"]')
    on_a.wait_for_selector(arrived(first.id, 'Назначение встречи'), timeout=10000)
    on_b.wait_for_selector(arrived(first.id, 'Назначение встречи'), timeout=2000)

    # a move through a's API, too
    request = urllib.request.Request(
        f'{server_a.url}/api/v1/clients/{second.id}/move',
        data=f'{{"stage_id": {stages["Назначение встречи"]}}}'.encode(),
        headers={'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    on_b.wait_for_selector(arrived(second.id, 'Назначение встречи'), timeout=2000)
    count = on_b.locator(f'.vk-column[data-stage="{stages["Назначение встречи"]}"] .q-badge')
    assert count.inner_text().strip() == '2'

    # b dies: its tab reloads onto a, still logged in (the login is a row in the database, not in b)
    server_b.process.send_signal(signal.SIGKILL)
    server_b.process.wait(timeout=10)
    on_b.wait_for_function('window.voronkaTabMark === undefined', timeout=30000)
    on_b.wait_for_selector('.vk-board', timeout=30000)
    on_b.wait_for_function('window.did_handshake === true', timeout=30000)
    assert '/login' not in on_b.url
    assert {c['name']: c['value'] for c in on_b.context.cookies()}[STICKY_COOKIE] == 'a'
    assert on_a.evaluate('window.voronkaTabMark') is True  # a's own tab never noticed
    assert on_b.locator(arrived(second.id, 'Назначение встречи')).count() == 1

    # a's listening connection is cut and cannot come back while a change is made elsewhere: the notification
    # is lost, and a resyncs its open views once it listens again
    [listener] = _listeners(database)
    name = database.engine.url.database
    admin = create_engine(database.engine.url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE {name} ALLOW_CONNECTIONS false'))
        try:
            connection.execute(text('SELECT pg_terminate_backend(:pid, 10000)'), {'pid': listener})
            # the move travels through this test process's pool, connected before
            with database.write() as session:
                clients.move_client(session, actor=manager, client_id=third.id, stage_id=stages['Назначение встречи'])
        finally:
            connection.execute(text(f'ALTER DATABASE {name} ALLOW_CONNECTIONS true'))
    admin.dispose()
    for page in (on_a, on_b):
        page.wait_for_selector(arrived(third.id, 'Назначение встречи'), timeout=15000)
    [reconnected] = _listeners(database)
    assert reconnected != listener
    count = on_a.locator(f'.vk-column[data-stage="{stages["Назначение встречи"]}"] .q-badge')
    assert count.inner_text().strip() == '3'

    # a token revoked by another process is refused by a at once, not after the 10 s a's check is believed
    assert _api_status(server_a.url, token) == 200
    with database.write() as session:
        [mine] = users.my_tokens(session, actor=manager)
        users.revoke_my_token(session, actor=manager, token_id=mine.id)
    _wait_for(lambda: _api_status(server_a.url, token) == 401, 'a revoked token still works', users.TOKEN_TRUST_S / 2)
    assert 'Traceback' not in server_a.output()


def _api_status(url: str, token: str) -> int:
    request = urllib.request.Request(f'{url}/api/v1/clients?limit=1', headers={'Authorization': f'Bearer {token}'})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
