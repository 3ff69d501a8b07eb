"""Board figures for issue 3: page build time, live propagation to 50 open boards, memory per open tab.

Run by hand:  .venv/bin/python bench/bench_board.py [--clients 100000] [--boards 50]
It seeds a temporary SQLite database with demo data, then drives the real pages in NiceGUI's simulated
browser (the same machinery as the UI tests): no real network, so the figures are server time.
"""

import argparse
import asyncio
import gc
import os
import time
from pathlib import Path

from common import ROOT, bench_data_dir, median_p95, seed_demo


def rss_mib() -> float:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return 0.0


async def main(clients: int, boards: int, repeats: int) -> None:
    import httpx
    from nicegui import Client, core
    from nicegui.testing.user import User
    from nicegui.testing.user_simulation import user_simulation

    from app import demo
    from app.domain.account.reference import stage_views
    from app.domain.account.users import user_by_login
    from app.domain.clients import clients as client_service
    from app.domain.db import get_database, init_database
    from app.domain.permissions import Actor
    from app.pages import board as board_page

    database = init_database(os.environ['DATABASE_URL'])
    print(f'seeded {clients} clients and 20 users in {seed_demo(database, clients):.1f} s')

    async def log_in(user: User, login: str) -> None:
        """The login form's POST (a plain HTML page, not a NiceGUI one), then the board."""
        response = await user.http_client.post('/login', data={'login': login, 'password': demo.DEMO_PASSWORD})
        assert response.status_code == 303, response.text
        await user.open('/')
        await user.should_see(marker='board-ready', retries=400)

    async with user_simulation(main_file=ROOT / 'app' / 'main.py') as first:
        await log_in(first, 'manager1')
        build_times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            await first.open('/')
            build_times.append((time.perf_counter() - t0) * 1000)
        median, p95 = median_p95(build_times)
        print(
            f'board page build for a manager ({repeats} loads): median {median:.1f} ms, p95 {p95:.1f} ms '
            f'(target < 150 ms)'
        )

        for client in list(Client.instances.values()):
            # in a real browser a page left behind (login, or the board reloaded above) is deleted
            if client is not first.client:
                client.delete()
        gc.collect()
        before = rss_mib()
        viewers = []
        logins = ['head', 'admin'] + [f'manager{i}' for i in range(1, 19)]
        for index in range(boards):
            viewer = User(httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test'))
            await log_in(viewer, logins[index % len(logins)])
            viewers.append(viewer)
        gc.collect()
        await asyncio.sleep(0.5)
        after = rss_mib()
        print(
            f'memory: RSS {before:.1f} → {after:.1f} MiB with {boards} more open boards: '
            f'{(after - before) / boards:.2f} MiB per tab (target < 1.5 MiB)'
        )

        # propagation: time from a committed move to the card placed on every open board
        arrivals: dict[int, list[float]] = {}
        original_place = board_page.Board.place

        def timed_place(self, card, data, flash):
            original_place(self, card, data, flash)
            arrivals.setdefault(data.id, []).append(time.perf_counter())

        board_page.Board.place = timed_place
        with database.read() as session:
            stages = [s for s in stage_views(session) if not s.is_closing]
            head = Actor.of(user_by_login(session, 'head'))
            page = client_service.board_column(session, actor=head, stage_id=stages[0].id, limit=repeats)
        latencies = []
        views = len(board_page.hub.views)
        for index, card in enumerate(page.items):
            target = stages[1 + index % (len(stages) - 1)]
            arrivals.clear()

            def commit_move(client_id=card.id, stage_id=target.id) -> float:
                with get_database().write() as session:
                    client_service.move_client(session, actor=head, client_id=client_id, stage_id=stage_id)
                    moment = time.perf_counter()
                return moment

            committed = await asyncio.get_running_loop().run_in_executor(None, commit_move)
            deadline = time.perf_counter() + 5
            while len(arrivals.get(card.id, [])) < views and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            latencies += [(moment - committed) * 1000 for moment in arrivals.get(card.id, [])]
        board_page.Board.place = original_place
        median, p95 = median_p95(latencies)
        print(
            f'propagation of a move to {views} open boards ({len(page.items)} moves, {len(latencies)} card '
            f'updates): median {median:.1f} ms, p95 {p95:.1f} ms (target p95 < 100 ms)'
        )
        for viewer in viewers:
            await viewer.http_client.aclose() if hasattr(viewer, 'http_client') else None


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000)
    parser.add_argument('--boards', type=int, default=50)
    parser.add_argument('--repeats', type=int, default=30)
    arguments = parser.parse_args()
    with bench_data_dir('voronka-bench-board-') as data_dir:
        # NiceGUI's simulated browser expects to run under pytest (it would otherwise reset a real client)
        os.environ['PYTEST_CURRENT_TEST'] = 'bench_board'
        from nicegui import app
        from nicegui.storage import Storage

        Storage.path = data_dir / 'nicegui-storage'
        app.storage = Storage()
        asyncio.run(main(arguments.clients, arguments.boards, arguments.repeats))
