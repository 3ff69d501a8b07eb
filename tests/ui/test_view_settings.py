"""«Настроить вид» on the board: the user's own settings at once, and an admin's for them live."""

from datetime import timedelta

from nicegui import ElementFilter
from nicegui.testing import User

from app.domain.clients import tasks
from app.domain.models import utcnow
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick


def board_classes(user: User) -> list[str]:
    with user:
        board = next(iter(ElementFilter(marker='board-ready')))
        return list(board.parent_slot.parent.classes)


async def test_choosing_the_task_counter_and_hiding_a_part_rerenders_the_board(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna, name='Клиент С Задачами')
    with db.write() as session:
        tasks.add_task(
            session, actor=anna, client_id=client.id, title='Позвонить', due_at=utcnow() - timedelta(hours=1)
        )
        tasks.add_task(session, actor=anna, client_id=client.id, title='Встреча', due_at=utcnow() + timedelta(days=1))
    await log_in(user, 'anna')
    await user.should_see('Позвонить')
    user.find(marker='view-settings').click()
    await user.should_see(marker='view-task-display')
    pick(user, 'view-task-display', 'counter')
    pick(user, 'view-part-situation', False)
    user.find(marker='view-save').click()
    await user.should_see('Задач: 2, просрочено: 1', retries=50)
    await user.should_not_see('Позвонить')
    await eventually(lambda: 'vk-hide-situation' in board_classes(user))


async def test_an_admin_changes_a_users_view_and_their_open_board_follows(create_user, db):
    anna = make_user(db, 'anna')
    make_user(db, 'admin', role='admin')
    client = make_client(db, anna, name='Клиент Анны')
    with db.write() as session:
        tasks.add_task(
            session, actor=anna, client_id=client.id, title='Позвонить', due_at=utcnow() + timedelta(hours=1)
        )
    anna_browser, admin_browser = create_user(), create_user()
    await log_in(anna_browser, 'anna')
    await anna_browser.should_see('Позвонить')
    await log_in(admin_browser, 'admin')
    admin_browser.find(marker='view-settings').click()
    await admin_browser.should_see(marker='view-user')
    pick(admin_browser, 'view-user', anna.id)
    await admin_browser.should_see(marker='view-task-display')
    pick(admin_browser, 'view-task-display', 'hidden')
    admin_browser.find(marker='view-save').click()
    await eventually(lambda: 'vk-hide-tasks' in board_classes(anna_browser))


async def test_a_manager_cannot_pick_another_users_view(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    user.find(marker='view-settings').click()
    await user.should_see(marker='view-sort')
    await user.should_not_see(marker='view-user')
