"""The event bus: small events with ids only, published after commit, never for a rolled-back change.

Services queue events on their session; db.py publishes them when that session commits. Viewers re-read
what they show as their own user, so an event never carries data somebody may not see. On PostgreSQL the
committing transaction also sends them to the other processes (pg_events.py), whose listeners hand them to
their own `Bus.deliver`, marked with the committing transaction so a view can tell whether a read it made
already holds the change.
"""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

log = logging.getLogger(__name__)


class Record:
    """What every event is: a frozen record that a transport can send as a plain dict."""

    on_bus = True  # False: held for the commit's own hooks (the outbox) only, never published to viewers

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ClientChanged(Record):
    """A client was created, moved, edited, reassigned, closed or got a comment, task, request or deal."""

    client_id: int
    stage_id: int
    actor_id: int | None
    what: str
    previous_stage_id: int | None = None
    responsible_id: int | None = None
    previous_responsible_id: int | None = None
    task_assignee_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DealChanged(Record):
    """A deal was moved, reopened or got a comment: open deals boards re-read that one deal."""

    deal_id: int
    client_id: int
    stage_id: int
    actor_id: int | None
    what: str
    previous_stage_id: int | None = None
    responsible_id: int | None = None


@dataclass(frozen=True)
class ClientsChanged(Record):
    """A bulk action changed many clients at once: viewers reload what they show instead of card by card."""

    actor_id: int
    what: str
    count: int
    # which clients (the outbox sends one event per client); viewers reload and need only the count (a list too
    # long for a notification reaches other processes as ChangesMissed, which reloads as well)
    client_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class UserSettingsChanged(Record):
    """A user's view settings changed (by them or an admin): their open boards re-render."""

    user_id: int
    actor_id: int


@dataclass(frozen=True)
class AccountChanged(Record):
    """An admin changed the account's setup (stages, reasons, reference lists, users): open pages reload it."""

    area: str
    actor_id: int


@dataclass(frozen=True)
class SessionEnded(Record):
    """A login session ended (logout, expiry): every tab sharing it goes back to the login page."""

    session_key: str
    user_id: int


@dataclass(frozen=True)
class RequestReceived(Record):
    """A request (a lead, a call, a hand-entered first contact) was recorded. Not published: screens follow the
    client's own event; the outbox (outbound webhooks) reads it from the session before the commit."""

    on_bus = False

    client_id: int
    request_id: int
    actor_id: int | None


@dataclass(frozen=True)
class IncomingCall(Record):
    """Telephony reported a call of a client: the open tabs of whoever takes it show that client at once."""

    client_id: int
    responsible_id: int
    request_id: int
    phone: str  # E.164; shown only in the tabs of the one taking the call, who may see the client
    # the manager who answered, when telephony named one who may see the client: the call opens in their tabs
    # instead of the responsible's
    answered_by_id: int | None = None

    @property
    def taken_by_id(self) -> int:
        return self.answered_by_id or self.responsible_id


@dataclass(frozen=True)
class CallLogged(Record):
    """Telephony's call was stored (`what`: 'logged') or completed by a later report of it ('completed')."""

    call_id: int
    client_id: int
    actor_id: int
    what: str


@dataclass(frozen=True)
class ChangesMissed(Record):
    """This process may have missed changes made by another one (its listening connection was lost, or a
    notification never came): open views read what they show again."""

    reason: str


@dataclass(frozen=True)
class NotificationsChanged(Record):
    """Notifications of these users were added or read (automation): their open tabs refresh the bell."""

    user_ids: tuple[int, ...]


Event = (
    ClientChanged
    | DealChanged
    | ClientsChanged
    | UserSettingsChanged
    | AccountChanged
    | SessionEnded
    | RequestReceived
    | IncomingCall
    | CallLogged
    | ChangesMissed
    | NotificationsChanged
)
EVENT_TYPES: dict[str, type] = {
    kind.__name__: kind
    for kind in (
        ClientChanged,
        DealChanged,
        ClientsChanged,
        UserSettingsChanged,
        AccountChanged,
        SessionEnded,
        IncomingCall,
        CallLogged,
        ChangesMissed,
        NotificationsChanged,
    )
}
Subscriber = Callable[[Event], None]
# the mark of a committed change: PostgreSQL's id of the committing transaction, or None for the in-process bus
MarkedSubscriber = Callable[[Event, int | None], None]


@dataclass(frozen=True)
class LocalSnapshot:
    """What a read saw of the in-process bus: the changes numbered up to `seen` (numbered by the subscriber)."""

    seen: int = 0

    def includes(self, mark: int) -> bool:
        return mark <= self.seen


@dataclass(frozen=True)
class TransactionSnapshot:
    """What a PostgreSQL read saw: `pg_current_snapshot()` of its transaction. A change whose committing
    transaction is visible in it is in what the read returned, whichever process made it."""

    xmin: int
    xmax: int
    in_progress: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> 'TransactionSnapshot':
        xmin, xmax, listed = text.split(':')
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in listed.split(',') if x))

    def includes(self, mark: int) -> bool:
        return mark < self.xmin or (mark < self.xmax and mark not in self.in_progress)


class LocalTransport:
    """In-process delivery: what one process publishes, its own subscribers receive."""

    def __init__(self) -> None:
        self.deliver: Callable[[Event, int | None], None] = lambda event, mark=None: None

    def send(self, event: Event, mark: int | None = None) -> None:
        self.deliver(event, mark)


class Bus:
    """Fan-out of committed changes to subscribers (open boards, client windows, task counters)."""

    def __init__(self) -> None:
        self._subscribers: list[tuple[Subscriber | MarkedSubscriber, bool]] = []
        self.transport = LocalTransport()
        self.transport.deliver = self.deliver

    def subscribe(self, subscriber: Subscriber | MarkedSubscriber, *, marked: bool = False) -> Callable[[], None]:
        """Register a subscriber (called with the change's mark too when `marked`); returns the function that
        unsubscribes it."""
        entry = (subscriber, marked)
        self._subscribers.append(entry)
        return lambda: self._subscribers.remove(entry) if entry in self._subscribers else None

    def reset(self) -> None:
        """Forget every subscriber (between tests, and when a process shuts down)."""
        self._subscribers.clear()

    def publish(self, event: Event, mark: int | None = None) -> None:
        self.transport.send(event, mark)

    def deliver(self, event: Event, mark: int | None = None) -> None:
        for subscriber, marked in list(self._subscribers):
            try:
                if marked:
                    subscriber(event, mark)
                else:
                    subscriber(event)
            except Exception:  # one broken viewer must not stop the others from hearing about the change
                log.exception('event subscriber failed')


bus = Bus()


def queue_event(session, event: Event) -> None:
    """Hold an event on the session until it commits (see db.py)."""
    session.info.setdefault('pending_events', []).append(event)


@dataclass(frozen=True)
class ClientFact:
    """Something that happened to a client which a stage's automation rule may answer: `kind` is a RuleTrigger
    ('entered', 'task_created', 'task_done', 'request'). Never published: the automation reads the facts of a
    transaction just before it commits, inside it (a rolled-back savepoint takes its facts with it)."""

    kind: str
    client_id: int
    stage_id: int
    task_type: str | None = None


def note_fact(session, fact: ClientFact) -> None:
    """Hold a fact for the rules evaluated when this session commits."""
    session.info.setdefault('pending_facts', []).append(fact)
