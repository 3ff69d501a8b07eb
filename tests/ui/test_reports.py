"""The reports page as a head of sales reads it: funnel, leads and deals, each downloadable as XLSX."""

import io

from nicegui.testing import User
from openpyxl import load_workbook

from app.domain.clients import clients, leads
from tests.factories import make_client, make_user, stages
from tests.ui.test_board import log_in, pick


async def test_a_head_reads_the_funnel_and_the_lead_report_and_downloads_them(user: User, db):
    head = make_user(db, 'olga', role='head')
    anna = make_user(db, 'anna', name='Анна')
    moved = make_client(db, anna, name='Пётр', phone='+79170000001')
    make_client(db, anna, name='Мария', phone='+79170000002')
    with db.write() as session:
        clients.move_client(session, actor=head, client_id=moved.id, stage_id=stages(db)['Назначение встречи'].id)
        leads.receive_lead(session, actor=head, name='Иван', phone='+79170000003', channel='Авито')
    await log_in(user, 'olga')
    await user.open('/reports')

    await user.should_see('Пришло клиентов за период: 3. Конверсия в бронь: 0,0%. Ещё в работе: 3')
    user.find(marker='report-download').click()
    response = await user.download.next()
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ('Этап', 'Дошли до этапа')
    assert rows[1][:2] == ('Не разобрано', 3) and rows[2][:2] == ('Назначение встречи', 1)

    pick(user, 'report-kind', 'leads')
    await user.should_see('Обращений: 3, из них от новых клиентов: 3')  # two made by hand, one lead
    with user:  # the pivot: a column per channel, a row per day, the totals under them
        table = next(iter(user.find(marker='report-table').elements))
    labels = [column['label'] for column in table.columns]
    assert labels[0] == 'Период' and 'Авито' in labels and labels[-3:] == ['Всего', 'Новых клиентов', 'Повторных']
    assert len(table.rows) == 30  # the default period: thirty days, one row each
    assert table.columns[labels.index('Всего')]['total'] == '3'


async def test_a_manager_who_sees_only_own_clients_gets_a_report_of_only_them(user: User, db):
    anna = make_user(db, 'anna', can_see_others=False)
    boris = make_user(db, 'boris')
    make_client(db, anna, name='Клиент Анны', phone='+79170000001')
    make_client(db, boris, name='Клиент Бориса', phone='+79170000002')
    await log_in(user, 'anna')
    await user.open('/reports')
    await user.should_see('Пришло клиентов за период: 1.')


async def test_each_report_shows_the_previous_period_beside_the_chosen_one_with_the_change(user: User, db):
    from datetime import timedelta

    from sqlalchemy import update

    from app.domain.models import Client, Request, StageChange, utcnow

    make_user(db, 'olga', role='head')
    anna = make_user(db, 'anna', name='Анна')
    make_client(db, anna, name='Пётр', phone='+79170000001')
    make_client(db, anna, name='Мария', phone='+79170000002')
    earlier = make_client(db, anna, name='Давний', phone='+79170000003')
    with db.write() as session:  # 40 days ago: in the thirty days before the default period
        long_ago = utcnow() - timedelta(days=40)
        session.execute(update(Client).where(Client.id == earlier.id).values(created_at=long_ago))
        session.execute(
            update(StageChange).where(StageChange.client_id == earlier.id).values(client_created_at=long_ago)
        )
        session.execute(update(Request).where(Request.client_id == earlier.id).values(created_at=long_ago))
    await log_in(user, 'olga')
    await user.open('/reports')
    await user.should_see('Пришло клиентов за период: 2.')
    await user.should_see(marker='report-comparison')

    def comparison_rows() -> dict[str, list[str]]:
        with user:
            table = next(iter(user.find(marker='report-comparison').elements))
        return {row['c0']: [row['c1'], row['c2'], row['c3'], row['c4']] for row in table.rows}

    assert comparison_rows()['Пришло клиентов'] == ['2', '1', '+1', '+100']
    pick(user, 'report-kind', 'leads')
    await user.should_see('Обращений: 2, из них')
    assert comparison_rows()['Обращений'] == ['2', '1', '+1', '+100']
    pick(user, 'report-kind', 'deals')
    await user.should_see('Броней: 0')
    assert comparison_rows()['Броней'] == ['0', '0', '0', '—']
    pick(user, 'report-compare', 'year')
    await user.should_see('Сравнение:')
    assert comparison_rows()['Броней'] == ['0', '0', '0', '—']
    pick(user, 'report-compare', 'none')
    await user.should_not_see(marker='report-comparison')
