"""A team moving in from amoCRM loads its deals export in a real browser: upload, the mapping step with the
suggested fields, the values of the stage and responsible columns, the preview, the load, and the clients on
the table. Screenshots of each step go to VORONKA_SHOTS when set (looked at by hand at 1280x720)."""

import io
import os
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.e2e.conftest import CHROMIUM, logged_in_page, running_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason='Debian chromium is not installed')

# the columns of amoCRM's deals export («Сделки → Экспорт»), in its order, and rows as it writes them
AMO_HEADERS = [
    'ID',
    'Название сделки',
    'Бюджет',
    'Ответственный',
    'Дата создания',
    'Этап сделки',
    'Воронка',
    'Теги сделки',
    'Полное имя (контакт)',
    'Рабочий телефон (контакт)',
    'Мобильный телефон (контакт)',
    'Рабочий email (контакт)',
    'Компания (контакт)',
    'Примечание',
]
AMO_ROWS = [
    [
        101,
        'Сделка #101',
        '7 500 000',
        'Дмитрий Кузнецов',
        '15.01.2025 12:30:00',
        'Первичный контакт',
        'Воронка',
        'Ипотека, Горячий',
        'Пётр Амосов',
        "'+7 916 201-11-02",
        '8 916 201-11-12',
        'petr@example.ru',
        'ООО Ромашка',
        'Звонил вечером',
    ],
    [
        102,
        'Сделка #102',
        '',
        'Анна Морозова',
        '16.01.2025 09:00:00',
        'Переговоры',
        'Воронка',
        '',
        'Мария Кольцова',
        '',
        '+7 (903) 555-22-33',
        '',
        '',
        '',
    ],
]


def amocrm_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(AMO_HEADERS)
    for row in AMO_ROWS:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shot(page, name: str) -> None:
    folder = os.environ.get('VORONKA_SHOTS')
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f'{name}.png'))


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp('import')) as (url, _):
        yield url


def test_an_amocrm_export_walks_upload_mapping_values_preview_load_and_lands_on_the_table(server, browser, tmp_path):
    page = logged_in_page(browser, server, 'head', viewport=(1280, 720))
    page.goto(server + '/import')
    page.wait_for_selector('.vk-upload')
    shot(page, '1-upload')
    path = tmp_path / 'amocrm_export.xlsx'
    path.write_bytes(amocrm_xlsx())
    page.locator('.vk-upload input[type=file]').set_input_files(str(path))

    page.wait_for_selector('text=Столбцов: 14', timeout=20000)
    shot(page, '2-mapping')
    page.get_by_text('Далее: значения').click()
    page.wait_for_selector('text=Что станет каждым значением из файла', timeout=20000)
    shot(page, '3-values')
    page.get_by_text('К предпросмотру').click()
    page.wait_for_selector('text=Предпросмотр, строк: 2', timeout=20000)
    page.wait_for_selector('text=Новых клиентов: 2')
    shot(page, '4-preview')
    page.get_by_role('button', name='Загрузить').click()
    page.wait_for_selector('text=Загрузка завершена, строк: 2', timeout=30000)
    shot(page, '5-loaded')

    page.goto(server + '/table')
    page.wait_for_selector('text=Пётр Амосов', timeout=20000)
    page.wait_for_selector('text=Мария Кольцова')
    page.wait_for_selector('text=+79162011102, +79162011112')  # both phones of the row, the apostrophe dropped
    page.wait_for_selector('text=Дмитрий Кузнецов')  # the responsible by full name
    shot(page, '6-table')
    page.context.close()
