"""Site forms without glue code: a site builder (Tilda, or any that posts a form) posts to a URL whose path holds the
endpoint's secret, since such senders cannot set headers. The admin maps which posted field is the phone, the name,
the project, the comment; utm fields and the visit ids are the attribution, `tranid` the idempotency key, every
other field a line of the request's comment (an email, a quiz answer), and `test=test` (Tilda's check when the hook
is added) is answered without a lead."""

import secrets
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import select

from ..account.audit import record_change
from ..account.users import token_digest
from ..attribution import FIELD_LIMITS, check_attribution
from ..errors import InvalidInput, NotFound
from ..limits import check_text
from ..models import Channel, FormEndpoint, Role, User, utcnow
from ..permissions import Actor, ensure_admin
from .idempotency import Answer, answer_once, check_key, fingerprint_of
from .intake import receive_attributed_lead

AREA = 'forms'
NAME_MAX = 100
FIELD_NAME_MAX = 100
FIELDS_MAX = 100  # posted fields per form: a long quiz has a few dozen
BODY_MAX_BYTES = 64 * 1024  # a form post is a few hundred bytes; checked by the API before it is parsed
LAST_USED_EVERY_S = 60
MAPPED = ('phone', 'name', 'project', 'comment')
DEFAULT_MAPPING = {'phone': 'Phone', 'name': 'Name', 'project': '', 'comment': ''}
# posted fields that are the sender's bookkeeping, not something the client wrote
TECHNICAL = {'tranid', 'formid', 'formname', 'test', 'cookies', 'referer'}
KEPT_IN_EXTRA = ('formid', 'formname')


class FormEndpointItem(BaseModel):
    id: int
    name: str
    user_id: int
    user_name: str
    user_active: bool  # False: its leads are taken by an admin (see `_taker`) until another user is chosen
    channel_id: int | None
    channel_name: str
    mapping: dict[str, str]
    created_at: datetime
    last_used_at: datetime | None


class CreatedEndpoint(BaseModel):
    """The new endpoint and its secret: shown once, only its hash is kept."""

    id: int
    token: str


def form_endpoints(session, *, actor: Actor) -> list[FormEndpointItem]:
    ensure_admin(actor)
    users = {id_: (name, active) for id_, name, active in session.exec(select(User.id, User.name, User.active))}
    channels = dict(session.exec(select(Channel.id, Channel.name)).all())
    rows = session.exec(select(FormEndpoint).order_by(FormEndpoint.created_at, FormEndpoint.id)).all()
    return [
        FormEndpointItem(
            id=e.id,
            name=e.name,
            user_id=e.user_id,
            user_name=users.get(e.user_id, ('', False))[0],
            user_active=users.get(e.user_id, ('', False))[1],
            channel_id=e.channel_id,
            channel_name=channels.get(e.channel_id, ''),
            mapping={**DEFAULT_MAPPING, **(e.mapping or {})},
            created_at=e.created_at,
            last_used_at=e.last_used_at,
        )
        for e in rows
    ]


def _name(value: str) -> str:
    name = check_text(value, NAME_MAX, 'forms.name', one_line=True)
    if not name:
        raise InvalidInput('forms.error.name_empty')
    return name


def _active_user_id(session, user_id: int) -> int:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidInput('forms.error.user_inactive')
    return user.id


def _channel_id(session, channel_id: int | None) -> int | None:
    if channel_id is None:
        return None
    channel = session.get(Channel, channel_id)
    if channel is None or not channel.active:
        raise NotFound()
    return channel.id


def _mapping(mapping: dict) -> dict[str, str]:
    checked = {
        field: check_text(str(mapping.get(field) or ''), FIELD_NAME_MAX, f'forms.field.{field}', one_line=True)
        for field in MAPPED
    }
    if not checked['phone']:
        raise InvalidInput('forms.error.phone_field')
    return checked


def create_form_endpoint(
    session, *, actor: Actor, name: str, user_id: int | None = None, channel_id: int | None = None
) -> CreatedEndpoint:
    """A new endpoint with Tilda's field names mapped; its secret is returned once."""
    ensure_admin(actor)
    token = 'vf_' + secrets.token_urlsafe(24)
    endpoint = FormEndpoint(
        name=_name(name),
        token_hash=token_digest(token),
        user_id=_active_user_id(session, user_id or actor.id),
        channel_id=_channel_id(session, channel_id),
        mapping=dict(DEFAULT_MAPPING),
        created_by_id=actor.id,
    )
    session.add(endpoint)
    session.flush()
    record_change(session, actor, AREA, 'form_created', name=endpoint.name)
    return CreatedEndpoint(id=endpoint.id, token=token)


def _endpoint(session, endpoint_id: int) -> FormEndpoint:
    endpoint = session.get(FormEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


def update_form_endpoint(
    session,
    *,
    actor: Actor,
    endpoint_id: int,
    name: str,
    user_id: int,
    channel_id: int | None,
    mapping: dict,
) -> int:
    """The endpoint's name, whose leads it brings, its channel when no utm rule names one, and its field mapping."""
    ensure_admin(actor)
    endpoint = _endpoint(session, endpoint_id)
    endpoint.name = _name(name)
    if user_id != endpoint.user_id:
        endpoint.user_id = _active_user_id(session, user_id)
    endpoint.channel_id = _channel_id(session, channel_id)
    endpoint.mapping = _mapping(mapping)
    session.add(endpoint)
    session.flush()
    record_change(session, actor, AREA, 'form_changed', name=endpoint.name)
    return endpoint.id


def revoke_form_endpoint(session, *, actor: Actor, endpoint_id: int) -> int:
    """The URL stops working at once; the leads it brought stay."""
    ensure_admin(actor)
    endpoint = _endpoint(session, endpoint_id)
    session.delete(endpoint)
    record_change(session, actor, AREA, 'form_revoked', name=endpoint.name)
    return endpoint_id


def _posted(fields: Sequence[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The posted fields by their casefolded name: (the name as posted, the values joined)."""
    if len(fields) > FIELDS_MAX:
        raise InvalidInput('forms.error.too_many_fields', limit=FIELDS_MAX)
    posted: dict[str, tuple[str, str]] = {}
    for raw_name, raw_value in fields:
        name = check_text(raw_name, FIELD_NAME_MAX, 'forms.field_name', one_line=True)
        value = str(raw_value).strip()
        folded = name.casefold()
        if folded in posted and value:
            value = f'{posted[folded][1]}, {value}' if posted[folded][1] else value
        elif folded in posted:
            continue
        posted[folded] = (name, value)
    return posted


def _cookie(cookies: str, name: str) -> str:
    for part in cookies.split(';'):
        key, _, value = part.strip().partition('=')
        if key == name:
            return value.strip()
    return ''


def _attribution(posted: dict[str, tuple[str, str]]):
    values = {name: posted[name][1] for name in FIELD_LIMITS if name in posted}
    if 'referrer' not in values and 'referer' in posted:
        values['referrer'] = posted['referer'][1]
    if not values.get('roistat_visit') and 'cookies' in posted:  # Tilda's «send cookies» carries Roistat's visit
        values['roistat_visit'] = _cookie(posted['cookies'][1], 'roistat_visit')
    values['extra'] = {name: posted[name][1] for name in KEPT_IN_EXTRA if posted.get(name, ('', ''))[1]}
    return check_attribution(values)


def _touch(endpoint: FormEndpoint, session) -> None:
    now = utcnow()
    if endpoint.last_used_at is None or (now - endpoint.last_used_at).total_seconds() > LAST_USED_EVERY_S:
        endpoint.last_used_at = now
        session.add(endpoint)


def _endpoint_by_token(session, endpoint_token: str) -> FormEndpoint:
    endpoint = session.exec(select(FormEndpoint).where(FormEndpoint.token_hash == token_digest(endpoint_token))).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def ensure_form_endpoint(session, *, endpoint_token: str) -> None:
    """An unknown or revoked endpoint is not found: checked before a post's body is read, so a stranger's body
    costs no parsing."""
    _endpoint_by_token(session, endpoint_token)


def _taker(session, endpoint: FormEndpoint) -> User:
    """Whose lead a post is: the endpoint's user; once they are deactivated, the first active admin, so a site's
    leads keep coming in (to the admin, or to whom the lead distribution gives them) rather than being refused
    while the form is left as it was; «Формы сайта» flags such a form until another user is chosen."""
    user = session.get(User, endpoint.user_id)
    if user is not None and user.active:
        return user
    admin = session.exec(select(User).where(User.active, User.role == Role.admin).order_by(User.id)).first()
    return admin or user


def receive_form_post(session, *, endpoint_token: str, fields: Sequence[tuple[str, str]]) -> Answer:
    """A form posted to an endpoint: a lead (200 `created` or `attached`; nothing about the client, the URL may sit
    in a web page), once per `tranid`; `test=test` is answered `test` and writes nothing. An unknown or revoked
    endpoint is not found."""
    endpoint = _endpoint_by_token(session, endpoint_token)
    posted = _posted(fields)
    if posted.get('test', ('', ''))[1].casefold() == 'test':
        return Answer(status_code=200, body={'status': 'test'})
    mapping = {**DEFAULT_MAPPING, **(endpoint.mapping or {})}
    used = {mapping[f].casefold() for f in MAPPED if mapping[f]}

    def value(field: str) -> str:
        return posted.get(mapping[field].casefold(), ('', ''))[1] if mapping[field] else ''

    attribution = _attribution(posted)
    skipped = used | TECHNICAL | set(FIELD_LIMITS)
    lines = [value('comment')] + [f'{name}: {v}' for key, (name, v) in posted.items() if key not in skipped and v]
    user = _taker(session, endpoint)
    _touch(endpoint, session)

    def write() -> Answer:
        result = receive_attributed_lead(
            session,
            actor=Actor.of(user),
            name=value('name'),
            phone=value('phone'),
            project=value('project') or None,
            comment='\n'.join(line for line in lines if line),
            attribution=attribution,
            fallback_channel_id=endpoint.channel_id,
        )
        return Answer(status_code=200, body={'status': result.status})

    tranid = check_key(posted.get('tranid', ('', ''))[1])
    fingerprint = fingerprint_of({key: v for key, (_, v) in posted.items()}) if tranid else ''
    return answer_once(session, scope=f'form:{endpoint.id}', key=tranid, fingerprint=fingerprint, write=write)
