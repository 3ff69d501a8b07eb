"""Live propagation across processes (issue 18): how long a move made through process a's API takes to show on
boards open on process b, next to the same with every board on a alone.

    python bench/bench_processes.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                    [--runs 5] [--moves 100] [--boards 20]

Two app processes start at once on a fresh database of their own; each run opens the boards twice in real
Chromium, alternating which comes first: split over a and b (half on each), and all on a. Moves go through a's
API one at a time; a move's latency on a board is from just before the request to the moment the card is in its
new column there. Target: the median over the runs of the cross-process p95 within 1.2x of the one-process p95.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine_speed, median_p95  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, logged_in_page  # noqa: E402
from tests.servers import AppProcess, own_postgres_database, started_together  # noqa: E402

LOGIN = 'head'
ARRIVAL_WATCH = """() => {
    window.voronkaWatch = null;
    new MutationObserver(() => {
        const watch = window.voronkaWatch;
        if (watch && watch.at === null && document.querySelector(watch.selector))
            watch.at = performance.timeOrigin + performance.now();
    }).observe(document.body, {childList: true, subtree: true});
}"""


def prepare(database_url: str, clients_count: int) -> tuple[list[int], list[int], str]:
    """The moved clients, the two working stages they go back and forth between, and a token of the mover."""
    from app.domain.account import users
    from app.domain.account.reference import stage_views
    from app.domain.clients import clients
    from app.domain.db import Database
    from app.domain.permissions import Actor

    database = Database(database_url)
    try:
        with database.write() as session:
            head = Actor.of(users.user_by_login(session, LOGIN))
            ids = [
                clients.create_client(session, actor=head, name=f'Клиент Замера {n}', phones=[f'+7912555{n:04d}']).id
                for n in range(clients_count)
            ]
            working = [s.id for s in stage_views(session) if s.kind == 'working']
            token = users.create_token(session, login=LOGIN, label='bench')
    finally:
        database.dispose()
    return ids, working[:2], token


def open_boards(browser, server: AppProcess, count: int) -> list:
    """`count` board tabs of one browser on `server` (straight to its port: a balancer would add one hop to both
    layouts alike), each watching for the card it is told of."""
    first = logged_in_page(browser, server.url, LOGIN)
    pages = [first]
    for _ in range(count - 1):
        page = first.context.new_page()
        page.goto(server.url + '/')
        page.wait_for_selector('.vk-board', timeout=30000)
        page.wait_for_function('window.did_handshake === true', timeout=30000)
        pages.append(page)
    for page in pages:
        page.evaluate(ARRIVAL_WATCH)
    return pages


def move_through_api(server: AppProcess, token: str, client_id: int, stage_id: int) -> None:
    request = urllib.request.Request(
        f'{server.url}/api/v1/clients/{client_id}/move',
        data=json.dumps({'stage_id': stage_id}).encode(),
        headers={'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def measure(pages_by_side: dict[str, list], mover: AppProcess, token: str, moves: int, ids, stages, where: dict):
    """`moves` moves one after another; per side, every board's latency of every move in ms."""
    latencies: dict[str, list[float]] = {side: [] for side in pages_by_side}
    pages = [(side, page) for side, side_pages in pages_by_side.items() for page in side_pages]
    for number in range(moves):
        client_id = ids[number % len(ids)]
        target = stages[1] if where[client_id] == stages[0] else stages[0]
        selector = f'.vk-cards[data-stage="{target}"] [data-client-id="{client_id}"]'
        for _, page in pages:
            page.evaluate('selector => { window.voronkaWatch = {selector, at: null}; }', selector)
        sent = time.time() * 1000
        move_through_api(mover, token, client_id, target)
        where[client_id] = target
        for side, page in pages:
            page.wait_for_function('window.voronkaWatch.at !== null', timeout=30000)
            latencies[side].append(page.evaluate('window.voronkaWatch.at') - sent)
    return latencies


def close(pages: list) -> None:
    for context in {page.context for page in pages}:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--postgres',
        default=os.environ.get('TEST_DATABASE_URL', 'postgresql+psycopg://postgres@127.0.0.1:5432/postgres'),
    )
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--moves', type=int, default=100)
    parser.add_argument('--boards', type=int, default=20)
    args = parser.parse_args()
    half = args.boards // 2
    print(
        f"Voronka processes bench: {args.moves} moves through a's API to {args.boards} boards ({LOGIN}), split "
        f'{half}/{args.boards - half} over processes a and b or all on a, {args.runs} runs, {os.cpu_count()} CPUs',
        flush=True,
    )
    print(machine_speed(), flush=True)
    from playwright.sync_api import sync_playwright

    ratios, results = [], []
    with (
        tempfile.TemporaryDirectory(prefix='voronka-bench-processes-') as data_dir,
        own_postgres_database(args.postgres, 'voronka_bench_processes') as url,
        started_together(Path(data_dir), 2, DATABASE_URL=url) as (a, b),
    ):
        ids, stages, token = prepare(url, clients_count=10)  # under a column's first page (12): all on every board
        where = dict.fromkeys(ids, stages[0])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            warm = open_boards(browser, a, 1) + open_boards(browser, b, 1)
            measure({'warm': warm}, a, token, 5, ids, stages, where)  # code loaded, caches and pools filled once
            close(warm)
            for run in range(1, args.runs + 1):
                figures = {}
                for layout in ('split', 'one') if run % 2 else ('one', 'split'):
                    if layout == 'split':
                        boards = {
                            'same': open_boards(browser, a, half),
                            'cross': open_boards(browser, b, args.boards - half),
                        }
                    else:
                        boards = {'one': open_boards(browser, a, args.boards)}
                    latencies = measure(boards, a, token, args.moves, ids, stages, where)
                    close([page for side in boards.values() for page in side])
                    figures.update({side: median_p95(values) for side, values in latencies.items()})
                ratios.append(figures['cross'][1] / figures['one'][1])
                results.append(figures)
                print(
                    f'run {run}: one process p50 {figures["one"][0]:.0f} ms p95 {figures["one"][1]:.0f} ms | '
                    f'two processes: on a p50 {figures["same"][0]:.0f} p95 {figures["same"][1]:.0f}, '
                    f'on b (cross) p50 {figures["cross"][0]:.0f} p95 {figures["cross"][1]:.0f} ms | '
                    f'cross p95 / one p95 {ratios[-1]:.2f}',
                    flush=True,
                )
            browser.close()
    median_of = lambda side, index: statistics.median(r[side][index] for r in results)  # noqa: E731
    print(
        f'median over {args.runs} runs: one process p50 {median_of("one", 0):.0f} ms p95 {median_of("one", 1):.0f} ms; '
        f'cross-process p50 {median_of("cross", 0):.0f} ms p95 {median_of("cross", 1):.0f} ms; '
        f'cross p95 / one p95 {statistics.median(ratios):.2f} (target <= 1.2)'
    )
    print(machine_speed())


if __name__ == '__main__':
    main()
