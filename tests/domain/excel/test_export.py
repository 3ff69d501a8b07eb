"""Export by schema (SPEC §3 «Экспорт»): every visible client matching the filter, by the schema's columns,
as a real spreadsheet — bold frozen header, numbers and dates as such, formulas never."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.domain.account import admin_lists
from app.domain.clients import tasks
from app.domain.clients.filters import ClientFilter
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from app.domain.excel import export_schemas, exporting
from app.domain.excel.export_fields import STANDARD_FIELDS
from tests.factories import make_client, make_user


def _export(db, actor, schema_id, flt=None):
    out = io.BytesIO()
    seen = []
    with db.read() as session:
        count = exporting.export_clients(
            session,
            actor=actor,
            schema_id=schema_id,
            flt=flt or ClientFilter(),
            target=out,
            progress=lambda done, total: seen.append((done, total)),
        )
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    return count, sheet, seen


def _schema(db, admin, fields, name='Тест'):
    with db.write() as session:
        return export_schemas.add_export_schema(session, actor=admin, name=name, fields=fields)


@pytest.fixture
def admin(db):
    return make_user(db, 'admin', role='admin', name='Админ')


def test_there_are_more_than_thirty_standard_fields_each_with_a_russian_and_english_name():
    assert len(STANDARD_FIELDS) >= 30
    for field in STANDARD_FIELDS:
        assert field.label('ru') != f'export.field.{field.key}'
        assert field.label('en') != field.label('ru') or field.key in ('email',)


def test_a_schema_exports_its_columns_in_order_with_real_numbers_dates_and_a_frozen_bold_header(db, admin):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    client = make_client(db, anna, name='Пётр Иванов', phone='+79171234578', situation='Ищет двушку')
    with db.write() as session:
        tasks.add_task(
            session, actor=anna, client_id=client.id, title='Перезвонить', due_at=datetime.now(UTC) - timedelta(hours=1)
        )
    schema_id = _schema(db, admin, ['name', 'phone', 'created_at', 'open_tasks', 'overdue', 'next_task', 'responsible'])

    count, sheet, progress = _export(db, admin, schema_id)

    assert count == 1
    header = [c.value for c in sheet[1]]
    assert header == [
        'ФИО',
        'Телефон',
        'Дата создания',
        'Открытых задач',
        'Есть просроченная задача',
        'Ближайшая задача',
        'Ответственный',
    ]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == 'A2'
    row = [c.value for c in sheet[2]]
    assert row[0:2] == ['Пётр Иванов', '+79171234578']
    assert isinstance(row[2], datetime)
    assert row[3] == 1 and row[4] == 'Да' and row[5] == 'Перезвонить' and row[6] == 'Анна Смирнова'
    assert sheet.column_dimensions['A'].width > 10
    assert progress[-1] == (1, 1)


def test_a_value_that_looks_like_a_formula_is_written_as_text(db, admin):
    anna = make_user(db, 'anna')
    make_client(db, anna, name='=HYPERLINK("http://evil","click")', phone='+79171234578', situation='+7 звонить')
    make_client(db, anna, name='@SUM(A1)', phone='+79171234579', situation='-1')
    schema_id = _schema(db, admin, ['name', 'situation'])

    _, sheet, _ = _export(db, admin, schema_id)

    values = {sheet.cell(row, 1).value: sheet.cell(row, 2) for row in (2, 3)}
    assert set(values) == {'=HYPERLINK("http://evil","click")', '@SUM(A1)'}
    for row in (2, 3):
        for col in (1, 2):
            assert sheet.cell(row, col).data_type == 's'


def test_only_clients_the_exporter_may_see_and_the_filter_matches(db, admin):
    anna = make_user(db, 'anna', can_see_others=False, can_export=True)
    boris = make_user(db, 'boris')
    make_client(db, anna, name='Клиент Анны', phone='+79170000001')
    make_client(db, anna, name='Другой клиент Анны', phone='+79170000002')
    make_client(db, boris, name='Клиент Бориса', phone='+79170000003')
    schema_id = _schema(db, admin, ['name'])

    _, sheet, _ = _export(db, anna, schema_id)
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ['Другой клиент Анны', 'Клиент Анны']

    _, sheet, _ = _export(db, admin, schema_id, ClientFilter(search='Другой'))
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ['Другой клиент Анны']


def test_exporting_needs_the_export_switch_and_a_schema(db, admin):
    manager = make_user(db, 'anna', can_export=False)
    schema_id = _schema(db, admin, ['name'])
    with pytest.raises(PermissionDenied), db.read() as session:
        exporting.export_clients(session, actor=manager, schema_id=schema_id, flt=ClientFilter(), target=io.BytesIO())
    with pytest.raises(NotFound), db.read() as session:
        exporting.export_clients(session, actor=admin, schema_id=9999, flt=ClientFilter(), target=io.BytesIO())


def test_every_standard_field_and_custom_fields_export(db, admin):
    anna = make_user(db, 'anna', name='Анна')
    with db.write() as session:
        field_id = admin_lists.add_custom_field(session, actor=admin, name='Бюджет', kind='number')
        flag_id = admin_lists.add_custom_field(session, actor=admin, name='Ипотека', kind='bool')
    client = make_client(db, anna, phone='+79171234578', custom={str(field_id): 8500000, str(flag_id): True})
    keys = [f.key for f in STANDARD_FIELDS] + [f'custom:{field_id}', f'custom:{flag_id}']
    schema_id = _schema(db, admin, keys)

    count, sheet, _ = _export(db, admin, schema_id)

    assert count == 1
    header = [c.value for c in sheet[1]]
    assert header[-2:] == ['Бюджет', 'Ипотека']
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row['№'] == client.id
    assert row['Бюджет'] == 8500000 and row['Ипотека'] == 'Да'
    assert row['Этап'] == 'Не разобрано' and row['Способ создания'] == 'Вручную' and row['Тип источника'] == 'Свой'
    # the hand entry is the client's first request
    assert row['Количество обращений'] == 1 and row['Количество сделок'] == 0


def test_schema_rules(db, admin):
    manager = make_user(db, 'anna', can_export=True)
    with db.write() as session:
        with pytest.raises(PermissionDenied):
            export_schemas.add_export_schema(session, actor=manager, name='Моя', fields=['name'])
        with pytest.raises(InvalidInput):
            export_schemas.add_export_schema(session, actor=admin, name='Пустая', fields=[])
        with pytest.raises(InvalidInput):
            export_schemas.add_export_schema(session, actor=admin, name='Странная', fields=['name', 'nonsense'])
        with pytest.raises(InvalidInput) as taken:
            export_schemas.add_export_schema(session, actor=admin, name='Основная', fields=['name'])
    assert 'уже есть' in taken.value.message('ru')
    with db.read() as session:
        assert [s.name for s in export_schemas.export_schemas(session, actor=manager)] == ['Основная']


def test_the_file_is_a_plain_zip_with_a_valid_sheet_name_and_no_broken_numbers(db, admin):
    import zipfile

    anna = make_user(db, 'anna')
    make_client(db, anna, phone='+79171234578')
    schema_id = _schema(db, admin, ['name'], name='Клиенты "горячие" [март]')
    out = io.BytesIO()
    with db.read() as session:
        exporting.export_clients(session, actor=admin, schema_id=schema_id, flt=ClientFilter(), target=out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
        info = archive.getinfo('xl/worksheets/sheet1.xml')
        assert info.extract_version < 45, 'no zip64 marks on a small entry: Excel calls those damaged'
    assert load_workbook(io.BytesIO(out.getvalue())).sheetnames == ['Клиенты "горячие"  март']
