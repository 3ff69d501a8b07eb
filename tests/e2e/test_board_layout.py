"""Real Chromium on a long board: scrolling a column to its end brings the next page (clients and deals), and the
labelled «Настроить вид» button stays clear of the cards' menus on a 1280x720 screen."""

import pytest

from app.domain.account.users import user_by_login
from app.domain.clients import clients
from app.domain.db import Database
from app.domain.deals import deals
from app.domain.permissions import Actor
from app.pages.board import PAGE_SIZE
from tests.e2e.conftest import CHROMIUM, logged_in_page, running_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason='Debian chromium is not installed')

LONG = PAGE_SIZE * 2 + 5


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """The app with a column longer than two pages on each board, and its log (an unawaited load shows there)."""
    data_dir = tmp_path_factory.mktemp('board-layout')
    log_path = data_dir / 'server.log'
    with running_app(data_dir, log_path) as (url, _):
        database = Database(f'sqlite:///{data_dir / "voronka.db"}')
        with database.write() as session:
            manager = Actor.of(user_by_login(session, 'manager1'))
            for number in range(LONG):
                clients.create_client(
                    session, actor=manager, name=f'Клиент Длинной Колонки {number}', phones=[f'+7912555{number:04d}']
                )
            for number in range(LONG):
                client = clients.create_client(
                    session, actor=manager, name=f'Покупатель {number}', phones=[f'+7913555{number:04d}']
                )
                deals.book_client(session, actor=manager, client_id=client.id, project_id=None, amount=1_000_000)
        yield url, log_path
        database.dispose()


def _scroll_to_end(page, column_selector: str) -> None:
    box = page.locator(f'{column_selector} .vk-column-body').bounding_box()
    page.mouse.move(box['x'] + box['width'] / 2, box['y'] + box['height'] / 2)
    page.mouse.wheel(0, 20000)


def _cards(page, column_selector: str, card: str) -> int:
    return page.locator(f'{column_selector} {card}').count()


@pytest.mark.parametrize(('path', 'card'), [('/', '[data-client-id]'), ('/deals', '[data-deal-id]')])
def test_scrolling_a_column_to_its_end_loads_the_next_page(server, browser, path, card):
    url, log_path = server
    page = logged_in_page(browser, url, 'manager1', viewport=(1280, 720))
    if path != '/':
        page.goto(url + path)
    page.wait_for_selector(card, timeout=20000)
    column = page.locator('.vk-column', has=page.locator(card)).first
    column_selector = f'.vk-column[data-stage="{column.get_attribute("data-stage")}"]'
    assert _cards(page, column_selector, card) == PAGE_SIZE

    _scroll_to_end(page, column_selector)
    page.wait_for_function(
        '([sel, n]) => document.querySelectorAll(sel).length > n',
        arg=[f'{column_selector} {card}', PAGE_SIZE],
        timeout=10000,
    )
    _scroll_to_end(page, column_selector)
    page.wait_for_function(
        '([sel, n]) => document.querySelectorAll(sel).length === n',
        arg=[f'{column_selector} {card}', LONG],
        timeout=10000,
    )
    assert 'was never awaited' not in log_path.read_text()
    page.context.close()


@pytest.mark.parametrize('login', ['head', 'manager1'])
def test_the_view_settings_button_is_labelled_and_covers_no_card_menu(server, browser, login):
    url = server[0]
    page = logged_in_page(browser, url, login, viewport=(1280, 720))
    page.wait_for_selector('[data-client-id] .vk-card-menu', timeout=20000)
    button = page.locator('.vk-view-button')
    assert button.inner_text().strip().endswith('Настроить вид')
    own = button.bounding_box()
    menus = page.locator('.vk-card-menu')
    assert menus.count() >= PAGE_SIZE
    for index in range(menus.count()):
        menu = menus.nth(index).bounding_box()
        apart = (
            own['x'] + own['width'] <= menu['x']
            or menu['x'] + menu['width'] <= own['x']
            or own['y'] + own['height'] <= menu['y']
            or menu['y'] + menu['height'] <= own['y']
        )
        assert apart, f'the button {own} covers the menu {menu}'
    page.context.close()
