"""Tasks on clients: add, complete, count open and overdue, find the ones falling due."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, update
from sqlalchemy.orm import aliased
from sqlmodel import select

from ..account_time import ACCOUNT_TZ, in_account_zone
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..events import ClientFact, note_fact
from ..limits import TASK_TITLE_MAX, check_moment, check_text
from ..models import Client, FeedKind, Task, TaskType, User, as_utc, utcnow
from ..permissions import Actor, acts_on_all_clients, can_see_client, ensure_can_see, restrict_to_visible
from ..views import TaskView
from .cards import _by_id, task_view
from .clients import load_for_change
from .feed import lock_client, touch_client, write_system_entry

WORKDAY_START, WORKDAY_END = 9, 20  # the hours a new task's due time is offered in, on the account's clock


def default_due(now: datetime | None = None) -> datetime:
    """The due time a new task is offered: the next full hour, kept within the working day of the account's
    time zone (after its end the next morning, before its start this morning), so it is never overdue at once."""
    local = in_account_zone(now or utcnow()).replace(tzinfo=None)
    due = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if due.hour < WORKDAY_START:
        due = due.replace(hour=WORKDAY_START)
    elif due > due.replace(hour=WORKDAY_END):
        due = (due + timedelta(days=1)).replace(hour=WORKDAY_START)
    return due.replace(tzinfo=ACCOUNT_TZ)


def refresh_next_due(
    session, *, client_ids: Sequence[int] | None = None, id_from: int | None = None, id_to: int | None = None
) -> None:
    """Recompute clients' earliest open task due time after their tasks changed in bulk (None: no open task).

    One grouped pass over the clients and their open tasks, joined on the client id, rather than a min()
    subquery per client: PostgreSQL may answer that subquery by walking the due-time index until it meets the
    client's task, cheap by its default guess of 200 distinct clients and quadratic in fact on rows it has no
    statistics for yet (the demo's 100,000 clients, in the transaction inserting them, took over 14 minutes).
    A grouping and equality joins stay linear whatever plan is picked. Only the rows that change are written.
    """
    listed = aliased(Client)
    conditions = []
    if client_ids is not None:
        conditions.append(listed.id.in_(list(client_ids)))
    if id_from is not None:
        conditions.append(listed.id.between(id_from, id_to))
    earliest = (
        select(listed.id.label('client_id'), func.min(Task.due_at).label('due_at'))
        .select_from(listed)
        .outerjoin(Task, and_(Task.client_id == listed.id, Task.done == False))  # noqa: E712
        .where(*conditions)
        .group_by(listed.id)
        .subquery()
    )
    session.execute(
        update(Client)
        .where(Client.id == earliest.c.client_id, Client.next_due_at.is_distinct_from(earliest.c.due_at))
        .values(next_due_at=earliest.c.due_at)
        .execution_options(synchronize_session=False)
    )


def add_task(
    session,
    *,
    actor: Actor,
    client_id: int,
    title: str,
    due_at: datetime,
    type: str = TaskType.call,
    assignee_id: int | None = None,
) -> TaskView:
    """Plan something for a client; the assignee defaults to the client's responsible."""
    client = load_for_change(session, actor, client_id)
    title = check_text(title, TASK_TITLE_MAX, 'task.title')
    if not title:
        raise InvalidInput('error.task_title')
    due_at = as_utc(check_moment(due_at))
    if type not in set(TaskType):
        raise InvalidInput('error.unknown_ref', what=f'{type}')
    assignee = session.get(User, assignee_id or client.responsible_id)
    if assignee is None:
        raise InvalidInput('error.unknown_user')
    if not assignee.active:
        raise InvalidInput('error.inactive_user', user=assignee.name)
    if not can_see_client(Actor.of(assignee), client):
        raise InvalidInput('error.assignee_cannot_see', user=assignee.name)
    if assignee_id is not None and assignee.id != actor.id and not acts_on_all_clients(actor):
        raise PermissionDenied('error.task_assignee_self')
    task = plan_task(session, client, actor=actor, title=title, type=type, due_at=due_at, assignee_id=assignee.id)
    return task_view(task, {assignee.id: assignee})


def plan_task(
    session, client: Client, *, actor: Actor | None, title: str, type: str, due_at: datetime, assignee_id: int
) -> Task:
    """Write a checked task with its feed record. Without an actor it is the system's (a missed call's call-back):
    no permission of the reporting integration may stop it, and it does not count as a person handling the lead."""
    actor_id = actor.id if actor else None
    task = Task(
        client_id=client.id,
        title=title,
        type=type,
        due_at=due_at,
        assignee_id=assignee_id,
        created_by_id=actor_id,
    )
    session.add(task)
    if client.next_due_at is None or task.due_at < client.next_due_at:
        client.next_due_at = task.due_at
    write_system_entry(
        session, client, kind=FeedKind.task_created, actor_id=actor_id, key='feed.task_created', title=title
    )
    touch_client(session, client, actor, 'task', task_assignee_ids=(assignee_id,))
    note_fact(session, ClientFact('task_created', client.id, client.stage_id, task_type=type))
    session.flush()
    return task


def complete_task(session, *, actor: Actor, client_id: int, task_id: int) -> TaskView:
    """Mark a task done: its assignee or anyone who may act on the client."""
    task = session.get(Task, task_id)
    if task is None or task.client_id != client_id:
        raise NotFound()
    client = ensure_can_see(actor, lock_client(session, client_id))
    if task.assignee_id != actor.id:
        client = load_for_change(session, actor, client_id)
    if task.done:
        raise InvalidInput('error.task_done')
    task.done = True
    task.done_at = utcnow()
    session.add(task)
    session.flush()
    client.next_due_at = session.exec(
        select(func.min(Task.due_at)).where(Task.client_id == client.id, Task.done == False)  # noqa: E712
    ).one()
    write_system_entry(
        session, client, kind=FeedKind.task_done, actor_id=actor.id, key='feed.task_done', title=task.title
    )
    touch_client(session, client, actor, 'task', task_assignee_ids=(task.assignee_id,))
    note_fact(session, ClientFact('task_done', client.id, client.stage_id, task_type=task.type))
    session.flush()
    return task_view(task, _by_id(session, User, [task.assignee_id]))


def task_counters(session, *, actor: Actor) -> tuple[int, int]:
    """(open, overdue) tasks assigned to the actor, for the header counter."""
    now = utcnow()
    open_count, overdue = session.exec(
        select(func.count(), func.coalesce(func.sum(case((Task.due_at < now, 1), else_=0)), 0)).where(
            Task.assignee_id == actor.id,
            Task.done == False,  # noqa: E712
        )
    ).one()
    return int(open_count), int(overdue)


def my_tasks(session, *, actor: Actor, limit: int = 200) -> list[TaskView]:
    """The actor's open tasks on clients they can see, soonest first."""
    visible = restrict_to_visible(actor, select(Client.id))
    rows = session.exec(
        select(Task, Client.name)
        .join(Client, Client.id == Task.client_id)
        .where(Task.assignee_id == actor.id, Task.done == False, Task.client_id.in_(visible))  # noqa: E712
        .order_by(Task.due_at)
        .limit(limit)
    ).all()
    users = _by_id(session, User, [actor.id])
    return [task_view(task, users).model_copy(update={'client_name': name}) for task, name in rows]


def tasks_falling_due(session, *, since: datetime, until: datetime) -> list[TaskView]:
    """Open tasks whose due time passed in (since, until]: the notifier tells their assignees."""
    rows = session.exec(
        select(Task, Client.name)
        .join(Client, Client.id == Task.client_id)
        .where(Task.done == False, Task.due_at > since, Task.due_at <= until)  # noqa: E712
    ).all()
    users = _by_id(session, User, [task.assignee_id for task, _ in rows])
    return [task_view(task, users).model_copy(update={'client_name': name}) for task, name in rows]
