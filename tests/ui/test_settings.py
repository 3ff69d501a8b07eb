"""The settings page: admins only; tokens; an admin's change reaches everyone's open pages."""

from nicegui import ElementFilter
from nicegui.testing import User

from app.domain.account import audit
from tests.factories import make_user
from tests.ui.test_board import log_in, pick


async def open_settings(user: User) -> None:
    await user.open('/settings')
    await user.should_see(marker='settings-tab-tokens', retries=100)


async def test_a_manager_gets_no_settings(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.should_not_see(marker='nav.settings')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden')


async def test_an_admin_creates_a_token_sees_it_once_and_it_is_audited(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await user.should_see(marker='nav.settings')
    await open_settings(user)
    pick(user, 'settings-tabs', 'tokens')
    await user.should_see(marker='token-label', retries=100)  # the areas are built one after another
    pick(user, 'token-label', 'Сайт компании')
    user.find(marker='token-create').click()
    await user.should_see(marker='token-value')
    with user:
        assert next(iter(ElementFilter(marker='token-value'))).content.startswith('vk_')
    with db.read() as session:
        assert audit.audit_log(session, actor=admin)[0].details == {'label': 'Сайт компании'}
    await user.should_see('Сайт компании', retries=50)


async def test_the_audit_log_reads_as_sentences(user: User, db):
    from app.domain.account import users

    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        users.create_my_token(session, actor=admin, label='Сайт')
    await log_in(user, 'admin')
    await open_settings(user)
    await user.should_see(marker='audit-table', retries=100)
    with user:
        [table] = list(ElementFilter(marker='audit-table'))
        assert [row['what'] for row in table.rows] == ['Выпущен токен API «Сайт»']
