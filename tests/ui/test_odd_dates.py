"""A due time at the very end of the calendar, stored before dates were bounded, is shown as stored: the board, the
client window, the deals board and live updates keep working instead of failing on an OverflowError."""

from datetime import UTC, datetime

from nicegui.testing import User
from sqlmodel import select

from app.domain.clients import feed
from app.domain.models import Client, Task
from tests.factories import make_client, make_user
from tests.ui.test_board import log_in
from tests.ui.test_deals import book, open_deals

FAR = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _task_due_far(db, client_id: int, actor_id: int) -> None:
    """What the unbounded API accepted before: a task due 9999-12-31T23:59:59 (the add_task service refuses it now)."""
    with db.write() as session:
        session.add(Task(client_id=client_id, title='Когда-нибудь', due_at=FAR, assignee_id=actor_id))
        session.get(Client, client_id).next_due_at = FAR


async def test_a_deal_whose_client_has_a_year_9999_task_shows_on_the_deals_board(user: User, db):
    anna = make_user(db, 'anna')
    deal_id = book(db, anna, 'Далёкий Клиент', '+79120000001', 5_000_000)
    with db.read() as session:
        client_id = session.exec(select(Client.id)).one()
    _task_due_far(db, client_id, anna.id)
    await open_deals(user, 'anna')
    await user.should_see(marker=f'deal-{deal_id}')
    await user.should_see('31.12.9999 23:59 Когда-нибудь')


async def test_a_client_with_a_year_9999_task_still_shows_opens_and_updates_live(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna, name='Далёкий Клиент')
    _task_due_far(db, client.id, anna.id)
    await log_in(user, 'anna')
    await user.should_see('31.12.9999 23:59 Когда-нибудь')
    user.find(marker=f'card-{client.id}').trigger('open')
    await user.should_see(marker='window-name')
    with db.write() as session:
        feed.add_comment(session, actor=anna, client_id=client.id, text='Живое обновление')
    await user.should_see('Живое обновление')
