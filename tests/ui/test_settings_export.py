"""The export schemas tab of /settings: compose, reorder, rename, delete; refusals keep the dialog open."""

import pytest
from nicegui.testing import User

from app.domain.excel import export_schemas
from app.domain.permissions import Actor
from tests.factories import make_user
from tests.ui.test_board import eventually, log_in, pick


async def open_export(user: User) -> None:
    await user.open('/settings')
    await user.should_see(marker='settings-tab-export', retries=100)
    pick(user, 'settings-tabs', 'export')
    await user.should_see(marker='schema-new', retries=100)


def export_schemas_of(db, admin: Actor) -> list:
    with db.read() as session:
        return export_schemas.export_schemas(session, actor=admin)


def schemas(db, admin: Actor) -> dict[str, list[str]]:
    """The saved schemas' fields by name, read through the domain."""
    return {s.name: s.fields for s in export_schemas_of(db, admin)}


def options_left(user: User) -> dict:
    with user:
        return next(iter(user.find(marker='schema-field-choice').elements)).options


async def test_an_admin_composes_a_schema_of_three_fields_in_a_chosen_order(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_export(user)
    user.find(marker='schema-new').click()
    await user.should_see(marker='schema-dialog')
    user.find(marker='schema-name').type('Для рассылки')
    for key in ('phone', 'name', 'stage'):
        pick(user, 'schema-field-choice', key)
    await user.should_see(marker='schema-row-stage')
    assert not {'phone', 'name', 'stage'} & set(options_left(user)), 'a chosen field is not offered again'
    user.find(marker='schema-field-up-name').click()
    user.find(marker='schema-save').click()
    await eventually(lambda: schemas(db, admin).get('Для рассылки') == ['name', 'phone', 'stage'])
    await user.should_see('Схема сохранена', retries=100)
    await user.should_not_see(marker='schema-dialog', retries=100)
    created = next(s for s in export_schemas_of(db, admin) if s.name == 'Для рассылки')
    await user.should_see(marker=f'schema-title-{created.id}', retries=100)
    with user:
        chips = next(iter(user.find(marker=f'schema-fields-{created.id}').elements)).default_slot.children
        assert [chip.text for chip in chips] == ['ФИО', 'Телефон', 'Этап']


async def test_an_admin_reorders_removes_a_field_and_renames_a_schema(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        schema_id = export_schemas.add_export_schema(
            session, actor=admin, name='Для рассылки', fields=['name', 'phone', 'stage']
        )
    await log_in(user, 'admin')
    await open_export(user)
    user.find(marker=f'schema-edit-{schema_id}').click()
    await user.should_see(marker='schema-row-stage')
    assert 'stage' not in options_left(user)
    user.find(marker='schema-field-down-name').click()
    user.find(marker='schema-field-remove-stage').click()
    await user.should_not_see(marker='schema-row-stage')
    assert 'stage' in options_left(user), 'a removed field is offered again'
    user.find(marker='schema-name').clear().type('Телефоны первыми')
    user.find(marker='schema-save').click()
    await eventually(lambda: schemas(db, admin).get('Телефоны первыми') == ['phone', 'name'])
    assert 'Для рассылки' not in schemas(db, admin)


async def test_an_admin_deletes_a_schema_after_confirming(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        schema_id = export_schemas.add_export_schema(session, actor=admin, name='Лишняя', fields=['name'])
    await log_in(user, 'admin')
    await open_export(user)
    await user.should_see(marker=f'schema-{schema_id}')
    user.find(marker=f'schema-delete-{schema_id}').click()
    await user.should_see('Удалить схему «Лишняя»?')
    assert 'Лишняя' in schemas(db, admin), 'nothing is deleted before the confirmation'
    user.find(marker='schema-delete-ok').click()
    await eventually(lambda: 'Лишняя' not in schemas(db, admin))
    await user.should_not_see(marker=f'schema-{schema_id}', retries=100)


async def test_a_duplicate_name_is_refused_in_russian_and_the_dialog_stays_open(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    before = schemas(db, admin)
    assert 'Основная' in before
    await log_in(user, 'admin')
    await open_export(user)
    user.find(marker='schema-new').click()
    user.find(marker='schema-name').type('Основная')
    pick(user, 'schema-field-choice', 'email')
    user.find(marker='schema-save').click()
    await user.should_see('Схема «Основная» уже есть: выберите другое название', retries=100)
    await user.should_see(marker='schema-dialog')
    assert schemas(db, admin) == before


@pytest.mark.parametrize('role', ['manager', 'head'])
async def test_a_manager_or_a_head_does_not_get_the_export_schemas(user: User, db, role: str):
    make_user(db, 'anna', role=role)
    await log_in(user, 'anna')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden')
    await user.should_not_see(marker='settings-tab-export')
    await user.should_not_see(marker='schema-new')
