"""Starting the app as an operator does: the deploy step, a schema from a newer version, the balancer's health
check, and several processes starting at once on one PostgreSQL database."""

import json
import os
import sqlite3
import subprocess
import sys
import urllib.request
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select

from app.domain.models import Channel, Stage, User
from tests.servers import app_env, free_port, own_postgres_database, started_together


def _env(data_dir, **extra) -> dict:
    """A fresh install's environment (app_env drops a DATABASE_URL it inherits) with these settings over it."""
    return {**app_env(data_dir), **extra}


def _run(data_dir, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-m', 'app', *args], capture_output=True, text=True, env=_env(data_dir, **env), timeout=120
    )


def test_migrate_is_a_deploy_step_that_names_the_schema_version(tmp_path):
    result = _run(tmp_path, 'migrate')
    assert result.returncode == 0, result.stderr
    assert 'Схема базы данных: 00' in result.stdout
    with sqlite3.connect(tmp_path / 'voronka.db') as connection:
        assert connection.execute('SELECT count(*) FROM stage').fetchone()[0] > 0
        assert connection.execute('SELECT count(*) FROM user').fetchone()[0] == 0  # no demo team: not a first start


def test_a_schema_newer_than_the_code_is_refused_with_a_sentence(tmp_path):
    assert _run(tmp_path, 'migrate').returncode == 0
    with sqlite3.connect(tmp_path / 'voronka.db') as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999'")
    for command in (['migrate'], ['--demo-clients', '0']):
        result = _run(tmp_path, *command, VORONKA_PORT=str(free_port()))
        assert result.returncode == 1
        assert 'Схема базы данных (0999) новее этой версии Воронки' in result.stderr
        assert 'Traceback' not in result.stderr


@contextmanager
def _servers(data_dir, count: int, **env):
    """`count` app processes started at the same moment; yields their URLs once each answers /healthz."""
    try:
        with started_together(data_dir, count, **env) as servers:
            yield [server.url for server in servers]
    except RuntimeError as exc:
        pytest.fail(str(exc))


def test_the_health_check_answers_without_a_login_and_with_our_headers(tmp_path):
    with _servers(tmp_path, 1) as [url]:
        with urllib.request.urlopen(url + '/healthz', timeout=5) as response:
            assert json.load(response) == {'status': 'ok'}
            assert response.headers['X-Content-Type-Options'] == 'nosniff'


POSTGRES = os.environ.get('TEST_DATABASE_URL', '')


@pytest.fixture
def empty_postgres():
    """A database of its own on the test server, dropped afterwards."""
    if not POSTGRES.startswith('postgresql'):
        pytest.skip('needs PostgreSQL (TEST_DATABASE_URL)')
    with own_postgres_database(POSTGRES, f'voronka_startup_{os.getpid()}') as url:
        yield url


def test_three_processes_starting_at_once_make_one_schema_one_set_of_defaults_and_one_team(tmp_path, empty_postgres):
    with _servers(tmp_path, 3, DATABASE_URL=empty_postgres, VORONKA_DB_POOL='2') as urls:
        assert len(urls) == 3
        engine = create_engine(empty_postgres)
        with engine.connect() as connection:
            stages = connection.execute(select(func.count()).select_from(Stage)).scalar_one()
            channels = connection.execute(select(func.count()).select_from(Channel)).scalar_one()
            logins = connection.execute(select(User.login)).scalars().all()
        engine.dispose()
    assert len(logins) == len(set(logins)) and 'admin' in logins
    with_one_process = _single_start_counts(tmp_path / 'one')
    assert (stages, channels, len(logins)) == with_one_process


def _single_start_counts(data_dir) -> tuple[int, int, int]:
    """What one process alone makes on a fresh SQLite database."""
    data_dir.mkdir()
    with _servers(data_dir, 1):
        pass
    with sqlite3.connect(data_dir / 'process-1' / 'voronka.db') as connection:
        return tuple(
            connection.execute(f'SELECT count(*) FROM {table}').fetchone()[0]
            for table in ('stage', 'channel', '"user"')
        )
