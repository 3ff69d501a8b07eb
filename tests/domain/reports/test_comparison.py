"""Reports "compared with the previous figures" (seed 004): the other period, and each figure's change."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from app.domain.clients import leads
from app.domain.models import Request, utcnow
from app.domain.reports import comparison, report_tables
from app.domain.reports.comparison import compared_scope
from app.domain.reports.reports import DealPeriodRow, DealsReport, DealStageRow, ReportScope
from tests.domain.reports.test_reports import TODAY, history  # noqa: F401 (a fixture)
from tests.factories import make_user


def test_the_previous_period_is_as_long_as_the_chosen_one_and_ends_the_day_before_it():
    november = ReportScope(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30), responsible_ids=[7])
    previous = compared_scope(november, 'previous')
    assert (previous.date_from, previous.date_to, previous.responsible_ids) == (
        date(2026, 10, 2),
        date(2026, 10, 31),
        [7],
    )
    assert compared_scope(november, 'none') is None


def test_a_year_before_is_the_same_dates_and_29_february_becomes_the_28th():
    leap = ReportScope(date_from=date(2028, 2, 1), date_to=date(2028, 2, 29))
    year = compared_scope(leap, 'year')
    assert (year.date_from, year.date_to) == (date(2027, 2, 1), date(2027, 2, 28))


def _month(**extra) -> ReportScope:
    return ReportScope(date_from=TODAY - timedelta(days=29), date_to=TODAY, **extra)


def test_the_funnel_beside_the_previous_month_with_the_change(db, history):  # noqa: F811
    """This month's five clients (one booked) against the previous month's one, 40 days old, never moved."""
    head, *_ = history
    with db.read() as session:
        compared = comparison.compared_report(session, actor=head, kind='funnel', scope=_month(), compare='previous')
    assert compared.previous.cohort == 1
    figures = {(f.key, f.name): f for f in compared.figures}
    cohort = figures[('report.cmp.cohort', '')]
    assert (cohort.current, cohort.previous, cohort.change, cohort.change_share) == (5, 1, 4, 4.0)
    overall = figures[('report.cmp.overall', '')]
    # a share changes in percentage points: from 0 % to 20 % is +0.2, never "+∞ %"
    assert (overall.current, overall.previous, overall.change, overall.change_share) == (
        pytest.approx(0.2),
        0.0,
        pytest.approx(0.2),
        None,
    )
    assert (figures[('report.cmp.working', '')].current, figures[('report.cmp.working', '')].previous) == (2, 1)
    booked = figures[('report.cmp.reached', 'Бронь поставлена')]
    assert (booked.current, booked.previous, booked.change_share) == (1, 0, None)  # no share of a previous zero


def test_the_comparison_keeps_the_chosen_managers_and_what_the_reader_may_see(db, history):  # noqa: F811
    head, anna, boris, *_ = history
    with db.read() as session:
        compared = comparison.compared_report(
            session, actor=head, kind='funnel', scope=_month(responsible_ids=[boris.id]), compare='previous'
        )
    assert (compared.report.cohort, compared.previous.cohort) == (1, 0)  # Anna's old client is not Boris's


def test_the_lead_report_beside_the_previous_period_per_channel(db):
    head = make_user(db, 'olga', role='head')
    with db.write() as session:
        leads.receive_lead(session, actor=head, name='Пётр', phone='+79170000001', channel='Сайт')
        leads.receive_lead(session, actor=head, name='Мария', phone='+79170000002', channel='Сайт')
        earlier = leads.receive_lead(session, actor=head, name='Иван', phone='+79170000003', channel='Авито')
        session.flush()
        session.execute(
            update(Request)
            .where(Request.client_id == earlier.client_id)
            .values(created_at=utcnow() - timedelta(days=2))
        )
    scope = ReportScope(date_from=TODAY - timedelta(days=1), date_to=TODAY)  # the previous: 2 and 3 days ago
    with db.read() as session:
        compared = comparison.compared_report(session, actor=head, kind='leads', scope=scope, compare='previous')
    figures = {(f.key, f.name): (f.current, f.previous, f.change) for f in compared.figures}
    assert figures[('report.cmp.requests', '')] == (2, 1, 1)
    assert figures[('report.cmp.channel', 'Сайт')] == (2, 0, 2)
    assert figures[('report.cmp.channel', 'Авито')] == (0, 1, -1)  # a channel gone quiet is still shown


def _deals(start: date, bookings: int, booked: float, payments: int, paid: float, in_stage: int) -> DealsReport:
    return DealsReport(
        scope=ReportScope(date_from=start, date_to=start + timedelta(days=29)),
        bucket='month',
        stages=[DealStageRow(stage='Бронь поставлена', kind='working', color='#000', deals=in_stage, amount=booked)],
        periods=[
            DealPeriodRow(bucket=start, bookings=bookings, booked_amount=booked, payments=payments, paid_amount=paid)
        ],
    )


def test_the_deals_figures_and_their_table():
    now = _deals(date(2026, 11, 1), bookings=4, booked=20_000_000, payments=1, paid=5_000_000, in_stage=3)
    before = _deals(date(2026, 10, 2), bookings=2, booked=16_000_000, payments=0, paid=0, in_stage=2)
    compared = comparison.ComparedReport(
        kind='deals', report=now, previous=before, figures=comparison.deals_figures(now, before)
    )
    table = report_tables.comparison_table(compared, 'ru')
    assert table.headers == [
        'Показатель',
        '01.11.2026–30.11.2026',
        '02.10.2026–31.10.2026',
        'Изменение',
        'Изменение, %',
    ]
    assert table.rows == [
        ['Броней', 4, 2, 2, 100.0],
        ['Сумма броней, ₽', 20_000_000, 16_000_000, 4_000_000, 25.0],
        ['Оплат', 1, 0, 1, None],
        ['Сумма оплат, ₽', 5_000_000, 0, 5_000_000, None],
        ['Сделок в этапе «Бронь поставлена»', 3, 2, 1, 50.0],
    ]
    # the XLSX holds the deals' own tables, then the comparison
    assert report_tables.compared_tables(compared, 'ru')[-1] == table
