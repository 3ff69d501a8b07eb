"""The users tab of the settings: an admin adds a colleague, changes rights, deactivates one and hands their
clients over; non-admins get no settings at all."""

from nicegui.testing import User
from sqlmodel import select

from app.domain.account import users
from app.domain.clients.view_settings import load_view_settings
from app.domain.models import Client
from app.domain.models import User as Account
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick


async def open_users(user: User, login: str) -> None:
    await log_in(user, login)
    await user.open('/settings')
    await user.should_see(marker='user-add', retries=100)


def stored(db, login: str) -> Account | None:
    with db.read() as session:
        return session.exec(select(Account).where(Account.login == login)).first()


def responsibles(db) -> set[int]:
    with db.read() as session:
        return set(session.exec(select(Client.responsible_id)))


async def test_admin_adds_a_user_and_changes_their_rights(user: User, db):
    make_user(db, 'root', role='admin')
    await open_users(user, 'root')
    user.find(marker='user-add').click()
    await user.should_see(marker='new-user-login', retries=100)
    pick(user, 'new-user-login', 'boris')
    pick(user, 'new-user-name', 'Борис Колесников')
    pick(user, 'new-user-password', '123')
    user.find(marker='new-user-save').click()
    await user.should_see('не короче 6 символов', retries=100)
    assert stored(db, 'boris') is None
    pick(user, 'new-user-password', 'secret-123')
    user.find(marker='new-user-save').click()
    await eventually(lambda: stored(db, 'boris') is not None)
    boris = stored(db, 'boris')
    assert boris.role == 'manager' and not boris.can_export
    await user.should_see(marker=f'user-{boris.id}', retries=100)
    await user.should_see(marker=f'user-can_export-{boris.id}-off', retries=100)
    user.find(marker=f'user-edit-{boris.id}').click()
    await user.should_see(marker='edit-user-can_export', retries=100)
    pick(user, 'edit-user-can_export', True)
    user.find(marker='edit-user-save').click()
    await eventually(lambda: stored(db, 'boris').can_export)
    await user.should_see(marker=f'user-can_export-{boris.id}-on', retries=100)


async def test_admin_deactivates_a_user_and_hands_their_clients_over(user: User, db):
    make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Колесников')
    make_client(db, anna, phone='+79120000001')
    make_client(db, anna, name='Петров Пётр', phone='+79120000002')
    with db.write() as session:
        key = users.open_session(session, actor=anna, hours=8)
    await open_users(user, 'root')
    await user.should_see(marker=f'user-clients-{anna.id}', retries=100)
    user.find(marker=f'user-deactivate-{anna.id}').click()
    await user.should_see(marker='handover-target', retries=100)
    await user.should_see('Передать коллеге: 2 клиента', retries=100)
    assert not stored(db, 'anna').active
    with db.read() as session:
        assert users.actor_for_session(session, key) is None
    pick(user, 'handover-target', boris.id)
    user.find(marker='handover-ok').click()
    await eventually(lambda: responsibles(db) == {boris.id})
    await user.should_see(marker=f'user-inactive-{anna.id}', retries=100)
    await user.should_not_see(marker=f'user-handover-{anna.id}', retries=100)


async def test_a_manager_opening_settings_sees_no_users(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden')
    await user.should_not_see(marker='user-add')


async def test_an_admin_opens_a_users_view_settings_from_the_users_list(user: User, db):
    admin = make_user(db, 'chief', role='admin')
    anna = make_user(db, 'anna_view')
    await log_in(user, 'chief')
    await user.open('/settings')
    await user.should_see(marker=f'user-view-{anna.id}', retries=100)
    user.find(marker=f'user-view-{anna.id}').click()
    await user.should_see(marker='view-sort')
    pick(user, 'view-sort', 'oldest')
    user.find(marker='view-save').click()
    await user.should_not_see(marker='view-sort', retries=50)
    with db.read() as session:
        assert load_view_settings(session, actor=admin, user_id=anna.id).sort == 'oldest'
