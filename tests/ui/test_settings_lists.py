"""The reference lists tab of /settings, and custom client fields in the client window."""

from nicegui.testing import User
from sqlmodel import select

from app.domain.account import admin_lists, reference
from app.domain.models import Client, CustomField, Project, Tag
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick


async def open_lists(user: User) -> None:
    await user.open('/settings')
    user.find(marker='settings-tab-lists').click()
    await user.should_see(marker='lists-tags')


def rows(db, model) -> list:
    with db.read() as session:
        return list(session.exec(select(model)))


async def test_admin_adds_a_tag_a_project_and_a_custom_field_in_settings(user: User, db):
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_lists(user)
    user.find(marker='tag-new-name').type('VIP')
    user.find(marker='tag-add').click()
    await eventually(lambda: [t.name for t in rows(db, Tag)] == ['VIP'])
    await user.should_see(marker=f'tag-name-{rows(db, Tag)[0].id}', retries=100)
    user.find(marker='project-new-name').type('Северный квартал')
    user.find(marker='project-new-abbr').type('СК')
    user.find(marker='project-add').click()
    await eventually(lambda: [(p.name, p.abbreviation) for p in rows(db, Project)] == [('Северный квартал', 'СК')])
    await user.should_see(marker=f'project-name-{rows(db, Project)[0].id}', retries=100)
    user.find(marker='field-new-name').type('Бюджет')
    pick(user, 'field-new-kind', 'number')
    user.find(marker='field-add').click()
    await eventually(lambda: [(f.name, f.kind) for f in rows(db, CustomField)] == [('Бюджет', 'number')])


async def test_a_project_without_abbreviation_is_refused_on_the_page(user: User, db):
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_lists(user)
    user.find(marker='project-new-name').type('Северный квартал')
    user.find(marker='project-add').click()
    await user.should_see('Укажите аббревиатуру проекта')
    assert rows(db, Project) == []


async def test_removing_the_last_channel_is_refused_with_a_message(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        channels = reference.channels(session)
        for channel in channels[:-1]:
            admin_lists.remove_channel(session, actor=admin, channel_id=channel.id)
    last = channels[-1]
    await log_in(user, 'admin')
    await open_lists(user)
    user.find(marker=f'channel-remove-{last.id}').click()
    await user.should_see('последний активный канал')
    with db.read() as session:
        assert [c.id for c in reference.channels(session) if c.active] == [last.id]


async def test_a_manager_does_not_get_the_lists(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden')
    await user.should_not_see(marker='lists-tags')


async def test_a_custom_field_shows_in_the_client_window_and_its_value_is_saved(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    with db.write() as session:
        budget = admin_lists.add_custom_field(session, actor=admin, name='Бюджет', kind='number')
        rooms = admin_lists.add_custom_field(session, actor=admin, name='Комнат', kind='list', options=['1', '2', '3'])
    client = make_client(db, anna, name='Клиент С Полями')
    await log_in(user, 'anna')
    user.find(marker=f'card-{client.id}').trigger('open')
    await user.should_see(marker=f'custom-{budget}')
    await user.should_see('Бюджет')
    pick(user, f'custom-{budget}', 5000000)
    pick(user, f'custom-{rooms}', '2')
    user.find(marker='window-save').click()
    await user.should_see('Сохранено')
    with db.read() as session:
        assert session.get(Client, client.id).custom == {str(budget): 5000000, str(rooms): '2'}
