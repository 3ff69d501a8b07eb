"""Each user's view of the board: order of the columns, their own to choose, admins may set anyone's."""

from datetime import timedelta

import pytest

from app.domain.clients import clients, feed, tasks, view_settings
from app.domain.clients.filters import ClientFilter
from app.domain.clients.view_settings import ViewSettings, card_rank
from app.domain.errors import PermissionDenied
from app.domain.events import UserSettingsChanged, bus
from app.domain.models import Client, CreationMethod, utcnow
from tests.factories import make_client, make_user, stages


@pytest.fixture
def column(db):
    """Four clients in «Не разобрано», created a day apart: no task, a future task, an overdue task, a far task."""
    anna = make_user(db, 'anna')
    ids = [make_client(db, anna, name=f'Клиент {n}', phone=f'+7912000000{n}').id for n in range(4)]
    now = utcnow()
    with db.write() as session:
        for age, client_id in enumerate(reversed(ids)):
            session.get(Client, client_id).created_at = now - timedelta(days=age + 1)
        tasks.add_task(session, actor=anna, client_id=ids[1], title='Скоро', due_at=now + timedelta(hours=1))
        tasks.add_task(session, actor=anna, client_id=ids[2], title='Просрочено', due_at=now - timedelta(hours=1))
        tasks.add_task(session, actor=anna, client_id=ids[3], title='Нескоро', due_at=now + timedelta(days=9))
    return anna, ids, stages(db)['Не разобрано'].id


def order(db, actor, stage_id, view: ViewSettings, limit: int = 10, offset: int = 0) -> list[int]:
    with db.read() as session:
        page = clients.board_column(session, actor=actor, stage_id=stage_id, view=view, limit=limit, offset=offset)
    now = utcnow()
    first = stages(db)['Не разобрано'].id
    ranked = sorted(page.items, key=lambda card: card_rank(view, card, now, first))
    assert [c.id for c in ranked] == [c.id for c in page.items], 'live placement must agree with the database'
    return [c.id for c in page.items]


def test_default_order_is_newest_first_with_overdue_on_top(db, column):
    anna, ids, stage = column
    assert order(db, anna, stage, ViewSettings()) == [ids[2], ids[3], ids[1], ids[0]]


def test_oldest_first_without_overdue_pull(db, column):
    anna, ids, stage = column
    assert order(db, anna, stage, ViewSettings(sort='oldest', overdue_first=False)) == ids


def test_clients_with_tasks_first_by_nearest_task(db, column):
    anna, ids, stage = column
    view = ViewSettings(tasks_first=True, overdue_first=False)
    assert order(db, anna, stage, view) == [ids[2], ids[1], ids[3], ids[0]]


def test_nearest_task_sort_puts_clients_without_tasks_last(db, column):
    anna, ids, stage = column
    view = ViewSettings(sort='nearest_task', overdue_first=False)
    assert order(db, anna, stage, view) == [ids[2], ids[1], ids[3], ids[0]]


def test_pages_follow_on_across_the_overdue_segment(db, column):
    anna, ids, stage = column
    view = ViewSettings()
    pages = [order(db, anna, stage, view, limit=1, offset=n) for n in range(4)]
    assert [p[0] for p in pages] == [ids[2], ids[3], ids[1], ids[0]]


def test_settings_are_the_users_own_and_survive(db):
    anna = make_user(db, 'anna')
    with db.write() as session:
        view_settings.save_view_settings(
            session, actor=anna, settings=ViewSettings(sort='oldest', task_display='counter', parts=['tags', 'icons'])
        )
    with db.read() as session:
        saved = view_settings.load_view_settings(session, actor=anna)
    assert saved.sort == 'oldest' and saved.task_display == 'counter'
    assert saved.parts == ['icons', 'tags']  # kept in the card's own order


def test_only_an_admin_may_change_someone_elses_view_and_the_user_hears_of_it(db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session, pytest.raises(PermissionDenied):
        view_settings.save_view_settings(session, actor=boris, user_id=anna.id, settings=ViewSettings(sort='oldest'))
    heard = []
    bus.subscribe(heard.append)
    with db.write() as session:
        view_settings.save_view_settings(session, actor=admin, user_id=anna.id, settings=ViewSettings(sort='oldest'))
    assert heard == [UserSettingsChanged(user_id=anna.id, actor_id=admin.id)]
    with db.read() as session:
        assert view_settings.load_view_settings(session, actor=anna).sort == 'oldest'
        with pytest.raises(PermissionDenied):
            view_settings.load_view_settings(session, actor=boris, user_id=anna.id)


@pytest.mark.parametrize(
    'view',
    [
        ViewSettings(),
        ViewSettings(sort='oldest', overdue_first=False),
        ViewSettings(tasks_first=True),
        ViewSettings(sort='last_activity', tasks_first=True, overdue_first=False),
    ],
)
@pytest.mark.parametrize('own_only', [False, True])
def test_the_board_opens_with_exactly_the_columns_it_pages_through(db, column, view, own_only):
    """The board's first read (every column at once) shows what each column's own read shows."""
    anna, ids, first = column
    boris = make_user(db, 'boris')
    make_client(db, boris, name='Клиент Бориса', phone='+79120000099')
    board = stages(db)
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=ids[3], stage_id=board['Назначение встречи'].id)
    working = [s.id for s in board.values() if s.kind == 'working']
    flt = ClientFilter(own_only=own_only)
    with db.read() as session:
        counts, pages = clients.first_board_pages(session, actor=anna, stage_ids=working, flt=flt, view=view, limit=2)
        assert counts == clients.count_by_stage(session, actor=anna, flt=flt)
        for stage_id in working:
            alone = clients.board_column(session, actor=anna, stage_id=stage_id, flt=flt, view=view, limit=2)
            assert pages[stage_id] == alone
    assert pages[first].total == (3 if own_only else 4)


@pytest.mark.parametrize(
    'view', [ViewSettings(), ViewSettings(sort='oldest'), ViewSettings(sort='nearest_task', tasks_first=True)]
)
def test_fresh_leads_come_first_in_the_first_stage_newest_first_whatever_the_order(db, column, view):
    """Leads of the last day that no one has handled stand above the overdue clients, the newest on top."""
    anna, ids, first = column
    older = make_client(db, anna, name='Вчерашний Лид', phone='+79120000101')
    newer = make_client(db, anna, name='Свежий Лид', phone='+79120000102')
    with db.write() as session:
        session.get(Client, older.id).created_at = utcnow() - timedelta(hours=20)
    assert order(db, anna, first, view)[:2] == [newer.id, older.id]
    assert order(db, anna, first, view, limit=1, offset=1) == [older.id]  # pages follow on past the fresh ones


@pytest.mark.parametrize('action', ['comment', 'task', 'move', 'day_old', 'imported'])
def test_a_lead_stops_being_fresh_once_handled_after_a_day_or_when_imported(db, column, action):
    anna, ids, first = column
    lead = make_client(db, anna, name='Лид', phone='+79120000103')
    board = stages(db)
    with db.write() as session:
        row = session.get(Client, lead.id)
        if action == 'comment':
            feed.add_comment(session, actor=anna, client_id=lead.id, text='Позвонил, не ответил')
        elif action == 'task':
            tasks.add_task(
                session, actor=anna, client_id=lead.id, title='Перезвонить', due_at=utcnow() + timedelta(days=30)
            )
        elif action == 'move':  # moved on and back: handled, even if it is in the first stage again
            clients.move_client(session, actor=anna, client_id=lead.id, stage_id=board['Назначение встречи'].id)
            clients.move_client(session, actor=anna, client_id=lead.id, stage_id=first)
        elif action == 'day_old':
            row.created_at = utcnow() - timedelta(hours=25)
        else:
            row.creation_method = CreationMethod.import_
    shown = order(db, anna, first, ViewSettings(sort='oldest', overdue_first=False))
    assert shown[0] != lead.id


def test_a_fresh_lead_is_first_only_in_the_first_working_stage(db, column):
    anna, ids, first = column
    meeting = stages(db)['Назначение встречи'].id
    lead = make_client(db, anna, name='Лид', phone='+79120000104')
    with db.write() as session:  # put there without a person's move: still unhandled, but not in the first stage
        for client_id in (ids[0], lead.id):
            session.get(Client, client_id).stage_id = meeting
    assert order(db, anna, meeting, ViewSettings(sort='oldest', overdue_first=False)) == [ids[0], lead.id]
