"""«Время до первого действия» (speed to lead): for the requests that came in from outside in the period, how
long each waited for a person's first action on its client, in working minutes (app/domain/clients/
speed_to_lead.py keeps the waits), per manager (whose lead it was) and per channel: the median, the 90th
percentile and the share handled within 15 minutes, with the requests still waiting counted apart."""

import math
import statistics
from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import select

from ..models import Channel, Client, Request, User
from ..permissions import Actor, ensure_active
from .reports import ReportScope, _scoped

TARGET_MINUTES = 15  # "handled within 15 minutes" (issue 19), whatever the card thresholds


class SpeedRow(BaseModel):
    name: str  # the manager's or the channel's; '' for the totals
    handled: int  # requests whose first action came
    median_minutes: float | None
    p90_minutes: float | None
    within_target: float | None  # share of the handled ones within TARGET_MINUTES
    waiting: int  # requests still waiting for a first action


class SpeedReport(BaseModel):
    scope: ReportScope
    managers: list[SpeedRow]
    channels: list[SpeedRow]
    total: SpeedRow


def percentile(values: list[int], share: float) -> float:
    """The nearest-rank percentile: the smallest value at least `share` of them do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _row(name: str, waits: list[int], waiting: int) -> SpeedRow:
    return SpeedRow(
        name=name,
        handled=len(waits),
        median_minutes=statistics.median(waits) / 60 if waits else None,
        p90_minutes=percentile(waits, 0.9) / 60 if waits else None,
        within_target=sum(1 for w in waits if w <= TARGET_MINUTES * 60) / len(waits) if waits else None,
        waiting=waiting,
    )


def _rows(names: dict, waits: dict, waiting: dict) -> list[SpeedRow]:
    rows = [_row(names.get(key, '—'), waits.get(key, []), waiting.get(key, 0)) for key in set(waits) | set(waiting)]
    return sorted(rows, key=lambda row: (-row.handled, -row.waiting, row.name))


def speed_report(session, *, actor: Actor, scope: ReportScope) -> SpeedReport:
    """The speed to lead of the requests that arrived in the period, over the clients the reader may see; the
    chosen managers are those whose leads the requests were."""
    ensure_active(actor)
    start, end = scope.bounds()
    manager = func.coalesce(Request.handled_for_id, Client.responsible_id)
    rows = session.execute(
        select(manager, Request.channel_id, Request.wait_s)
        .join(Client, Client.id == Request.client_id)
        .where(
            Request.created_at >= start,
            Request.created_at < end,
            or_(Request.awaits_action, Request.wait_s.is_not(None)),
            *_scoped(actor, scope, manager),
        )
    ).all()
    by_manager, by_channel = defaultdict(list), defaultdict(list)
    waiting_manager, waiting_channel = defaultdict(int), defaultdict(int)
    for manager_id, channel_id, wait_s in rows:
        if wait_s is None:
            waiting_manager[manager_id] += 1
            waiting_channel[channel_id] += 1
        else:
            by_manager[manager_id].append(wait_s)
            by_channel[channel_id].append(wait_s)
    users = dict(session.execute(select(User.id, User.name)).all())
    channels = dict(session.execute(select(Channel.id, Channel.name)).all())
    every = [w for waits in by_manager.values() for w in waits]
    return SpeedReport(
        scope=scope,
        managers=_rows(users, by_manager, waiting_manager),
        channels=_rows(channels, by_channel, waiting_channel),
        total=_row('', every, sum(waiting_manager.values())),
    )
