"""The command line on a fresh data directory, as an admin uses it."""

import json
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from openpyxl import Workbook, load_workbook

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
    for command in ('serve', 'user', 'token', 'demo', 'export', 'import'):
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


def test_user_add_takes_an_internal_number_that_no_active_colleague_has(tmp_path):
    added = run_cli(tmp_path, 'user', 'add', 'olga', '--internal-number', '101', stdin='long-password\n')
    assert added.returncode == 0, added.stderr
    assert 'внутренний номер 101' in added.stdout
    taken = run_cli(tmp_path, 'user', 'add', 'pavel', '--internal-number', '101', stdin='long-password\n')
    assert taken.returncode != 0
    assert 'Внутренний номер 101 уже у пользователя olga' in taken.stderr
    assert 'Traceback' not in taken.stderr


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
    finally:
        server.terminate()
        server.wait(timeout=20)


def _xlsx(path, rows: list[list]):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


IMPORT_ROWS = [
    ['ФИО', 'Телефон', 'Метки', 'Непонятно'],
    ['Иван Новый', '8 912 111-22-33', 'Горячий', 'x'],
    ['Иван Тот Же', '+7 912 111 22 33', '', ''],
    ['Мария Вторая', '89120000002', 'Горячий', ''],
    ['Без Телефона', '', '', ''],
]


@pytest.fixture
def admin_dir(tmp_path):
    """A fresh data directory with one admin, and an import file beside it."""
    added = run_cli(tmp_path, 'user', 'add', 'olga', '--role', 'admin', '--name', 'Ольга', stdin='long-password\n')
    assert added.returncode == 0, added.stderr
    _xlsx(tmp_path / 'clients.xlsx', IMPORT_ROWS)
    return tmp_path


def _clients_in(data_dir) -> int:
    with sqlite3.connect(data_dir / 'voronka.db') as connection:
        return connection.execute('SELECT count(*) FROM client').fetchone()[0]


def test_import_preview_as_json_counts_rows_and_writes_nothing(admin_dir):
    result = run_cli(admin_dir, 'import', str(admin_dir / 'clients.xlsx'), '--as', 'olga', '--json')

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary['committed'] is False
    assert (summary['rows'], summary['new_clients'], summary['attached'], summary['errors']) == (4, 2, 1, 1)
    assert summary['unknown_columns'] == ['Непонятно']
    assert summary['created']['tags'] == ['Горячий']
    assert summary['error_list'][0]['row'] == 5
    assert _clients_in(admin_dir) == 0


def test_import_commit_creates_clients_and_says_so_in_russian(admin_dir):
    result = run_cli(admin_dir, 'import', str(admin_dir / 'clients.xlsx'), '--as', 'olga', '--commit')

    assert result.returncode == 0, result.stderr
    assert 'записано 3 из 3' in result.stderr
    assert 'Создано клиентов: 2' in result.stdout
    assert 'строка 5' in result.stdout
    assert 'Непонятно' in result.stdout
    assert _clients_in(admin_dir) == 2


def test_export_writes_the_filtered_clients_into_an_xlsx(admin_dir):
    run_cli(admin_dir, 'import', str(admin_dir / 'clients.xlsx'), '--as', 'olga', '--commit')
    out = admin_dir / 'выгрузка.xlsx'

    result = run_cli(
        admin_dir, 'export', '--schema', 'основная', '--as', 'olga', '--out', str(out), '--search', 'Мария'
    )

    assert result.returncode == 0, result.stderr
    assert f'Выгружено клиентов: 1 → {out}' in result.stdout
    assert 'выгружено 1 из 1' in result.stderr
    sheet = load_workbook(out).active
    assert sheet['A1'].value == 'ФИО'
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ['Мария Вторая']
    every = run_cli(admin_dir, 'export', '--schema', 'Основная', '--as', 'olga', '--out', str(out), '--tag', 'горячий')
    assert 'Выгружено клиентов: 2' in every.stdout, every.stderr


def test_export_refuses_an_unknown_schema_or_name_without_writing_a_file(admin_dir):
    out = admin_dir / 'out.xlsx'
    schema = run_cli(admin_dir, 'export', '--schema', 'Нет такой', '--as', 'olga', '--out', str(out))
    assert schema.returncode != 0
    assert 'Нет схемы выгрузки «Нет такой». Есть: «Основная»' in schema.stderr
    stage = run_cli(admin_dir, 'export', '--schema', 'Основная', '--as', 'olga', '--out', str(out), '--stage', 'Луна')
    assert stage.returncode != 0
    assert 'Неизвестный этап «Луна»' in stage.stderr
    assert 'Traceback' not in schema.stderr + stage.stderr
    assert not out.exists()


def test_import_refuses_a_file_that_is_not_a_table(admin_dir):
    text = admin_dir / 'clients.pdf'
    text.write_bytes(b'%PDF-1.4 not a table')
    result = run_cli(admin_dir, 'import', str(text), '--as', 'olga')
    assert result.returncode != 0
    assert 'Это не таблица' in result.stderr
    assert 'Traceback' not in result.stderr


def test_an_import_killed_half_way_leaves_the_database_exactly_as_before(admin_dir):
    rows = [['ФИО', 'Телефон', 'Метки', 'Примечание']]
    rows += [[f'Клиент {n}', f'+7912{n:07d}', 'Из файла', 'заметка'] for n in range(3000)]
    big = _xlsx(admin_dir / 'big.xlsx', rows)
    process = subprocess.Popen(
        [sys.executable, '-m', 'app', 'import', str(big), '--as', 'olga', '--commit'],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=app_env(admin_dir),
    )
    try:
        line = process.stderr.readline()
        assert line.startswith('записано 500 из 3000'), line  # rows are being written, not yet committed
        process.kill()
    finally:
        process.wait(timeout=30)
    with sqlite3.connect(admin_dir / 'voronka.db') as connection:
        counts = [
            connection.execute(f'SELECT count(*) FROM {table}').fetchone()[0] for table in TABLES_AN_IMPORT_WRITES
        ]
    assert counts == [0] * len(TABLES_AN_IMPORT_WRITES)


TABLES_AN_IMPORT_WRITES = ('client', 'clientphone', 'feedentry', 'request', 'tag', 'clienttag', 'stagechange')
