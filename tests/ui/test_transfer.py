"""«Экспорт» and «Загрузка из Excel» as users meet them: the button on the clients screens, the schema dialog,
the preview of an upload, the load, and colleagues seeing the imported clients live."""

import io

from nicegui import ui
from nicegui.testing import User
from openpyxl import load_workbook
from sqlmodel import select

import app.pages.screen as screen_module
from app.domain.models import Client
from tests.domain.excel.test_import import xlsx
from tests.factories import make_client, make_user
from tests.ui.test_board import column_of, eventually, log_in


def _newest_export():
    files = sorted(screen_module._EXPORT_DIR.glob('*.xlsx'), key=lambda p: p.stat().st_mtime)
    return files[-1] if files else None


async def test_a_head_exports_the_clients_of_the_current_filter_by_a_schema(user: User, db):
    head = make_user(db, 'olga', role='head')
    anna = make_user(db, 'anna', name='Анна')
    make_client(db, anna, name='Пётр Иванов', phone='+79170000001')
    make_client(db, head, name='Мария Сидорова', phone='+79170000002')
    before = _newest_export()
    await log_in(user, 'olga')

    user.find(marker='export').click()
    await user.should_see(marker='export-schema')
    await user.should_see('ФИО, Телефоны, Email')  # the default schema's fields, so the user knows what comes
    user.find(marker='export-start').click()
    await user.should_see('Выгружено клиентов: 2')

    path = _newest_export()
    assert path is not None and path != before
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ('ФИО', 'Телефоны', 'Email')
    assert sorted(r[0] for r in rows[1:]) == ['Мария Сидорова', 'Пётр Иванов']


async def test_without_the_switches_there_is_neither_export_nor_import(user: User, db):
    make_user(db, 'anna', can_export=False, can_import=False)
    await log_in(user, 'anna')
    await user.should_not_see(marker='export')
    await user.should_not_see(marker='import-link')
    await user.open('/import')
    await user.should_see(marker='import-forbidden')
    await user.should_not_see(marker='import-upload')


async def _upload(user: User, data: bytes, name: str = 'клиенты.xlsx') -> None:
    with user:
        upload = next(iter(user.find(ui.upload).elements))
    await upload.handle_uploads([ui.upload.SmallFileUpload(name, 'application/octet-stream', data)])


async def test_an_upload_is_previewed_row_by_row_then_loaded_and_colleagues_see_it_live(create_user, db):
    make_user(db, 'olga', role='head', name='Ольга')
    make_user(db, 'anna', name='Анна')
    existing = make_client(db, make_user(db, 'boris', name='Борис'), name='Уже в базе', phone='+79170000009')
    importer, colleague = create_user(), create_user()
    await log_in(colleague, 'anna')
    await log_in(importer, 'olga')

    importer.find(marker='import-link').click()
    await importer.should_see(marker='import-upload')
    data = xlsx(
        [
            ['ФИО', 'Телефон', 'Канал', 'Ответственный', 'Лишняя колонка', 'Примечание'],
            ['Сергей Кузнецов', '+7 (917) 555-11-22', 'Сайт', 'anna', 'x', 'Хочет трёшку'],
            ['Повтор', 89170000009, 'Сайт', '', '', 'снова звонил'],
            ['Без телефона', None, 'Сайт', '', '', ''],
        ]
    )
    await _upload(importer, data)

    await importer.should_see('Предпросмотр, строк: 3. Проверьте и нажмите «Загрузить»')
    await importer.should_see('Новых клиентов: 1')
    await importer.should_see('Обращений к существующим: 1')
    await importer.should_see('С ошибками: 1')
    await importer.should_see('Не распознаны и пропущены: Лишняя колонка')
    with db.read() as session:
        assert len(session.exec(select(Client)).all()) == 1, 'the preview writes nothing'

    importer.find(marker='import-load').click()
    await importer.should_see('Загрузка завершена, строк: 3', retries=100)
    with db.read() as session:
        created = session.exec(select(Client).where(Client.name == 'Сергей Кузнецов')).one()
    await eventually(lambda: column_of(colleague, created.id) is not None)
    assert column_of(colleague, existing.id) is not None

    importer.find(marker='import-report').click()
    response = await importer.download.next()
    report = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[3] for r in report[1:]] == ['Новый клиент', 'Обращение к клиенту «Уже в базе»', 'Ошибка — пропущена']


async def test_a_wrong_file_gets_one_clear_message_and_nothing_is_written(user: User, db):
    make_user(db, 'olga', role='head')
    await log_in(user, 'olga')
    await user.open('/import')
    await _upload(user, b'%PDF-1.4 not a table', 'clients.pdf')
    await user.should_see('Это не таблица')
    await _upload(user, xlsx([['Имя', 'Email'], ['Пётр', 'p@example.ru']]))
    await user.should_see('В файле нет столбца «Телефон»')
    with db.read() as session:
        assert session.exec(select(Client)).all() == []


async def test_the_template_downloads_and_reads_back(user: User, db):
    make_user(db, 'olga', role='head')
    await log_in(user, 'olga')
    await user.open('/import')
    user.find(marker='import-template').click()
    response = await user.download.next()
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert header[:3] == ('ФИО', 'Телефон', 'Телефон 2') and 'Примечание 2' in header


async def test_the_untouched_template_uploaded_offers_nothing_to_load(user: User, db):
    make_user(db, 'olga', role='head')
    await log_in(user, 'olga')
    await user.open('/import')
    user.find(marker='import-template').click()
    response = await user.download.next()

    await _upload(user, response.content)

    await user.should_see('Новых клиентов: 0')
    await user.should_not_see('Будут созданы проекты')
    with user:
        load = next(iter(user.find(marker='import-load').elements))
        rows = next(iter(user.find(marker='import-table').elements)).rows
    assert not load.enabled
    assert rows[0]['problems'] == 'Пример из шаблона: эта строка не загружается'
