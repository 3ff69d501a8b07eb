"""Running the real `python -m app` from tests: a clean environment and a free port."""

import os
import socket


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
