"""Client services: create without duplicates, edit, move through stages, reassign, list and read."""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, bindparam, delete, func, insert, not_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.i18n import translate

from ..account.admin_lists import clean_custom_values
from ..account.reference import ensure_exists, first_working_stage, required_reason, resolve_channel, transition_allowed
from ..attribution import check_attribution
from ..errors import DuplicatePhone, InvalidInput, PermissionDenied, StaleUpdate
from ..events import ClientChanged, ClientFact, RequestReceived, note_fact, queue_event
from ..limits import EMAIL_MAX, NAME_MAX, SITUATION_MAX, check_phone_count, check_text
from ..models import (
    Agency,
    Board,
    Channel,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    CreationMethod,
    CustomField,
    Deal,
    FeedEntry,
    FeedKind,
    Project,
    Realtor,
    Request,
    Stage,
    StageKind,
    Tag,
    Task,
    TouchType,
    User,
    as_utc,
    utcnow,
)
from ..permissions import Actor, acts_on_all_clients, can_see_client, ensure_active, ensure_can_act, ensure_can_see
from ..phones import Phone, normalize_phone
from ..text import fold
from ..views import ClientCard, ClientDetail, ClientPage
from .cards import build_cards, build_detail
from .feed import by_rule, lock_client, touch_client, write_fields_entry, write_system_entry
from .filters import ClientFilter, filtered_query
from .history import record_arrival, record_arrivals
from .view_settings import FRESH_FOR, ViewSettings

EDITABLE_FIELDS = ('name', 'email', 'project_id', 'channel_id', 'agency_id', 'realtor_id', 'situation', 'custom')
# the client's own texts: (limit, one line)
TEXT_FIELDS = {'name': (NAME_MAX, True), 'email': (EMAIL_MAX, False), 'situation': (SITUATION_MAX, False)}


def client_text(field: str, value: str | None) -> str:
    """A text field of the client as stored; refused over its limit, so an over-long one is shortened on saving."""
    limit, one_line = TEXT_FIELDS[field]
    text = check_text(value, limit, f'field.{field}', one_line=one_line)
    if field == 'name' and not text:
        raise InvalidInput('error.name_required')
    return text


def normalize_phones(raw_phones: Sequence[str], held: Collection[str] = ()) -> list[Phone]:
    """Normalise a client's phones; at least one, no number twice, no more than the limit unless all of them are
    numbers the client `held` already (one with more from before the limit keeps them, but gets no new one)."""
    texts = [raw for raw in raw_phones if raw and raw.strip()]
    check_phone_count(len(texts), held=len(held))  # before thousands of numbers are parsed
    phones = [normalize_phone(raw) for raw in texts]
    if not phones:
        raise InvalidInput('error.phone_required')
    seen = set()
    for phone in phones:
        if phone.number in seen:
            raise InvalidInput('error.duplicate_phone_in_request', phone=phone.number)
        seen.add(phone.number)
    adding = not seen <= set(held)
    check_phone_count(len(phones), held=0 if adding else len(held))
    return phones


def find_client_by_phone(session, number: str) -> Client | None:
    """The client owning an E.164 number, whoever may see it (used to refuse and to attach, never to show)."""
    return session.exec(select(Client).join(ClientPhone).where(ClientPhone.number == number)).first()


OWNER_OF_NUMBER = select(ClientPhone.client_id).where(ClientPhone.number == bindparam('number'))


def client_id_by_phone(session, number: str) -> int | None:
    """The id of the client owning an E.164 number, or None: the lead path's check, without loading the client."""
    return session.connection().execute(OWNER_OF_NUMBER, {'number': number}).scalar()


def duplicate_error(session, actor: Actor, number: str) -> DuplicatePhone:
    """The refusal for a taken number: names the client only to someone who may see it."""
    existing = find_client_by_phone(session, number)
    responsible = session.get(User, existing.responsible_id) if existing else None
    visible = existing is not None and can_see_client(actor, existing)
    return DuplicatePhone(
        phone=number,
        client_id=existing.id if visible else None,
        client_name=existing.name if visible else '',
        responsible_name=responsible.name if responsible else '',
    )


def _active_user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput('error.unknown_user')
    if not user.active:
        raise InvalidInput('error.inactive_user', user=user.name)
    return user


def _check_refs(session, values: dict) -> None:
    ensure_exists(session, Project, values.get('project_id'), 'field.project_id')
    ensure_exists(session, Agency, values.get('agency_id'), 'field.agency_id')
    realtor = ensure_exists(session, Realtor, values.get('realtor_id'), 'field.realtor_id')
    if realtor is not None and values.get('agency_id') not in (None, realtor.agency_id):
        raise InvalidInput('error.realtor_agency')
    if realtor is not None and values.get('agency_id') is None:
        values['agency_id'] = realtor.agency_id


def _set_tags(session, client_id: int, tag_ids: Sequence[int]) -> None:
    for tag_id in tag_ids:
        ensure_exists(session, Tag, tag_id, 'field.tags')
    current = {link.tag_id: link for link in session.exec(select(ClientTag).where(ClientTag.client_id == client_id))}
    for tag_id, link in current.items():
        if tag_id not in tag_ids:
            session.delete(link)
    for tag_id in dict.fromkeys(tag_ids):
        if tag_id not in current:
            session.add(ClientTag(client_id=client_id, tag_id=tag_id))


CLIENT_INSERT = insert(Client.__table__).returning(Client.__table__.c.id)
PHONE_INSERT = {
    dialect.__name__.rsplit('.', 1)[-1]: dialect.insert(ClientPhone.__table__)
    .on_conflict_do_nothing(index_elements=['number'])
    .returning(ClientPhone.__table__.c.number)
    for dialect in (postgresql, sqlite)
}


class PhoneTaken(Exception):
    """A number of the new client belongs to a client another transaction committed meanwhile."""


def insert_client(
    session,
    *,
    actor: Actor | None,
    name: str,
    phones: list[Phone],
    responsible_id: int,
    channel_id: int,
    creation_method: str,
    touch_type: str,
    created_at: datetime | None = None,
    stage_id: int | None = None,
    **fields,
) -> int:
    """Insert a client, its phones and its first feed entry; returns the new id. A number taken meanwhile
    raises PhoneTaken with nothing written and the caller's transaction usable (the unique constraint is the last
    word on duplicates). `stage_id`: the board's first working stage, when
    the caller has it at hand."""
    name = client_text('name', name)
    when = created_at or utcnow()
    creator = actor.id if actor else None
    stage_id = stage_id or first_working_stage(session).id
    row = {
        'name': name,
        'name_folded': fold(name),
        'email': '',
        'situation': '',
        'project_id': None,
        'agency_id': None,
        'realtor_id': None,
        'custom': {},
        **fields,
        'responsible_id': responsible_id,
        'creator_id': actor.id if actor else None,
        'channel_id': channel_id,
        'creation_method': creation_method,
        'touch_type': touch_type,
        'created_at': when,
        'stage_id': stage_id,
        'stage_changed_at': when,
        'last_activity_at': when,
        'version': 1,
    }
    # Core statements on the table with bound parameters (compiled once per process): a lead is mostly this
    # function, and the ORM's bulk-insert bookkeeping cost more than SQLite itself
    session.flush()  # what the caller left pending goes first
    connection = session.connection()
    client_id = connection.execute(CLIENT_INSERT, row).scalar_one()
    # a number taken meanwhile (by a concurrent transaction that commits) is skipped, not an error: no savepoint,
    # whose two round trips cost a PostgreSQL lead a third of its time
    inserted = connection.execute(
        PHONE_INSERT[connection.dialect.name],
        [
            {'client_id': client_id, 'number': p.number, 'extension': p.extension, 'position': position}
            for position, p in enumerate(phones)
        ],
    ).all()
    if len(inserted) < len(phones):
        connection.execute(delete(ClientPhone.__table__).where(ClientPhone.__table__.c.client_id == client_id))
        connection.execute(delete(Client.__table__).where(Client.__table__.c.id == client_id))
        raise PhoneTaken()
    record_arrivals(
        session,
        [{'client_id': client_id, 'client_created_at': when, 'to_stage_id': stage_id}],
        at=when,
        actor_id=creator,
        first=True,
    )
    session.connection().execute(
        insert(FeedEntry.__table__),
        {
            'client_id': client_id,
            'kind': FeedKind.created,
            'author_id': actor.id if actor else None,
            'created_at': when,
            'text': translate('feed.created', 'ru'),
            'data': {'key': 'feed.created', 'params': {}},
        },
    )
    queue_event(
        session,
        ClientChanged(
            client_id=client_id,
            stage_id=stage_id,
            actor_id=actor.id if actor else None,
            what='created',
            responsible_id=responsible_id,
        ),
    )
    note_fact(session, ClientFact('entered', client_id, stage_id))
    return client_id


def create_client(
    session,
    *,
    actor: Actor,
    name: str,
    phones: Sequence[str],
    email: str = '',
    project_id: int | None = None,
    channel_id: int | None = None,
    agency_id: int | None = None,
    realtor_id: int | None = None,
    situation: str = '',
    tag_ids: Sequence[int] = (),
    responsible_id: int | None = None,
    touch_type: str = TouchType.call,
    custom: dict | None = None,
    attribution: Mapping | None = None,
) -> ClientDetail:
    """Create a client by hand. A taken phone refuses with DuplicatePhone, which leads to the existing client.
    `attribution` (utm tags the manager copied from an ad, say) is kept on the first request."""
    ensure_active(actor)
    marks = check_attribution(attribution)
    name = client_text('name', name)
    normalized = normalize_phones(phones)
    for phone in normalized:
        if find_client_by_phone(session, phone.number) is not None:
            raise duplicate_error(session, actor, phone.number)
    responsible_id = responsible_id or actor.id
    if responsible_id != actor.id and not acts_on_all_clients(actor):
        raise PermissionDenied()
    _active_user(session, responsible_id)
    if touch_type not in (TouchType.request, TouchType.call):
        raise InvalidInput('error.bad_touch_type')
    values = {'project_id': project_id, 'agency_id': agency_id, 'realtor_id': realtor_id}
    _check_refs(session, values)
    channel = resolve_channel(session, channel_id)
    try:
        client_id = insert_client(
            session,
            actor=actor,
            name=name,
            phones=normalized,
            responsible_id=responsible_id,
            channel_id=channel.id,
            creation_method=CreationMethod.manual,
            touch_type=touch_type,
            email=client_text('email', email),
            situation=client_text('situation', situation),
            custom=clean_custom_values(session, custom or {}),
            **values,
        )
    except PhoneTaken:
        # somebody saved the same number between our check and our insert
        for phone in normalized:
            if find_client_by_phone(session, phone.number) is not None:
                raise duplicate_error(session, actor, phone.number) from None
        raise
    _set_tags(session, client_id, list(tag_ids))
    # the contact that made the manager enter the client is a request too: lead reports count every request
    request = Request(
        client_id=client_id,
        channel_id=channel.id,
        project_id=values['project_id'],
        touch_type=touch_type,
        source=CreationMethod.manual,
        name=name,
        phone=normalized[0].number,
        created_by_id=actor.id,
        is_first=True,
        **marks.model_dump(),
    )
    session.add(request)
    session.flush()
    queue_event(session, RequestReceived(client_id=client_id, request_id=request.id, actor_id=actor.id))
    # no «a request arrived» for the rules: the person typing the client in is handling it already (as for the
    # speed-to-lead clock), so the new lead's call task is for the leads nobody has touched
    return build_detail(session, actor, session.get(Client, client_id))


def load_for_change(session, actor: Actor, client_id: int, expected_version: int | None = None) -> Client:
    """The client locked for this transaction, after checking the actor may change it and nobody saved
    it since the actor read it. A stale caller gets the client as it is now: read here, under the lock, it is
    exactly the version that refused the write (a read after the rollback could already show a newer one, or none)."""
    client = ensure_can_see(actor, lock_client(session, client_id))
    responsible = session.get(User, client.responsible_id)
    ensure_can_act(actor, client, responsible.name if responsible else '')
    if expected_version is not None and expected_version != client.version:
        raise StaleUpdate(current=build_detail(session, actor, client))
    return client


def _describe(session, field: str, value) -> str:
    """A field value as a person reads it in the feed."""
    model = {'project_id': Project, 'agency_id': Agency, 'realtor_id': Realtor, 'channel_id': Channel}.get(field)
    if model is not None:
        row = session.get(model, value) if value is not None else None
        return row.name if row else '—'
    if value in (None, ''):
        return '—'
    return str(value)


def _custom_changes(session, old: dict, new: dict) -> list[dict]:
    """Each changed custom field as «name: old → new», in the fields' order."""
    changes = []
    for field in session.exec(select(CustomField).order_by(CustomField.position, CustomField.id)):
        before, after = old.get(str(field.id)), new.get(str(field.id))
        if before != after:
            values = [_custom_value(field, v) for v in (before, after)]
            changes.append({'field': 'custom', 'old': f'{field.name}: {values[0]}', 'new': values[1]})
    return changes


def _custom_value(field: CustomField, value) -> str:
    if value is None:
        return '—'
    if field.kind == 'bool':
        return translate('export.yes' if value else 'export.no', 'ru')
    if field.kind == 'date':
        return datetime.fromisoformat(value).strftime('%d.%m.%Y')
    return str(value)


def update_client(
    session, *, actor: Actor, client_id: int, changes: dict, expected_version: int | None = None
) -> ClientDetail:
    """Edit fields, phones and tags; each changed field goes to the feed as old → new."""
    if 'creator_id' in changes:
        raise InvalidInput('error.creator_immutable')
    client = load_for_change(session, actor, client_id, expected_version)
    unknown = set(changes) - set(EDITABLE_FIELDS) - {'phones', 'tag_ids', 'touch_type'}
    if unknown:
        raise InvalidInput('error.unknown_ref', what=', '.join(sorted(unknown)))
    values = {k: v for k, v in changes.items() if k in EDITABLE_FIELDS}
    for text_field in TEXT_FIELDS.keys() & values.keys():
        values[text_field] = client_text(text_field, values[text_field])
    if 'custom' in values:  # only known custom fields, each converted to its kind (a bad value is refused)
        values['custom'] = clean_custom_values(session, values['custom'])
    if 'channel_id' in values:
        values['channel_id'] = resolve_channel(session, values['channel_id']).id
    refs = {k: values.get(k, getattr(client, k)) for k in ('project_id', 'agency_id', 'realtor_id')}
    _check_refs(session, refs)
    if 'realtor_id' in values or 'agency_id' in values:
        values['agency_id'] = refs['agency_id']
    if 'touch_type' in changes:
        if changes['touch_type'] not in (TouchType.request, TouchType.call):
            raise InvalidInput('error.bad_touch_type')
        values['touch_type'] = changes['touch_type']
    described = []
    for field, new in values.items():
        old = getattr(client, field)
        if old == new:
            continue
        if field == 'custom':
            described += _custom_changes(session, old or {}, new or {})
        else:
            described.append(
                {'field': field, 'old': _describe(session, field, old), 'new': _describe(session, field, new)}
            )
        setattr(client, field, new)
    if 'name' in values:
        client.name_folded = fold(client.name)
    if 'phones' in changes:
        described += _replace_phones(session, actor, client, changes['phones'])
    if 'tag_ids' in changes:
        before = set(session.exec(select(ClientTag.tag_id).where(ClientTag.client_id == client.id)))
        _set_tags(session, client.id, list(changes['tag_ids']))
        after = set(changes['tag_ids'])
        if before != after:
            names = dict(session.exec(select(Tag.id, Tag.name).where(Tag.id.in_(before | after))).all())
            described.append(
                {
                    'field': 'tags',
                    'old': ', '.join(sorted(names[i] for i in before)) or '—',
                    'new': ', '.join(sorted(names[i] for i in after)) or '—',
                }
            )
    if described:
        write_fields_entry(session, client, actor, described)
        touch_client(session, client, actor, 'edited')
    session.flush()
    return build_detail(session, actor, client)


def _replace_phones(session, actor: Actor, client: Client, raw_phones: Sequence[str]) -> list[dict]:
    current = {p.number: p for p in session.exec(select(ClientPhone).where(ClientPhone.client_id == client.id))}
    phones = normalize_phones(raw_phones, held=current)
    for phone in phones:
        owner = find_client_by_phone(session, phone.number)
        if owner is not None and owner.id != client.id:
            raise duplicate_error(session, actor, phone.number)
    if list(current) == [p.number for p in phones] and all(current[p.number].extension == p.extension for p in phones):
        return []
    for number, row in current.items():
        if number not in {p.number for p in phones}:
            session.delete(row)
    session.flush()
    for position, phone in enumerate(phones):
        row = current.get(phone.number)
        if row is None:
            row = ClientPhone(client_id=client.id, number=phone.number)
        row.extension = phone.extension
        row.position = position
        session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise duplicate_error(session, actor, next(p.number for p in phones if p.number not in current)) from None
    return [{'field': 'phones', 'old': ', '.join(current) or '—', 'new': ', '.join(p.number for p in phones)}]


def _stage(session, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None or stage.board != Board.clients:
        raise InvalidInput('error.stage_board')
    return stage


CLOSING_TASKS = (StageKind.failure, StageKind.trash)  # a booking keeps its tasks: the work after it is real


def complete_open_tasks(session, client_ids: Sequence[int], actor_id: int | None, at: datetime) -> tuple[int, ...]:
    """Mark done the open tasks of clients closed as a failure or trash, each written to its client's feed, so
    they leave «Мои задачи» and the overdue counter; the assignees whose counters change."""
    open_tasks = session.exec(select(Task).where(Task.client_id.in_(list(client_ids)), Task.done == False)).all()  # noqa: E712
    if not open_tasks:
        return ()
    for task in open_tasks:
        task.done = True
        task.done_at = at
        session.add(task)
    key = 'feed.task_closed_with_client'
    session.execute(
        insert(FeedEntry),
        [
            {
                'client_id': task.client_id,
                'kind': FeedKind.task_done,
                'text': translate(key, 'ru', title=task.title),
                'data': by_rule(session, {'key': key, 'params': {'title': task.title}}),
                'author_id': actor_id,
                'created_at': at,
            }
            for task in open_tasks
        ],
    )
    session.execute(
        update(Client)
        .where(Client.id.in_({task.client_id for task in open_tasks}))
        .values(next_due_at=None)
        .execution_options(synchronize_session=False)
    )
    return tuple({task.assignee_id for task in open_tasks})


def apply_stage(
    session, client: Client, actor: Actor | None, target: Stage, reason: ClosingReason | None, key: str, **feed_params
) -> None:
    """Put a client on a stage and record it; the caller has checked that the move is allowed. Closing it as a
    failure or trash completes its open tasks."""
    source = session.get(Stage, client.stage_id)
    previous = client.stage_id
    client.stage_id = target.id
    client.closing_reason_id = reason.id if reason else None
    client.stage_changed_at = utcnow()
    params = {'source': source.name, 'target': target.name, **feed_params}
    if reason is not None:
        params['reason'] = reason.name
    write_system_entry(
        session,
        client,
        kind=FeedKind.stage,
        actor_id=actor.id if actor else None,
        key=key,
        **params,
    )
    record_arrival(
        session,
        client_id=client.id,
        from_stage_id=previous,
        to_stage_id=target.id,
        reason_id=reason.id if reason else None,
        actor_id=actor.id if actor else None,
        at=client.stage_changed_at,
    )
    assignees = ()
    if target.kind in CLOSING_TASKS:
        assignees = complete_open_tasks(session, [client.id], actor.id if actor else None, client.stage_changed_at)
        client.next_due_at = None
    touch_client(session, client, actor, 'moved', previous_stage_id=previous, task_assignee_ids=assignees)
    note_fact(session, ClientFact('entered', client.id, target.id))


def move_client(
    session,
    *,
    actor: Actor,
    client_id: int,
    stage_id: int,
    reason_id: int | None = None,
    expected_version: int | None = None,
) -> ClientDetail:
    """Move a client to a stage; a failure or trash stage needs one of its reasons; transitions are data."""
    client = load_for_change(session, actor, client_id, expected_version)
    target = _stage(session, stage_id)
    source = session.get(Stage, client.stage_id)
    if target.id == source.id:
        raise InvalidInput('error.same_stage', stage=target.name)
    if not transition_allowed(session, source.id, target.id):
        raise InvalidInput('error.transition', source=source.name, target=target.name)
    reason = required_reason(session, target, reason_id)
    apply_stage(session, client, actor, target, reason, 'feed.stage_reason' if reason else 'feed.stage')
    session.flush()
    return build_detail(session, actor, client)


def reopen_client(
    session, *, actor: Actor, client_id: int, stage_id: int | None = None, expected_version: int | None = None
) -> ClientDetail:
    """Bring a closed client back to a working stage (the first one unless another is chosen)."""
    client = load_for_change(session, actor, client_id, expected_version)
    source = session.get(Stage, client.stage_id)
    if not source.is_closing:
        raise InvalidInput('error.not_closed')
    target = _stage(session, stage_id) if stage_id is not None else first_working_stage(session)
    if target.kind != StageKind.working:
        raise InvalidInput('error.reopen_target')
    apply_stage(session, client, actor, target, None, 'feed.stage')
    session.flush()
    return build_detail(session, actor, client)


UNDO_SECONDS = 10  # how long the previous responsible may take back a hand-over


def assign_client(
    session, *, actor: Actor, client_id: int, responsible_id: int, expected_version: int | None = None
) -> ClientDetail:
    """Hand a client to another active user; their open tasks on it follow the client. The hand-over's feed line
    keeps what it moved, so undo_assignment can put exactly that back."""
    client = load_for_change(session, actor, client_id, expected_version)
    target = _active_user(session, responsible_id)
    if target.id == client.responsible_id:
        return build_detail(session, actor, client)
    previous = session.get(User, client.responsible_id)
    entry, task_ids, deals = hand_over(session, client, actor, target)
    entry.data = {
        **entry.data,
        'undo': {
            'previous_id': previous.id,
            'by_id': actor.id,
            'version': client.version,
            'tasks': task_ids,
            'deals': deals,
        },
    }
    session.flush()
    return build_detail(session, actor, client)


def hand_over(session, client: Client, actor: Actor | None, target: User) -> tuple[FeedEntry, list[int], dict]:
    """Make `target` the client's responsible, with its open tasks of the previous one and its deals (the caller
    checked the right to); the feed entry, the tasks and the deals' previous responsibles, for an undo."""
    previous = session.get(User, client.responsible_id)
    task_ids, deals = [], {}
    for task in session.exec(
        select(Task).where(Task.client_id == client.id, Task.done == False, Task.assignee_id == previous.id)  # noqa: E712
    ):
        task.assignee_id = target.id
        task_ids.append(task.id)
        session.add(task)
    for deal in session.exec(select(Deal).where(Deal.client_id == client.id)):  # deal rights follow the client
        deals[str(deal.id)] = deal.responsible_id
        deal.responsible_id = target.id
        session.add(deal)
    client.responsible_id = target.id
    touch_client(session, client, actor, 'assigned', previous_responsible_id=previous.id)
    entry = write_system_entry(
        session,
        client,
        kind=FeedKind.responsible,
        actor_id=actor.id if actor else None,
        key='feed.responsible',
        source=previous.name,
        target=target.name,
    )
    return entry, task_ids, deals


def undo_assignment(session, *, actor: Actor, client_id: int) -> ClientDetail:
    """Take back the client's last hand-over: for UNDO_SECONDS, while nothing else changed the client, by its
    previous responsible (who may no longer act on it) or by whoever made the hand-over. The client, the tasks and
    deals that followed it go back, written to the feed."""
    ensure_active(actor)
    client = lock_client(session, client_id)
    handover = (
        session.exec(
            select(FeedEntry)
            .where(FeedEntry.client_id == client_id, FeedEntry.kind == FeedKind.responsible)
            .order_by(FeedEntry.id.desc())
        ).first()
        if client is not None
        else None
    )
    grant = handover.data.get('undo') if handover is not None else None
    if grant is None or actor.id not in (grant['previous_id'], grant['by_id']):
        ensure_can_see(actor, client)
        raise InvalidInput('error.undo_expired') if grant is None else PermissionDenied('error.undo_not_yours')
    if client.version != grant['version'] or utcnow() - as_utc(handover.created_at) > timedelta(seconds=UNDO_SECONDS):
        raise InvalidInput('error.undo_expired')
    previous = _active_user(session, grant['previous_id'])
    current = session.get(User, client.responsible_id)
    for task in session.exec(select(Task).where(Task.id.in_(grant['tasks']), Task.done == False)):  # noqa: E712
        task.assignee_id = previous.id
        session.add(task)
    for deal in session.exec(select(Deal).where(Deal.id.in_([int(i) for i in grant['deals']]))):
        deal.responsible_id = grant['deals'][str(deal.id)]
        session.add(deal)
    client.responsible_id = previous.id
    write_system_entry(
        session,
        client,
        kind=FeedKind.responsible,
        actor_id=actor.id,
        key='feed.responsible_undone',
        source=current.name,
        target=previous.name,
    )
    touch_client(session, client, actor, 'assigned', previous_responsible_id=current.id)
    session.flush()
    return build_detail(session, actor, client)


def get_client(session, *, actor: Actor, client_id: int) -> ClientDetail:
    client = ensure_can_see(actor, session.get(Client, client_id))
    return build_detail(session, actor, client)


def get_card(session, *, actor: Actor, client_id: int) -> ClientCard | None:
    """The card as this actor sees it, or None when they may not see the client (live updates use this)."""
    client = session.get(Client, client_id)
    if client is None or not can_see_client(actor, client):
        return None
    return build_cards(session, actor, [client])[0]


SYSTEM_VIEWER = Actor(id=0, name='', role='admin')


def client_snapshot(session, client_id: int) -> ClientCard | None:
    """The card as it is now, read once per change for every open board; each viewer then applies
    can_see_clients_of / can_act_on_clients_of to it, so one change costs one read, not one per viewer."""
    client = session.get(Client, client_id)
    if client is None:
        return None
    return build_cards(session, SYSTEM_VIEWER, [client])[0]


SORTS = {
    'created_at': Client.created_at,
    'name': Client.name_folded,
    'last_activity_at': Client.last_activity_at,
    'stage_changed_at': Client.stage_changed_at,
}


def _as_filter(flt: ClientFilter | None, shortcuts: dict) -> ClientFilter:
    """A filter from a ClientFilter and/or the common shortcuts (stage_ids, responsible_ids, search, own_only)."""
    values = (flt or ClientFilter()).model_dump()
    values.update({k: v for k, v in shortcuts.items() if v is not None})
    return ClientFilter.model_validate(values)


def list_clients(
    session,
    *,
    actor: Actor,
    flt: ClientFilter | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str = 'created_at',
    descending: bool = True,
    **shortcuts,
) -> ClientPage:
    """A page of the clients this actor may see that match the filter, with the exact total."""
    query = filtered_query(session, actor, _as_filter(flt, shortcuts))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    column = SORTS.get(sort, Client.created_at)
    order = (column.desc(), Client.id.desc()) if descending else (column.asc(), Client.id.asc())
    rows = session.exec(query.order_by(*order).limit(max(1, min(limit, 500))).offset(max(0, offset))).all()
    return ClientPage(total=total, items=build_cards(session, actor, rows))


def _column_order(sort: str) -> tuple:
    if sort == 'oldest':
        return Client.created_at.asc(), Client.id.asc()
    if sort == 'nearest_task':
        return Client.next_due_at.asc().nulls_last(), Client.id.asc()
    if sort == 'last_activity':
        return Client.last_activity_at.desc(), Client.id.desc()
    return Client.created_at.desc(), Client.id.desc()


class _Segment(NamedTuple):
    condition: object  # who is in this part of the column
    order: tuple
    among_all: object  # the same but for «not a fresh lead»: what a covering index counts without reading rows


def _column_segments(view: ViewSettings, now, fresh_stage_id: int) -> tuple[list[_Segment], list]:
    """The parts of a column in the user's order, and the condition of the rest. Fresh leads of the first
    working stage come first whatever the order (view_settings.is_fresh): on the client's own row, so the
    stage-and-creation index finds them among the last day's clients."""
    fresh = and_(
        Client.stage_id == fresh_stage_id,
        Client.created_at >= now - FRESH_FOR,
        Client.handled_at.is_(None),
        Client.creation_method != CreationMethod.import_,
    )
    segments = [_Segment(fresh, (Client.created_at.desc(), Client.id.desc()), fresh)]
    rest: list = []  # what every later part excludes, apart from the fresh leads
    if view.overdue_first:
        overdue = and_(Client.next_due_at < now, *rest)
        segments.append(_Segment(and_(overdue, not_(fresh)), _column_order(view.sort), overdue))
        rest.append(or_(Client.next_due_at.is_(None), Client.next_due_at >= now))
    if view.tasks_first:
        with_tasks = and_(Client.next_due_at.is_not(None), *rest)
        order = (Client.next_due_at.asc(), Client.id.asc())
        segments.append(_Segment(and_(with_tasks, not_(fresh)), order, with_tasks))
        rest.append(Client.next_due_at.is_(None))
    return segments, [not_(fresh), *rest]


def _column_rows(session, base, view: ViewSettings, segments, rest, sizes: list[int], offset: int, limit: int):
    """One page of a column's clients, given how many clients each segment holds."""
    rows: list[Client] = []
    skip = offset
    for (condition, order, _), size in zip(segments, sizes, strict=True):
        if skip < size and len(rows) < limit:
            rows += session.exec(base.where(condition).order_by(*order).offset(skip).limit(limit - len(rows)))
        skip = max(0, skip - size)
    if len(rows) < limit:
        query = base.where(and_(*rest)) if rest else base
        rows += session.exec(query.order_by(*_column_order(view.sort)).offset(skip).limit(limit - len(rows)))
    return rows


def _count(session, query) -> int:
    return session.exec(select(func.count()).select_from(query.subquery())).one()


def board_column(
    session,
    *,
    actor: Actor,
    stage_id: int,
    flt: ClientFilter | None = None,
    view: ViewSettings | None = None,
    offset: int = 0,
    limit: int = 20,
    **shortcuts,
) -> ClientPage:
    """One page of a kanban column in the user's order (view_settings.card_rank says the same in Python):
    fresh leads first in the first working stage, then overdue clients if they pull up, then clients with tasks
    by nearest task if asked, then the rest."""
    view = view or ViewSettings()
    column_filter = _as_filter(flt, shortcuts).model_copy(update={'stage_ids': [stage_id]})
    base = filtered_query(session, actor, column_filter)
    segments, rest = _column_segments(view, utcnow(), first_working_stage(session).id)
    sizes = [_count(session, base.where(segment.condition)) for segment in segments]
    rows = _column_rows(session, base, view, segments, rest, sizes, offset, limit)
    return ClientPage(total=_count(session, base), items=build_cards(session, actor, rows))


def first_board_pages(
    session,
    *,
    actor: Actor,
    stage_ids: list[int],
    flt: ClientFilter | None = None,
    view: ViewSettings | None = None,
    limit: int = 20,
) -> tuple[dict[int, int], dict[int, ClientPage]]:
    """What a board opens with: the count of every stage and the first page of each of `stage_ids` (as
    board_column reads them), with the counts of all columns grouped in one statement per segment instead of
    several per column, and the cards of all columns built together."""
    view = view or ViewSettings()
    counts = count_by_stage(session, actor=actor, flt=flt)
    segments, rest = _column_segments(view, utcnow(), first_working_stage(session).id)
    board = filtered_query(session, actor, _as_filter(flt, {}).model_copy(update={'stage_ids': stage_ids}))

    def by_stage(condition) -> dict[int, int]:
        query = board.where(condition).with_only_columns(Client.stage_id, func.count()).group_by(Client.stage_id)
        return dict(session.execute(query).all())

    fresh = by_stage(segments[0].condition)
    sizes_by_segment = [fresh]
    for segment in segments[1:]:
        # «not fresh» needs columns the covering index lacks (a read of every row of the column: 20 ms at 100k):
        # count the part over everyone from the index, then take away its few fresh leads of the last day
        among_all = by_stage(segment.among_all)
        taken = by_stage(and_(segment.among_all, segments[0].condition)) if fresh else {}
        sizes_by_segment.append({stage: n - taken.get(stage, 0) for stage, n in among_all.items()})
    rows_by_stage = {}
    for stage_id in stage_ids:
        base = filtered_query(session, actor, _as_filter(flt, {}).model_copy(update={'stage_ids': [stage_id]}))
        sizes = [sizes.get(stage_id, 0) for sizes in sizes_by_segment]
        rows_by_stage[stage_id] = _column_rows(session, base, view, segments, rest, sizes, 0, limit)
    cards = iter(build_cards(session, actor, [row for rows in rows_by_stage.values() for row in rows]))
    pages = {
        stage_id: ClientPage(total=counts.get(stage_id, 0), items=[next(cards) for _ in rows])
        for stage_id, rows in rows_by_stage.items()
    }
    return counts, pages


def count_by_stage(session, *, actor: Actor, flt: ClientFilter | None = None, **shortcuts) -> dict[int, int]:
    """Exact counts of matching clients per stage, for column headers (the stage choice is ignored)."""
    board_filter = _as_filter(flt, shortcuts).model_copy(update={'stage_ids': [], 'all_stages': True})
    query = (
        filtered_query(session, actor, board_filter)
        .with_only_columns(Client.stage_id, func.count())
        .group_by(Client.stage_id)
    )
    return {stage_id: count for stage_id, count in session.execute(query).all()}
