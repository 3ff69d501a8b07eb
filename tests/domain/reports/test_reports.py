"""Reports on a small history built by hand, whose right answers are worked out in the comments."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.domain.account_time import to_local_naive
from app.domain.clients import clients, leads
from app.domain.deals import deals
from app.domain.errors import InvalidInput
from app.domain.models import Client, StageChange, utcnow
from app.domain.reports import reports
from app.domain.reports.reports import ReportScope
from tests.factories import make_client, make_user, stages

TODAY = to_local_naive(utcnow()).date()


def scope(**extra) -> ReportScope:
    return ReportScope(date_from=TODAY - timedelta(days=1), date_to=TODAY, **extra)


@pytest.fixture
def history(db):
    """Five clients created today:
    c1 Не разобрано → Назначение встречи → Вывод на бронь → Бронь поставлена
    c2 Не разобрано → Назначение встречи → Бронь не поставлена («Не устроила цена»)
    c3 Не разобрано → Не лид («Спам»)
    c4 stays in Не разобрано
    c5 (Boris's) Не разобрано → Вывод на бронь (skips a stage)
    and one more of Anna's created 40 days ago, outside every period below."""
    head = make_user(db, 'olga', role='head')
    anna = make_user(db, 'anna', name='Анна')
    boris = make_user(db, 'boris', name='Борис')
    by = stages(db)
    first, meeting, booking = by['Не разобрано'], by['Назначение встречи'], by['Вывод на бронь']
    success, failure, trash = by['Бронь поставлена'], by['Бронь не поставлена'], by['Не лид (корзина)']
    reason = {r.name: r.id for r in failure.reasons + trash.reasons}
    c = [make_client(db, anna, name=f'Клиент {n}', phone=f'+7917000000{n}') for n in range(1, 5)]
    c.append(make_client(db, boris, name='Клиент 5', phone='+79170000005'))
    old = make_client(db, anna, name='Давний', phone='+79170000009')
    paths = {
        c[0].id: [(meeting, None), (booking, None), (success, None)],
        c[1].id: [(meeting, None), (failure, reason['Не устроила цена'])],
        c[2].id: [(trash, reason['Спам'])],
        c[4].id: [(booking, None)],
    }
    with db.write() as session:
        for client_id, path in paths.items():
            for stage, reason_id in path:
                clients.move_client(session, actor=head, client_id=client_id, stage_id=stage.id, reason_id=reason_id)
        # the stays in «Не разобрано» lasted 1, 2, 3 and 4 hours: the median is 2.5 hours
        for client, hours in zip((c[0], c[1], c[2], c[4]), (1, 2, 3, 4), strict=True):
            session.execute(
                update(StageChange)
                .where(StageChange.client_id == client.id, StageChange.to_stage_id == first.id)
                .values(seconds=hours * 3600)
            )
        long_ago = utcnow() - timedelta(days=40)
        session.execute(update(Client).where(Client.id == old.id).values(created_at=long_ago))
        session.execute(update(StageChange).where(StageChange.client_id == old.id).values(client_created_at=long_ago))
    return head, anna, boris, c, by


def test_the_funnel_counts_how_far_the_cohort_got_and_the_conversions(db, history):
    head, *_ = history
    with db.read() as session:
        report = reports.funnel_report(session, actor=head, scope=scope())
    assert report.cohort == 5
    assert [(s.name, s.reached) for s in report.stages] == [
        ('Не разобрано', 5),
        ('Назначение встречи', 3),  # c1, c2, and c5 who skipped it
        ('Вывод на бронь', 2),  # c1, c5
        ('Бронь поставлена', 1),  # c1
    ]
    assert [s.to_next for s in report.stages] == [
        pytest.approx(3 / 5),
        pytest.approx(2 / 3),
        pytest.approx(1 / 2),
        None,
    ]
    assert report.overall == pytest.approx(1 / 5)
    assert report.stages[0].median_hours == pytest.approx(2.5) and report.stages[0].stays == 4
    assert [(r.stage, r.reason, r.count) for r in report.closed] == [
        ('Бронь не поставлена', 'Не устроила цена', 1),
        ('Не лид (корзина)', 'Спам', 1),
    ]
    assert report.still_working == 2  # c4 and c5


def test_the_funnel_for_chosen_managers_and_as_a_manager_who_sees_only_own(db, history):
    head, anna, boris, *_ = history
    with db.read() as session:
        borises = reports.funnel_report(session, actor=head, scope=scope(responsible_ids=[boris.id]))
    assert [s.reached for s in borises.stages] == [1, 1, 1, 0]
    with db.write() as session:
        from app.domain.models import User

        session.get(User, anna.id).can_see_others = False
    from dataclasses import replace

    with db.read() as session:
        own = reports.funnel_report(session, actor=replace(anna, can_see_others=False), scope=scope())
    assert own.cohort == 4


def test_the_period_picks_the_cohort_and_must_make_sense(db, history):
    head, *_ = history
    with db.read() as session:
        long_ago = reports.funnel_report(
            session,
            actor=head,
            scope=ReportScope(date_from=TODAY - timedelta(days=45), date_to=TODAY - timedelta(days=30)),
        )
        assert long_ago.cohort == 1
        with pytest.raises(InvalidInput):
            reports.funnel_report(
                session, actor=head, scope=ReportScope(date_from=TODAY, date_to=TODAY - timedelta(days=1))
            )


def test_the_lead_report_counts_requests_per_channel_new_and_returning(db):
    head = make_user(db, 'olga', role='head')
    with db.write() as session:
        leads.receive_lead(session, actor=head, name='Пётр', phone='+79170000001', channel='Сайт')
        leads.receive_lead(session, actor=head, name='Пётр', phone='+79170000001', channel='Сайт')
        leads.receive_lead(session, actor=head, name='Мария', phone='+79170000002', channel='Авито')
    with db.read() as session:
        report = reports.lead_report(session, actor=head, scope=scope(), bucket='day')
    assert (report.total, report.new_clients) == (3, 2)
    assert [(r.channel, r.requests, r.new_clients, r.returning) for r in report.rows] == [
        ('Авито', 1, 1, 0),
        ('Сайт', 2, 1, 1),
    ]
    assert report.channels == ['Сайт', 'Авито']
    assert report.rows[0].bucket == TODAY


def test_the_deals_report_sums_deals_by_stage_and_bookings_and_payments_by_period(db, history):
    head, anna, boris, c, by = history
    deal_stages = stages(db, 'deals')
    with db.write() as session:
        deals.book_client(session, actor=head, client_id=c[3].id, project_id=None, unit='кв. 7', amount=5_000_000)
        deals.book_client(session, actor=head, client_id=c[4].id, project_id=None, unit='кв. 9', amount=7_000_000)
        paid = session.exec(select(StageChange).where(StageChange.board == 'deals')).first()
        session.add(
            StageChange(
                board='deals',
                client_id=paid.client_id,
                client_created_at=paid.client_created_at,
                deal_id=paid.deal_id,
                to_stage_id=deal_stages['Оплата получена'].id,
            )
        )
    with db.read() as session:
        report = reports.deals_report(session, actor=head, scope=scope(), bucket='month')
    first_stage = report.stages[0]
    assert (first_stage.stage, first_stage.deals, first_stage.amount) == ('Бронь поставлена', 2, 12_000_000)
    month = next(p for p in report.periods if p.bucket == date(TODAY.year, TODAY.month, 1))
    assert (month.bookings, month.booked_amount) == (2, 12_000_000)
    assert month.payments == 1


def test_the_lead_report_places_requests_on_local_days_also_across_a_daylight_saving_change(db, monkeypatch):
    """Berlin changes its offset on 29.03.2026: a request at 31.03 22:30 UTC was made on 01.04 local time."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from app.domain import account_time
    from app.domain.models import Request

    berlin = ZoneInfo('Europe/Berlin')
    monkeypatch.setattr(reports, 'ACCOUNT_TZ', berlin)
    monkeypatch.setattr(account_time, 'ACCOUNT_TZ', berlin)
    head = make_user(db, 'olga', role='head')
    make_client(db, head, phone='+79170000001')
    with db.write() as session:
        session.execute(update(Request).values(created_at=datetime(2026, 3, 31, 22, 30, tzinfo=UTC)))
    with db.read() as session:
        report = reports.lead_report(
            session, actor=head, scope=ReportScope(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30)), bucket='day'
        )
    assert [(r.bucket, r.requests, r.new_clients) for r in report.rows] == [(date(2026, 4, 1), 1, 1)]


def _lead_report(rows: list[tuple[date, str, int, int]], days: int = 3) -> reports.LeadReport:
    """A lead report made by hand: (day, channel, requests, of them new)."""
    first = date(2026, 1, 1)
    lead_rows = [
        reports.LeadRow(bucket=day, channel=channel, requests=n, new_clients=new, returning=n - new)
        for day, channel, n, new in rows
    ]
    totals = {}
    for row in lead_rows:
        totals[row.channel] = totals.get(row.channel, 0) + row.requests
    return reports.LeadReport(
        scope=ReportScope(date_from=first, date_to=first + timedelta(days=days - 1)),
        bucket='day',
        rows=lead_rows,
        channels=sorted(totals, key=lambda name: -totals[name]),
        buckets=[first + timedelta(days=n) for n in range(days)],
        total=sum(r.requests for r in lead_rows),
        new_clients=sum(r.new_clients for r in lead_rows),
    )


def test_the_lead_pivot_has_a_row_per_period_a_column_per_channel_and_totals():
    jan1, jan3 = date(2026, 1, 1), date(2026, 1, 3)
    report = _lead_report([(jan1, 'Сайт', 3, 2), (jan1, 'Авито', 1, 1), (jan3, 'Сайт', 2, 0)])
    pivot = report.pivot()
    assert (pivot.columns, pivot.folded) == (['Сайт', 'Авито'], [])
    assert [(r.bucket, r.counts, r.total, r.new_clients, r.returning) for r in pivot.rows] == [
        (jan1, [3, 1], 4, 3, 1),
        (date(2026, 1, 2), [0, 0], 0, 0, 0),  # a quiet day is still a row: the periods read as a calendar
        (jan3, [2, 0], 2, 0, 2),
    ]
    assert (pivot.totals.counts, pivot.totals.total, pivot.totals.new_clients) == ([5, 1], 6, 3)


def test_beyond_ten_channels_the_smaller_ones_fold_into_others_and_the_totals_still_add_up():
    jan1 = date(2026, 1, 1)
    report = _lead_report([(jan1, f'utm_{n:02}', 20 - n, 0) for n in range(13)], days=1)
    pivot = report.pivot()
    assert pivot.columns == [f'utm_{n:02}' for n in range(10)]
    assert pivot.folded == ['utm_10', 'utm_11', 'utm_12']
    assert pivot.rows[0].counts[-1] == 10 + 9 + 8  # «Остальные»
    assert sum(pivot.rows[0].counts) == pivot.totals.total == report.total


def test_the_lead_report_table_and_its_xlsx_are_the_pivot(tmp_path):
    from openpyxl import load_workbook

    from app.domain.reports import report_tables

    jan1 = date(2026, 1, 1)
    report = _lead_report([(jan1, f'utm_{n:02}', 20 - n, 1) for n in range(12)], days=2)
    [table] = report_tables.lead_tables(report, 'ru')
    assert table.headers == [
        'Период',
        *[f'utm_{n:02}' for n in range(10)],
        'Остальные',
        'Всего',
        'Новых клиентов',
        'Повторных',
    ]
    assert table.rows[0] == ['01.01.2026', *range(20, 10, -1), 10 + 9, 174, 12, 162]
    assert table.totals[0] == 'Итого' and table.totals[-3:] == [174, 12, 162]
    report_tables.write_tables(tmp_path / 'leads.xlsx', 'Лиды', [table])
    sheet = list(load_workbook(tmp_path / 'leads.xlsx').active.iter_rows(values_only=True))
    assert [row[0] for row in sheet] == ['Период', '01.01.2026', '02.01.2026', 'Итого']
    assert sheet[1][11] == 19 and sheet[3][12] == 174
