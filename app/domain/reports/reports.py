"""Reports (SPEC §3 «Отчёты»): the sales funnel, the lead report and the deals report, each for a period and
for all or chosen managers, always over the clients the reader may see.

The funnel follows the clients created in the period (a cohort): how many of them reached each working stage
and the success stage, the conversion between neighbouring stages, the median time a stay in each stage
lasted, and why the closed ones were closed. A client who skipped a stage is counted as having passed it,
as in any funnel. Everything comes from the stage history (StageChange) in a few grouped queries.
"""

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import case, func
from sqlmodel import select

from app.i18n import translate

from ..account_time import ACCOUNT_TZ, to_local_naive
from ..errors import InvalidInput
from ..models import Board, Channel, Client, ClosingReason, Deal, Request, Stage, StageChange, StageKind, User
from ..permissions import Actor, ensure_active, sees_all_clients, visibility_condition

Bucket = Literal['day', 'week', 'month']
Dimension = Literal['channel', 'utm_source', 'utm_medium', 'utm_campaign']  # what the lead report's columns are
MAX_DAYS = 3 * 366
MIN_YEAR, MAX_YEAR = 1990, 2100
TOP_COLUMNS = 10  # channels a lead report shows as columns before folding the rest into «Остальные»


class ReportScope(BaseModel):
    """What a report covers: days in the account's time zone, both ends included; no managers means all."""

    date_from: date
    date_to: date
    responsible_ids: list[int] = []

    def bounds(self) -> tuple[datetime, datetime]:
        if self.date_to < self.date_from:
            raise InvalidInput('report.error.period')
        if (self.date_to - self.date_from).days > MAX_DAYS:
            raise InvalidInput('report.error.period_long', days=MAX_DAYS)
        if not (self.date_from.year >= MIN_YEAR and self.date_to.year <= MAX_YEAR):
            raise InvalidInput('report.error.period_years', first=MIN_YEAR, last=MAX_YEAR)
        start = datetime.combine(self.date_from, time(), ACCOUNT_TZ)
        end = datetime.combine(self.date_to + timedelta(days=1), time(), ACCOUNT_TZ)
        return start, end


class FunnelStage(BaseModel):
    stage_id: int
    name: str
    kind: str
    color: str
    reached: int
    by_rules: int = 0  # arrivals of the cohort's clients in this stage made by automation rules (counted apart)
    share: float  # of the cohort
    to_next: float | None  # conversion into the next funnel stage
    median_hours: float | None  # median length of a finished stay in this stage
    stays: int  # finished stays the median is taken over


class ReasonCount(BaseModel):
    stage: str
    reason: str
    count: int


class FunnelReport(BaseModel):
    scope: ReportScope
    cohort: int
    stages: list[FunnelStage]
    overall: float | None  # from the first stage to the success stage
    closed: list[ReasonCount]
    still_working: int


def _scoped(actor: Actor, scope: ReportScope, responsible_column) -> list:
    """Conditions for the report's rows: the client visible to the actor, of the chosen managers (by the given
    responsible column: a client's, or a deal's own)."""
    conditions = [visibility_condition(actor)]
    if scope.responsible_ids:
        conditions.append(responsible_column.in_(scope.responsible_ids))
    return conditions


def _funnel_stages(session) -> list[Stage]:
    stages = list(session.exec(select(Stage).where(Stage.board == Board.clients).order_by(Stage.position, Stage.id)))
    return [s for s in stages if s.kind == StageKind.working] + [s for s in stages if s.kind == StageKind.success]


def funnel_report(session, *, actor: Actor, scope: ReportScope) -> FunnelReport:
    ensure_active(actor)
    start, end = scope.bounds()
    stages = list(session.exec(select(Stage).where(Stage.board == Board.clients)))
    funnel = _funnel_stages(session)
    index_of = {s.id: i for i, s in enumerate(funnel)}
    in_cohort = [Client.created_at >= start, Client.created_at < end, *_scoped(actor, scope, Client.responsible_id)]
    cohort = session.execute(select(func.count()).select_from(Client).where(*in_cohort)).scalar_one()
    in_range = session.execute(
        select(func.count()).select_from(Client).where(Client.created_at >= start, Client.created_at < end)
    ).scalar_one()
    if cohort * 3 < in_range:  # a few managers, or a reader who sees only own clients
        per_index, medians = _walk_cohort(session, in_cohort, index_of)
    else:
        history = _cohort_history(actor, scope, start, end, in_cohort)
        per_index = _furthest_counts(session, history, index_of)
        medians = _median_stays(session, history, [s.id for s in funnel])
    reached, running = [], 0
    for i in reversed(range(len(funnel))):
        running += per_index.get(i, 0)
        reached.append(running)
    reached.reverse()
    # clients without any history row (none should exist) still count as having arrived in the first stage
    if funnel:
        reached = [max(r, cohort) if i == 0 else r for i, r in enumerate(reached)]
    by_rules = _arrivals_by_rules(session, _cohort_history(actor, scope, start, end, in_cohort))
    rows = []
    for i, stage in enumerate(funnel):
        following = reached[i + 1] if i + 1 < len(funnel) else None
        hours, stays = medians.get(stage.id, (None, 0))
        rows.append(
            FunnelStage(
                stage_id=stage.id,
                name=stage.name,
                kind=stage.kind,
                color=stage.color,
                reached=reached[i],
                by_rules=by_rules.get(stage.id, 0),
                share=reached[i] / cohort if cohort else 0.0,
                to_next=(following / reached[i] if reached[i] else 0.0) if following is not None else None,
                median_hours=hours,
                stays=stays,
            )
        )
    closed = _closed_reasons(session, in_cohort, {s.id: s for s in stages})
    working_ids = [s.id for s in stages if s.kind == StageKind.working]
    still = session.execute(
        select(func.count()).select_from(Client).where(*in_cohort, Client.stage_id.in_(working_ids))
    ).scalar_one()
    overall = reached[-1] / reached[0] if funnel and reached[0] and funnel[-1].kind == StageKind.success else None
    return FunnelReport(scope=scope, cohort=cohort, stages=rows, overall=overall, closed=closed, still_working=still)


def _cohort_history(actor: Actor, scope: ReportScope, start: datetime, end: datetime, in_cohort: list) -> list:
    """Conditions on the stage history for the cohort: by the client's creation time copied onto each change;
    a narrower cohort (chosen managers, or a reader who sees only own clients) by client id as well."""
    conditions = [
        StageChange.board == Board.clients,
        StageChange.client_created_at >= start,
        StageChange.client_created_at < end,
    ]
    if scope.responsible_ids or not sees_all_clients(actor):
        conditions.append(StageChange.client_id.in_(select(Client.id).where(*in_cohort)))
    return conditions


def _arrivals_by_rules(session, history: list) -> dict[int, int]:
    """Per stage, how many arrivals of the cohort's clients an automation rule made."""
    rows = session.execute(
        select(StageChange.to_stage_id, func.count())
        .where(*history, StageChange.rule_id.is_not(None))
        .group_by(StageChange.to_stage_id)
    ).all()
    return dict(rows)


def _furthest_counts(session, history: list, index_of: dict[int, int]) -> dict[int, int]:
    """How many clients of the cohort got furthest to each funnel position (-1: never in the funnel)."""
    furthest = (
        select(
            func.max(case(*[(StageChange.to_stage_id == sid, i) for sid, i in index_of.items()], else_=-1)).label('i')
        )
        .where(*history)
        .group_by(StageChange.client_created_at, StageChange.client_id)  # the index's order: one streaming pass
        .subquery()
    )
    return dict(session.execute(select(furthest.c.i, func.count()).group_by(furthest.c.i)).all())


def _median_stays(session, history: list, stage_ids: list[int]) -> dict[int, tuple[float, int]]:
    """Per stage, the median length in hours of the finished stays of the cohort's clients, and how many: the
    count first, then a walk along the stage's lengths in order to the middle one (no sorting, no transfer)."""
    finished = [*history, StageChange.seconds.is_not(None)]
    counts = session.execute(
        select(StageChange.to_stage_id, func.count())
        .where(*finished, StageChange.to_stage_id.in_(stage_ids))
        .group_by(StageChange.to_stage_id)
    ).all()
    medians = {}
    for stage_id, count in counts:
        middle = (
            session.execute(
                select(StageChange.seconds)
                .where(*finished, StageChange.to_stage_id == stage_id)
                .order_by(StageChange.seconds)
                .offset((count - 1) // 2)
                .limit(2 - count % 2)
            )
            .scalars()
            .all()
        )
        medians[stage_id] = (sum(middle) / len(middle) / 3600, count)
    return medians


def _walk_cohort(session, in_cohort: list, index_of: dict[int, int]):
    """The same figures for a small cohort, from each of its clients' own history rows (an index lookup per
    client beats scanning the whole period's history)."""
    rows = session.execute(
        select(StageChange.client_id, StageChange.to_stage_id, StageChange.seconds).where(
            StageChange.client_id.in_(select(Client.id).where(*in_cohort)), StageChange.board == Board.clients
        )
    )
    furthest: dict[int, int] = {}
    lengths: dict[int, list[int]] = defaultdict(list)
    for client_id, stage_id, seconds in rows:
        position = index_of.get(stage_id, -1)
        if position > furthest.get(client_id, -2):
            furthest[client_id] = position
        if seconds is not None and position >= 0:
            lengths[stage_id].append(seconds)
    medians = {sid: (statistics.median(values) / 3600, len(values)) for sid, values in lengths.items()}
    return Counter(furthest.values()), medians


def _closed_reasons(session, in_cohort: list, stages: dict[int, Stage]) -> list[ReasonCount]:
    closing = [sid for sid, s in stages.items() if s.kind in (StageKind.failure, StageKind.trash)]
    rows = session.execute(
        select(Client.stage_id, ClosingReason.name, func.count())
        .outerjoin(ClosingReason, ClosingReason.id == Client.closing_reason_id)
        .where(*in_cohort, Client.stage_id.in_(closing))
        .group_by(Client.stage_id, ClosingReason.name)
    ).all()
    found = [ReasonCount(stage=stages[sid].name, reason=name or '—', count=count) for sid, name, count in rows if count]
    position = {s.name: s.position for s in stages.values()}
    return sorted(found, key=lambda r: (position.get(r.stage, 0), -r.count, r.reason))


# leads


class LeadRow(BaseModel):
    bucket: date
    channel: str  # the value of the report's dimension: a channel's name, or an utm tag
    requests: int
    new_clients: int
    returning: int


class LeadPivotRow(BaseModel):
    bucket: date | None  # None in the totals row
    counts: list[int]  # per column of the pivot
    total: int
    new_clients: int
    returning: int


class LeadPivot(BaseModel):
    """Periods as rows, channels as columns: the biggest ones, and the rest as one «Остальные» column."""

    columns: list[str]
    folded: list[str]  # the channels summed into «Остальные», biggest first
    rows: list[LeadPivotRow]
    totals: LeadPivotRow


class LeadReport(BaseModel):
    scope: ReportScope
    bucket: Bucket
    dimension: Dimension = 'channel'
    rows: list[LeadRow]
    channels: list[str]  # biggest first
    buckets: list[date]
    total: int
    new_clients: int

    def pivot(self, top: int = TOP_COLUMNS) -> LeadPivot:
        """A quarter by day and channel is a hundred rows and more; by period, with a column per channel, it
        reads at a glance. Beyond `top` channels (utm sources, say) the smaller ones fold into one column."""
        columns, folded = self.channels[:top], self.channels[top:]
        position = {channel: i for i, channel in enumerate(columns)}
        width = len(columns) + (1 if folded else 0)
        lines = {
            day: LeadPivotRow(bucket=day, counts=[0] * width, total=0, new_clients=0, returning=0)
            for day in self.buckets
        }
        totals = LeadPivotRow(bucket=None, counts=[0] * width, total=0, new_clients=0, returning=0)
        for row in self.rows:
            line = lines.setdefault(
                row.bucket, LeadPivotRow(bucket=row.bucket, counts=[0] * width, total=0, new_clients=0, returning=0)
            )
            column = position.get(row.channel, len(columns))
            for target in (line, totals):
                target.counts[column] += row.requests
                target.total += row.requests
                target.new_clients += row.new_clients
                target.returning += row.returning
        return LeadPivot(columns=columns, folded=folded, rows=[lines[day] for day in sorted(lines)], totals=totals)


def bucket_start(day: date, bucket: Bucket) -> date:
    if bucket == 'week':
        return day - timedelta(days=day.weekday())
    if bucket == 'month':
        return day.replace(day=1)
    return day


def _buckets(scope: ReportScope, bucket: Bucket) -> list[date]:
    found, day = [], bucket_start(scope.date_from, bucket)
    while day <= scope.date_to:
        found.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1) if bucket == 'month' else day
        if bucket == 'week':
            day += timedelta(days=7)
        elif bucket == 'day':
            day += timedelta(days=1)
    return found


def _local_day(session, column, start: datetime, end: datetime):
    """The account-local calendar day of a stored moment, grouped by the database so that a year of requests
    comes back as a few hundred rows: (the SQL expression, how to turn its value into a date). PostgreSQL knows
    time zones; SQLite adds the zone's offset when it is the same all period (Moscow has kept one since 2014),
    and otherwise groups by the UTC hour, each hour then placed on its local day here."""
    if session.get_bind().dialect.name == 'postgresql':
        return func.date(func.timezone(str(ACCOUNT_TZ), column)), lambda value: value
    offsets = {(start + timedelta(days=i)).astimezone(ACCOUNT_TZ).utcoffset() for i in range((end - start).days + 1)}
    if len(offsets) == 1:
        return func.date(column, f'{int(offsets.pop().total_seconds()):+d} seconds'), date.fromisoformat
    return func.strftime('%Y-%m-%d %H:00:00', column), lambda hour: to_local_naive(datetime.fromisoformat(hour)).date()


def lead_report(
    session, *, actor: Actor, scope: ReportScope, bucket: Bucket = 'day', dimension: Dimension = 'channel'
) -> LeadReport:
    """Requests (every incoming contact, not clients) per channel (or per utm source, medium or campaign) and per
    day, week or month; a request is «new» when it is the contact that made its client's card, «returning»
    otherwise. Requests without the utm tag asked for are one column of their own."""
    ensure_active(actor)
    start, end = scope.bounds()
    day, to_date = _local_day(session, Request.created_at, start, end)
    column = Request.channel_id if dimension == 'channel' else getattr(Request, dimension)
    query = (
        select(day, column, Request.is_first, func.count())
        .where(Request.created_at >= start, Request.created_at < end)
        .group_by(day, column, Request.is_first)
    )
    if scope.responsible_ids or not sees_all_clients(actor):
        query = query.join(Client, Client.id == Request.client_id).where(*_scoped(actor, scope, Client.responsible_id))
    by_channel = dimension == 'channel'
    channels = dict(session.execute(select(Channel.id, Channel.name)).all()) if by_channel else {}
    missing = '—' if by_channel else translate('report.no_utm', actor.locale)
    counts: Counter = Counter()
    new: Counter = Counter()
    for local_day, value, is_first, n in session.execute(query):
        name = channels.get(value, missing) if by_channel else value or missing
        key = (bucket_start(to_date(local_day), bucket), name)
        counts[key] += n
        new[key] += n if is_first else 0
    result = [
        LeadRow(
            bucket=day, channel=channel, requests=n, new_clients=new[(day, channel)], returning=n - new[(day, channel)]
        )
        for (day, channel), n in sorted(counts.items())
    ]
    used = sorted({r.channel for r in result}, key=lambda name: -sum(r.requests for r in result if r.channel == name))
    return LeadReport(
        scope=scope,
        bucket=bucket,
        dimension=dimension,
        rows=result,
        channels=used,
        buckets=_buckets(scope, bucket),
        total=sum(counts.values()),
        new_clients=sum(new.values()),
    )


# deals


class DealStageRow(BaseModel):
    stage: str
    kind: str
    color: str
    deals: int
    amount: float


class DealPeriodRow(BaseModel):
    bucket: date
    bookings: int
    booked_amount: float
    payments: int
    paid_amount: float


class DealsReport(BaseModel):
    scope: ReportScope
    bucket: Bucket
    stages: list[DealStageRow]
    periods: list[DealPeriodRow]


def deals_report(session, *, actor: Actor, scope: ReportScope, bucket: Bucket = 'month') -> DealsReport:
    """Deals booked in the period by their stage now (count and sum), and per day, week or month: bookings
    made and payments received (deals arriving in the success stage)."""
    ensure_active(actor)
    start, end = scope.bounds()
    scoped = _scoped(actor, scope, Deal.responsible_id)
    stages = list(session.exec(select(Stage).where(Stage.board == Board.deals).order_by(Stage.position, Stage.id)))
    by_stage = {
        sid: (n, total or 0.0)
        for sid, n, total in session.execute(
            select(Deal.stage_id, func.count(), func.sum(Deal.amount))
            .join(Client, Client.id == Deal.client_id)
            .where(Deal.created_at >= start, Deal.created_at < end, *scoped)
            .group_by(Deal.stage_id)
        )
    }
    stage_rows = [
        DealStageRow(
            stage=s.name,
            kind=s.kind,
            color=s.color,
            deals=by_stage.get(s.id, (0, 0))[0],
            amount=by_stage.get(s.id, (0, 0))[1],
        )
        for s in stages
    ]
    periods: dict[date, list] = {day: [0, 0.0, 0, 0.0] for day in _buckets(scope, bucket)}
    booked = session.execute(
        select(Deal.created_at, Deal.amount)
        .join(Client, Client.id == Deal.client_id)
        .where(Deal.created_at >= start, Deal.created_at < end, *scoped)
    )
    for at, amount in booked:
        entry = periods.setdefault(bucket_start(to_local_naive(at).date(), bucket), [0, 0.0, 0, 0.0])
        entry[0] += 1
        entry[1] += amount
    success = [s.id for s in stages if s.kind == StageKind.success]
    paid = session.execute(
        select(StageChange.at, Deal.amount)
        .join(Deal, Deal.id == StageChange.deal_id)
        .join(Client, Client.id == Deal.client_id)
        .where(
            StageChange.board == Board.deals,
            StageChange.to_stage_id.in_(success),
            StageChange.at >= start,
            StageChange.at < end,
            *scoped,
        )
    )
    for at, amount in paid:
        entry = periods.setdefault(bucket_start(to_local_naive(at).date(), bucket), [0, 0.0, 0, 0.0])
        entry[2] += 1
        entry[3] += amount
    return DealsReport(
        scope=scope,
        bucket=bucket,
        stages=stage_rows,
        periods=[
            DealPeriodRow(bucket=day, bookings=v[0], booked_amount=v[1], payments=v[2], paid_amount=v[3])
            for day, v in sorted(periods.items())
        ],
    )


def managers(session) -> list[tuple[int, str]]:
    """Who a report can be narrowed to: everyone who ever was responsible (deactivated users too)."""
    return [(u.id, u.name) for u in session.exec(select(User).order_by(User.active.desc(), User.name))]


def bucket_label(day: date, bucket: Bucket, locale: str) -> str:
    if bucket == 'month':
        return f'{translate(f"month.{day.month}", locale)} {day.year}'
    if bucket == 'week':
        return f'{day:%d.%m}–{day + timedelta(days=6):%d.%m.%Y}'
    return f'{day:%d.%m.%Y}'
