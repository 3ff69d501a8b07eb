"""Export and import over the API (SPEC §3 «Экспорт», «Импорт»): the XLSX file out, the XLSX body in."""

import io
import tempfile
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from app.api.excel import XLSX
from app.domain.excel import sources
from app.domain.models import Client, Request, Tag
from tests.factories import bearer, make_client, make_user


@pytest.fixture
def team(db):
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    anna = make_user(db, 'anna', name='Анна Смирнова')
    exporter = make_user(db, 'vera', name='Вера Своя', can_see_others=False, can_export=True, can_import=True)
    return {
        'head': (head, bearer(db, 'olga')),
        'anna': (anna, bearer(db, 'anna')),
        'vera': (exporter, bearer(db, 'vera')),
    }


def _schema(client, headers) -> dict:
    response = client.get('/export/schemas', headers=headers)
    assert response.status_code == 200, response.text
    return response.json()[0]


def _sheet(response):
    assert response.status_code == 200, response.text
    assert response.headers['content-type'] == XLSX
    return load_workbook(io.BytesIO(response.content)).active


def _rows(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(db, model) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_schemas_list_names_each_schemas_fields_and_their_labels(client, team):
    _, headers = team['head']
    schema = _schema(client, headers)
    assert schema['name'] == 'Основная'
    assert schema['fields'][:2] == ['name', 'phones']
    assert schema['labels'][0] == 'ФИО'
    assert len(schema['fields']) == len(schema['labels'])


def test_head_exports_every_visible_client_as_xlsx_with_the_schemas_header(client, db, team, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    head, headers = team['head']
    anna, _ = team['anna']
    make_client(db, head, name='Пётр Первый', phone='+79120000001')
    make_client(db, anna, name='Анна Клиентова', phone='+79120000002')
    schema = _schema(client, headers)

    response = client.get('/export', params={'schema_id': schema['id']}, headers=headers)

    sheet = _sheet(response)
    assert [c.value for c in sheet[1]] == schema['labels']
    rows = _rows(sheet)
    assert sorted(row[0] for row in rows) == ['Анна Клиентова', 'Пётр Первый']
    disposition = response.headers['content-disposition']
    assert disposition.startswith('attachment; filename="')
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.startswith('Клиенты Основная ') and name.endswith('.xlsx')
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone once sent


def test_export_applies_the_same_filters_as_the_clients_list(client, db, team):
    head, headers = team['head']
    make_client(db, head, name='Пётр Первый', phone='+79120000001')
    make_client(db, head, name='Павел Второй', phone='+79120000002')
    make_client(db, head, name='Мария Третья', phone='+79120000003')
    schema = _schema(client, headers)

    sheet = _sheet(client.get('/export', params={'schema_id': schema['id'], 'q': 'П'}, headers=headers))

    assert sorted(row[0] for row in _rows(sheet)) == ['Павел Второй', 'Пётр Первый']
    listed = client.get('/clients', params={'q': 'П'}, headers=headers).json()
    assert listed['total'] == 2


def test_a_manager_without_the_export_permission_is_refused(client, team, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    _, head_headers = team['head']
    _, headers = team['anna']
    schema = _schema(client, head_headers)
    assert client.get('/export/schemas', headers=headers).status_code == 403
    response = client.get('/export', params={'schema_id': schema['id']}, headers=headers)
    assert response.status_code == 403
    assert response.json()['code'] == 'error.forbidden'
    assert list(tmp_path.iterdir()) == []


def test_a_manager_who_sees_only_their_own_clients_exports_only_those(client, db, team):
    head, headers = team['head']
    vera, vera_headers = team['vera']
    make_client(db, head, name='Чужой Клиент', phone='+79120000001')
    make_client(db, vera, name='Свой Клиент', phone='+79120000002')
    schema = _schema(client, vera_headers)

    sheet = _sheet(client.get('/export', params={'schema_id': schema['id']}, headers=vera_headers))

    assert [row[0] for row in _rows(sheet)] == ['Свой Клиент']


def test_export_by_an_unknown_schema_is_not_found(client, team):
    _, headers = team['head']
    assert client.get('/export', params={'schema_id': 9999}, headers=headers).status_code == 404


def test_import_template_is_an_xlsx_the_import_reads(client, db, team):
    _, headers = team['head']
    response = client.get('/import/template', headers=headers)
    sheet = _sheet(response)
    assert sheet['A1'].value == 'ФИО'
    preview = client.post('/import', content=response.content, headers={**headers, 'Content-Type': XLSX})
    assert preview.status_code == 200, preview.text
    assert preview.json()['rows'] == 1


FILE = [
    ['ФИО', 'Телефон', 'Метки', 'Непонятно'],
    ['Иван Новый', '8 912 111-22-33', 'Горячий', 'x'],
    ['Иван Тот Же', '+7 912 111 22 33', '', ''],
    ['Старый Знакомый', '89120000001', '', ''],
    ['Без Телефона', '', '', ''],
]


def test_import_preview_counts_rows_and_writes_nothing(client, db, team):
    head, headers = team['head']
    make_client(db, head, name='Старый', phone='+79120000001')
    before = _count(db, Client), _count(db, Request), _count(db, Tag)

    response = client.post('/import', content=_xlsx(FILE), headers={**headers, 'Content-Type': XLSX})

    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary['committed'] is False
    assert (summary['rows'], summary['new_clients'], summary['attached'], summary['errors']) == (4, 1, 2, 1)
    assert summary['unknown_columns'] == ['Непонятно']
    assert summary['created']['tags'] == ['Горячий']
    assert summary['error_list'][0]['row'] == 5
    assert (_count(db, Client), _count(db, Request), _count(db, Tag)) == before


def test_import_commit_creates_the_clients(client, db, team):
    head, headers = team['head']
    make_client(db, head, name='Старый', phone='+79120000001')

    response = client.post(
        '/import',
        params={'commit': 'true'},
        content=_xlsx(FILE),
        headers={**headers, 'Content-Type': 'application/octet-stream'},
    )

    assert response.status_code == 200, response.text
    assert response.json()['committed'] is True
    assert response.json()['new_clients'] == 1
    with db.read() as session:
        names = set(session.exec(select(Client.name)))
    assert names == {'Старый', 'Иван Новый'}
    assert _count(db, Tag) >= 1


def test_a_file_that_is_not_a_table_is_refused_in_russian(client, team):
    _, headers = team['head']
    response = client.post('/import', content=b'%PDF-1.4 not a table', headers={**headers, 'Content-Type': XLSX})
    assert response.status_code == 422
    assert response.json()['detail'].startswith('Это не таблица')
    assert response.json()['code'] == 'import.error.not_spreadsheet'


def test_a_file_over_the_limit_is_refused_with_413(client, team, monkeypatch):
    _, headers = team['head']
    monkeypatch.setattr(sources, 'MAX_BYTES', 1000)
    data = _xlsx(FILE)
    assert len(data) > 1000

    response = client.post('/import', content=data, headers={**headers, 'Content-Type': XLSX})
    assert response.status_code == 413
    assert 'разделите его на части' in response.json()['detail']

    def chunks():  # no Content-Length: the body is counted as it arrives
        yield data[:800]
        yield data[800:]

    streamed = client.post('/import', content=chunks(), headers={**headers, 'Content-Type': XLSX})
    assert streamed.status_code == 413


def test_a_manager_without_the_import_permission_is_refused(client, db, team):
    _, headers = team['anna']
    response = client.post('/import', content=_xlsx(FILE), headers={**headers, 'Content-Type': XLSX})
    assert response.status_code == 403
    assert _count(db, Client) == 0
