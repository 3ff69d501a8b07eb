"""Turning client rows into read models with a fixed number of queries, whatever the page size."""

from collections.abc import Iterable, Sequence

from sqlalchemy import func
from sqlmodel import select

from app.i18n import translate

from ..attribution import Attribution
from ..models import (
    Agency,
    Call,
    Channel,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    Deal,
    Document,
    FeedEntry,
    Project,
    Realtor,
    Request,
    Tag,
    Task,
    User,
    utcnow,
)
from ..permissions import Actor, can_act_on_client
from ..views import (
    CallView,
    ClientCard,
    ClientDetail,
    DealView,
    FeedEntryView,
    PhoneView,
    ReasonView,
    RefView,
    RequestView,
    TaskView,
    UserView,
)
from .speed_to_lead import waiting_of


def _by_id(session, model, ids: Iterable[int | None]) -> dict:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(wanted)))}


def user_view(user: User) -> UserView:
    return UserView(id=user.id, login=user.login, name=user.name, role=user.role, active=user.active)


def _ref(row, *, abbreviation: str = '', color: str = '') -> RefView | None:
    if row is None:
        return None
    return RefView(id=row.id, name=row.name, abbreviation=abbreviation, color=color)


def task_view(task: Task, users: dict[int, User]) -> TaskView:
    assignee = users.get(task.assignee_id)
    return TaskView(
        id=task.id,
        client_id=task.client_id,
        title=task.title,
        type=task.type,
        due_at=task.due_at,
        assignee_id=task.assignee_id,
        assignee_name=assignee.name if assignee else '',
        done=task.done,
        done_at=task.done_at,
        overdue=not task.done and task.due_at < utcnow(),
    )


def feed_entry_view(entry: FeedEntry, users: dict[int, User], locale: str = 'ru') -> FeedEntryView:
    author = users.get(entry.author_id)
    rule = (entry.data or {}).get('rule')
    return FeedEntryView(
        id=entry.id,
        kind=entry.kind,
        author_id=entry.author_id,
        author_name=author.name if author else translate('automation.actor', locale, rule=rule['name']) if rule else '',
        created_at=entry.created_at,
        text=entry.text,
        data=dict(entry.data or {}),
        edited_at=entry.edited_at,
    )


def _rows_by_id(session, columns, ids: Iterable[int | None]) -> dict:
    """Plain rows by id for the given columns (the first is the id): no ORM objects, it is the hot path."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row[0]: row for row in session.execute(select(*columns).where(columns[0].in_(wanted)))}


def build_cards(session, actor: Actor, clients: Sequence[Client]) -> list[ClientCard]:
    """Cards for a page of clients: a fixed number of batched queries, none per card. The read models are
    built with model_construct from trusted database rows: validating them again cost more than the SQL."""
    ids = [c.id for c in clients]
    if not ids:
        return []
    phones: dict[int, list[PhoneView]] = {}
    for client_id, number, extension in session.execute(
        select(ClientPhone.client_id, ClientPhone.number, ClientPhone.extension)
        .where(ClientPhone.client_id.in_(ids))
        .order_by(ClientPhone.position, ClientPhone.id)
    ):
        phones.setdefault(client_id, []).append(PhoneView.model_construct(number=number, extension=extension))
    tags: dict[int, list[RefView]] = {}
    for client_id, tag_id, name, color in session.execute(
        select(ClientTag.client_id, Tag.id, Tag.name, Tag.color)
        .join(Tag, Tag.id == ClientTag.tag_id)
        .where(ClientTag.client_id.in_(ids))
        .order_by(Tag.name)
    ):
        tags.setdefault(client_id, []).append(
            RefView.model_construct(id=tag_id, name=name, abbreviation='', color=color)
        )
    open_tasks = session.execute(
        select(Task.id, Task.client_id, Task.title, Task.type, Task.due_at, Task.assignee_id)
        .where(Task.client_id.in_(ids), Task.done == False)  # noqa: E712
        .order_by(Task.due_at)
    ).all()
    user_rows = _rows_by_id(
        session,
        (User.id, User.login, User.name, User.role, User.active),
        [c.responsible_id for c in clients] + [c.creator_id for c in clients] + [t.assignee_id for t in open_tasks],
    )
    users = {
        uid: UserView.model_construct(id=uid, login=login, name=name, role=role, active=active)
        for uid, login, name, role, active in user_rows.values()
    }

    def refs(columns, key) -> dict[int, RefView]:
        rows = _rows_by_id(session, columns, [getattr(c, key) for c in clients])
        return {
            row[0]: RefView.model_construct(
                id=row[0], name=row[1], abbreviation=row[2] if len(row) > 2 else '', color=''
            )
            for row in rows.values()
        }

    documents = dict(
        session.execute(
            select(Document.client_id, func.count(Document.id))
            .where(Document.client_id.in_(ids))
            .group_by(Document.client_id)
        ).all()
    )
    projects = refs((Project.id, Project.name, Project.abbreviation), 'project_id')
    channels = refs((Channel.id, Channel.name), 'channel_id')
    agencies = refs((Agency.id, Agency.name), 'agency_id')
    realtors = refs((Realtor.id, Realtor.name), 'realtor_id')
    now = utcnow()
    waiting = waiting_of(session, ids, now)
    tasks: dict[int, list[TaskView]] = {}
    for task_id, client_id, title, task_type, due_at, assignee_id in open_tasks:
        assignee = users.get(assignee_id)
        tasks.setdefault(client_id, []).append(
            TaskView.model_construct(
                id=task_id,
                client_id=client_id,
                title=title,
                type=task_type,
                due_at=due_at,
                assignee_id=assignee_id,
                assignee_name=assignee.name if assignee else '',
                done=False,
                done_at=None,
                overdue=due_at < now,
                client_name='',
            )
        )
    return [
        ClientCard.model_construct(
            id=client.id,
            name=client.name,
            phones=phones.get(client.id, []),
            email=client.email,
            stage_id=client.stage_id,
            closing_reason_id=client.closing_reason_id,
            project=projects.get(client.project_id),
            channel=channels.get(client.channel_id),
            agency=agencies.get(client.agency_id),
            realtor=realtors.get(client.realtor_id),
            situation=client.situation,
            tags=tags.get(client.id, []),
            responsible=users[client.responsible_id],
            creator=users.get(client.creator_id),
            creation_method=client.creation_method,
            touch_type=client.touch_type,
            created_at=client.created_at,
            last_activity_at=client.last_activity_at,
            handled_at=client.handled_at,
            open_tasks=tasks.get(client.id, []),
            version=client.version,
            can_act=can_act_on_client(actor, client),
            documents=documents.get(client.id, 0),
            waiting=waiting.get(client.id),
        )
        for client in clients
    ]


def build_detail(session, actor: Actor, client: Client) -> ClientDetail:
    """The whole client: card fields plus feed, all tasks, requests and deals."""
    card = build_cards(session, actor, [client])[0]
    feed = list(
        session.exec(
            select(FeedEntry)
            .where(FeedEntry.client_id == client.id)
            .order_by(FeedEntry.created_at.desc(), FeedEntry.id.desc())
        )
    )
    tasks = list(session.exec(select(Task).where(Task.client_id == client.id).order_by(Task.done, Task.due_at)))
    requests = list(
        session.exec(select(Request).where(Request.client_id == client.id).order_by(Request.created_at.desc()))
    )
    deals = list(session.exec(select(Deal).where(Deal.client_id == client.id).order_by(Deal.created_at.desc())))
    calls = list(
        session.exec(select(Call).where(Call.client_id == client.id).order_by(Call.started_at.desc(), Call.id.desc()))
    )
    users = _by_id(
        session, User, [e.author_id for e in feed] + [t.assignee_id for t in tasks] + [c.user_id for c in calls]
    )
    projects = _by_id(session, Project, [r.project_id for r in requests] + [d.project_id for d in deals])
    channels = _by_id(session, Channel, [r.channel_id for r in requests])
    reason = session.get(ClosingReason, client.closing_reason_id) if client.closing_reason_id else None

    def project_ref(project_id):
        project = projects.get(project_id)
        return _ref(project, abbreviation=project.abbreviation if project else '')

    return ClientDetail(
        **card.model_dump(),
        custom=dict(client.custom or {}),
        closing_reason=ReasonView(id=reason.id, name=reason.name) if reason else None,
        feed=[feed_entry_view(e, users, actor.locale) for e in feed],
        tasks=[task_view(t, users) for t in tasks],
        requests=[
            RequestView(
                id=r.id,
                channel=_ref(channels.get(r.channel_id)),
                project=project_ref(r.project_id),
                touch_type=r.touch_type,
                source=r.source,
                name=r.name,
                phone=r.phone,
                comment=r.comment,
                created_at=r.created_at,
                attribution=Attribution.of(r),
            )
            for r in requests
        ],
        deals=[
            DealView(
                id=d.id,
                client_id=d.client_id,
                project=project_ref(d.project_id),
                unit=d.unit,
                unit_id=d.unit_id,
                amount=d.amount,
                stage_id=d.stage_id,
                responsible_id=d.responsible_id,
                created_at=d.created_at,
            )
            for d in deals
        ],
        calls=[call_view(c, users) for c in calls],
    )


def call_view(call: Call, users: dict[int, User]) -> CallView:
    user = users.get(call.user_id)
    return CallView(
        id=call.id,
        direction=call.direction,
        phone=call.phone,
        started_at=call.started_at,
        duration_s=call.duration_s,
        user_name=user.name if user else '',
        manager=call.manager,
        recording_url=call.recording_url,
    )
