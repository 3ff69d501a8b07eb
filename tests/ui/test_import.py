"""«Загрузка из Excel» as a team moving in meets it: the file, the mapping of its columns (and of their values),
saved mappings, the preview, the load; refusals in one clear message with nothing written."""

import io

from nicegui import ui
from nicegui.testing import User
from openpyxl import load_workbook
from sqlmodel import select

from app.domain.excel import presets
from app.domain.models import Client, Request, Stage
from tests.domain.excel.test_import import xlsx
from tests.factories import make_client, make_user
from tests.ui.test_board import column_of, eventually, log_in, pick


async def upload(user: User, data: bytes, name: str = 'клиенты.xlsx') -> None:
    with user:
        element = next(iter(user.find(ui.upload).elements))
    await element.handle_uploads([ui.upload.SmallFileUpload(name, 'application/octet-stream', data)])


async def open_import(user: User, login: str = 'olga') -> None:
    await log_in(user, login)
    await user.open('/import')
    await user.should_see(marker='import-upload')


def value(user: User, marker: str):
    with user:
        return next(iter(user.find(marker=marker).elements)).value


def preview_rows(user: User) -> list[dict]:
    with user:
        return next(iter(user.find(marker='import-table').elements)).rows


async def to_preview(user: User) -> None:
    """From the mapping step on to the preview, through the values step when a column holds stages, users…"""
    await user.should_see(marker='import-next', retries=100)
    with user:
        through_values = next(iter(user.find(marker='import-next').elements)).text == 'Далее: значения'
    user.find(marker='import-next').click()
    if through_values:
        await user.should_see(marker='import-values-next', retries=200)
        await eventually(lambda: _enabled(user, 'import-values-next'), tries=200)
        user.find(marker='import-values-next').click()
    await user.should_see('Предпросмотр, строк', retries=200)


def _enabled(user: User, marker: str) -> bool:
    with user:
        return next(iter(user.find(marker=marker).elements)).enabled


async def test_a_column_set_to_another_field_changes_what_the_preview_shows(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    await upload(user, xlsx([['Телефон', 'Клиент', 'Контактное лицо'], ['+79161110001', 'ООО Ромашка', 'Пётр Иванов']]))

    await user.should_see('Столбцов: 3, заголовок в строке 1')
    await user.should_see('ООО Ромашка')  # the samples under each header
    assert [value(user, f'import-field-{i}') for i in range(3)] == ['phone', 'name', 'skip']
    pick(user, 'import-field-1', 'skip')
    pick(user, 'import-field-2', 'name')
    await to_preview(user)

    assert [r['name'] for r in preview_rows(user)] == ['Пётр Иванов']


async def test_stage_values_are_mapped_to_the_stages_of_the_board(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    data = xlsx(
        [
            ['Телефон', 'ФИО', 'Статус'],
            ['+79161110001', 'Пётр', 'Переговоры'],
            ['+79161110002', 'Анна', 'Переговоры'],
            ['+79161110003', 'Иван', 'Не разобрано'],
        ]
    )
    await upload(user, data)
    await user.should_see('Далее: значения')
    user.find(marker='import-next').click()
    await user.should_see(marker='import-values-stage', retries=200)
    with db.read() as session:
        meeting = session.exec(select(Stage).where(Stage.name == 'Назначение встречи')).one()
    assert value(user, 'import-value-stage-Не разобрано') != 'default'  # matched by name
    pick(user, 'import-value-stage-Переговоры', f'existing:{meeting.id}')
    user.find(marker='import-values-next').click()
    await user.should_see('Предпросмотр, строк: 3', retries=200)

    assert {r['name']: r['stage'] for r in preview_rows(user)} == {
        'Пётр': 'Назначение встречи',
        'Анна': 'Назначение встречи',
        'Иван': 'Не разобрано',
    }


async def test_a_saved_mapping_is_used_again_for_the_same_columns(user: User, db):
    olga = make_user(db, 'olga', role='head')
    await open_import(user)
    data = xlsx([['Телефон', 'Клиент', 'Контактное лицо'], ['+79161110001', 'ООО Ромашка', 'Пётр Иванов']])
    await upload(user, data)
    await user.should_see('Столбцов: 3')
    pick(user, 'import-field-1', 'skip')
    pick(user, 'import-field-2', 'name')
    user.find(marker='import-save-preset').click()
    await user.should_see(marker='import-preset-name')
    user.find(marker='import-preset-name').type('Из amoCRM')
    user.find(marker='dialog-ok').click()
    await user.should_see('Шаблон сопоставления «Из amoCRM» сохранён', retries=100)
    with db.read() as session:
        assert [p.name for p in presets.list_import_presets(session, actor=olga)] == ['Из amoCRM']

    user.find(marker='import-other-file').click()
    await user.should_see(marker='import-upload')
    await upload(user, data, 'снова.xlsx')
    await user.should_see('снова.xlsx')
    assert value(user, 'import-preset') == 'Из amoCRM'
    assert [value(user, f'import-field-{i}') for i in range(3)] == ['phone', 'skip', 'name']
    pick(user, 'import-preset', None)  # without the preset: the suggestion again
    await eventually(lambda: value(user, 'import-field-1') == 'name')


async def test_a_csv_read_with_another_delimiter_shows_other_columns(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    data = 'Телефон;Имя;Город\n+79161110001;Пётр, Иванов;Казань\n+79161110002;Анна;Уфа\n'.encode('cp1251')
    await upload(user, data, 'bitrix.csv')

    await user.should_see('Текст CSV')
    await user.should_see('Столбцов: 3')
    assert (value(user, 'import-encoding'), value(user, 'import-delimiter')) == ('cp1251', ';')
    pick(user, 'import-delimiter', ',')
    await user.should_see('Столбцов: 2', retries=100)
    assert value(user, 'import-delimiter') == ','
    pick(user, 'import-delimiter', ';')
    await user.should_see('Столбцов: 3', retries=100)
    await to_preview(user)
    assert [r['name'] for r in preview_rows(user)] == ['Пётр, Иванов', 'Анна']


async def test_a_known_phone_may_fill_the_clients_empty_fields_instead_of_only_adding_a_request(user: User, db):
    olga = make_user(db, 'olga', role='head')
    known = make_client(db, olga, name='Пётр Иванов', phone='+79161110001')
    await open_import(user)
    await upload(user, xlsx([['Телефон', 'ФИО', 'Email'], ['+79161110001', 'Пётр Иванов', 'petr@example.ru']]))
    await user.should_see('Столбцов: 3')
    await user.should_not_see(marker='import-overwrite')
    pick(user, 'import-known-phone', 'fill_empty')
    await user.should_see(marker='import-overwrite')
    await to_preview(user)
    assert preview_rows(user)[0]['effects'] == 'дополнятся поля: Email'

    user.find(marker='import-load').click()
    await user.should_see('Загрузка завершена, строк: 1', retries=100)
    with db.read() as session:
        assert session.get(Client, known.id).email == 'petr@example.ru'


async def test_a_long_preview_is_sent_a_page_at_a_time_and_filters_the_rows_with_problems(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    rows = [[f'+7916111{n:04d}', f'Клиент {n}'] for n in range(120)]
    rows[100][0] = ''  # one row without a phone
    await upload(user, xlsx([['Телефон', 'ФИО'], *rows]))
    await to_preview(user)
    assert [r['number'] for r in preview_rows(user)] == list(range(2, 52))
    with user:
        pagination = next(iter(user.find(marker='import-table').elements)).pagination
    assert pagination['rowsNumber'] == 120

    user.find(marker='import-table').trigger('request', {'pagination': {**pagination, 'page': 3}})
    assert [r['number'] for r in preview_rows(user)] == list(range(102, 122))
    pick(user, 'import-only-problems', True)
    assert [(r['number'], r['problems']) for r in preview_rows(user)] == [(102, 'Нет телефона')]


async def test_a_file_that_is_no_table_gets_one_clear_message_and_nothing_is_written(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    await upload(user, b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + bytes(600), 'old.xls')
    await user.should_see('Это файл Excel старого формата (.xls)', retries=100)
    await user.should_see(marker='import-upload')
    await upload(user, xlsx([['Имя', 'Email'], ['Пётр', 'p@example.ru']]))
    await user.should_see('Столбцов: 2')
    user.find(marker='import-next').click()
    await user.should_see('В файле нет столбца «Телефон»', retries=100)
    await user.should_see(marker='import-next')  # still on the mapping: the user may point at a phone column
    with db.read() as session:
        assert session.exec(select(Client)).all() == []


async def test_an_upload_is_mapped_previewed_then_loaded_and_colleagues_see_it_live(create_user, db):
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
    await upload(importer, data)
    await to_preview(importer)

    await importer.should_see('Предпросмотр, строк: 3. Проверьте и нажмите «Загрузить»')
    await importer.should_see('Новых клиентов: 1')
    await importer.should_see('Обращений к существующим: 1')
    await importer.should_see('С ошибками: 1')
    await importer.should_see('Не загружаются: Лишняя колонка')
    with db.read() as session:
        assert len(session.exec(select(Client)).all()) == 1, 'the preview writes nothing'

    importer.find(marker='import-back').click()  # back to the mapping and on again: nothing is lost
    await importer.should_see(marker='import-next')
    await to_preview(importer)
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


async def test_the_template_downloads_and_reads_back(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    user.find(marker='import-template').click()
    response = await user.download.next()
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert header[:3] == ('ФИО', 'Телефон', 'Телефон 2') and 'Примечание 2' in header


async def test_the_untouched_template_uploaded_offers_nothing_to_load(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    user.find(marker='import-template').click()
    response = await user.download.next()

    await upload(user, response.content)
    await to_preview(user)

    await user.should_see('Новых клиентов: 0')
    await user.should_not_see('Будут созданы проекты')
    with user:
        load = next(iter(user.find(marker='import-load').elements))
    assert not load.enabled
    assert preview_rows(user)[0]['problems'] == 'Пример из шаблона: эта строка не загружается'


async def test_a_column_of_utm_tags_is_mapped_to_the_requests_attribution_and_loaded(user: User, db):
    make_user(db, 'olga', role='head')
    await open_import(user)
    await upload(user, xlsx([['Телефон', 'Откуда', 'UTM Campaign'], ['+79161110001', 'yandex', 'spring_sale']]))

    await user.should_see('spring_sale')
    assert [value(user, f'import-field-{i}') for i in range(3)] == ['phone', 'skip', 'utm_campaign']
    with user:
        options = next(iter(user.find(marker='import-field-1').elements)).options
    assert {options[k] for k in ('utm_source', 'landing_url', 'referrer', 'roistat_visit')} == {
        'utm_source',
        'Посадочная страница',
        'Реферер',
        'Визит Roistat',
    }
    pick(user, 'import-field-1', 'utm_source')
    await to_preview(user)
    user.find(marker='import-load').click()
    await user.should_see('Загрузка завершена, строк: 1', retries=100)
    with db.read() as session:
        request = session.exec(select(Request)).one()
    assert (request.utm_source, request.utm_campaign) == ('yandex', 'spring_sale')
