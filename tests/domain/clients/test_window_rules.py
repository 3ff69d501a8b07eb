"""The client window's rules (issue 14): a hand-over its previous responsible may take back for 10 seconds,
a deleted comment leaving a line in the feed, tasks set for others only by those who may act on others."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.domain.account_time import ACCOUNT_TZ
from app.domain.clients import clients, feed, tasks
from app.domain.deals import deals
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.models import Deal, FeedEntry, FeedKind, Task, utcnow
from tests.factories import make_client, make_user


@pytest.fixture
def handed(db):
    """Anna's client with a task and a deal, handed by Anna to Boris."""
    anna = make_user(db, 'anna', name='Анна')
    boris = make_user(db, 'boris', name='Борис')
    client = make_client(db, anna)
    with db.write() as session:
        tasks.add_task(session, actor=anna, client_id=client.id, title='Позвонить', due_at=utcnow() + timedelta(days=1))
        deals.book_client(session, actor=anna, client_id=client.id, project_id=None, unit='кв. 5', amount=1e6)
        clients.assign_client(session, actor=anna, client_id=client.id, responsible_id=boris.id)
    return anna, boris, client


def _undo(db, actor, client_id):
    with db.write() as session:
        return clients.undo_assignment(session, actor=actor, client_id=client_id)


def test_the_previous_responsible_undoes_a_hand_over_within_10_seconds(db, handed):
    anna, boris, client = handed
    with db.read() as session:
        assert not clients.get_client(session, actor=anna, client_id=client.id).can_act
    detail = _undo(db, anna, client.id)
    assert (detail.responsible.id, detail.can_act) == (anna.id, True)
    with db.read() as session:
        assert {t.assignee_id for t in session.exec(select(Task))} == {anna.id}
        assert {d.responsible_id for d in session.exec(select(Deal))} == {anna.id}
    assert detail.feed[0].text_for('ru') == 'Передача отменена, ответственный: Борис → Анна'
    with pytest.raises(InvalidInput):  # once
        _undo(db, anna, client.id)


def test_no_undo_after_10_seconds(db, handed):
    anna, _, client = handed
    with db.write() as session:
        for entry in session.exec(select(FeedEntry)):
            entry.created_at -= timedelta(seconds=11)
            session.add(entry)
    with pytest.raises(InvalidInput):
        _undo(db, anna, client.id)


def test_no_undo_after_another_change_of_the_client(db, handed):
    anna, boris, client = handed
    with db.write() as session:
        clients.update_client(session, actor=boris, client_id=client.id, changes={'situation': 'Ждёт ипотеку'})
    with pytest.raises(InvalidInput):
        _undo(db, anna, client.id)
    with db.read() as session:
        assert clients.get_client(session, actor=anna, client_id=client.id).responsible.id == boris.id


def test_nobody_else_may_undo_a_hand_over(db, handed):
    _, boris, client = handed
    vera = make_user(db, 'vera')
    for stranger in (boris, vera):
        with pytest.raises(PermissionDenied):
            _undo(db, stranger, client.id)


def test_the_head_who_handed_a_client_over_may_undo_it(db):
    head = make_user(db, 'head', role='head')
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    client = make_client(db, anna)
    with db.write() as session:
        clients.assign_client(session, actor=head, client_id=client.id, responsible_id=boris.id)
    assert _undo(db, head, client.id).responsible.id == anna.id


def test_a_deleted_comment_leaves_a_line_naming_who_deleted_it(db):
    anna = make_user(db, 'anna', name='Анна Петрова')
    client = make_client(db, anna)
    with db.write() as session:
        comment = feed.add_comment(session, actor=anna, client_id=client.id, text='Секретный телефон жены')
    with db.write() as session:
        feed.delete_comment(session, actor=anna, comment_id=comment.id)
    with db.read() as session:
        detail = clients.get_client(session, actor=anna, client_id=client.id)
    line = detail.feed[0]
    assert (line.kind, line.author_id) == (FeedKind.note, anna.id)
    assert line.text_for('ru') == 'Комментарий удалён автором: Анна Петрова'
    assert line.text_for('en') == 'Comment deleted by Анна Петрова'
    assert not any('Секретный' in e.text or 'Секретный' in str(e.data) for e in detail.feed)


def _task(db, actor, client_id, assignee_id):
    with db.write() as session:
        return tasks.add_task(
            session,
            actor=actor,
            client_id=client_id,
            title='Показ',
            due_at=utcnow() + timedelta(hours=3),
            assignee_id=assignee_id,
        )


def test_a_manager_sets_tasks_for_himself_only(db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    client = make_client(db, anna)
    assert _task(db, anna, client.id, anna.id).assignee_id == anna.id
    with pytest.raises(PermissionDenied):
        _task(db, anna, client.id, boris.id)


def test_heads_and_managers_acting_on_others_set_tasks_for_anyone(db):
    head = make_user(db, 'head', role='head')
    senior = make_user(db, 'senior', can_act_on_others=True)
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    assert _task(db, head, client.id, senior.id).assignee_id == senior.id
    assert _task(db, senior, client.id, head.id).assignee_id == head.id


def _at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=ACCOUNT_TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ('now', 'due'),
    [
        (_at(14, 20), (10, 15)),
        (_at(14, 0), (10, 15)),
        (_at(19, 5), (10, 20)),
        (_at(20, 0), (11, 9)),
        (_at(23, 30), (11, 9)),
        (_at(0, 10), (10, 9)),
        (_at(8, 30), (10, 9)),
    ],
)
def test_a_new_task_defaults_to_the_next_full_hour_of_the_working_day(now, due):
    moment = tasks.default_due(now)
    assert (moment.day, moment.hour, moment.minute, moment.utcoffset()) == (*due, 0, timedelta(hours=3))
