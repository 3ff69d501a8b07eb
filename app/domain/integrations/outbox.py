"""The outbox: the domain events a transaction queued become outbox rows in that same transaction, just before
it commits, so a change that rolls back sends nothing and a committed one cannot be lost. The payload is the
client as it is at that moment, with its first and latest request's attribution and all its deals."""

import json
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, func, insert
from sqlmodel import select

from ..db import DbSession
from ..events import CallLogged, ClientChanged, ClientsChanged, DealChanged, RequestReceived
from ..models import (
    Agency,
    Call,
    Channel,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    Deal,
    OutboxEvent,
    Project,
    Realtor,
    Request,
    Stage,
    StageKind,
    Tag,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    as_utc,
    utcnow,
)

# every kind a receiver may ask for, in the order the settings list them
EVENT_KINDS = (
    'client.created',
    'client.stage_changed',
    'client.closed',
    'client.reassigned',
    'request.created',
    'deal.created',
    'deal.stage_changed',
    'deal.paid',
    'deal.cancelled',
    'call.logged',
)
PAYLOAD_VERSION = 1
# the clients whose payloads are built at a time: a bulk action's or an import's thousands stay lean in memory and
# within the bound parameters a statement may have
PAYLOAD_CLIENTS = 500
# the request's columns a receiver gets under their own names (the attribution columns join them as they come)
_REQUEST_HIDDEN = {
    'client_id',
    'channel_id',
    'project_id',
    'created_by_id',
    # the speed-to-lead clock's state: at arrival it always says "waiting"
    'awaits_action',
    'first_action_at',
    'wait_s',
    'handled_for_id',
}

wakeup = threading.Event()  # set after a commit that wrote deliveries: this process's worker sends at once


@dataclass(frozen=True)
class Fact:
    """One event a receiver may want: what happened to which client, with the ids the payload details."""

    kind: str
    client_id: int
    deal_id: int | None = None
    request_id: int | None = None
    previous_stage_id: int | None = None
    previous_responsible_id: int | None = None
    call_id: int | None = None


_BULK_KINDS = {'moved': 'client.stage_changed', 'assigned': 'client.reassigned', 'imported': 'client.created'}


def facts_of(events: Iterable, stage_kinds: dict[int, str]) -> list[Fact]:
    """The webhook events a transaction's domain events amount to. A client closed (or a deal paid or cancelled)
    is also a stage change: receivers may subscribe to either."""
    facts = []
    for e in events:
        if isinstance(e, ClientChanged):
            if e.what == 'created':
                facts.append(Fact('client.created', e.client_id))
            elif e.what == 'moved':
                facts.append(Fact('client.stage_changed', e.client_id, previous_stage_id=e.previous_stage_id))
                if stage_kinds.get(e.stage_id, StageKind.working) != StageKind.working:
                    facts.append(Fact('client.closed', e.client_id, previous_stage_id=e.previous_stage_id))
            elif e.what == 'assigned':
                facts.append(Fact('client.reassigned', e.client_id, previous_responsible_id=e.previous_responsible_id))
        elif isinstance(e, ClientsChanged) and e.what in _BULK_KINDS:
            facts += [Fact(_BULK_KINDS[e.what], client_id) for client_id in e.client_ids]
            if e.what == 'moved':
                facts += [Fact('client.closed', client_id) for client_id in e.client_ids]  # kept if the stage closes
        elif isinstance(e, RequestReceived):
            facts.append(Fact('request.created', e.client_id, request_id=e.request_id))
        elif isinstance(e, CallLogged):  # logged, or completed by a later report (a recording, a duration)
            facts.append(Fact('call.logged', e.client_id, call_id=e.call_id))
        elif isinstance(e, DealChanged):
            if e.what == 'created':
                facts.append(Fact('deal.created', e.client_id, deal_id=e.deal_id))
            elif e.what == 'moved':
                facts.append(
                    Fact('deal.stage_changed', e.client_id, deal_id=e.deal_id, previous_stage_id=e.previous_stage_id)
                )
                closing = {StageKind.success: 'deal.paid', StageKind.failure: 'deal.cancelled'}
                if (kind := closing.get(stage_kinds.get(e.stage_id))) is not None:
                    facts.append(Fact(kind, e.client_id, deal_id=e.deal_id, previous_stage_id=e.previous_stage_id))
    return facts


def _when(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat().replace('+00:00', 'Z') if moment is not None else None


def _plain(value):
    """A column's value as JSON has it."""
    return _when(value) if isinstance(value, datetime) else value


class _Lookup:
    """The small reference tables a payload names things from, read once per transaction."""

    def __init__(self, session, user_ids: set[int]) -> None:
        self.stages = {s.id: s for s in session.exec(select(Stage))}
        self.reasons = {r.id: r.name for r in session.exec(select(ClosingReason))}
        self.channels = {c.id: c.name for c in session.exec(select(Channel))}
        self.projects = {p.id: p for p in session.exec(select(Project))}
        self.users = {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids)))} if user_ids else {}

    def stage(self, stage_id: int | None) -> dict | None:
        stage = self.stages.get(stage_id)
        return {'id': stage.id, 'name': stage.name, 'kind': stage.kind} if stage else None

    def reason(self, reason_id: int | None) -> dict | None:
        return {'id': reason_id, 'name': self.reasons.get(reason_id, '')} if reason_id else None

    def user(self, user_id: int | None) -> dict | None:
        user = self.users.get(user_id)
        return {'id': user.id, 'login': user.login, 'name': user.name} if user else None

    def project(self, project_id: int | None) -> dict | None:
        project = self.projects.get(project_id)
        return {'id': project.id, 'name': project.name, 'abbreviation': project.abbreviation} if project else None

    def channel(self, channel_id: int | None) -> dict | None:
        return {'id': channel_id, 'name': self.channels.get(channel_id, '')} if channel_id else None


def request_payload(request: Request, lookup: _Lookup) -> dict:
    """Every column the request has (so attribution fields added to Request travel without a change here), with
    the channel and project by name."""
    row = {c.name: _plain(getattr(request, c.name)) for c in Request.__table__.columns if c.name not in _REQUEST_HIDDEN}
    return {**row, 'channel': lookup.channel(request.channel_id), 'project': lookup.project(request.project_id)}


def deal_payload(deal: Deal, lookup: _Lookup) -> dict:
    return {
        'id': deal.id,
        'project': lookup.project(deal.project_id),
        'unit': deal.unit,
        'amount': deal.amount,
        'stage': lookup.stage(deal.stage_id),
        'closing_reason': lookup.reason(deal.closing_reason_id),
        'responsible': lookup.user(deal.responsible_id),
        'created_at': _when(deal.created_at),
        'stage_changed_at': _when(deal.stage_changed_at),
    }


def client_payloads(session, client_ids: Sequence[int]) -> dict[int, dict]:
    """The clients as receivers get them, read in a few set queries however many there are (a bulk move of
    thousands of clients builds their payloads in one pass)."""
    ids = sorted(set(client_ids))
    clients = {c.id: c for c in session.exec(select(Client).where(Client.id.in_(ids)))} if ids else {}
    if not clients:
        return {}
    phones: dict[int, list[str]] = {}
    for row in session.exec(
        select(ClientPhone).where(ClientPhone.client_id.in_(ids)).order_by(ClientPhone.client_id, ClientPhone.position)
    ):
        phones.setdefault(row.client_id, []).append(row.number)
    tags: dict[int, list[str]] = {}
    for client_id, name in session.exec(
        select(ClientTag.client_id, Tag.name).join(Tag, Tag.id == ClientTag.tag_id).where(ClientTag.client_id.in_(ids))
    ):
        tags.setdefault(client_id, []).append(name)
    ends = session.exec(
        select(Request.client_id, func.min(Request.id), func.max(Request.id), func.count())
        .where(Request.client_id.in_(ids))
        .group_by(Request.client_id)
    ).all()
    request_ids = {i for _, first, latest, _ in ends for i in (first, latest)}
    requests = {r.id: r for r in session.exec(select(Request).where(Request.id.in_(request_ids)))} if ends else {}
    deals: dict[int, list[Deal]] = {}
    for deal in session.exec(select(Deal).where(Deal.client_id.in_(ids)).order_by(Deal.id)):
        deals.setdefault(deal.client_id, []).append(deal)
    users = {c.responsible_id for c in clients.values()} | {c.creator_id for c in clients.values() if c.creator_id}
    users |= {d.responsible_id for ds in deals.values() for d in ds}
    lookup = _Lookup(session, users)
    agencies = {a.id: a.name for a in session.exec(select(Agency))}
    realtors = {r.id: r.name for r in session.exec(select(Realtor))}
    request_ends = {client_id: (first, latest, count) for client_id, first, latest, count in ends}
    built = {request_id: request_payload(r, lookup) for request_id, r in requests.items()}  # a new client's are one
    payloads = {}
    for client_id, client in clients.items():
        first, latest, count = request_ends.get(client_id, (None, None, 0))
        payloads[client_id] = {
            'id': client.id,
            'name': client.name,
            'phones': phones.get(client_id, []),
            'email': client.email,
            'stage': lookup.stage(client.stage_id),
            'closing_reason': lookup.reason(client.closing_reason_id),
            'responsible': lookup.user(client.responsible_id),
            'creator': lookup.user(client.creator_id),
            'channel': lookup.channel(client.channel_id),
            'project': lookup.project(client.project_id),
            'agency': agencies.get(client.agency_id),
            'realtor': realtors.get(client.realtor_id),
            'tags': sorted(tags.get(client_id, [])),
            'creation_method': client.creation_method,
            'touch_type': client.touch_type,
            'situation': client.situation,
            'custom': dict(client.custom),
            'created_at': _when(client.created_at),
            'stage_changed_at': _when(client.stage_changed_at),
            'requests_count': count,
            'first_request': built.get(first),
            'latest_request': built.get(latest),
            'deals': [deal_payload(d, lookup) for d in deals.get(client_id, [])],
        }
    return payloads


def _call_payloads(session, call_ids: list[int]) -> dict[int, dict]:
    """Telephony's calls as reported (direction, times, who answered, the recording's URL at the provider)."""
    if not call_ids:
        return {}
    hidden = {'client_id', 'user_id', 'reported_by_id', 'feed_entry_id', 'task_id'}
    calls = list(session.exec(select(Call).where(Call.id.in_(call_ids))))
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_({c.user_id for c in calls if c.user_id})))}
    return {
        c.id: {
            **{col.name: _plain(getattr(c, col.name)) for col in Call.__table__.columns if col.name not in hidden},
            'answered_by': {'id': c.user_id, 'login': users[c.user_id].login, 'name': users[c.user_id].name}
            if c.user_id in users
            else None,
        }
        for c in calls
    }


def _subscriptions(session) -> dict[str, list[int]]:
    """The active endpoints that want each kind."""
    wanted: dict[str, list[int]] = {}
    for endpoint_id, kinds in session.exec(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active == True)  # noqa: E712
    ):
        for kind in kinds:
            wanted.setdefault(kind, []).append(endpoint_id)
    return wanted


def _event_body(fact: Fact, client: dict, uid: str, at: datetime, call: dict | None = None) -> str:
    payload = {'id': uid, 'event': fact.kind, 'version': PAYLOAD_VERSION, 'occurred_at': _when(at), 'client': client}
    if fact.deal_id is not None:
        payload['deal'] = next((d for d in client['deals'] if d['id'] == fact.deal_id), None)
    if fact.request_id is not None:
        payload['request_id'] = fact.request_id
    if fact.call_id is not None:
        payload['call'] = call
    if fact.kind in ('client.stage_changed', 'client.closed', 'deal.stage_changed', 'deal.paid', 'deal.cancelled'):
        payload['previous_stage_id'] = fact.previous_stage_id
    if fact.kind == 'client.reassigned':
        payload['previous_responsible_id'] = fact.previous_responsible_id
    return json.dumps(payload, ensure_ascii=False, separators=(',', ':'))


def write_outbox(session, events: Sequence) -> int:
    """Turn the transaction's events into outbox rows and one delivery per endpoint that wants each; returns how
    many deliveries were written. Nothing is read or written when no endpoint wants what happened."""
    candidates = facts_of(events, {})  # without stage kinds: what closes is told apart below, if anybody listens
    if not candidates:
        return 0
    wanted = _subscriptions(session)
    kinds = {f.kind for f in candidates} | {'client.closed', 'deal.paid', 'deal.cancelled'}
    if not kinds & wanted.keys():
        return 0
    stage_kinds = dict(session.exec(select(Stage.id, Stage.kind)).all())
    facts = [f for f in facts_of(events, stage_kinds) if f.kind in wanted]
    if not facts:
        return 0
    session.flush()  # the payload reads what the transaction wrote
    by_client: dict[int, list[Fact]] = {}
    for fact in facts:
        by_client.setdefault(fact.client_id, []).append(fact)
    clients, at, written = list(by_client), utcnow(), 0
    for start in range(0, len(clients), PAYLOAD_CLIENTS):
        chunk = [f for client_id in clients[start : start + PAYLOAD_CLIENTS] for f in by_client[client_id]]
        written += _write_facts(session, chunk, wanted, at)
    return written


def _write_facts(session, facts: list[Fact], wanted: dict[str, list[int]], at: datetime) -> int:
    """The outbox rows and deliveries of some clients' facts (each client's in the order they happened)."""
    clients = client_payloads(session, [f.client_id for f in facts])
    # a bulk move closes only the clients whose stage now closes; a client deleted meanwhile has nothing to tell
    facts = [
        f
        for f in facts
        if f.client_id in clients and (f.kind != 'client.closed' or clients[f.client_id]['stage']['kind'] != 'working')
    ]
    calls = _call_payloads(session, [f.call_id for f in facts if f.call_id is not None])
    events_rows, deliveries = [], []
    for fact in facts:
        uid = str(uuid.uuid4())
        events_rows.append(
            {
                'uid': uid,
                'kind': fact.kind,
                'client_id': fact.client_id,
                'body': _event_body(fact, clients[fact.client_id], uid, at, calls.get(fact.call_id)),
                'created_at': at,
            }
        )
    if not events_rows:
        return 0
    connection = session.connection()
    ids = connection.execute(
        insert(OutboxEvent.__table__).returning(OutboxEvent.__table__.c.id, sort_by_parameter_order=True), events_rows
    )
    event_ids = [row[0] for row in ids]
    for event_id, fact in zip(event_ids, facts, strict=True):
        deliveries += [
            {
                'uid': str(uuid.uuid4()),
                'event_id': event_id,
                'endpoint_id': endpoint_id,
                'client_id': fact.client_id,
                'status': 'pending',
                'attempts': 0,
                'next_attempt_at': at,
                'last_error': '',
                'created_at': at,
            }
            for endpoint_id in wanted[fact.kind]
        ]
    connection.execute(insert(WebhookDelivery.__table__), deliveries)
    return len(deliveries)


@event.listens_for(DbSession, 'before_commit')
def _outbox_before_commit(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer commit writes the outbox of everything it keeps
    pending = session.info.get('pending_events')
    if pending and write_outbox(session, pending):
        session.info['outbox_written'] = True


@event.listens_for(DbSession, 'after_commit')
def _wake_worker(session) -> None:
    if session.info.pop('outbox_written', False):
        wakeup.set()


@event.listens_for(DbSession, 'after_soft_rollback')
def _forget_outbox(session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop('outbox_written', None)
