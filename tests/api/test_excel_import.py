"""The import over the API with a column mapping (issue 15): a form with the file and its `mapping` JSON or a saved
`mapping_preset`, the raw body as before, the saved mappings (presets), and every refusal as ErrorOut."""

import json

import pytest
from sqlmodel import func, select

from app.api.excel import XLSX
from app.domain import db as db_module
from app.domain.excel import importing, sources
from app.domain.models import Client, ImportPreset
from tests.api.test_excel import _xlsx
from tests.factories import bearer, make_user

AMO = [
    ['ID', 'Название сделки', 'Бюджет', 'Полное имя (контакт)', 'Рабочий телефон (контакт)', 'Рабочий email (контакт)'],
    [101, 'Сделка Орлова', '5 000 000', 'Орлов Пётр', "'+7 916 201-11-02", 'orlov@example.ru'],
    [102, 'Сделка Ким', '', 'Ким Алла', '8 916 201-11-12', 'kim@example.ru'],
]
# on purpose not what the suggestion would do: the client is named by the deal's title
BY_TITLE = {'fields': ['skip', 'name', 'skip', 'skip', 'phone', 'email']}


@pytest.fixture
def team(db):
    make_user(db, 'olga', role='head', name='Ольга Петрова')
    make_user(db, 'anna', name='Анна Смирнова', can_import=True)
    make_user(db, 'vera', name='Вера Без Загрузки', can_import=False)
    return {login: bearer(db, login) for login in ('olga', 'anna', 'vera')}


def _names(db) -> set[str]:
    with db.read() as session:
        return set(session.exec(select(Client.name)))


def _form(client, headers, data: bytes, **fields):
    return client.post('/import', headers=headers, files={'file': ('amo.xlsx', data, XLSX)}, data=fields)


def _save_preset(client, headers, name='Из amoCRM', mapping=BY_TITLE, columns=AMO[0]):
    response = client.post(
        '/import/presets', headers=headers, json={'name': name, 'headers': columns, 'mapping': mapping}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_form_with_a_mapping_previews_then_loads_the_columns_as_mapped(client, db, team):
    preview = _form(client, team['anna'], _xlsx(AMO), mapping=json.dumps(BY_TITLE))

    assert preview.status_code == 200, preview.text
    summary = preview.json()
    assert (summary['committed'], summary['rows'], summary['new_clients']) == (False, 2, 2)
    assert summary['format'] == {'kind': 'xlsx', 'encoding': '', 'delimiter': ''}
    assert summary['mapping']['fields'] == BY_TITLE['fields']
    assert summary['preset'] is None
    assert _names(db) == set()

    loaded = _form(client, team['anna'], _xlsx(AMO), mapping=json.dumps(BY_TITLE), commit='true')

    assert loaded.status_code == 200, loaded.text
    assert loaded.json()['committed'] is True
    assert _names(db) == {'Сделка Орлова', 'Сделка Ким'}


def test_a_form_naming_a_preset_is_read_by_it_even_when_the_columns_moved(client, db, team):
    _save_preset(client, team['olga'])
    moved = [[row[0], row[4], row[1], row[5], row[3]] for row in AMO]  # the budget gone, the rest reordered

    response = _form(client, team['anna'], _xlsx(moved), mapping_preset='из amoCRM', commit='true')

    assert response.status_code == 200, response.text
    assert response.json()['preset'] == 'Из amoCRM'
    assert response.json()['mapping']['fields'] == ['skip', 'phone', 'name', 'email', 'skip']
    assert _names(db) == {'Сделка Орлова', 'Сделка Ким'}


def test_a_raw_body_with_the_headers_of_a_saved_preset_is_read_by_it_unasked(client, db, team):
    _save_preset(client, team['anna'])

    response = client.post(
        '/import', params={'commit': 'true'}, content=_xlsx(AMO), headers={**team['anna'], 'Content-Type': XLSX}
    )

    assert response.status_code == 200, response.text
    assert response.json()['preset'] == 'Из amoCRM'
    assert _names(db) == {'Сделка Орлова', 'Сделка Ким'}


def test_a_raw_body_takes_a_preset_by_name_in_the_query(client, db, team):
    _save_preset(client, team['anna'], columns=['Что-то', *AMO[0][1:]])

    response = client.post(
        '/import',
        params={'mapping_preset': 'Из amoCRM'},
        content=_xlsx(AMO),
        headers={**team['anna'], 'Content-Type': 'application/octet-stream'},
    )

    assert response.status_code == 200, response.text
    assert (response.json()['preset'], response.json()['mapping']['fields'][:2]) == ('Из amoCRM', ['skip', 'name'])


def test_presets_are_saved_listed_replaced_and_deleted(client, db, team):
    saved = _save_preset(client, team['anna'])
    assert (saved['name'], saved['created_by'], saved['may_delete']) == ('Из amoCRM', 'Анна Смирнова', True)
    replaced = _save_preset(client, team['anna'], mapping={'fields': ['skip', 'skip', 'skip', 'name', 'phone']})
    assert replaced['id'] == saved['id']

    listed = client.get('/import/presets', headers=team['olga'])
    assert listed.status_code == 200, listed.text
    assert [(p['name'], p['mapping']['fields'][3], p['may_delete']) for p in listed.json()] == [
        ('Из amoCRM', 'name', True)
    ]

    deleted = client.delete(f'/import/presets/{saved["id"]}', headers=team['olga'])
    assert deleted.status_code == 204
    assert client.get('/import/presets', headers=team['anna']).json() == []
    again = client.delete(f'/import/presets/{saved["id"]}', headers=team['olga'])
    assert (again.status_code, again.json()['code']) == (404, 'error.not_found')


def test_a_user_without_the_import_permission_is_refused_every_preset_call_and_the_form(client, db, team):
    preset = _save_preset(client, team['anna'])
    calls = (
        client.get('/import/presets', headers=team['vera']),
        client.post(
            '/import/presets',
            headers=team['vera'],
            json={'name': 'Мой', 'headers': ['ФИО'], 'mapping': {'fields': ['name']}},
        ),
        client.delete(f'/import/presets/{preset["id"]}', headers=team['vera']),
        _form(client, team['vera'], _xlsx(AMO), mapping=json.dumps(BY_TITLE), commit='true'),
    )
    assert [(r.status_code, r.json()['code']) for r in calls] == [(403, 'error.forbidden')] * 4
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(ImportPreset)).one() == 1
    assert _names(db) == set()


def test_another_managers_preset_is_neither_replaced_nor_deleted(client, db, team):
    make_user(db, 'boris', can_import=True)
    boris = bearer(db, 'boris')
    preset = _save_preset(client, team['anna'])

    replaced = client.post(
        '/import/presets',
        headers=boris,
        json={'name': 'Из amoCRM', 'headers': ['ФИО'], 'mapping': {'fields': ['name']}},
    )
    deleted = client.delete(f'/import/presets/{preset["id"]}', headers=boris)

    assert (replaced.status_code, replaced.json()['code']) == (422, 'import.error.preset_taken')
    assert 'принадлежит пользователю Анна Смирнова' in replaced.json()['detail']
    assert deleted.status_code == 403


@pytest.mark.parametrize(
    ('fields', 'status', 'code', 'says'),
    [
        ({}, 422, 'import.error.no_file', 'В форме нет файла'),
        (
            {'mapping': '{"fields": '},
            422,
            'import.error.bad_mapping',
            'Сопоставление столбцов не подходит к файлу: JSON',
        ),
        ({'mapping': '{"fields": ["luna"]}'}, 422, 'import.error.bad_mapping', 'не подходит к файлу: luna'),
        # values of another type than an object were a 500 (AttributeError)
        ({'mapping': '{"fields": ["phone"], "values": "x"}'}, 422, 'import.error.bad_mapping', 'к файлу: values'),
        ({'mapping': '{"fields": ["phone"], "values": [1]}'}, 422, 'import.error.bad_mapping', 'к файлу: values'),
        (
            {'mapping_preset': 'Из Мегаплана'},
            404,
            'import.error.preset_not_found',
            'Нет шаблона сопоставления «Из Мегаплана»',
        ),
        ({'encoding': 'koi8-r'}, 422, 'error.invalid', 'encoding'),
        ({'commit': 'может быть'}, 422, 'error.invalid', 'commit'),
    ],
)
def test_a_form_that_does_not_fit_is_refused_with_the_error_body_and_writes_nothing(
    client, db, team, fields, status, code, says
):
    files = {'file': ('amo.xlsx', _xlsx(AMO), XLSX)} if fields else {'other': ('x.txt', b'x', 'text/plain')}
    response = client.post(
        '/import', headers=team['anna'], files=files, data={**fields, 'commit': fields.get('commit', 'true')}
    )

    assert response.status_code == status, response.text
    assert response.json()['code'] == code
    assert says in response.json()['detail']
    assert _names(db) == set()


def test_a_preset_whose_values_are_not_an_object_is_refused_not_a_500(client, team):
    for values in ('x', [1]):
        body = {'name': 'Кривой', 'headers': AMO[0], 'mapping': {**BY_TITLE, 'values': values}}
        refused = client.post('/import/presets', headers=team['anna'], json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()['code'] == 'import.error.bad_mapping' and 'values' in refused.json()['detail']
    assert client.get('/import/presets', headers=team['anna']).json() == []


def test_a_form_over_the_limit_is_refused_with_413(client, team, monkeypatch):
    monkeypatch.setattr(sources, 'MAX_BYTES', 1000)
    response = _form(client, team['anna'], _xlsx(AMO))
    assert response.status_code == 413
    assert response.json()['code'] == 'import.error.too_large'


def test_the_file_is_read_and_planned_before_the_write_transaction_opens(client, db, team, monkeypatch):
    happened = []
    database = db_module.get_database()
    write, read_file = database.write, importing.read_import_file

    def spied_write(*args, **kwargs):
        happened.append('write')
        return write(*args, **kwargs)

    def spied_read(*args, **kwargs):
        happened.append('read the file')
        return read_file(*args, **kwargs)

    monkeypatch.setattr(database, 'write', spied_write)
    monkeypatch.setattr(importing, 'read_import_file', spied_read)

    response = _form(client, team['anna'], _xlsx(AMO), mapping=json.dumps(BY_TITLE), commit='true')

    assert response.status_code == 200, response.text
    assert happened == ['read the file', 'write']


BITRIX = (
    'Фамилия;Имя;Отчество;Рабочий телефон;Мобильный телефон;Рабочий e-mail;Комментарий\r\n'
    'Иванова;Мария;Петровна;+7 (495) 123-45-67;;maria@example.ru;Звонила с сайта\r\n'
    'Ким;Алла;;;8 916 201-11-12;;\r\n'
)


def test_a_bitrix24_csv_in_windows_1251_loads_and_the_summary_says_how_it_was_read(client, db, team):
    response = client.post(
        '/import',
        params={'commit': 'true'},
        content=BITRIX.encode('cp1251'),
        headers={**team['anna'], 'Content-Type': 'text/csv'},
    )

    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary['format'] == {'kind': 'csv', 'encoding': 'cp1251', 'delimiter': ';'}
    assert summary['new_clients'] == 2
    assert _names(db) == {'Иванова Мария Петровна', 'Ким Алла'}


def test_a_forms_encoding_and_delimiter_override_what_is_detected(client, db, team):
    tabbed = BITRIX.replace(';', '\t').encode('utf-8')

    detected = client.post('/import', headers=team['anna'], files={'file': ('b24.csv', tabbed, 'text/csv')})
    # read as Windows-1251 on purpose: the summary echoes what the caller chose
    told = client.post(
        '/import',
        headers=team['anna'],
        files={'file': ('b24.csv', tabbed, 'text/csv')},
        data={'encoding': 'cp1251', 'delimiter': '\t'},
    )

    assert detected.json()['format'] == {'kind': 'csv', 'encoding': 'utf-8', 'delimiter': '\t'}
    assert told.status_code == 200, told.text
    assert told.json()['format'] == {'kind': 'csv', 'encoding': 'cp1251', 'delimiter': '\t'}


def test_a_forms_file_name_sharpens_the_refusal_of_an_old_excel_file(client, team):
    junk = bytes(range(256)) * 8  # not a table; named .xls it is most likely Excel 97-2003

    named = client.post(
        '/import', headers=team['anna'], files={'file': ('export.xls', junk, 'application/vnd.ms-excel')}
    )
    raw = client.post('/import', content=junk, headers={**team['anna'], 'Content-Type': 'application/octet-stream'})

    assert (named.status_code, named.json()['code']) == (422, 'import.error.binary_xls')
    assert (raw.status_code, raw.json()['code']) == (422, 'import.error.not_spreadsheet')
