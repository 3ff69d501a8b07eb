"""The first screen as a browser gets it from a real server: cards and rows in the first HTML response (not after
the socket connects), no Tailwind compiler to run, the first screen's fonts asked for at once, and a card menu
that is mounted on its first click and works every time."""

import http.client
from urllib.parse import urlencode, urlsplit

import pytest

from app.domain.account.users import user_by_login
from app.domain.clients import clients
from app.domain.db import Database
from app.domain.permissions import Actor
from tests.e2e.conftest import CHROMIUM, logged_in_page, running_app

NAME = 'Первокарточный Клиент Петрович'


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """The app as `python -m app` starts it, with one client of manager1's."""
    data_dir = tmp_path_factory.mktemp('first-card')
    with running_app(data_dir) as (url, _):
        database = Database(f'sqlite:///{data_dir / "voronka.db"}')
        with database.write() as session:
            manager = Actor.of(user_by_login(session, 'manager1'))
            client = clients.create_client(session, actor=manager, name=NAME, phones=['+79125550033'])
        yield url, client.id
        database.dispose()


def first_response(url: str, login: str, path: str) -> str:
    """The HTML a browser gets first for `path` once logged in, before any script runs."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=20)
    form = urlencode({'login': login, 'password': 'voronka'})
    connection.request('POST', '/login', form, {'Content-Type': 'application/x-www-form-urlencoded'})
    response = connection.getresponse()
    response.read()
    cookie = response.headers['set-cookie'].split(';')[0]
    connection.request('GET', path, headers={'Cookie': cookie})
    page = connection.getresponse()
    assert page.status == 200
    html = page.read().decode()
    connection.close()
    return html


@pytest.mark.parametrize('path', ['/', '/table'])
def test_the_first_response_holds_the_clients_the_fonts_and_no_tailwind_compiler(server, path):
    url, _ = server
    html = first_response(url, 'manager1', path)
    assert NAME in html
    assert 'tailwindcss.min.js' not in html
    assert html.count('rel="preload"') == 3 and 'as="font"' in html


@pytest.mark.skipif(not CHROMIUM.exists(), reason='Debian chromium is not installed')
def test_a_card_menu_opens_every_time_it_is_clicked(server, browser):
    url, client_id = server
    page = logged_in_page(browser, url, 'manager1')
    menu_button = page.locator(f'[data-client-id="{client_id}"] .vk-card-menu')
    assert page.locator('.q-menu').count() == 0  # no menu is mounted before it is asked for

    menu_button.click()
    page.locator('.q-menu .q-item', has_text='Переместить').click()
    page.wait_for_selector(f'text=Переместить «{NAME}»')
    page.locator('.q-dialog button', has_text='Отмена').click()
    page.wait_for_selector('.q-dialog', state='detached')

    menu_button.click()
    page.locator('.q-menu .q-item', has_text='Открыть').click()
    page.wait_for_selector(f'.vk-window-head >> text={NAME}')
