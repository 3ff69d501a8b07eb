"""Tables of the CRM. Stages, reasons and transitions are rows, so admins can edit them."""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC: what every datetime column stores and returns."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken as UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Role(StrEnum):
    admin = 'admin'
    head = 'head'
    manager = 'manager'


class Board(StrEnum):
    clients = 'clients'
    deals = 'deals'


class StageKind(StrEnum):
    working = 'working'
    success = 'success'
    failure = 'failure'
    trash = 'trash'


class CreationMethod(StrEnum):
    manual = 'manual'
    integration = 'integration'
    import_ = 'import'


class TouchType(StrEnum):
    request = 'request'
    call = 'call'


class TaskType(StrEnum):
    call = 'call'
    meeting = 'meeting'
    showing = 'showing'
    other = 'other'


class FeedKind(StrEnum):
    comment = 'comment'
    created = 'created'
    stage = 'stage'
    responsible = 'responsible'
    fields = 'fields'
    request = 'request'
    task_created = 'task_created'
    task_done = 'task_done'
    deal_created = 'deal_created'
    note = 'note'
    call = 'call'
    document = 'document'  # a file attached, renamed or deleted (its data holds document_id while it exists)


class CallDirection(StrEnum):
    incoming = 'incoming'
    outgoing = 'outgoing'
    missed = 'missed'


class User(SQLModel, table=True):
    """A person who logs in; the role and the switches decide what they may see and do."""

    # a desk phone's internal number names one active person: telephony's calls are routed by it; a deactivated
    # colleague's number is free for whoever takes the desk
    __table_args__ = (
        Index(
            'ux_user_internal_number_active',
            'internal_number',
            unique=True,
            sqlite_where=text('active AND internal_number IS NOT NULL'),
            postgresql_where=text('active AND internal_number IS NOT NULL'),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(default=Role.manager, max_length=16)
    password_hash: str = ''
    active: bool = True
    can_see_others: bool = True
    can_act_on_others: bool = False
    can_export: bool = False
    can_import: bool = False
    can_bulk: bool = False
    locale: str = Field(default='ru', max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    internal_number: str | None = Field(default=None, max_length=16)


class ApiToken(SQLModel, table=True):
    """A bearer token for the API; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='user.id', index=True)
    token_hash: str = Field(unique=True, max_length=64)
    label: str = ''
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed logins of one source: an address, a login from an address, or a login from anywhere (the
    account's ceiling). Counting by source slows an attacker while the owner, elsewhere, still gets in."""

    key: str = Field(primary_key=True, max_length=160)
    failures: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime = Field(default_factory=utcnow, index=True)


class LoginSession(SQLModel, table=True):
    """A browser login; ending it (logout, expiry, deactivation) logs out every tab that shares it."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='user.id', index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Stage(SQLModel, table=True):
    """A column of the clients or deals kanban."""

    id: int | None = Field(default=None, primary_key=True)
    board: str = Field(max_length=16, index=True)
    name: str = Field(max_length=100)
    position: int = 0
    kind: str = Field(default=StageKind.working, max_length=16)
    color: str = Field(default='#90a4ae', max_length=16)

    @property
    def is_closing(self) -> bool:
        return self.kind != StageKind.working

    @property
    def needs_reason(self) -> bool:
        return self.kind in (StageKind.failure, StageKind.trash)


class ClosingReason(SQLModel, table=True):
    """Why a client or deal was closed in a failure or trash stage."""

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key='stage.id', index=True)
    name: str = Field(max_length=200)
    position: int = 0
    active: bool = True


class StageTransition(SQLModel, table=True):
    """One allowed move from a stage to another; absent pairs are refused."""

    __table_args__ = (UniqueConstraint('from_stage_id', 'to_stage_id'),)
    id: int | None = Field(default=None, primary_key=True)
    from_stage_id: int = Field(foreign_key='stage.id', index=True)
    to_stage_id: int = Field(foreign_key='stage.id')


class Channel(SQLModel, table=True):
    """A sales channel; the first one is the default."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    position: int = 0
    active: bool = True


class Project(SQLModel, table=True):
    """A building project; its abbreviation is shown on cards."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    abbreviation: str = Field(max_length=16)
    active: bool = True


class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    color: str = Field(default='#1976d2', max_length=16)


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)


class Realtor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key='agency.id', index=True)
    name: str = Field(max_length=200)
    phone: str = Field(default='', max_length=32)


class CustomField(SQLModel, table=True):
    """An admin-defined client field; values live in Client.custom keyed by the field id."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(default='text', max_length=16)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    position: int = 0


_CLIENT_FILTER_COLUMNS = (
    'responsible_id',
    'project_id',
    'agency_id',
    'creator_id',
    'last_comment_at',
    'next_due_at',
    'name_folded',
)


class Client(SQLModel, table=True):
    """One person or family: exactly one card, forever."""

    # The filters (SPEC §3) count the exact total of up to every working client: these two indexes carry
    # every column a filter tests on the client row, so SQLite counts and pages from the index alone instead
    # of fetching each (wide) row. `id` right after `created_at` keeps the order of the lists' ORDER BY
    # created_at, id: newest-first pages walk the index and stop at the page's end (bench/bench_filters.py).
    __table_args__ = (
        Index('ix_client_stage_created', 'stage_id', 'created_at', 'id', *_CLIENT_FILTER_COLUMNS),
        Index('ix_client_created_at', 'created_at', 'id', 'stage_id', *_CLIENT_FILTER_COLUMNS),
        Index('ix_client_responsible_stage_created', 'responsible_id', 'stage_id', 'created_at'),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    # casefolded name: SQLite's lower()/LIKE fold only ASCII, so Cyrillic search needs a folded copy
    name_folded: str = Field(default='', max_length=300)
    email: str = Field(default='', max_length=254)
    project_id: int | None = Field(default=None, foreign_key='project.id')
    channel_id: int = Field(foreign_key='channel.id')
    agency_id: int | None = Field(default=None, foreign_key='agency.id')
    realtor_id: int | None = Field(default=None, foreign_key='realtor.id')
    situation: str = ''
    responsible_id: int = Field(foreign_key='user.id')
    creator_id: int | None = Field(default=None, foreign_key='user.id')
    creation_method: str = Field(default=CreationMethod.manual, max_length=16)
    touch_type: str = Field(default=TouchType.request, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    stage_id: int = Field(foreign_key='stage.id')
    closing_reason_id: int | None = Field(default=None, foreign_key='closingreason.id')
    stage_changed_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime = Field(default_factory=utcnow)
    last_comment_at: datetime | None = None
    # when a person last handled the client (a comment, move, task or booking); None while no one has, which is
    # what keeps a fresh lead at the top of the first stage without looking at its feed
    handled_at: datetime | None = None
    # the earliest open task's due time, kept by the task services: "overdue first" and the task filters
    # read it from the client's own row instead of searching the tasks of every client
    next_due_at: datetime | None = None
    custom: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1


class ClientPhone(SQLModel, table=True):
    """A client's phone in E.164; unique across all clients, which is what forbids duplicates."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key='client.id', index=True)
    number: str = Field(unique=True, max_length=20)
    extension: str = Field(default='', max_length=16)
    position: int = 0


class ClientTag(SQLModel, table=True):
    client_id: int = Field(foreign_key='client.id', primary_key=True)
    tag_id: int = Field(foreign_key='tag.id', primary_key=True, index=True)


class Request(SQLModel, table=True):
    """One incoming contact; lead reports count these, the board counts clients."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key='client.id', index=True)
    channel_id: int = Field(foreign_key='channel.id')
    project_id: int | None = Field(default=None, foreign_key='project.id')
    touch_type: str = Field(default=TouchType.request, max_length=16)
    source: str = Field(default=CreationMethod.integration, max_length=16)
    name: str = Field(default='', max_length=300)
    phone: str = Field(default='', max_length=64)
    comment: str = ''
    created_at: datetime = Field(default_factory=utcnow, index=True)
    created_by_id: int | None = Field(default=None, foreign_key='user.id')
    # the client's first contact (the one that made the card): the lead report splits new and returning clients
    is_first: bool = False
    # attribution (app/domain/attribution.py bounds it): the utm tags are indexed, the filters and reports use them
    utm_source: str = Field(default='', max_length=200, index=True)
    utm_medium: str = Field(default='', max_length=200, index=True)
    utm_campaign: str = Field(default='', max_length=200, index=True)
    utm_content: str = Field(default='', max_length=200)
    utm_term: str = Field(default='', max_length=200)
    landing_url: str = Field(default='', max_length=2048)
    referrer: str = Field(default='', max_length=2048)
    roistat_visit: str = Field(default='', max_length=100)
    calltouch_session_id: str = Field(default='', max_length=100)
    comagic_visitor_id: str = Field(default='', max_length=100)
    extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # speed to lead (app/domain/clients/speed_to_lead.py): a request from outside waits for a person's first
    # action on its client; that action stops the clock and keeps the wait in working seconds, and whose lead it was
    awaits_action: bool = False
    first_action_at: datetime | None = None
    wait_s: int | None = None
    handled_for_id: int | None = None  # a user (no foreign key: a plain column SQLite can add in place)


class UnitStatus(StrEnum):
    free = 'free'
    booked = 'booked'
    sold = 'sold'


class PropertyUnit(SQLModel, table=True):
    """A property object of a project (a flat, a parking place): booking takes a free one, payment sells it."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key='project.id', index=True)
    label: str = Field(max_length=100)
    area: float | None = None
    price: float | None = None
    status: str = Field(default=UnitStatus.free, max_length=16, index=True)


class Deal(SQLModel, table=True):
    """One client and one property object, moving on the deals kanban."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key='client.id', index=True)
    project_id: int | None = Field(default=None, foreign_key='project.id')
    unit_id: int | None = Field(default=None, foreign_key='propertyunit.id', index=True)
    unit: str = Field(default='', max_length=100)
    amount: float = 0
    stage_id: int = Field(foreign_key='stage.id', index=True)
    closing_reason_id: int | None = Field(default=None, foreign_key='closingreason.id')
    responsible_id: int = Field(foreign_key='user.id')
    creator_id: int | None = Field(default=None, foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow)
    stage_changed_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class StageChange(SQLModel, table=True):
    """One arrival of a client (or a deal) in a stage: the funnel counts these, and `seconds` (filled when it
    leaves) is how long it stayed. A client's creation is its arrival in the first stage."""

    # The funnel of 100,000 clients and 500,000 changes must take well under a second: it reads the cohort (by
    # the client's creation time, copied here: it never changes) from these covering indexes alone, the furthest
    # stage per client in one ordered pass, and each stage's median stay by walking to the middle of its lengths.
    __table_args__ = (
        Index('ix_stagechange_funnel', 'board', 'client_created_at', 'client_id', 'to_stage_id'),
        Index('ix_stagechange_stay', 'board', 'to_stage_id', 'seconds', 'client_created_at', 'client_id'),
        Index('ix_stagechange_client', 'client_id', 'board', 'to_stage_id', 'seconds'),
        Index('ix_stagechange_board_at', 'board', 'at'),
    )
    id: int | None = Field(default=None, primary_key=True)
    board: str = Field(default=Board.clients, max_length=16)
    client_id: int = Field(foreign_key='client.id')
    client_created_at: datetime
    deal_id: int | None = Field(default=None, foreign_key='deal.id', index=True)
    from_stage_id: int | None = Field(default=None, foreign_key='stage.id')
    to_stage_id: int = Field(foreign_key='stage.id')
    reason_id: int | None = Field(default=None, foreign_key='closingreason.id')
    actor_id: int | None = Field(default=None, foreign_key='user.id')
    at: datetime = Field(default_factory=utcnow)
    seconds: int | None = None  # time spent in to_stage, set when the client or deal moves on
    # the automation rule that made this move (the funnel counts such arrivals apart); no foreign key: the history
    # outlives a deleted rule
    rule_id: int | None = None


class Task(SQLModel, table=True):
    """Something to do about a client by a due time; overdue when open and past due."""

    __table_args__ = (
        Index('ix_task_assignee_done_due', 'assignee_id', 'done', 'due_at'),
        # due time first: led by `done`, SQLite (without ANALYZE statistics) took this index for the cards'
        # `client_id IN (…) AND done = false ORDER BY due_at` and walked every open task
        Index('ix_task_due_done', 'due_at', 'done'),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key='client.id', index=True)
    title: str = Field(max_length=300)
    type: str = Field(default=TaskType.call, max_length=16)
    due_at: datetime
    assignee_id: int = Field(foreign_key='user.id')
    done: bool = False
    done_at: datetime | None = None
    created_by_id: int | None = Field(default=None, foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow)


class FeedEntry(SQLModel, table=True):
    """A line of a client's feed: a comment, or a system record of a change. Entries with a deal_id are that
    deal's feed as well."""

    __table_args__ = (Index('ix_feed_client_created', 'client_id', 'created_at'),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key='client.id')
    deal_id: int | None = Field(default=None, foreign_key='deal.id', index=True)
    kind: str = Field(max_length=16)
    author_id: int | None = Field(default=None, foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow)
    text: str = ''
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    edited_at: datetime | None = None


class UserPreference(SQLModel, table=True):
    """A user's remembered choice (filter, table columns, Mine/All), the same on every device."""

    user_id: int = Field(foreign_key='user.id', primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    value: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DeliveryStatus(StrEnum):
    pending = 'pending'  # waiting for its first or next attempt
    delivered = 'delivered'  # the receiver answered 2xx
    failed = 'failed'  # retried for a day and more without success: given up, «Отправить снова» restarts it


class WebhookEndpoint(SQLModel, table=True):
    """A receiver an admin registered for chosen events; its secret signs every delivery (kept as is: HMAC needs
    it, and the admin sees it only when it is made)."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    description: str = Field(default='', max_length=200)
    secret: str = Field(max_length=100)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow)
    # since when every attempt failed (None after a success): a day of it flags the endpoint to admins
    failing_since: datetime | None = None


class OutboxEvent(SQLModel, table=True):
    """A change as receivers will see it, written in the transaction of the change: the payload is the snapshot
    at commit, the same bytes for every endpoint (the signature covers them)."""

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=36, unique=True)
    kind: str = Field(max_length=40)
    client_id: int | None = None  # no foreign key: the event outlives a deleted client
    body: str
    created_at: datetime = Field(default_factory=utcnow, index=True)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: retried until delivered, in order per endpoint and client."""

    __table_args__ = (
        Index('ix_delivery_due', 'status', 'next_attempt_at'),
        # the "nothing earlier is still pending for this endpoint and client" probe of every claim
        Index('ix_delivery_order', 'endpoint_id', 'client_id', 'status', 'id'),
        Index('ix_delivery_endpoint_recent', 'endpoint_id', 'id'),
    )
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=36, unique=True)
    event_id: int = Field(foreign_key='outboxevent.id', index=True)
    endpoint_id: int = Field(foreign_key='webhookendpoint.id')
    client_id: int | None = None
    status: str = Field(default=DeliveryStatus.pending, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None  # a worker is sending it; after this a crashed worker's claim lapses
    last_attempt_at: datetime | None = None
    response_code: int | None = None
    last_error: str = Field(default='', max_length=300)
    delivered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who changed which account setting, when: admins read it under Settings."""

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key='user.id')
    at: datetime = Field(default_factory=utcnow, index=True)
    area: str = Field(max_length=32)
    action: str = Field(max_length=200)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AccountSetting(SQLModel, table=True):
    """Account-wide settings as JSON values by key (lead distribution and the like)."""

    key: str = Field(primary_key=True, max_length=64)
    value: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ExportSchema(SQLModel, table=True):
    """A named, ordered set of columns for the clients export; account-wide, edited by admins."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    position: int = 0


class Call(SQLModel, table=True):
    """A telephone call of a client, as telephony reported it: incoming and missed ones also made a Request.
    The recording stays at the provider; the browser plays it from `recording_url`."""

    # a provider retries: its call id, per integration user (the token's owner), is one call however often posted
    __table_args__ = (UniqueConstraint('reported_by_id', 'provider_call_id'),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key='client.id', index=True)
    direction: str = Field(max_length=16)
    phone: str = Field(max_length=20)  # E.164
    started_at: datetime = Field(default_factory=utcnow)
    duration_s: int | None = None
    user_id: int | None = Field(default=None, foreign_key='user.id')  # who answered or made it, when known
    manager: str = Field(default='', max_length=64)  # the internal number or login as reported
    recording_url: str = Field(default='', max_length=2048)
    provider_call_id: str = Field(max_length=128)
    reported_by_id: int = Field(foreign_key='user.id')
    request_id: int | None = Field(default=None, foreign_key='request.id')
    feed_entry_id: int | None = Field(default=None, foreign_key='feedentry.id')
    task_id: int | None = Field(default=None, foreign_key='task.id')  # the call-back a missed call asked for
    created_at: datetime = Field(default_factory=utcnow)


# documents (issue 17) ------------------------------------------------------------------------------------------------
class Document(SQLModel, table=True):
    """A file attached to a client (and maybe one of its deals). The bytes are a blob in the file store named by
    their sha256; this row refers to the blob only once it is complete, and several rows may share one blob."""

    __table_args__ = (Index('ix_document_client_uploaded', 'client_id', 'uploaded_at'),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key='client.id')
    deal_id: int | None = Field(default=None, foreign_key='deal.id', index=True)
    name: str = Field(max_length=200)
    content_type: str = Field(max_length=100)  # sniffed from the bytes, never taken from the browser
    size: int
    blob_key: str = Field(max_length=64, index=True)
    uploaded_by_id: int | None = Field(default=None, foreign_key='user.id')
    uploaded_at: datetime = Field(default_factory=utcnow)


class ImportPreset(SQLModel, table=True):
    """A saved column mapping («Из amoCRM»), account-wide: chosen by name, or found again by the file's headers."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    # a digest of the headers as compared (header_key of each): the same export shape finds its preset by index
    signature: str = Field(max_length=64, index=True)
    headers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    mapping: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChannelRule(SQLModel, table=True):
    """utm_source → channel, set by an admin: a lead that names no channel gets the channel of the first rule its
    utm_source matches (an exact rule before a prefix, a longer prefix before a shorter one)."""

    __table_args__ = (UniqueConstraint('match', 'pattern'),)
    id: int | None = Field(default=None, primary_key=True)
    match: str = Field(default='exact', max_length=16)  # exact or prefix
    pattern: str = Field(max_length=200)  # casefolded, as utm_source is compared
    channel_id: int = Field(foreign_key='channel.id', index=True)


class IdempotencyKey(SQLModel, table=True):
    """The first answer to a write sent with a key (an API token's `Idempotency-Key` or `external_id`, a form's
    `tranid`): a retry with the same key gets it back instead of a second request. The unique pair is what decides
    between concurrent retries; kept IDEMPOTENCY_DAYS (app/domain/integrations/idempotency.py)."""

    __table_args__ = (UniqueConstraint('scope', 'key'),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=80)  # whose keys: a token's digest or a form endpoint
    key: str = Field(max_length=200)
    fingerprint: str = Field(max_length=64)  # sha256 of the body: the same key with another body is refused
    status_code: int = 201
    response: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class FormEndpoint(SQLModel, table=True):
    """A URL a site builder (Tilda) posts its forms to: the secret in its path is kept as a hash, like an API
    token's; the mapping says which posted field is the phone, the name, the project, the comment."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key='user.id')  # the leads come in as this user's (lead distribution applies)
    channel_id: int | None = Field(default=None, foreign_key='channel.id')  # when no utm rule names one
    mapping: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key='user.id')
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


# --- automation (issue 19): rules as data, their log, the due actions of timed rules, in-app notifications ---


class RuleTrigger(StrEnum):
    entered = 'entered'  # a client enters the rule's stage
    task_created = 'task_created'
    task_done = 'task_done'
    request = 'request'  # a request arrives for a client in the stage
    waiting = 'waiting'  # a client has been in the stage longer than `wait_minutes` working minutes


class RuleAction(StrEnum):
    move = 'move'
    task = 'task'
    reassign = 'reassign'
    notify = 'notify'


class AutomationRule(SQLModel, table=True):
    """ "When … then …" for the clients of one stage, edited by admins; `params` hold the action's choices
    (target stage, task type, title and due minutes, assignee, whom to notify)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    stage_id: int = Field(foreign_key='stage.id', index=True)
    trigger: str = Field(max_length=16)
    task_type: str | None = Field(default=None, max_length=16)  # the task triggers: only tasks of this type
    wait_minutes: int | None = None  # the waiting trigger, in working minutes
    action: str = Field(max_length=16)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = True
    position: int = 0
    default_key: str | None = Field(default=None, max_length=32, unique=True)  # a shipped default rule
    created_at: datetime = Field(default_factory=utcnow)


class AutomationLog(SQLModel, table=True):
    """What a rule did or why it could not: admins read it under Settings → «Автоматизация»."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    rule_id: int | None = None  # no foreign key: the log outlives a deleted rule, which it names
    rule_name: str = Field(max_length=100)
    client_id: int | None = Field(default=None, foreign_key='client.id', index=True)
    done: bool = False
    key: str = Field(max_length=64)  # the message, translated for each reader
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DueAction(SQLModel, table=True):
    """A timed rule's action waiting for its time: one per rule and stay of a client in the rule's stage. Rows
    outlive a restart; a worker claims a due row under a row lock, so each runs once whatever the processes."""

    __table_args__ = (UniqueConstraint('rule_id', 'client_id', 'stay_started_at'),)
    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key='automationrule.id', index=True)
    client_id: int = Field(foreign_key='client.id', index=True)
    stay_started_at: datetime  # the client's stage_changed_at when planned: a move since then makes it void
    due_at: datetime = Field(index=True)


class Notification(SQLModel, table=True):
    """An in-app message to one user, kept until they read it (the header bell)."""

    __table_args__ = (Index('ix_notification_user_read', 'user_id', 'read_at'),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='user.id')
    client_id: int | None = Field(default=None, foreign_key='client.id', index=True)
    key: str = Field(max_length=64)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
