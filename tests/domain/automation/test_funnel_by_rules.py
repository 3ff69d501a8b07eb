"""The funnel counts apart the arrivals that automation rules made, per stage (hand-computed figures)."""

from datetime import timedelta

from app.domain.account_time import in_account_zone
from app.domain.clients import clients, tasks
from app.domain.models import utcnow
from app.domain.reports.report_tables import funnel_tables
from app.domain.reports.reports import ReportScope, funnel_report
from tests.factories import make_client, make_user


def test_the_funnel_shows_how_many_arrivals_rules_made(db, admin, add_rule, stage_ids):
    add_rule(
        'Не разобрано',
        'task_created',
        'move',
        task_type='meeting',
        params={'stage_id': stage_ids['Назначение встречи']},
    )
    anna = make_user(db, 'anna')
    by_rule = [make_client(db, anna, phone=f'+7912000000{n}') for n in range(2)]
    by_hand = make_client(db, anna, phone='+79120000009')
    for client in by_rule:
        with db.write() as session:
            tasks.add_task(
                session,
                actor=anna,
                client_id=client.id,
                title='Встреча',
                type='meeting',
                due_at=utcnow() + timedelta(days=1),
            )
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=by_hand.id, stage_id=stage_ids['Назначение встречи'])
        clients.move_client(session, actor=anna, client_id=by_hand.id, stage_id=stage_ids['Вывод на бронь'])
    today = in_account_zone(utcnow()).date()
    with db.read() as session:
        report = funnel_report(session, actor=admin, scope=ReportScope(date_from=today, date_to=today))
    figures = {s.name: (s.reached, s.by_rules) for s in report.stages}
    assert figures['Не разобрано'] == (3, 0)
    assert figures['Назначение встречи'] == (3, 2)
    assert figures['Вывод на бронь'] == (1, 0)
    [stages_table, _] = funnel_tables(report, 'ru')
    assert stages_table.headers[:3] == ['Этап', stages_table.headers[1], 'Из них правилами']
    assert stages_table.rows[1][:3] == ['Назначение встречи', 3, 2]
