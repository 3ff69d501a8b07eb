"""The import on the command line with a column mapping (issue 15): a nightly job loads the same export shape
unattended — --print-mapping, edit, --mapping FILE or --save-preset once, then --preset (or nothing) every night."""

import json
import sqlite3

import pytest

from tests.test_cli import _xlsx, run_cli

AMO_HEADERS = [
    'ID',
    'Название сделки',
    'Бюджет',
    'Ответственный',
    'Этап сделки',
    'Полное имя (контакт)',
    'Рабочий телефон (контакт)',
    'Мобильный телефон (контакт)',
    'Рабочий email (контакт)',
    'Теги сделки',
    'Дата создания',
]
AMO_ROWS = [
    [
        101,
        'Двушка в Северном',
        '5 000 000',
        'Ольга',
        'Первичный контакт',
        'Орлов Пётр',
        "'+7 916 201-11-02",
        '',
        'orlov@example.ru',
        'ипотека, горячий',
        '15.01.2025 12:30:00',
    ],
    [102, 'Студия', '', 'Ольга', 'Первичный контакт', 'Ким Алла', '', '8 916 201-11-12', 'kim@example.ru', '', ''],
]


@pytest.fixture
def amo_dir(tmp_path):
    added = run_cli(tmp_path, 'user', 'add', 'olga', '--role', 'admin', '--name', 'Ольга', stdin='long-password\n')
    assert added.returncode == 0, added.stderr
    _xlsx(tmp_path / 'amocrm.xlsx', [AMO_HEADERS, *AMO_ROWS])
    return tmp_path


def _clients(data_dir) -> dict[str, str]:
    with sqlite3.connect(data_dir / 'voronka.db') as connection:
        return dict(connection.execute('SELECT name, email FROM client'))


def _import(data_dir, file, *args):
    result = run_cli(data_dir, 'import', str(file), '--as', 'olga', *args)
    assert result.returncode == 0, result.stderr
    return result


def test_help_of_import_describes_mapping_presets_and_csv(tmp_path):
    result = run_cli(tmp_path, 'import', '--help')
    assert result.returncode == 0
    for said in ('--mapping', '--preset', '--save-preset', '--print-mapping', 'CSV', 'Windows-1251', 'amoCRM'):
        assert said in result.stdout


def test_printed_mapping_edited_and_passed_back_loads_the_columns_as_edited(amo_dir):
    printed = json.loads(_import(amo_dir, amo_dir / 'amocrm.xlsx', '--print-mapping').stdout)
    assert printed['headers'] == AMO_HEADERS
    assert printed['fields'][5:9] == ['name', 'phone', 'phone', 'email']
    assert _clients(amo_dir) == {}
    # the team names its clients by the deal and keeps the emails out
    printed['fields'][1], printed['fields'][5], printed['fields'][8] = 'name', 'skip', 'skip'
    edited = amo_dir / 'amocrm.json'
    edited.write_text(json.dumps(printed, ensure_ascii=False))

    result = _import(amo_dir, amo_dir / 'amocrm.xlsx', '--mapping', str(edited), '--commit', '--json')

    summary = json.loads(result.stdout)
    assert (summary['committed'], summary['new_clients'], summary['preset']) == (True, 2, None)
    assert summary['format']['kind'] == 'xlsx'
    assert _clients(amo_dir) == {'Двушка в Северном': '', 'Студия': ''}


def test_a_saved_preset_maps_the_same_export_unasked_and_by_name_when_its_columns_moved(amo_dir):
    printed = json.loads(_import(amo_dir, amo_dir / 'amocrm.xlsx', '--print-mapping').stdout)
    printed['fields'][8] = 'skip'
    (amo_dir / 'no-email.json').write_text(json.dumps(printed))
    saved = _import(
        amo_dir, amo_dir / 'amocrm.xlsx', '--mapping', str(amo_dir / 'no-email.json'), '--save-preset', 'Из amoCRM'
    )
    assert 'Сопоставление сохранено как шаблон «Из amoCRM»' in saved.stderr
    assert _clients(amo_dir) == {}

    unasked = _import(amo_dir, amo_dir / 'amocrm.xlsx')
    assert 'Сопоставление: шаблон «Из amoCRM»' in unasked.stdout
    assert 'Файл: XLSX' in unasked.stdout

    # next month's export: the ID column gone and the email moved to the front
    order = [8, 1, 2, 3, 4, 5, 6, 7, 9, 10]
    moved = _xlsx(amo_dir / 'next.xlsx', [[row[i] for i in order] for row in [AMO_HEADERS, *AMO_ROWS]])
    loaded = _import(amo_dir, moved, '--preset', 'из amocrm', '--commit', '--json')

    summary = json.loads(loaded.stdout)
    assert summary['preset'] == 'Из amoCRM'
    assert summary['mapping']['fields'][0] == 'skip'
    assert _clients(amo_dir) == {'Орлов Пётр': '', 'Ким Алла': ''}


def test_known_phone_given_on_the_command_line_is_the_mappings(amo_dir):
    printed = json.loads(
        _import(amo_dir, amo_dir / 'amocrm.xlsx', '--print-mapping', '--known-phone', 'fill_empty').stdout
    )
    assert printed['known_phone'] == 'fill_empty'


REFUSALS = [
    (['--preset', 'Из Мегаплана'], 'Нет шаблона сопоставления «Из Мегаплана». Есть: —'),
    (['--mapping', 'DIR/missing.json'], 'Не удалось прочитать сопоставление DIR/missing.json'),
    (['--mapping', 'DIR/bad.json'], 'Сопоставление столбцов не подходит к файлу: JSON'),
    (['--delimiter', '|'], 'разделитель «|» не поддерживается'),
    (['--encoding', 'koi8-r'], 'кодировка «koi8-r» не поддерживается'),
    (['--mapping', 'DIR/bad.json', '--preset', 'X'], 'not allowed with argument'),
]


def test_a_mapping_option_that_does_not_fit_is_refused_in_russian_without_a_traceback(amo_dir):
    (amo_dir / 'bad.json').write_text('{"fields": [')
    for args, says in REFUSALS:
        args = [a.replace('DIR', str(amo_dir)) for a in args]
        result = run_cli(amo_dir, 'import', str(amo_dir / 'amocrm.xlsx'), '--as', 'olga', *args, '--commit')
        assert result.returncode != 0, args
        assert says.replace('DIR', str(amo_dir)) in result.stderr
        assert 'Traceback' not in result.stderr
    assert _clients(amo_dir) == {}


def test_an_amocrm_csv_loads_by_a_mapping_file_with_its_encoding_and_delimiter_given(amo_dir):
    # amoCRM's CSV export: UTF-8 with a BOM, ';' between the columns
    lines = [';'.join(str(cell) for cell in row) for row in [AMO_HEADERS, *AMO_ROWS]]
    csv_file = amo_dir / 'amocrm.csv'
    csv_file.write_bytes('\r\n'.join(lines).encode('utf-8-sig'))
    mapping = json.loads(_import(amo_dir, csv_file, '--print-mapping').stdout)
    mapping['fields'][1], mapping['fields'][5] = 'name', 'skip'
    (amo_dir / 'amocrm.json').write_text(json.dumps(mapping, ensure_ascii=False))

    result = _import(
        amo_dir,
        csv_file,
        '--mapping',
        str(amo_dir / 'amocrm.json'),
        '--encoding',
        'utf-8-sig',
        '--delimiter',
        ';',
        '--commit',
    )

    assert 'Файл: CSV, UTF-8 с BOM, разделитель «;»' in result.stdout
    assert 'Создано клиентов: 2' in result.stdout
    assert _clients(amo_dir) == {'Двушка в Северном': 'orlov@example.ru', 'Студия': 'kim@example.ru'}
