"""Telephony's calls: incoming, outgoing and missed, one call per provider call id however often reported.
Incoming and missed calls are requests (the lead path: a new number makes a client in the first stage), a missed
one asks the responsible to call back, an incoming one opens the client for whoever answered. Each call is a feed
entry; its recording stays at the provider and is played by the browser, so the server never fetches a URL."""

import ipaddress
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.i18n import translate

from ..clients.clients import client_id_by_phone
from ..clients.feed import lock_client, touch_client
from ..clients.leads import announce_call, file_lead
from ..clients.speed_to_lead import stop_clocks
from ..clients.tasks import plan_task
from ..errors import Conflict, InvalidInput
from ..events import CallLogged, queue_event
from ..limits import (
    CALL_DURATION_MAX,
    CALL_ID_MAX,
    CALL_MANAGER_MAX,
    NAME_MAX,
    RECORDING_URL_MAX,
    check_moment,
    check_text,
)
from ..models import Call, CallDirection, Client, FeedEntry, FeedKind, Task, TaskType, TouchType, User, as_utc, utcnow
from ..permissions import Actor, can_see_client, ensure_active
from ..phones import normalize_phone


class CallResult(BaseModel):
    """What telephony learns about its report; the ids only when the token's owner may see the client."""

    status: str  # 'logged' (a new call), 'completed' (a later report added to it), 'unchanged', 'skipped'
    call_id: int | None
    client_id: int | None


def check_recording_url(value: str | None) -> str:
    """A recording's address as stored: an absolute http(s) URL of bounded length, or ''. Anything else (a
    `javascript:` or `data:` URL, a path of our own server) is refused: the browser would run or fetch it for us."""
    url = (value or '').strip()
    if not url:
        return ''
    if len(url) > RECORDING_URL_MAX:
        raise InvalidInput('error.too_long', field='call.recording_url', limit=RECORDING_URL_MAX)
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
        raise InvalidInput('error.recording_url')
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidInput('error.recording_url')
    # a login in the URL would be sent by every player; a loopback host is this server or the listener's own
    # machine, which the browser must not be made to call with its cookies (a PBX on the office network is fine)
    if parts.username is not None or parts.password is not None or _is_loopback(parts.hostname):
        raise InvalidInput('error.recording_url')
    return url


def _is_loopback(host: str) -> bool:
    if host == 'localhost' or host.endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_duration(duration_s: int | None) -> int | None:
    if duration_s is not None and not 0 <= duration_s <= CALL_DURATION_MAX:
        raise InvalidInput('error.call_duration', limit=CALL_DURATION_MAX)
    return duration_s


def _check_direction(direction: str) -> CallDirection:
    if direction not in set(CallDirection):
        raise InvalidInput('error.call_direction')
    return CallDirection(direction)


def _manager_user(session, manager: str) -> User | None:
    """The active user telephony names: by the internal number of their desk phone, else by login."""
    if not manager:
        return None
    by_number = session.exec(select(User).where(User.active, User.internal_number == manager)).first()
    return by_number or session.exec(select(User).where(User.active, User.login == manager.lower())).first()


def _reported(session, actor: Actor, provider_call_id: str) -> Call | None:
    return session.exec(
        select(Call)
        .where(Call.reported_by_id == actor.id, Call.provider_call_id == provider_call_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def log_call(
    session,
    *,
    actor: Actor,
    call_id: str,
    direction: str,
    phone: str,
    started_at: datetime | None = None,
    duration_s: int | None = None,
    manager: str = '',
    recording_url: str = '',
    name: str = '',
    channel: int | str | None = None,
    project: int | str | None = None,
) -> CallResult:
    """Take telephony's report of a call. The same `call_id` reported again by the same integration user is the
    same call: a later report may add what was not known yet (the duration, the recording, who answered) or turn
    an incoming call into a missed one; a different phone or direction is a conflict. An outgoing call to a number
    no client has is skipped: it is nobody's request. `name`, `channel`, `project` describe a caller's request."""
    ensure_active(actor)
    provider_call_id = check_text(call_id, CALL_ID_MAX, 'call.call_id', one_line=True)
    if not provider_call_id:
        raise InvalidInput('error.call_id_required')
    report = {
        'direction': _check_direction(direction),
        'number': normalize_phone(phone).number,
        'duration_s': _check_duration(duration_s),
        'manager': check_text(manager, CALL_MANAGER_MAX, 'call.manager', one_line=True),
        'recording_url': check_recording_url(recording_url),
    }
    started_at = as_utc(check_moment(started_at)) if started_at else utcnow()
    lead = {
        'name': check_text(name, NAME_MAX, 'field.name', one_line=True),
        'phone': phone,
        'channel': channel,
        'project': project,
    }
    call = _reported(session, actor, provider_call_id)
    if call is not None:
        return _complete(session, actor, call, **report)
    try:
        with session.begin_nested():
            return _log_new(session, actor, provider_call_id, started_at, lead, **report)
    except IntegrityError:
        # the same call reported twice at once (PostgreSQL): the unique constraint let the first one in
        call = _reported(session, actor, provider_call_id)
        if call is None:
            raise
        return _complete(session, actor, call, **report)


def _result(actor: Actor, status: str, call: Call, client: Client) -> CallResult:
    visible = can_see_client(actor, client)
    return CallResult(status=status, call_id=call.id if visible else None, client_id=client.id if visible else None)


def _log_new(
    session,
    actor: Actor,
    provider_call_id: str,
    started_at: datetime,
    lead: dict,
    *,
    direction: CallDirection,
    number: str,
    duration_s: int | None,
    manager: str,
    recording_url: str,
) -> CallResult:
    filed = None
    if direction == CallDirection.outgoing:
        client_id = client_id_by_phone(session, number)
        if client_id is None:
            return CallResult(status='skipped', call_id=None, client_id=None)
    else:
        filed = file_lead(session, actor=actor, touch_type=TouchType.call, **lead)
        client_id = filed.client_id
    client = lock_client(session, client_id)
    person = _manager_user(session, manager)
    call = Call(
        client_id=client.id,
        direction=direction,
        phone=number,
        started_at=started_at,
        duration_s=duration_s,
        user_id=person.id if person else None,
        manager=manager,
        recording_url=recording_url,
        provider_call_id=provider_call_id,
        reported_by_id=actor.id,
        request_id=filed.request_id if filed else None,
    )
    session.add(call)
    session.flush()
    entry = FeedEntry(client_id=client.id, kind=FeedKind.call, author_id=person.id if person else actor.id)
    _describe(entry, call, person)
    session.add(entry)
    session.flush()
    call.feed_entry_id = entry.id
    if direction == CallDirection.missed:
        _ask_to_call_back(session, client, call)
    _note_person_calling(session, client, call)
    if direction == CallDirection.incoming:
        # the pop-up is the answering manager's when they may see the client, else the responsible's
        answered = person is not None and can_see_client(Actor.of(person), client)
        announce_call(session, filed, answered_by_id=person.id if answered else None)
    session.add(call)
    touch_client(session, client, actor, 'call')
    session.flush()
    queue_event(session, CallLogged(call_id=call.id, client_id=client.id, actor_id=actor.id, what='logged'))
    return _result(actor, 'logged', call, client)


def _complete(
    session,
    actor: Actor,
    call: Call,
    *,
    direction: CallDirection,
    number: str,
    duration_s: int | None,
    manager: str,
    recording_url: str,
) -> CallResult:
    """A later report of a known call: what it adds is kept, what it contradicts is refused."""
    becomes_missed = call.direction == CallDirection.incoming and direction == CallDirection.missed
    if number != call.phone or (direction != call.direction and not becomes_missed):
        raise Conflict('error.call_mismatch', call_id=call.provider_call_id)
    client = lock_client(session, call.client_id)
    changed = becomes_missed
    if duration_s is not None and duration_s != call.duration_s:
        call.duration_s, changed = duration_s, True
    if recording_url and recording_url != call.recording_url:
        call.recording_url, changed = recording_url, True
    if manager and not call.manager:
        person = _manager_user(session, manager)
        call.manager, call.user_id, changed = manager, person.id if person else None, True
        _note_person_calling(session, client, call)
    if not changed:
        return _result(actor, 'unchanged', call, client)
    if becomes_missed:
        call.direction = CallDirection.missed
        _ask_to_call_back(session, client, call)
    entry = session.get(FeedEntry, call.feed_entry_id)
    _describe(entry, call, session.get(User, call.user_id) if call.user_id else None)
    session.add_all([call, entry])
    touch_client(session, client, actor, 'call')
    session.flush()
    queue_event(session, CallLogged(call_id=call.id, client_id=client.id, actor_id=actor.id, what='completed'))
    return _result(actor, 'completed', call, client)


def _note_person_calling(session, client: Client, call: Call) -> None:
    """A person calling the client handles it, as of the call's start: the lead is no longer untouched, and the
    clocks of the requests that came before the call stop."""
    if call.direction != CallDirection.outgoing or call.user_id is None:
        return
    started = as_utc(call.started_at)
    if client.handled_at is None or as_utc(client.handled_at) < started:
        client.handled_at = started
        session.add(client)
    stop_clocks(session, [client.id], started)


def format_duration(seconds: int) -> str:
    """m:ss, or h:mm:ss for a long call: the same in every language."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f'{hours}:{minutes:02}:{secs:02}' if hours else f'{minutes}:{secs:02}'


def _describe(entry: FeedEntry, call: Call, person: User | None) -> None:
    """The call's feed line, kept with its key so each reader sees it in their language; `call_id` lets the
    client window put the recording's player on it."""
    details = [call.phone]
    if call.duration_s is not None and call.direction != CallDirection.missed:
        details.append(format_duration(call.duration_s))
    if person is not None or call.manager:
        details.append(person.name if person else call.manager)
    key = f'feed.call.{call.direction}'
    params = {'details': ' · '.join(details)}
    entry.text = translate(key, 'ru', **params)
    entry.data = {'key': key, 'params': params, 'call_id': call.id}


def _ask_to_call_back(session, client: Client, call: Call) -> None:
    """A missed call is a task for the responsible to call back, due at once; while one call-back is open,
    further missed calls join it instead of piling up tasks."""
    open_call_back = session.exec(
        select(Task.id)
        .join(Call, Call.task_id == Task.id)
        .where(Call.client_id == client.id, Task.done == False)  # noqa: E712
        .limit(1)
    ).first()
    if open_call_back is not None:
        call.task_id = open_call_back
        return
    responsible = session.get(User, client.responsible_id)
    task = plan_task(
        session,
        client,
        actor=None,
        title=translate('call.call_back', responsible.locale, phone=call.phone),
        type=TaskType.call,
        due_at=utcnow(),
        assignee_id=responsible.id,
    )
    call.task_id = task.id
