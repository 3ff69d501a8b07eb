"""Settings → «Автоматизация»: an admin adds a rule with the selects, switches it off, sets the working hours and
reads the rules' log; a manager gets no such tab."""

from nicegui.testing import User
from sqlmodel import select

from app.domain.automation import rules
from app.domain.models import AccountSetting, AutomationRule
from tests.factories import make_client, make_user, stages
from tests.ui.test_board import eventually, log_in, pick


async def open_automation(user: User) -> None:
    await user.open('/settings')
    await user.should_see(marker='settings-tab-automation', retries=100)
    pick(user, 'settings-tabs', 'automation')
    await user.should_see(marker='rule-add', retries=100)


def saved_rules(db) -> list[tuple]:
    with db.read() as session:
        return [(r.name, r.trigger, r.action, r.params, r.active) for r in session.exec(select(AutomationRule))]


async def test_an_admin_adds_a_rule_switches_it_off_and_sees_what_it_did(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    by_name = stages(db)
    await log_in(user, 'admin')
    await open_automation(user)
    await user.should_see(marker='rules-empty')
    user.find(marker='rule-add').click()
    await user.should_see(marker='rule-dialog')
    user.find(marker='rule-name').type('Новый лид')
    pick(user, 'rule-stage', by_name['Не разобрано'].id)
    pick(user, 'rule-trigger', 'entered')
    pick(user, 'rule-action', 'task')
    user.find(marker='rule-title').type('Позвонить')
    pick(user, 'rule-due', 15)
    user.find(marker='rule-save').click()
    expected = {'task_type': 'call', 'title': 'Позвонить', 'due_minutes': 15, 'assignee': 'responsible'}
    await eventually(lambda: saved_rules(db) == [('Новый лид', 'entered', 'task', expected, True)])
    await user.should_see('задача «Позвонить» через 15 раб. мин для: Ответственный', retries=100)

    make_client(db, admin)  # the rule acts, and its log shows it after a reload
    await open_automation(user)
    await user.should_see(marker='automation-log')
    with user:
        [table] = user.find(marker='automation-log').elements
        assert [row['what'] for row in table.rows] == ['Задача «Позвонить» для Admin']

    [rule_id] = [r.id for r in rules_of(db)]
    user.find(marker=f'rule-switch-{rule_id}').click()
    await eventually(lambda: saved_rules(db)[0][-1] is False)


def rules_of(db):
    with db.read() as session:
        return list(session.exec(select(AutomationRule)))


async def test_a_rule_that_could_never_act_is_refused_with_a_message(user: User, db):
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_automation(user)
    user.find(marker='rule-add').click()
    await user.should_see(marker='rule-dialog')
    user.find(marker='rule-name').type('Пустая задача')
    pick(user, 'rule-action', 'task')
    user.find(marker='rule-save').click()
    await user.should_see('Укажите, что нужно сделать', retries=100)
    assert saved_rules(db) == []


async def test_an_admin_sets_the_working_hours(user: User, db):
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_automation(user)
    user.find(marker='hours-day-5').click()
    pick(user, 'hours-start', '10:00')
    pick(user, 'hours-zone', 'Europe/Berlin')
    user.find(marker='hours-save').click()

    def stored():
        with db.read() as session:
            row = session.get(AccountSetting, 'working_hours')
            return row.value if row else None

    await eventually(
        lambda: stored() == {'days': [0, 1, 2, 3, 4, 5], 'start': '10:00', 'end': '18:00', 'zone': 'Europe/Berlin'}
    )


async def test_a_manager_gets_no_automation_tab_and_the_domain_refuses_them(user: User, db):
    anna = make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden', retries=100)
    await user.should_not_see(marker='settings-tab-automation')
    with db.read() as session:
        try:
            rules.list_rules(session, actor=anna)
        except Exception as error:  # noqa: BLE001
            assert type(error).__name__ == 'PermissionDenied'
        else:
            raise AssertionError('a manager read the rules')
