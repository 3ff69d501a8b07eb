"""The audit log reads as sentences in the reader's language, never as raw keys."""

import re

from app.domain.account import admin_stages, admin_users, audit
from app.domain.clients import view_settings
from app.domain.clients.view_settings import ViewSettings
from app.domain.excel import export_schemas
from tests.factories import make_user, stages

RAW = re.compile(r'[a-z]+_[a-z_]+|\b(True|False)\b| · \w+: ')


def _log(db, admin, locale: str) -> list[str]:
    with db.read() as session:
        return [audit.describe(e, locale) for e in audit.audit_log(session, actor=admin)]


def test_a_forbidden_transition_reads_as_a_sentence(db):
    admin = make_user(db, 'admin', role='admin')
    ids = stages(db)
    names = list(ids)
    with db.write() as session:
        admin_stages.set_transition(
            session, actor=admin, from_stage_id=ids[names[0]].id, to_stage_id=ids[names[2]].id, allowed=False
        )
    assert _log(db, admin, 'ru') == [f'Запрещён переход из этапа «{names[0]}» в этап «{names[2]}»']
    assert _log(db, admin, 'en') == [f'Move from “{names[0]}” to “{names[2]}” forbidden']


def test_a_changed_user_reads_with_the_switch_names_and_on_off(db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'manager1', name='Анна Морозова')
    with db.write() as session:
        admin_users.update_user(session, actor=admin, user_id=anna.id, switches={'can_export': True}, role='head')
    [ru] = _log(db, admin, 'ru')
    assert ru.startswith('Пользователь manager1: ')
    assert 'роль — Руководитель' in ru and 'экспорт — включено' in ru
    assert not RAW.search(ru), ru
    [en] = _log(db, admin, 'en')
    assert 'Role: Head of sales' in en and 'Export: on' in en


def test_counts_in_entries_take_the_plural_form(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        export_schemas.add_export_schema(session, actor=admin, name='Короткая', fields=['name', 'phone'])
    assert _log(db, admin, 'ru') == ['Добавлена схема экспорта «Короткая» (2 поля)']
    assert _log(db, admin, 'en') == ['Export schema “Короткая” added (2 fields)']


def test_every_written_action_has_its_sentence(db):
    """Each action the domain writes has a text: a new one without its sentence fails here, not in the log."""
    from pathlib import Path

    from app.i18n import TEXTS

    written = set()
    for path in Path('app/domain').rglob('*.py'):
        source = path.read_text()
        for call in re.finditer(r'(?:record_change|write_entry)\(\s*session,\s*actor,\s*\w+,\s*(.+?),', source, re.S):
            written.update(re.findall(r"'([a-z_ ]+)'", call.group(1)))
    written.update(re.findall(r"'(\w+_transition)'", Path('app/domain/account/admin_stages.py').read_text()))
    assert len(written) > 30
    assert {a for a in written if f'audit.{a.replace(" ", "_")}' not in TEXTS} == set()


def test_an_admin_changing_someone_elses_view_is_logged_and_their_own_is_not(db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'manager1')
    with db.write() as session:
        view_settings.save_view_settings(session, actor=admin, settings=ViewSettings(sort='oldest'))
        view_settings.save_view_settings(
            session, actor=admin, user_id=anna.id, settings=ViewSettings(sort='oldest', parts=['project', 'tags'])
        )
        view_settings.save_view_settings(session, actor=anna, settings=ViewSettings(sort='newest'))
    with db.read() as session:
        [entry] = audit.audit_log(session, actor=admin)
    assert entry.area == 'users'
    assert audit.describe(entry, 'ru') == (
        'Вид доски пользователя manager1: сортировка — Сначала старые; что показывать на карточке — Проект, Метки'
    )
    assert audit.describe(entry, 'en') == 'Board view of manager1: Sort: Oldest first; Card parts: Project, Tags'
