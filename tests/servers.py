"""Running the real `python -m app` from tests: a clean environment, a free port, several processes started at
the same moment, and a PostgreSQL database of their own."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def app_env(data_dir, **extra: str) -> dict:
    """The environment of a fresh install: its own data directory, SQLite, and not pytest
    (NiceGUI treats a process that inherits PYTEST_CURRENT_TEST as its own screen test)."""
    env = {**os.environ, 'VORONKA_DATA_DIR': str(data_dir), **extra}
    for name in ('DATABASE_URL', 'PYTEST_CURRENT_TEST'):
        env.pop(name, None)
    return env


@dataclass
class AppProcess:
    """One `python -m app` serving on `port`, its output in `log`."""

    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    def output(self) -> str:
        return self.log.read_text(errors='replace')


@contextmanager
def started_together(data_dir: Path, count: int, *, timeout: float = 120, **env: str) -> Iterator[list[AppProcess]]:
    """`count` app processes started at the same moment, each with a data directory of its own (nothing a process
    keeps on its disk is shared: what must be shared is in the database); yields them once each answers /healthz,
    and stops them."""
    started: list[AppProcess] = []
    for index in range(count):
        own_dir = data_dir / f'process-{index + 1}'
        own_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        log = own_dir / 'server.log'
        with log.open('w') as output:
            process = subprocess.Popen(
                [sys.executable, '-m', 'app', '--demo-clients', '0', '--port', str(port)],
                env={**app_env(own_dir), **env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(AppProcess(port, process, log))
    try:
        deadline = time.monotonic() + timeout
        for server in started:
            while not _healthy(server.url):
                if server.process.poll() is not None:
                    raise RuntimeError(f'a process died while starting:\n{server.output()[-3000:]}')
                if time.monotonic() > deadline:
                    raise RuntimeError(f'a process did not start:\n{server.output()[-3000:]}')
                time.sleep(0.3)
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.terminate()
        for server in started:
            server.process.wait(timeout=20)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + '/healthz', timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def own_postgres_database(server_url: str, name: str) -> Iterator[str]:
    """An empty database `name` on the PostgreSQL server of `server_url`, dropped afterwards; yields its URL."""
    admin = create_engine(make_url(server_url).set(database='postgres'), isolation_level='AUTOCOMMIT')
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE {name}'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        admin.dispose()
