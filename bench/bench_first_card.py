"""The first card in a real browser (issue 13): how long until the head sees the first card on `/` and the first
row of `/table` at 100,000 clients, cold (a new browser context: no cache) and warm (a reload), phase by phase,
against a bare NiceGUI page with as many static cards (or table rows), loaded alternately in the same run.

    python bench/bench_first_card.py [--clients 100000] [--runs 7] [--data-dir DIR] [--against DIR]

The data directory is built once with `python -m app demo` and kept (a second run reuses it). Targets: the first
card cold < 700 ms and warm < 350 ms median on a quiet machine (yardstick <= 15 ms), and within 1.3x of the bare
page in every run.
"""

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine_speed  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import app_env, free_port  # noqa: E402

VIEWPORT = {'width': 1280, 'height': 720}
CARD = '.vk-card'
ROW = '.q-table tbody tr'
# Installed before any page script: the moment the first socket opens, the first card (or row) has a box, and the
# fonts it needs (the icons too) have loaded.
MARKS_SCRIPT = """(() => {
  const marks = (window.__marks = {});
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    socket.addEventListener('open', () => { marks.ws ??= performance.now(); });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  // the card's text and icons can be drawn: no font its layout asked for is still loading
  const drawn = () => {
    if ([...document.fonts].some((face) => face.status === 'loading')) {
      document.fonts.addEventListener('loadingdone', drawn, { once: true });
    } else {
      marks.fonts = performance.now();
    }
  };
  const observer = new MutationObserver(() => {
    const first = document.querySelector(SELECTOR);
    if (first && first.getBoundingClientRect().height > 0) {
      marks.first = performance.now();
      observer.disconnect();
      drawn();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
})();"""
PHASES_SCRIPT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return { ttfb: nav.responseStart, html: nav.responseEnd, dcl: nav.domContentLoadedEventEnd,
           load: nav.loadEventEnd, ws: window.__marks.ws, first: window.__marks.first, fonts: window.__marks.fonts,
           bytes: performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0) };
}"""
DONE_SCRIPT = 'window.__marks && window.__marks.fonts !== undefined && window.__marks.ws !== undefined'
PHASES = ('ttfb', 'html', 'dcl', 'load', 'ws', 'first', 'fonts')


def build_data(data_dir: Path, clients: int) -> None:
    """The demo team and `clients` demo clients, once: a finished build leaves a marker beside the database."""
    marker = data_dir / f'built-{clients}'
    if marker.exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f'building {clients} demo clients in {data_dir} (once) ...', flush=True)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, '-m', 'app', 'demo', '--clients', str(clients)],
        cwd=ROOT,
        env=app_env(data_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    marker.touch()
    print(f'built in {time.perf_counter() - began:.0f} s', flush=True)


def start(command: list[str], env: dict, port: int, cwd: Path = ROOT) -> tuple[str, subprocess.Popen]:
    """A server process and its URL, once it answers."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + '/', timeout=2).read()
            return url, process
        except OSError as error:
            if getattr(error, 'code', None):  # any HTTP answer means the server is up
                return url, process
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f'{command} did not start') from error
            time.sleep(0.3)


def log_in(url: str, login: str) -> list[dict]:
    """The cookies the login form's POST sets, for new browser contexts to start logged in."""
    host, port = url.removeprefix('http://').split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    body = urlencode({'login': login, 'password': 'voronka'})
    connection.request('POST', '/login', body, {'Content-Type': 'application/x-www-form-urlencoded'})
    response = connection.getresponse()
    cookies = SimpleCookie()
    for header in response.headers.get_all('set-cookie') or []:
        cookies.load(header)
    connection.close()
    if response.status != 303 or 'voronka_session' not in cookies:
        raise RuntimeError(f'login as {login} failed: {response.status}')
    return [{'name': name, 'value': morsel.value, 'url': url} for name, morsel in cookies.items()]


class Target:
    """One page to load: where, what its first visible thing is, and the timings gathered."""

    def __init__(self, name: str, url: str, selector: str, cookies: list[dict] | None = None) -> None:
        self.name = name
        self.url = url
        self.script = MARKS_SCRIPT.replace('SELECTOR', repr(selector))
        self.cookies = cookies or []
        self.samples: dict[str, list[dict]] = {'cold': [], 'warm': []}

    def measure(self, browser, *, keep: bool = True) -> None:
        """A cold load in a new context, then a warm reload in it; `keep=False` only warms the servers up."""
        context = browser.new_context(viewport=VIEWPORT)
        try:
            context.add_cookies(self.cookies)
            context.add_init_script(self.script)
            page = context.new_page()
            page.goto(self.url, wait_until='commit')
            cold = self._phases(page)
            page.reload(wait_until='commit')
            warm = self._phases(page)
        finally:
            context.close()
        if keep:
            self.samples['cold'].append(cold)
            self.samples['warm'].append(warm)

    @staticmethod
    def _phases(page) -> dict:
        page.wait_for_function(DONE_SCRIPT, timeout=20000)
        page.wait_for_load_state('load')
        return page.evaluate(PHASES_SCRIPT)

    def median(self, mode: str, phase: str) -> float:
        values = [sample[phase] for sample in self.samples[mode] if sample.get(phase) is not None]
        return statistics.median(values) if values else float('nan')


def count_shown(browser, url: str, selector: str, cookies: list[dict]) -> int:
    """How many cards (rows) the page shows, so the bare page shows as many."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(selector, timeout=20000)
    page.wait_for_timeout(1000)
    count = page.locator(selector).count()
    context.close()
    return count


def progress(targets: list[Target]) -> str:
    return ', '.join(
        f'{t.name} {t.samples["cold"][-1]["first"]:.0f}/{t.samples["warm"][-1]["first"]:.0f}' for t in targets
    )


def report(targets: list[Target], pairs: list[tuple[str, str]]) -> None:
    by_name = {target.name: target for target in targets}
    print(f'\nmedians in ms from navigation start ({len(targets[0].samples["cold"])} runs each)')
    print(f'{"page":<24}{"mode":<6}' + ''.join(f'{phase:>8}' for phase in PHASES) + f'{"KiB":>8}')
    for target in targets:
        for mode in ('cold', 'warm'):
            kib = target.median(mode, 'bytes') / 1024
            row = ''.join(f'{target.median(mode, phase):8.0f}' for phase in PHASES)
            print(f'{target.name:<24}{mode:<6}{row}{kib:8.0f}')
    print('\nfirst card (row): ratio of the medians, and the worst run (its ratio in the same run)')
    for ours, bare in pairs:
        for mode in ('cold', 'warm'):
            mine, theirs = by_name[ours].samples[mode], by_name[bare].samples[mode]
            worst = max(a['first'] / b['first'] for a, b in zip(mine, theirs, strict=True))
            ratio = by_name[ours].median(mode, 'first') / by_name[bare].median(mode, 'first')
            print(f'{f"{ours} / {bare}":<34}{mode:<6}{ratio:6.2f}x   worst run {worst:.2f}x')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000)
    parser.add_argument('--runs', type=int, default=7)
    parser.add_argument('--login', default='head')
    parser.add_argument('--data-dir', type=Path, default=None)
    parser.add_argument(
        '--against',
        type=Path,
        default=None,
        help='another copy of the app (`git archive HEAD~1 | tar -x -C DIR`), measured alternately, named (A)',
    )
    parser.add_argument('--no-bare', action='store_true', help='skip the bare pages (A/B runs only)')
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / f'voronka-first-card-{args.clients}'
    build_data(data_dir, args.clients)
    print(
        f'Voronka first-card bench: {args.clients} clients, {args.login}, {args.runs} runs, Chromium {CHROMIUM}, '
        f'data in {data_dir}',
        flush=True,
    )
    print(machine_speed(), flush=True)
    from playwright.sync_api import sync_playwright

    processes = []

    def serve(command: list[str], cwd: Path = ROOT, **env: str) -> str:
        port = free_port()
        url, process = start(command, app_env(data_dir, **env, VORONKA_PORT=str(port)), port, cwd)
        processes.append(process)
        return url

    try:
        apps = [('', ROOT)] + ([(' (A)', args.against.resolve())] if args.against else [])
        targets, pairs = [], []
        for suffix, tree in apps:
            url = serve([sys.executable, '-m', 'app'], tree)
            cookies = log_in(url, args.login)
            targets += [
                Target('board' + suffix, url + '/', CARD, cookies),
                Target('table' + suffix, url + '/table', ROW, cookies),
            ]
            if suffix:
                pairs += [('board', 'board' + suffix), ('table', 'table' + suffix)]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            cards = count_shown(browser, targets[0].url, CARD, targets[0].cookies)
            rows = count_shown(browser, targets[1].url, ROW, targets[1].cookies)
            print(f'the board shows {cards} cards, the table {rows} rows', flush=True)
            for variant, flags in () if args.no_bare else (('bare', []), ('bare-no-tailwind', ['--no-tailwind'])):
                url = serve([sys.executable, 'bench/bare_page.py', str(cards), str(rows), *flags])
                targets += [
                    Target(f'{variant} cards', url + '/', CARD),
                    Target(f'{variant} table', url + '/table', ROW),
                ]
                pairs += [('board', f'{variant} cards'), ('table', f'{variant} table')]
            for target in targets:
                target.measure(browser, keep=False)
            for run in range(args.runs):
                for target in targets[run % len(targets) :] + targets[: run % len(targets)]:
                    target.measure(browser)
                print(f'run {run + 1} (first card, cold/warm): ' + progress(targets), flush=True)
            browser.close()
        report(targets, pairs)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
    print(machine_speed())


if __name__ == '__main__':
    main()
