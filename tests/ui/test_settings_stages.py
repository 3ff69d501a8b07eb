"""Settings → «Этапы и переходы»: an admin edits the clients funnel in the browser."""

from nicegui.testing import User

from app.domain.account.reference import transition_allowed
from tests.factories import make_client, make_user, stages
from tests.ui.test_board import eventually, log_in, pick


async def open_stages(user: User) -> None:
    await user.open('/settings')
    user.find(marker='settings-tab-stages').click()
    await user.should_see(marker='stages-list', retries=100)


async def test_an_admin_renames_a_stage_and_the_name_is_saved(user: User, db):
    make_user(db, 'admin', role='admin')
    stage = stages(db)['Назначение встречи']
    await log_in(user, 'admin')
    await open_stages(user)
    pick(user, f'stage-name-{stage.id}', 'Первая встреча')
    user.find(marker=f'stage-name-{stage.id}').trigger('keydown.enter')
    await eventually(lambda: 'Первая встреча' in stages(db))
    assert stages(db)['Первая встреча'].id == stage.id


async def test_removing_a_stage_with_clients_is_refused_with_the_count(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    make_client(db, admin, phone='+79120000001')
    make_client(db, admin, phone='+79120000002')
    make_client(db, admin, phone='+79120000003')
    stage = stages(db)['Не разобрано']
    await log_in(user, 'admin')
    await open_stages(user)
    user.find(marker=f'stage-remove-{stage.id}').click()
    await user.should_see('На этапе «Не разобрано» клиентов: 3 — сначала перенесите их на другой этап')
    assert 'Не разобрано' in stages(db)


async def test_adding_a_stage_and_unticking_a_transition(user: User, db):
    make_user(db, 'admin', role='admin')
    by_name = stages(db)
    source, target = by_name['Не разобрано'], by_name['Вывод на бронь']
    await log_in(user, 'admin')
    await open_stages(user)
    pick(user, 'stage-new-name', 'Повторный звонок')
    user.find(marker='stage-add').click()
    await eventually(lambda: 'Повторный звонок' in stages(db))
    await user.should_see(marker=f'stage-name-{stages(db)["Повторный звонок"].id}', retries=100)
    pick(user, f'transition-{source.id}-{target.id}', False)
    await user.should_see(marker=f'transition-{source.id}-{target.id}')

    def forbidden() -> bool:
        with db.read() as session:
            return not transition_allowed(session, source.id, target.id)

    await eventually(forbidden)


async def test_a_closing_reason_is_added_and_deactivated(user: User, db):
    make_user(db, 'admin', role='admin')
    trash = stages(db)['Не лид (корзина)']
    await log_in(user, 'admin')
    await open_stages(user)
    pick(user, f'reason-new-{trash.id}', 'Реклама')
    user.find(marker=f'reason-add-{trash.id}').click()
    await eventually(lambda: 'Реклама' in [r.name for r in stages(db)['Не лид (корзина)'].reasons])
    added = next(r for r in stages(db)['Не лид (корзина)'].reasons if r.name == 'Реклама')
    await user.should_see(marker=f'reason-deactivate-{added.id}', retries=100)
    user.find(marker=f'reason-deactivate-{added.id}').click()
    await user.should_see(marker=f'reason-inactive-{added.id}', retries=100)
    assert 'Реклама' not in [r.name for r in stages(db)['Не лид (корзина)'].reasons]


async def test_a_manager_sees_no_stage_settings(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden')
    await user.should_not_see(marker='stages-list')
