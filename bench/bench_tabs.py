"""Board tabs in real Chromium (issue 13): the server time of opening one, the memory an open one holds, and
whether closed ones give it back (NiceGUI's clients, the live hub's views, the screens, the RSS), round after round.

    python bench/bench_tabs.py [--clients 100000] [--tabs 20] [--rounds 3] [--login head] [--tree DIR]

The server is `python -m app` plus a route saying what the process holds (bench/tab_server.py); the data
directory is bench_first_card's (built once and kept). Targets: server time under 150 ms, about 1 MiB per tab, and
nothing left of closed tabs.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_first_card import CARD, VIEWPORT, build_data, log_in, start  # noqa: E402
from bench.common import ROOT, machine_speed, median_p95  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import app_env, free_port  # noqa: E402

SERVER_TIME = (
    "(() => { const n = performance.getEntriesByType('navigation')[0]; return n.responseStart - n.requestStart; })()"
)


def held(url: str) -> dict:
    with urllib.request.urlopen(url + '/_bench/held', timeout=60) as response:
        return json.load(response)


def show(label: str, state: dict) -> None:
    print(
        f'{label:<34} RSS {state["rss_mib"]:7.1f} MiB   clients {state["clients"]:3}   hub views {state["hub_views"]:3}'
        f'   screens {state["screens"]:3} (of deleted clients {state["screens_of_deleted_clients"]})',
        flush=True,
    )
    if state['objects_grown']:
        grown = ', '.join(f'{name} +{count}' for name, count in state['objects_grown'].items())
        print(f'    objects grown since the last look: {grown}')
    if state['orphan_referrers']:
        print('    held by: ' + '; '.join(f'{name} x{count}' for name, count in state['orphan_referrers'].items()))


def open_tabs(context, url: str, tabs: int) -> tuple[list, list[float]]:
    pages, server_times = [], []
    for _ in range(tabs):
        page = context.new_page()
        page.goto(url + '/')
        page.wait_for_selector(CARD, timeout=20000)
        page.wait_for_function('window.did_handshake === true', timeout=20000)
        server_times.append(page.evaluate(SERVER_TIME))
        pages.append(page)
    return pages, server_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000)
    parser.add_argument('--tabs', type=int, default=20)
    parser.add_argument('--login', default='head')
    parser.add_argument('--data-dir', type=Path, default=None)
    parser.add_argument('--rounds', type=int, default=3, help='times the tabs are opened and closed')
    parser.add_argument('--linger', type=float, default=30, help='seconds to wait after the tabs are closed')
    parser.add_argument('--tree', type=Path, default=ROOT, help='the copy of the app to serve (default: this one)')
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / f'voronka-first-card-{args.clients}'
    build_data(data_dir, args.clients)
    print(f'Voronka tabs bench: {args.clients} clients, {args.login}, {args.tabs} tabs, data in {data_dir}', flush=True)
    print(machine_speed(), flush=True)
    from playwright.sync_api import sync_playwright

    port = free_port()
    command = [sys.executable, str(ROOT / 'bench' / 'tab_server.py')]
    url, server = start(command, app_env(data_dir, VORONKA_PORT=str(port)), port, args.tree.resolve())
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT)
            context.add_cookies(log_in(url, args.login))
            warm_up, _ = open_tabs(context, url, 2)  # the first tabs load code and fill caches once
            for page in warm_up:
                page.close()
            time.sleep(args.linger)
            before = held(url)
            show('before', before)
            all_times = []
            for round_number in range(1, args.rounds + 1):
                pages, server_times = open_tabs(context, url, args.tabs)
                all_times += server_times
                opened = held(url)
                per_tab = (opened['rss_mib'] - before['rss_mib']) / args.tabs
                show(f'round {round_number}: {args.tabs} tabs open', opened)
                print(f'    {per_tab:.2f} MiB per tab over "before"', flush=True)
                for page in pages:
                    page.close()
                time.sleep(5)
                show(f'round {round_number}: closed 5 s ago', held(url))
                time.sleep(max(0, args.linger - 5))
                show(f'round {round_number}: closed {args.linger:.0f} s ago', held(url))
            for label, times in (
                ('request sent to first byte, in the browser', all_times),
                ('request in to response out, in the server', held(url)['board_page_ms'][-len(all_times) :]),
            ):
                median, p95 = median_p95(times)
                print(
                    f'server time of opening a board tab ({label}, {len(times)} tabs): median {median:.0f} ms, '
                    f'p95 {p95:.0f} ms, mean {statistics.mean(times):.0f} ms (target < 150 ms)'
                )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(machine_speed())


if __name__ == '__main__':
    main()
