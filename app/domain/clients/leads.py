"""Incoming leads: a new phone makes a client, a known phone adds a request to its client. Never lost."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ..account.reference import default_channel, first_working_stage, resolve_channel, resolve_project
from ..errors import InvalidInput
from ..events import IncomingCall, queue_event
from ..limits import COMMENT_MAX, NAME_MAX, check_text, clean_text
from ..models import AccountSetting, Channel, Client, CreationMethod, FeedKind, Request, Role, Stage, TouchType, User
from ..permissions import Actor, can_see_client, can_see_clients_of, ensure_active
from ..phones import normalize_phone
from ..views import LeadResult
from .clients import apply_stage, find_client_by_phone, insert_client
from .feed import lock_client, touch_client, write_system_entry

DISTRIBUTION_KEY = 'lead_distribution'
DISTRIBUTION_MODES = ('owner', 'fixed', 'round_robin')


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


def _responsible_for_new_lead(session, owner: Actor) -> int:
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
    return owner.id


def _announce_call(session, request: Request, responsible_id: int, number: str) -> None:
    """A call opens the client in its responsible's tabs once the request is committed (never before)."""
    if request.touch_type == TouchType.call:
        queue_event(
            session,
            IncomingCall(
                client_id=request.client_id, responsible_id=responsible_id, request_id=request.id, phone=number
            ),
        )


def _attach(session, actor: Actor, client: Client, request: Request, channel: Channel, number: str) -> LeadResult:
    client = lock_client(session, client.id)
    request.client_id = client.id
    session.add(request)
    session.flush()
    write_system_entry(
        session, client, kind=FeedKind.request, actor_id=actor.id, key='feed.request', channel=channel.name
    )
    stage = session.get(Stage, client.stage_id)
    if stage.is_closing:
        apply_stage(
            session, client, actor, first_working_stage(session), None, 'feed.reopened_by_request', source=stage.name
        )
    else:
        touch_client(session, client, actor, 'request')
    session.flush()
    _announce_call(session, request, client.responsible_id, number)
    visible = can_see_client(actor, client)
    return LeadResult(
        status='attached', client_id=client.id if visible else None, request_id=request.id if visible else None
    )


def receive_lead(
    session,
    *,
    actor: Actor,
    name: str,
    phone: str,
    channel: int | str | None = None,
    touch_type: str = TouchType.request,
    project: int | str | None = None,
    comment: str = '',
) -> LeadResult:
    """Take a lead from a form, telephony or any integration. A bad phone is refused; anything else
    unknown (channel, project) is kept in the request's comment rather than losing the lead."""
    ensure_active(actor)
    number = normalize_phone(phone)
    if touch_type not in (TouchType.request, TouchType.call):
        raise InvalidInput('error.bad_touch_type')
    name = check_text(name, NAME_MAX, 'field.name', one_line=True)
    notes = [check_text(comment, COMMENT_MAX, 'client.comment')]
    try:
        chosen_channel = resolve_channel(session, channel)
    except InvalidInput:
        chosen_channel = default_channel(session)
        notes.append(f'Канал «{clean_text(str(channel))}» не найден')
    try:
        chosen_project = resolve_project(session, project)
    except InvalidInput:
        chosen_project = None
        notes.append(f'Проект «{clean_text(str(project))}» не найден')
    request = Request(
        client_id=0,
        channel_id=chosen_channel.id,
        project_id=chosen_project.id if chosen_project else None,
        touch_type=touch_type,
        source=CreationMethod.integration,
        name=name,
        phone=clean_text(phone).strip(),
        comment='\n'.join(n for n in notes if n),
        created_by_id=actor.id,
    )
    existing = find_client_by_phone(session, number.number)
    if existing is not None:
        return _attach(session, actor, existing, request, chosen_channel, number.number)
    responsible_id = _responsible_for_new_lead(session, actor)
    try:
        client_id = insert_client(
            session,
            actor=actor,
            name=request.name or number.number,
            phones=[number],
            responsible_id=responsible_id,
            channel_id=chosen_channel.id,
            creation_method=CreationMethod.integration,
            touch_type=touch_type,
            project_id=chosen_project.id if chosen_project else None,
        )
    except IntegrityError:
        # the same person came in through another door at the same instant: theirs is the client
        return _attach(
            session, actor, find_client_by_phone(session, number.number), request, chosen_channel, number.number
        )
    request.client_id = client_id
    request.is_first = True
    session.add(request)
    session.flush()
    _announce_call(session, request, responsible_id, number.number)
    visible = can_see_clients_of(actor, responsible_id)
    return LeadResult(
        status='created', client_id=client_id if visible else None, request_id=request.id if visible else None
    )
