"""«Время до первого действия»: per manager (whose lead it was) and per channel, the median, the 90th percentile
(nearest rank) and the share handled within 15 minutes, against figures worked out by hand, and beside the
previous period."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.domain.clients import leads
from app.domain.models import Client, Request, utcnow
from app.domain.reports import comparison, report_tables
from app.domain.reports.reports import ReportScope
from app.domain.reports.speed import percentile, speed_report
from tests.domain.reports.test_reports import TODAY
from tests.factories import make_client, make_user

WEEK = ReportScope(date_from=TODAY - timedelta(days=6), date_to=TODAY)


@pytest.fixture
def leads_handled(db):
    """Anna's leads from the site waited 5, 10, 20 and 40 working minutes; Boris's from Avito 3, 15 and 90, and
    one of his from the site still waits. A lead of the week before waited 30; a request Anna typed in has no
    clock. One of Anna's clients is Boris's now: the wait stays hers."""
    team = {
        'head': make_user(db, 'head', role='head', name='Ольга'),
        'anna': make_user(db, 'anna', name='Анна'),
        'boris': make_user(db, 'boris', name='Борис'),
    }
    an_hour_ago = utcnow() - timedelta(hours=1)
    plan = [
        ('anna', 'Сайт', 5),
        ('anna', 'Сайт', 10),
        ('anna', 'Сайт', 20),
        ('anna', 'Сайт', 40),
        ('boris', 'Авито', 3),
        ('boris', 'Авито', 15),
        ('boris', 'Авито', 90),
        ('boris', 'Сайт', None),
        ('anna', 'Сайт', 30, 8),  # eight days ago: the previous week
    ]
    for n, (who, channel, minutes, *days) in enumerate(plan):
        with db.write() as session:
            filed = leads.receive_lead(
                session, actor=team['head'], name=f'Лид {n}', phone=f'+7917000{n:04}', channel=channel
            )
            session.execute(update(Client).where(Client.id == filed.client_id).values(responsible_id=team[who].id))
            arrived = an_hour_ago - timedelta(days=days[0] if days else 0)
            values = {'created_at': arrived}
            if minutes is not None:
                values |= {
                    'awaits_action': False,
                    'wait_s': minutes * 60,
                    'first_action_at': arrived + timedelta(minutes=minutes),
                    'handled_for_id': team[who].id,
                }
            session.execute(update(Request).where(Request.id == filed.request_id).values(**values))
            if minutes == 40:  # Anna's 40-minute client went to Boris afterwards
                boris = team['boris'].id
                session.execute(update(Client).where(Client.id == filed.client_id).values(responsible_id=boris))
    make_client(db, team['anna'], name='Пришёл в офис', phone='+79180000001')
    return team


def test_nearest_rank_percentile_by_hand():
    assert percentile([300, 600, 1200, 2400], 0.9) == 2400  # ceil(3.6) = 4th
    assert percentile(list(range(1, 11)), 0.9) == 9  # ceil(9) = 9th
    assert percentile([7], 0.9) == 7


def test_the_speed_report_per_manager_and_channel_matches_the_hand_figures(db, leads_handled):
    with db.read() as session:
        report = speed_report(session, actor=leads_handled['head'], scope=WEEK)
    figures = lambda row: (row.name, row.handled, row.median_minutes, row.p90_minutes, row.within_target, row.waiting)  # noqa: E731
    assert [figures(row) for row in report.managers] == [
        ('Анна', 4, 15.0, 40.0, 0.5, 0),  # median of 5, 10, 20, 40 is (10 + 20) / 2
        ('Борис', 3, 15.0, 90.0, 2 / 3, 1),  # 15 minutes exactly is within 15 minutes
    ]
    assert [figures(row) for row in report.channels] == [
        ('Сайт', 4, 15.0, 40.0, 0.5, 1),
        ('Авито', 3, 15.0, 90.0, 2 / 3, 0),
    ]
    # all seven: 3, 5, 10, 15, 20, 40, 90 → the 4th is the median, ceil(6.3) = the 7th is p90, four within 15
    assert figures(report.total) == ('', 7, 15.0, 90.0, 4 / 7, 1)


def test_the_chosen_managers_and_a_manager_who_sees_only_own_clients(db, leads_handled):
    only_anna = WEEK.model_copy(update={'responsible_ids': [leads_handled['anna'].id]})
    with db.read() as session:
        report = speed_report(session, actor=leads_handled['head'], scope=only_anna)
    assert [(r.name, r.handled) for r in report.managers] == [('Анна', 4)]
    lonely = make_user(db, 'vera', name='Вера', can_see_others=False)
    with db.read() as session:
        assert speed_report(session, actor=lonely, scope=WEEK).total.handled == 0


def test_the_speed_report_beside_the_previous_week(db, leads_handled):
    with db.read() as session:
        compared = comparison.compared_report(
            session, actor=leads_handled['head'], kind='speed', scope=WEEK, compare='previous'
        )
    assert [(f.key, f.current, f.previous) for f in compared.figures] == [
        ('report.cmp.handled', 7, 1),
        ('report.cmp.median_wait', 15.0, 30.0),
        ('report.cmp.p90_wait', 90.0, 30.0),
        ('report.cmp.within', 4 / 7, 0.0),
        ('report.cmp.still_waiting', 1, 0),
    ]
    tables = report_tables.compared_tables(compared, 'ru')
    managers, channels, figures = tables
    assert managers.headers[4] == 'За 15 мин, %'
    assert managers.rows[0] == ['Анна', 4, 15.0, 40.0, 50.0, 0]
    assert managers.totals == ['Итого', 7, 15.0, 90.0, 57.1, 1]
    assert figures.rows[1] == ['Медиана до первого действия, мин', 15.0, 30.0, -15.0, -50.0]
