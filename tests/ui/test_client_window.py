"""The client window as a manager uses it (issue 14): a hand-over asked first and offered back, a comment deleted
after a question, tasks that keep the window on its tab, due in working hours, and set for a colleague by a head."""

from nicegui.testing import User
from sqlmodel import select

from app.domain.clients import clients, feed
from app.domain.models import Client, FeedEntry, FeedKind, Task
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick


async def _open(user: User, login: str, client_id: int) -> None:
    await log_in(user, login)
    user.find(marker=f'card-{client_id}').trigger('open')
    await user.should_see(marker='window-name')


def _responsible(db, client_id: int) -> int:
    with db.read() as session:
        return session.get(Client, client_id).responsible_id


def _tasks(db) -> list[Task]:
    with db.read() as session:
        return list(session.exec(select(Task)))


async def test_a_hand_over_is_asked_first_and_can_be_undone(user: User, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    dmitry = make_user(db, 'dmitry', name='Дмитрий Кузнецов')
    client = make_client(db, anna, name='Передаваемый Клиент')
    await _open(user, 'anna', client.id)

    pick(user, 'field-responsible', dmitry.id)
    await user.should_see('Передать клиента? Новый ответственный — Дмитрий Кузнецов')
    user.find(marker='confirm-cancel').click()
    await user.should_not_see(marker='confirm-text')
    assert _responsible(db, client.id) == anna.id

    pick(user, 'field-responsible', dmitry.id)
    await user.should_see(marker='confirm-ok')
    user.find(marker='confirm-ok').click()
    await user.should_see(marker='window-undo')
    assert _responsible(db, client.id) == dmitry.id
    await user.should_see(marker='window-readonly')  # Анна may no longer act on the client…

    user.find(marker='window-undo').click()  # …but may take it back
    await user.should_see('Передача отменена')
    assert _responsible(db, client.id) == anna.id
    await user.should_not_see(marker='window-undo')
    await user.should_not_see(marker='window-readonly')


async def test_deleting_a_comment_asks_first_and_leaves_a_line(user: User, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    client = make_client(db, anna)
    with db.write() as session:
        comment = feed.add_comment(session, actor=anna, client_id=client.id, text='Лишний комментарий')
    await _open(user, 'anna', client.id)
    user.find(marker=f'comment-delete-{comment.id}').click()
    await user.should_see('Удалить комментарий?')
    user.find(marker='confirm-cancel').click()
    await user.should_see('Лишний комментарий')
    user.find(marker=f'comment-delete-{comment.id}').click()
    user.find(marker='confirm-ok').click()
    await user.should_see('Комментарий удалён автором: Анна Смирнова')
    await user.should_not_see('Лишний комментарий')
    with db.read() as session:
        assert [e.text for e in session.exec(select(FeedEntry)) if e.kind == FeedKind.comment] == []


async def test_a_head_sets_a_task_for_the_manager_and_the_window_stays_on_tasks(user: User, db):
    make_user(db, 'olga', role='head', name='Ольга Петрова')
    anna = make_user(db, 'anna', name='Анна Смирнова')
    client = make_client(db, anna)
    await _open(user, 'olga', client.id)
    user.find(marker='tab-tasks').click()
    with user:
        assignee = next(iter(user.find(marker='task-assignee').elements))
        assert assignee.value == anna.id and 'Ольга Петрова' in assignee.options.values()
        due = next(iter(user.find(marker='task-due').elements)).value
    assert due.endswith(':00') and 9 <= int(due[11:13]) <= 20
    user.find(marker='task-title').type('Перезвонить после показа')
    user.find(marker='task-add').click()
    await eventually(lambda: _tasks(db))
    await user.should_see('Задачи (1)')
    with db.read() as session:
        task = session.exec(select(Task)).one()
        detail = clients.get_client(session, actor=anna, client_id=client.id)
    assert task.assignee_id == anna.id
    assert detail.feed[0].kind == FeedKind.task_created
    with user:  # still on the tasks tab, where the new task is
        assert next(iter(user.find(marker='side-panels').elements)).value == 'tasks'
    pick(user, f'task-done-{task.id}', True)
    await user.should_see('Задачи (0)')
    with user:
        assert next(iter(user.find(marker='side-panels').elements)).value == 'tasks'


async def test_a_manager_sets_tasks_for_himself_only(user: User, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    make_user(db, 'boris', name='Борис Орлов')
    client = make_client(db, anna)
    await _open(user, 'anna', client.id)
    with user:
        assignee = next(iter(user.find(marker='task-assignee').elements))
        assert assignee.options == {anna.id: 'Анна Смирнова'}
