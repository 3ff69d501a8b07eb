"""What the real-process tests share: `python -m app` on a fresh data directory, and one Chromium."""

import contextlib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import app_env, free_port

CHROMIUM = Path('/usr/bin/chromium')
CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
]


@contextlib.contextmanager
def running_app(data_dir: Path, log_path: Path | None = None, **env: str):
    """The app as `python -m app` starts it (the demo team, no demo clients); yields its URL and process, and
    stops it. Its output goes to `log_path` when the test reads the server log."""
    port = free_port()
    output = log_path.open('w') if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, '-m', 'app', '--demo-clients', '0'],
        env=app_env(data_dir, VORONKA_PORT=str(port), **env),
        stdout=output,
        stderr=subprocess.STDOUT if log_path else subprocess.DEVNULL,
    )
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + '/login', timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail('the server did not start')
                time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)
        if log_path:
            output.close()


@pytest.fixture(scope='module')
def browser():
    if not CHROMIUM.exists():
        pytest.skip('Debian chromium is not installed')
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def logged_in_page(browser, url: str, login: str, *, viewport=(1440, 900), cookies: dict[str, str] | None = None):
    """A new browser context (holding `cookies` for `url` first) logged in through the login form, on the board
    with its socket connected."""
    context = browser.new_context(viewport={'width': viewport[0], 'height': viewport[1]})
    context.add_cookies([{'name': name, 'value': value, 'url': url} for name, value in (cookies or {}).items()])
    page = context.new_page()
    page.goto(url + '/login')
    page.locator('input[autocomplete=username]').fill(login)
    page.locator('input[type=password]').fill('voronka')
    page.locator('input[type=password]').press('Enter')
    page.wait_for_selector('.vk-board', timeout=20000)
    page.wait_for_function('window.did_handshake === true')
    return page


def drag(page, source_selector: str, target_selector: str) -> None:
    """A real mouse drag of a card onto a column, in steps as SortableJS needs to see a drag begin."""
    start, end = page.locator(source_selector).bounding_box(), page.locator(target_selector).bounding_box()
    page.mouse.move(start['x'] + 40, start['y'] + 20)
    page.mouse.down()
    page.mouse.move(start['x'] + 60, start['y'] + 40, steps=5)
    page.mouse.move(end['x'] + end['width'] / 2, end['y'] + 30, steps=20)
    page.mouse.up()
