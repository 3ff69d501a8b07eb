"""Incoming leads: a new phone makes a client, a known phone adds a request to its client. Never lost."""

from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import select

from ..account.reference import channel_named, default_channel, first_working_stage, project_named
from ..attribution import Attribution
from ..errors import InvalidInput
from ..events import ClientFact, IncomingCall, RequestReceived, note_fact, queue_event
from ..limits import COMMENT_MAX, NAME_MAX, check_text, clean_text
from ..memo import Believed
from ..models import (
    AccountSetting,
    Channel,
    CreationMethod,
    FeedKind,
    Project,
    Request,
    Role,
    Stage,
    TouchType,
    User,
    utcnow,
)
from ..permissions import Actor, can_see_clients_of, ensure_active
from ..phones import normalize_phone
from ..views import LeadResult
from .clients import PhoneTaken, apply_stage, client_id_by_phone, insert_client
from .feed import lock_client, touch_client, write_system_entry

DISTRIBUTION_KEY = 'lead_distribution'
DISTRIBUTION_MODES = ('owner', 'fixed', 'round_robin')
REQUEST_INSERT = insert(Request.__table__).returning(Request.__table__.c.id)


REFERENCE_TRUST_S = 10


@dataclass(frozen=True)
class LeadReference:
    """The reference rows every lead looks up alike, as plain values, read at most once per REFERENCE_TRUST_S:
    for a stream of leads these lookups cost as much as the lead's own inserts. A change made in this process
    (Settings) is seen by the next lead; one made by another process within REFERENCE_TRUST_S."""

    channels: tuple[tuple[int, str], ...]  # (id, name), the default channel first
    projects: tuple[tuple[int, str, str], ...]  # (id, name, abbreviation)
    first_stage_id: int
    owner_takes_new_clients: bool  # the default distribution: nothing to lock or rotate per lead

    def channel(self, value: int | str | None) -> tuple[int, str] | None:
        """The named channel (the default one when none is named), or None when none has that id or name."""
        if value in (None, ''):
            return self.channels[0]
        return next((c for c in self.channels if channel_named(*c, value)), None)

    def project_id(self, value: int | str | None) -> int | None | bool:
        """The named project's id, None when none is named, False when no project has that id or name."""
        if value in (None, ''):
            return None
        return next((p[0] for p in self.projects if project_named(*p, value)), False)


_reference = Believed(REFERENCE_TRUST_S, watched=(Channel, Project, Stage, AccountSetting))


def lead_reference(session) -> LeadReference:
    def load() -> LeadReference:
        default = default_channel(session).id
        channels = session.exec(select(Channel.id, Channel.name).order_by(Channel.position, Channel.id)).all()
        return LeadReference(
            channels=tuple(sorted(((c.id, c.name) for c in channels), key=lambda c: c[0] != default)),
            projects=tuple(session.exec(select(Project.id, Project.name, Project.abbreviation)).all()),
            first_stage_id=first_working_stage(session).id,
            owner_takes_new_clients=lead_distribution(session).get('mode', 'owner') == 'owner',
        )

    return _reference.get('clients', load)


def lead_distribution(session) -> dict:
    """How new integration clients get their responsible: the token's owner, a fixed user, or round-robin."""
    row = session.get(AccountSetting, DISTRIBUTION_KEY)
    return dict(row.value) if row else {'mode': 'owner'}


def set_lead_distribution(session, *, mode: str, user_id: int | None = None) -> None:
    if mode not in DISTRIBUTION_MODES:
        raise InvalidInput('error.invalid')
    row = session.get(AccountSetting, DISTRIBUTION_KEY) or AccountSetting(key=DISTRIBUTION_KEY)
    row.value = {'mode': mode, 'user_id': user_id}
    session.add(row)
    session.flush()


def distributed_responsible(session, owner_id: int) -> int:
    """Whom the lead distribution gives a client: the fixed user or the next manager in turn, else `owner_id`
    (the token's owner for a new lead; a rule reassigning by the distribution passes the current responsible)."""
    setting = session.exec(
        select(AccountSetting).where(AccountSetting.key == DISTRIBUTION_KEY).with_for_update()
    ).first()
    mode = setting.value.get('mode', 'owner') if setting else 'owner'
    if mode == 'fixed':
        user = session.get(User, setting.value.get('user_id'))
        if user is not None and user.active:
            return user.id
    if mode == 'round_robin':
        managers = list(
            session.exec(select(User.id).where(User.active, User.role == Role.manager).order_by(User.id)).all()
        )
        if managers:
            last = setting.value.get('last_user_id')
            chosen = next((m for m in managers if last is None or m > last), managers[0])
            setting.value = {**setting.value, 'last_user_id': chosen}
            session.add(setting)
            return chosen
    return owner_id


def _insert_request(session, request: dict, client_id: int, *, first: bool) -> int:
    # a lead from outside waits for a person: its clock runs until the first action on the client
    row = {**request, 'client_id': client_id, 'is_first': first, 'created_at': utcnow(), 'awaits_action': True}
    request_id = session.connection().execute(REQUEST_INSERT, row).scalar_one()
    queue_event(session, RequestReceived(client_id=client_id, request_id=request_id, actor_id=request['created_by_id']))
    return request_id


@dataclass(frozen=True)
class FiledLead:
    """Where a lead went, whoever may see it: the caller learns only what `seen_by` tells them."""

    status: str  # 'created' or 'attached'
    client_id: int
    request_id: int
    responsible_id: int
    phone: str  # E.164

    def seen_by(self, actor: Actor) -> LeadResult:
        visible = can_see_clients_of(actor, self.responsible_id)
        return LeadResult(
            status=self.status,
            client_id=self.client_id if visible else None,
            request_id=self.request_id if visible else None,
        )


def announce_call(session, filed: FiledLead, *, answered_by_id: int | None = None) -> None:
    """A call opens the client in the tabs of whoever takes it once the request is committed (never before)."""
    queue_event(
        session,
        IncomingCall(
            client_id=filed.client_id,
            responsible_id=filed.responsible_id,
            request_id=filed.request_id,
            phone=filed.phone,
            answered_by_id=answered_by_id,
        ),
    )


def _attach(session, actor: Actor, client_id: int, request: dict, channel_name: str, number: str) -> FiledLead:
    client = lock_client(session, client_id)
    write_system_entry(
        session, client, kind=FeedKind.request, actor_id=actor.id, key='feed.request', channel=channel_name
    )
    stage = session.get(Stage, client.stage_id)
    if stage.is_closing:
        apply_stage(
            session, client, actor, first_working_stage(session), None, 'feed.reopened_by_request', source=stage.name
        )
    else:
        touch_client(session, client, actor, 'request')
    # after the reopening, which is the request's doing and not a person's first action on it
    request_id = _insert_request(session, request, client.id, first=False)
    note_fact(session, ClientFact('request', client.id, client.stage_id))
    session.flush()
    return FiledLead('attached', client.id, request_id, client.responsible_id, number)


def receive_lead(session, *, actor: Actor, **lead) -> LeadResult:
    """Take a lead from a form, telephony or any integration (the arguments of `file_lead`); a call opens the
    client in its responsible's tabs."""
    filed = file_lead(session, actor=actor, **lead)
    if lead.get('touch_type') == TouchType.call:
        announce_call(session, filed)
    return filed.seen_by(actor)


def file_lead(
    session,
    *,
    actor: Actor,
    name: str,
    phone: str,
    channel: int | str | None = None,
    touch_type: str = TouchType.request,
    project: int | str | None = None,
    comment: str = '',
    attribution: Attribution | None = None,
) -> FiledLead:
    """File a lead as a new client or a request of the client with its phone. A bad phone is refused; anything
    else unknown (channel, project) is kept in the request's comment rather than losing the lead. `attribution`
    (checked by app/domain/attribution.py) is stored on the request."""
    ensure_active(actor)
    number = normalize_phone(phone)
    if touch_type not in (TouchType.request, TouchType.call):
        raise InvalidInput('error.bad_touch_type')
    name = check_text(name, NAME_MAX, 'field.name', one_line=True)
    notes = [check_text(comment, COMMENT_MAX, 'client.comment')]
    reference = lead_reference(session)
    chosen_channel = reference.channel(channel)
    if chosen_channel is None:
        chosen_channel = reference.channel(None)
        notes.append(f'Канал «{clean_text(str(channel))}» не найден')
    project_id = reference.project_id(project)
    if project_id is False:
        project_id = None
        notes.append(f'Проект «{clean_text(str(project))}» не найден')
    channel_id, channel_name = chosen_channel
    request = {
        'channel_id': channel_id,
        'project_id': project_id,
        'touch_type': touch_type,
        'source': CreationMethod.integration,
        'name': name,
        'phone': clean_text(phone).strip(),
        'comment': '\n'.join(n for n in notes if n),
        'created_by_id': actor.id,
        **(attribution or Attribution()).model_dump(),
    }
    existing_id = client_id_by_phone(session, number.number)
    if existing_id is not None:
        return _attach(session, actor, existing_id, request, channel_name, number.number)
    responsible_id = actor.id if reference.owner_takes_new_clients else distributed_responsible(session, actor.id)
    try:
        client_id = insert_client(
            session,
            actor=actor,
            name=name or number.number,
            phones=[number],
            responsible_id=responsible_id,
            channel_id=channel_id,
            creation_method=CreationMethod.integration,
            touch_type=touch_type,
            project_id=request['project_id'],
            stage_id=reference.first_stage_id,
        )
    except PhoneTaken:
        # the same person came in through another door at the same instant: theirs is the client
        existing_id = client_id_by_phone(session, number.number)
        return _attach(session, actor, existing_id, request, channel_name, number.number)
    request_id = _insert_request(session, request, client_id, first=True)
    note_fact(session, ClientFact('request', client_id, reference.first_stage_id))
    return FiledLead('created', client_id, request_id, responsible_id, number.number)
