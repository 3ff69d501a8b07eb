"""The event bus: small events with ids only, published after commit, never for a rolled-back change.

Services queue events on their session; db.py publishes them when that session commits. Viewers re-read
what they show as their own user, so an event never carries data somebody may not see. A transport is
the one seam where a cross-process channel (PostgreSQL LISTEN/NOTIFY) plugs in: it receives every
published event and must hand it back to `Bus.deliver` in every process.
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
    # which clients (the outbox sends one event per client); viewers reload and need only the count
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
    """Telephony reported a call of a client: the responsible's open tabs show that client at once."""

    client_id: int
    responsible_id: int
    request_id: int
    phone: str  # E.164; shown only in the responsible's tabs, who may see the client


Event = (
    ClientChanged
    | DealChanged
    | ClientsChanged
    | UserSettingsChanged
    | AccountChanged
    | SessionEnded
    | RequestReceived
    | IncomingCall
)
Subscriber = Callable[[Event], None]


class LocalTransport:
    """In-process delivery: what one process publishes, its own subscribers receive."""

    def __init__(self) -> None:
        self.deliver: Callable[[Event], None] = lambda event: None

    def send(self, event: Event) -> None:
        self.deliver(event)


class Bus:
    """Fan-out of committed changes to subscribers (open boards, client windows, task counters)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.transport = LocalTransport()
        self.transport.deliver = self.deliver

    def use_transport(self, transport) -> None:
        """Swap the delivery channel, e.g. for one shared by several processes."""
        self.transport = transport
        transport.deliver = self.deliver

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Register a subscriber; returns the function that unsubscribes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber) if subscriber in self._subscribers else None

    def reset(self) -> None:
        """Forget every subscriber (between tests, and when a process shuts down)."""
        self._subscribers.clear()

    def publish(self, event: Event) -> None:
        self.transport.send(event)

    def deliver(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # one broken viewer must not stop the others from hearing about the change
                log.exception('event subscriber failed')


bus = Bus()


def queue_event(session, event: Event) -> None:
    """Hold an event on the session until it commits (see db.py)."""
    session.info.setdefault('pending_events', []).append(event)
