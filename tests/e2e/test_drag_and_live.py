"""Real Chromium against a real server: drag a card with the mouse, a colleague's browser sees it arrive."""

import pytest

from app.domain.account.reference import stage_views
from app.domain.account.users import user_by_login
from app.domain.clients import clients
from app.domain.db import Database
from app.domain.deals import deal_board, deals
from app.domain.models import Board
from app.domain.permissions import Actor
from tests.e2e.conftest import CHROMIUM, drag, logged_in_page, running_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason='Debian chromium is not installed')


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """The app as `python -m app` starts it, on a fresh data directory with the demo team and no clients."""
    data_dir = tmp_path_factory.mktemp('e2e')
    with running_app(data_dir) as (url, _):
        database = Database(f'sqlite:///{data_dir / "voronka.db"}')
        yield url, database
        database.dispose()


def test_dragging_a_card_moves_it_and_a_colleague_sees_it_arrive(server, browser):
    url, database = server
    with database.write() as session:
        manager = Actor.of(user_by_login(session, 'manager1'))
        client = clients.create_client(
            session, actor=manager, name='Перетаскиваемый Клиент Иванович', phones=['+79125550011']
        )
        target = next(s for s in stage_views(session) if s.name == 'Назначение встречи')
    own = logged_in_page(browser, url, 'manager1')
    colleague = logged_in_page(browser, url, 'head')
    card_selector = f'[data-client-id="{client.id}"]'
    arrived_selector = f'.vk-cards[data-stage="{target.id}"] {card_selector}'
    colleague.wait_for_selector(card_selector)
    assert colleague.locator(arrived_selector).count() == 0

    drag(own, card_selector, f'.vk-cards[data-stage="{target.id}"]')

    own.wait_for_selector(arrived_selector, timeout=10000)
    colleague.wait_for_selector(arrived_selector, timeout=10000)
    with database.read() as session:
        assert clients.get_client(session, actor=manager, client_id=client.id).stage_id == target.id
    count = colleague.locator(f'.vk-column[data-stage="{target.id}"] .q-badge').inner_text()
    assert count.strip() == '1'


def test_dragging_a_deal_moves_it_and_a_colleague_sees_it_arrive_with_the_sum(server, browser):
    url, database = server
    with database.write() as session:
        manager = Actor.of(user_by_login(session, 'manager1'))
        client = clients.create_client(session, actor=manager, name='Покупатель Квартиры', phones=['+79125550022'])
        deals.book_client(session, actor=manager, client_id=client.id, project_id=None, unit='кв. 7', amount=6_400_000)
        deal = clients.get_client(session, actor=manager, client_id=client.id).deals[0]
        target = next(s for s in stage_views(session, Board.deals) if s.name == 'Договор подписан')
    own = logged_in_page(browser, url, 'manager1')
    colleague = logged_in_page(browser, url, 'head')
    for page in (own, colleague):
        page.goto(url + '/deals')
    card_selector = f'[data-deal-id="{deal.id}"]'
    arrived_selector = f'.vk-cards[data-stage="{target.id}"] {card_selector}'
    colleague.wait_for_selector(card_selector, timeout=20000)
    own.wait_for_selector(card_selector, timeout=20000)
    assert colleague.locator(arrived_selector).count() == 0

    drag(own, card_selector, f'.vk-cards[data-stage="{target.id}"]')

    own.wait_for_selector(arrived_selector, timeout=10000)
    colleague.wait_for_selector(arrived_selector, timeout=10000)
    with database.read() as session:
        assert deal_board.get_deal(session, actor=manager, deal_id=deal.id).stage_id == target.id
    head = colleague.locator(f'.vk-column[data-stage="{target.id}"] .vk-column-head')
    # money is grouped by Babel with no-break spaces
    colleague.wait_for_function(
        'el => el.innerText.replace(/\\u00a0/g, " ").includes("6 400 000")', arg=head.element_handle(), timeout=10000
    )
