"""Immediate rules: each trigger and action, the system actor in the feed and the history, the transition guard,
loop prevention and the rules' log."""

from datetime import timedelta
from itertools import pairwise

import pytest
from sqlmodel import select

from app.domain.account import admin_stages
from app.domain.automation import rules
from app.domain.automation.actions import automation_log
from app.domain.automation.notifications import my_notifications
from app.domain.clients import bulk, clients, leads, tasks
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.models import AutomationLog, Client, FeedEntry, FeedKind, Stage, StageChange, Task, User, utcnow
from tests.factories import make_client, make_user


def _client(db, client_id) -> Client:
    with db.read() as session:
        return session.get(Client, client_id)


def _add_task(db, actor, client_id, type='meeting', title='Встреча в офисе'):
    with db.write() as session:
        return tasks.add_task(
            session, actor=actor, client_id=client_id, title=title, type=type, due_at=utcnow() + timedelta(days=1)
        )


def _detail(db, actor, client_id):
    with db.read() as session:
        return clients.get_client(session, actor=actor, client_id=client_id)


def test_scheduling_a_meeting_moves_the_client_as_the_automation(db, add_rule, stage_ids):
    add_rule(
        'Не разобрано',
        'task_created',
        'move',
        name='Встреча назначена',
        task_type='meeting',
        params={'stage_id': stage_ids['Назначение встречи']},
    )
    anna = make_user(db, 'anna', name='Анна')
    client = make_client(db, anna)
    _add_task(db, anna, client.id)

    assert _client(db, client.id).stage_id == stage_ids['Назначение встречи']
    detail = _detail(db, anna, client.id)
    move = next(entry for entry in detail.feed if entry.kind == FeedKind.stage)
    assert move.author_name == 'Автоматизация (Встреча назначена)'
    assert move.text == 'Этап: Не разобрано → Назначение встречи'
    with db.read() as session:
        arrival = session.exec(
            select(StageChange).where(StageChange.to_stage_id == stage_ids['Назначение встречи'])
        ).one()
    assert arrival.rule_id is not None and arrival.actor_id is None


def test_a_task_of_another_type_fires_no_task_rule(db, add_rule, stage_ids):
    add_rule(
        'Не разобрано',
        'task_created',
        'move',
        task_type='meeting',
        params={'stage_id': stage_ids['Назначение встречи']},
    )
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    _add_task(db, anna, client.id, type='call', title='Перезвонить')
    assert _client(db, client.id).stage_id == stage_ids['Не разобрано']


def test_completing_a_showing_moves_the_client_on(db, add_rule, stage_ids):
    add_rule(
        'Назначение встречи', 'task_done', 'move', task_type='showing', params={'stage_id': stage_ids['Вывод на бронь']}
    )
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=stage_ids['Назначение встречи'])
    task = _add_task(db, anna, client.id, type='showing', title='Показ')
    assert _client(db, client.id).stage_id == stage_ids['Назначение встречи']
    with db.write() as session:
        tasks.complete_task(session, actor=anna, client_id=client.id, task_id=task.id)
    assert _client(db, client.id).stage_id == stage_ids['Вывод на бронь']


def test_a_new_client_gets_a_call_task_in_working_minutes_that_does_not_count_as_handling(db, add_rule):
    add_rule(
        'Не разобрано',
        'entered',
        'task',
        name='Новый лид',
        params={'task_type': 'call', 'title': 'Позвонить', 'due_minutes': 15},
    )
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with db.read() as session:
        task = session.exec(select(Task).where(Task.client_id == client.id)).one()
        row = session.get(Client, client.id)
    assert (task.title, task.type, task.assignee_id, task.created_by_id) == ('Позвонить', 'call', anna.id, None)
    assert task.due_at > utcnow()
    assert row.handled_at is None and row.next_due_at == task.due_at


def test_a_lead_from_an_integration_fires_the_rules_of_the_first_stage(db, admin, add_rule):
    add_rule('Не разобрано', 'entered', 'task', params={'task_type': 'call', 'title': 'Позвонить', 'due_minutes': 15})
    with db.write() as session:
        leads.receive_lead(session, actor=admin, name='Лид', phone='+79120000777')
    with db.read() as session:
        assert [t.title for t in session.exec(select(Task))] == ['Позвонить']


def test_a_request_for_a_client_in_the_stage_notifies_the_heads(db, admin, add_rule, stage_ids):
    add_rule('Назначение встречи', 'request', 'notify', name='Повторное обращение', params={'recipient': 'heads'})
    head = make_user(db, 'head', role='head', name='Ольга')
    make_user(db, 'former', role='head', active=False)
    anna = make_user(db, 'anna')
    client = make_client(db, anna, name='Пётр Петров', phone='+79120000555')
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=stage_ids['Назначение встречи'])
        leads.receive_lead(session, actor=admin, name='Пётр', phone='+79120000555')
    with db.read() as session:
        unread, shown = my_notifications(session, actor=head)
        assert my_notifications(session, actor=anna)[0] == 0
    assert unread == 1
    assert shown[0].text == '«Повторное обращение»: Пётр Петров — этап «Назначение встречи»'


def test_a_bulk_move_fires_the_rules_of_the_target_stage_for_every_client(db, admin, add_rule, stage_ids):
    add_rule('Вывод на бронь', 'entered', 'notify', params={'recipient': 'responsible'})
    anna = make_user(db, 'anna')
    ids = [make_client(db, anna, phone=f'+7912000010{n}').id for n in range(3)]
    with db.write() as session:
        bulk.bulk_move(
            session, actor=admin, selection=bulk.Selection(client_ids=ids), stage_id=stage_ids['Вывод на бронь']
        )
    with db.read() as session:
        assert my_notifications(session, actor=anna)[0] == 3


def test_reassigning_by_the_lead_distribution_hands_the_client_to_the_next_manager(db, admin, add_rule):
    add_rule('Не разобрано', 'entered', 'reassign')
    anna, boris = make_user(db, 'anna'), make_user(db, 'boris', name='Борис')
    with db.write() as session:
        leads.set_lead_distribution(session, mode='round_robin')
    client = make_client(db, admin, responsible_id=anna.id)
    assert _client(db, client.id).responsible_id in (anna.id, boris.id)
    with db.write() as session:
        leads.set_lead_distribution(session, mode='fixed', user_id=boris.id)
    second = make_client(db, admin, phone='+79120000002', responsible_id=anna.id)
    assert _client(db, second.id).responsible_id == boris.id
    entry = next(e for e in _detail(db, admin, second.id).feed if e.kind == FeedKind.responsible)
    assert entry.author_name == 'Автоматизация (Правило)' and 'undo' not in entry.data


def test_a_rule_never_makes_a_move_the_transitions_forbid(db, admin, add_rule, stage_ids):
    with db.write() as session, pytest.raises(InvalidInput):
        rules.create_rule(
            session,
            actor=admin,
            values=rules.RuleInput(
                name='Назад',
                stage_id=stage_ids['Бронь поставлена'],
                trigger='entered',
                action='move',
                params={'stage_id': stage_ids['Не разобрано']},
            ),
        )
    add_rule(
        'Не разобрано', 'task_created', 'move', name='Встреча', params={'stage_id': stage_ids['Назначение встречи']}
    )
    with db.write() as session:
        admin_stages.set_transition(
            session,
            actor=admin,
            from_stage_id=stage_ids['Не разобрано'],
            to_stage_id=stage_ids['Назначение встречи'],
            allowed=False,
        )
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    _add_task(db, anna, client.id)
    assert _client(db, client.id).stage_id == stage_ids['Не разобрано']
    with db.read() as session:
        log = automation_log(session, actor=admin)
    assert [(e.rule_name, e.done, e.text) for e in log] == [
        ('Встреча', False, 'Не перемещён: переход «Не разобрано» → «Назначение встречи» не разрешён')
    ]


def test_a_task_for_a_deactivated_user_is_not_made_and_the_log_says_why(db, admin, add_rule):
    boris = make_user(db, 'boris', name='Борис')
    add_rule(
        'Не разобрано',
        'entered',
        'task',
        params={'task_type': 'call', 'title': 'Позвонить', 'due_minutes': 0, 'assignee': boris.id},
    )
    with db.write() as session:
        session.get(User, boris.id).active = False
    make_client(db, admin)
    with db.read() as session:
        assert session.exec(select(Task)).all() == []
        assert [e.text for e in automation_log(session, actor=admin)] == ['Не выполнено: пользователь Борис отключён']


def test_two_rules_cannot_play_ping_pong_with_a_client(db, add_rule, stage_ids):
    add_rule('Назначение встречи', 'entered', 'move', name='Туда', params={'stage_id': stage_ids['Вывод на бронь']})
    add_rule('Вывод на бронь', 'entered', 'move', name='Обратно', params={'stage_id': stage_ids['Назначение встречи']})
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=stage_ids['Назначение встречи'])
    with db.read() as session:
        moves = session.exec(
            select(StageChange).where(StageChange.client_id == client.id).order_by(StageChange.id)
        ).all()
    # the person's move, «Туда», «Обратно», and «Туда» never again for this client in this cascade
    assert [m.to_stage_id for m in moves] == [
        stage_ids['Не разобрано'],
        stage_ids['Назначение встречи'],
        stage_ids['Вывод на бронь'],
        stage_ids['Назначение встречи'],
    ]
    assert _client(db, client.id).stage_id == stage_ids['Назначение встречи']


def test_a_cascade_stops_after_five_automatic_steps(db, admin, add_rule, stage_ids):
    with db.write() as session:
        for n in range(4):
            admin_stages.add_stage(session, actor=admin, name=f'Этап {n}')
    with db.read() as session:
        chain = ['Не разобрано', 'Назначение встречи', 'Вывод на бронь', 'Этап 0', 'Этап 1', 'Этап 2', 'Этап 3']
        ids = {s.name: s.id for s in session.exec(select(Stage))}
    for source, target in pairwise(chain):
        with db.write() as session:
            rules.create_rule(
                session,
                actor=admin,
                values=rules.RuleInput(
                    name=f'→ {target}',
                    stage_id=ids[source],
                    trigger='entered',
                    action='move',
                    params={'stage_id': ids[target]},
                ),
            )
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    assert _client(db, client.id).stage_id == ids['Этап 2']
    with db.read() as session:
        refused = session.exec(select(AutomationLog).where(AutomationLog.done == False)).all()  # noqa: E712
    assert [(e.rule_name, e.key) for e in refused] == [('→ Этап 3', 'automation.log.cascade')]


def test_a_rolled_back_change_fires_no_rule(db, add_rule):
    add_rule('Не разобрано', 'entered', 'task', params={'task_type': 'call', 'title': 'Позвонить', 'due_minutes': 15})
    anna = make_user(db, 'anna')
    with pytest.raises(RuntimeError), db.write() as session:
        clients.create_client(session, actor=anna, name='Ушёл', phones=['+79120000999'])
        raise RuntimeError('the request failed after the client was written')
    with db.read() as session:
        assert session.exec(select(Task)).all() == [] and session.exec(select(AutomationLog)).all() == []


def test_a_switched_off_rule_does_nothing(db, admin, add_rule):
    rule = add_rule('Не разобрано', 'entered', 'task', params={'task_type': 'call', 'title': 'Позвонить'})
    with db.write() as session:
        rules.set_rule_active(session, actor=admin, rule_id=rule.id, active=False)
    make_client(db, admin)
    with db.read() as session:
        assert session.exec(select(Task)).all() == []


def test_only_admins_edit_rules(db, stage_ids):
    head = make_user(db, 'head', role='head')
    values = rules.RuleInput(name='Моё', stage_id=stage_ids['Не разобрано'], trigger='entered', action='reassign')
    with db.write() as session, pytest.raises(PermissionDenied):
        rules.create_rule(session, actor=head, values=values)
    with db.read() as session, pytest.raises(PermissionDenied):
        rules.list_rules(session, actor=head)
    with db.read() as session, pytest.raises(PermissionDenied):
        automation_log(session, actor=head)


def test_a_rule_with_bad_choices_is_refused_with_a_message(db, admin, stage_ids):
    cases = [
        dict(trigger='entered', action='task', params={'task_type': 'call', 'title': ''}),
        dict(trigger='waiting', action='notify', wait_minutes=0),
        dict(trigger='entered', action='move', params={'stage_id': stage_ids['Бронь не поставлена']}),
        dict(trigger='sometime', action='notify'),
    ]
    for case in cases:
        with db.write() as session, pytest.raises(InvalidInput) as refused:
            rules.create_rule(
                session, actor=admin, values=rules.RuleInput(name='x', stage_id=stage_ids['Не разобрано'], **case)
            )
        assert refused.value.message('ru')
    with db.read() as session:
        assert session.exec(select(FeedEntry)).all() == []
