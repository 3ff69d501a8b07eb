"""«Экспорт» and «Загрузка из Excel» as users meet them: the button on the clients screens, the schema dialog, and
neither without the switches (the import's steps are in tests/ui/test_import.py)."""

from nicegui.testing import User
from openpyxl import load_workbook

import app.pages.screen as screen_module
from tests.factories import make_client, make_user
from tests.ui.test_board import log_in


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
