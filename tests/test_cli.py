"""The command line on a fresh data directory, as an admin uses it."""

import subprocess
import sys
import time
import urllib.request

import pytest

from tests.servers import app_env, free_port


def run_cli(data_dir, *args, stdin: str = '') -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-m', 'app', *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=app_env(data_dir),
        timeout=120,
    )


def test_help_lists_every_command(tmp_path):
    result = run_cli(tmp_path, '--help')
    assert result.returncode == 0
    for command in ('serve', 'user', 'token', 'demo'):
        assert command in result.stdout


def test_user_add_deactivate_and_token_on_a_fresh_data_directory(tmp_path):
    added = run_cli(
        tmp_path, 'user', 'add', 'olga', '--name', 'Ольга Смирнова', '--role', 'head', stdin='long-password\n'
    )
    assert added.returncode == 0, added.stderr
    assert 'olga' in added.stdout
    token = run_cli(tmp_path, 'token', 'create', 'olga')
    assert token.returncode == 0
    assert token.stdout.strip().startswith('vk_')
    listed = run_cli(tmp_path, 'user', 'list')
    assert 'Ольга Смирнова' in listed.stdout
    deactivated = run_cli(tmp_path, 'user', 'deactivate', 'olga')
    assert deactivated.returncode == 0
    assert 'деактивирован' in run_cli(tmp_path, 'user', 'list').stdout


def test_adding_a_taken_login_says_so_without_a_traceback(tmp_path):
    run_cli(tmp_path, 'user', 'add', 'olga', stdin='long-password\n')
    again = run_cli(tmp_path, 'user', 'add', 'olga', stdin='long-password\n')
    assert again.returncode != 0
    assert 'уже занят' in again.stderr
    assert 'Traceback' not in again.stderr


def test_demo_fills_a_fresh_database(tmp_path):
    result = run_cli(tmp_path, 'demo', '--clients', '40')
    assert result.returncode == 0, result.stderr
    assert 'admin' in result.stdout


def test_first_start_prints_url_and_demo_logins_and_serves_the_api(tmp_path):
    port = free_port()
    env = app_env(tmp_path, VORONKA_PORT=str(port))
    server = subprocess.Popen(
        [sys.executable, '-m', 'app', '--demo-clients', '30'],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        printed = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            printed.append(line)
            if 'admin /' in line:
                break
        assert any(f'http://localhost:{port}/' in line for line in printed), printed
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/api/v1/openapi.json', timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail('the server did not answer')
        assert (tmp_path / 'voronka.db').exists()
        assert (tmp_path / 'storage_secret').exists()
    finally:
        server.terminate()
        server.wait(timeout=20)
