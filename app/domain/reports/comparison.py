"""A report "compared with the previous figures" (seed 004): the same report for the period just before the
chosen one (as long as it) or for the same dates a year before, and the key figures of both side by side with
the change."""

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel

from ..permissions import Actor
from .reports import (
    Bucket,
    DealsReport,
    Dimension,
    FunnelReport,
    LeadReport,
    ReportScope,
    deals_report,
    funnel_report,
    lead_report,
)
from .speed import SpeedReport, speed_report

Compare = Literal['none', 'previous', 'year']
Kind = Literal['funnel', 'leads', 'deals', 'speed']


def compared_scope(scope: ReportScope, compare: Compare) -> ReportScope | None:
    """The period to compare with; the managers stay the same."""
    if compare == 'previous':
        length = scope.date_to - scope.date_from + timedelta(days=1)
        return scope.model_copy(
            update={'date_from': scope.date_from - length, 'date_to': scope.date_from - timedelta(days=1)}
        )
    if compare == 'year':
        return scope.model_copy(
            update={'date_from': _year_before(scope.date_from), 'date_to': _year_before(scope.date_to)}
        )
    return None


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: a year before it has the 28th
        return day.replace(year=day.year - 1, day=28)


class Figure(BaseModel):
    """One figure of both periods. A share changes in percentage points, never in percent of itself."""

    key: str  # the figure's name in the translation table
    name: str = ''  # the stage or channel it is about, if any
    unit: Literal['count', 'money', 'share', 'minutes']
    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def change_share(self) -> float | None:
        """The change as a part of the previous figure; none for shares and from a previous zero."""
        if self.unit == 'share' or self.change is None or not self.previous:
            return None
        return self.change / self.previous


class ComparedReport(BaseModel):
    kind: Kind
    report: FunnelReport | LeadReport | DealsReport | SpeedReport
    previous: FunnelReport | LeadReport | DealsReport | SpeedReport | None = None
    figures: list[Figure] = []


def funnel_figures(current: FunnelReport, previous: FunnelReport) -> list[Figure]:
    figures = [
        Figure(key='report.cmp.cohort', unit='count', current=current.cohort, previous=previous.cohort),
        Figure(key='report.cmp.overall', unit='share', current=current.overall, previous=previous.overall),
        Figure(key='report.cmp.working', unit='count', current=current.still_working, previous=previous.still_working),
    ]
    before = {s.stage_id: s for s in previous.stages}
    for stage in current.stages:
        old = before.get(stage.stage_id)
        figures.append(
            Figure(
                key='report.cmp.reached',
                name=stage.name,
                unit='count',
                current=stage.reached,
                previous=old.reached if old else 0,
            )
        )
    return figures


def lead_figures(current: LeadReport, previous: LeadReport) -> list[Figure]:
    def per_channel(report: LeadReport) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in report.rows:
            found[row.channel] = found.get(row.channel, 0) + row.requests
        return found

    now, before = per_channel(current), per_channel(previous)
    channels = current.channels + [c for c in previous.channels if c not in now]
    return [
        Figure(key='report.cmp.requests', unit='count', current=current.total, previous=previous.total),
        Figure(key='report.cmp.new', unit='count', current=current.new_clients, previous=previous.new_clients),
        Figure(
            key='report.cmp.returning',
            unit='count',
            current=current.total - current.new_clients,
            previous=previous.total - previous.new_clients,
        ),
        *[
            Figure(key='report.cmp.channel', name=c, unit='count', current=now.get(c, 0), previous=before.get(c, 0))
            for c in channels
        ],
    ]


def deals_figures(current: DealsReport, previous: DealsReport) -> list[Figure]:
    def sums(report: DealsReport) -> tuple[int, float, int, float]:
        periods = report.periods
        return (
            sum(p.bookings for p in periods),
            sum(p.booked_amount for p in periods),
            sum(p.payments for p in periods),
            sum(p.paid_amount for p in periods),
        )

    now, before = sums(current), sums(previous)
    keys = (
        ('report.cmp.bookings', 'count'),
        ('report.cmp.booked_amount', 'money'),
        ('report.cmp.payments', 'count'),
        ('report.cmp.paid_amount', 'money'),
    )
    earlier = {s.stage: s.deals for s in previous.stages}
    return [
        *[Figure(key=key, unit=unit, current=now[i], previous=before[i]) for i, (key, unit) in enumerate(keys)],
        *[
            Figure(
                key='report.cmp.deals', name=s.stage, unit='count', current=s.deals, previous=earlier.get(s.stage, 0)
            )
            for s in current.stages
        ],
    ]


def speed_figures(current: SpeedReport, previous: SpeedReport) -> list[Figure]:
    now, before = current.total, previous.total
    return [
        Figure(key='report.cmp.handled', unit='count', current=now.handled, previous=before.handled),
        Figure(
            key='report.cmp.median_wait', unit='minutes', current=now.median_minutes, previous=before.median_minutes
        ),
        Figure(key='report.cmp.p90_wait', unit='minutes', current=now.p90_minutes, previous=before.p90_minutes),
        Figure(key='report.cmp.within', unit='share', current=now.within_target, previous=before.within_target),
        Figure(key='report.cmp.still_waiting', unit='count', current=now.waiting, previous=before.waiting),
    ]


def compared_report(
    session,
    *,
    actor: Actor,
    kind: Kind,
    scope: ReportScope,
    bucket: Bucket = 'day',
    compare: Compare = 'none',
    dimension: Dimension = 'channel',
) -> ComparedReport:
    """The chosen report, and with a comparison the same report for the other period and the figures of both."""
    read = {
        'funnel': lambda s: funnel_report(session, actor=actor, scope=s),
        'leads': lambda s: lead_report(session, actor=actor, scope=s, bucket=bucket, dimension=dimension),
        'deals': lambda s: deals_report(session, actor=actor, scope=s, bucket=bucket),
        'speed': lambda s: speed_report(session, actor=actor, scope=s),
    }[kind]
    report = read(scope)
    other = compared_scope(scope, compare)
    if other is None:
        return ComparedReport(kind=kind, report=report)
    previous = read(other)
    figures = {'funnel': funnel_figures, 'leads': lead_figures, 'deals': deals_figures, 'speed': speed_figures}[kind](
        report, previous
    )
    return ComparedReport(kind=kind, report=report, previous=previous, figures=figures)
