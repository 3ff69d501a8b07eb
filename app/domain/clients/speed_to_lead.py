"""Speed to lead: a request that comes in from outside (the leads API, a form, telephony) starts a clock on its
client, and the first action a person takes on that client after it (a comment, a move, a task, a deal, an
outgoing call) stops it, in the same transaction. The wait is kept in working seconds of the account's hours then
in force, with whose lead it was (the client's responsible at that moment): the reports read these, and a card
shows how long its client has waited so far. A request a person types in is handled as it is entered, and an
imported one is history: neither runs a clock.

The waiting clock's two thresholds (the card turns amber, then red) are the account's, set once by an admin
next to the working hours, and counted on the same working clock."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import select

from ..account.audit import record_change
from ..account.working_hours import working_hours
from ..errors import InvalidInput
from ..memo import Believed
from ..models import AccountSetting, Client, Request, as_utc, utcnow
from ..permissions import Actor, ensure_admin
from ..views import Waiting

THRESHOLDS_KEY = 'waiting_clock'
DEFAULT_THRESHOLDS = {'warn': 15, 'alarm': 60}  # working minutes
THRESHOLD_MAX = 7 * 24 * 60
SHOWN_DAYS = 8  # the working windows a board gets, enough for its tab to tick on for a week without a reload


class WaitingClock(BaseModel):
    """What a board needs to tick its cards' clocks on: the coming working windows and the thresholds."""

    windows: list[tuple[datetime, datetime]]
    warn_minutes: int
    alarm_minutes: int


def stop_clocks(session, client_ids: Iterable[int], at: datetime | None = None) -> int:
    """A person acted on these clients at `at` (now by default): the requests waiting for that, and arrived by
    then, keep their wait and whose lead they were. Returns how many clocks stopped."""
    at = as_utc(at) if at else utcnow()
    ids = list(client_ids)
    if not ids:
        return 0
    rows = session.execute(
        select(Request.id, Request.created_at, Client.responsible_id)
        .join(Client, Client.id == Request.client_id)
        .where(Request.client_id.in_(ids), Request.awaits_action, Request.created_at <= at)
    ).all()
    if rows:
        hours = working_hours(session)
        stopped = [
            {
                'id': request_id,
                'awaits_action': False,
                'first_action_at': at,
                'wait_s': hours.working_seconds(arrived, at),
                'handled_for_id': responsible_id,
            }
            for request_id, arrived, responsible_id in rows
        ]
        session.execute(update(Request), stopped)  # by primary key, one statement for a bulk action's clients
    return len(rows)


def waiting_of(session, client_ids: Iterable[int], now: datetime | None = None) -> dict[int, Waiting]:
    """The clients among these whose clock runs, with how long they have waited so far (one query)."""
    ids = list(client_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Request.client_id, func.min(Request.created_at))
        .where(Request.client_id.in_(ids), Request.awaits_action)
        .group_by(Request.client_id)
    ).all()
    if not rows:
        return {}
    now = now or utcnow()
    hours = working_hours(session)
    return {
        client_id: Waiting(since=as_utc(since), seconds=hours.working_seconds(since, now), as_of=now)
        for client_id, since in rows
    }


# the thresholds


_believed = Believed(10, watched=(AccountSetting,))


def _check(value: dict) -> tuple[int, int]:
    warn, alarm = value.get('warn'), value.get('alarm')
    if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= THRESHOLD_MAX for v in (warn, alarm)):
        raise InvalidInput('speed.error.threshold', limit=THRESHOLD_MAX)
    if warn >= alarm:
        raise InvalidInput('speed.error.order')
    return warn, alarm


def waiting_thresholds(session) -> tuple[int, int]:
    """The account's two thresholds in working minutes: amber from the first, red from the second."""

    def load() -> tuple[int, int]:
        row = session.get(AccountSetting, THRESHOLDS_KEY)
        return _check({**DEFAULT_THRESHOLDS, **(row.value if row else {})})

    return _believed.get(THRESHOLDS_KEY, load)


def set_waiting_thresholds(session, *, actor: Actor, warn: int, alarm: int) -> tuple[int, int]:
    """Admins set when a waiting card turns amber and red; written to the audit log."""
    ensure_admin(actor)
    warn, alarm = _check({'warn': warn, 'alarm': alarm})
    row = session.get(AccountSetting, THRESHOLDS_KEY) or AccountSetting(key=THRESHOLDS_KEY)
    row.value = {'warn': warn, 'alarm': alarm}
    session.add(row)
    record_change(session, actor, 'automation', 'waiting_clock', **row.value)
    session.flush()
    return warn, alarm


def waiting_clock(session, now: datetime | None = None) -> WaitingClock:
    """The working windows of the coming days and the thresholds, for a board's ticking clocks."""
    now = now or utcnow()
    warn, alarm = waiting_thresholds(session)
    windows = working_hours(session).windows_between(now, now + timedelta(days=SHOWN_DAYS))
    return WaitingClock(windows=windows, warn_minutes=warn, alarm_minutes=alarm)
