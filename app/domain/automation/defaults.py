"""The rules every account starts with, switched on for a new account and once on upgrade (an audit-log entry
says so); an admin may switch them off or delete them, and they do not come back."""

from sqlmodel import select

from ..account.reference import first_working_stage
from ..models import AccountSetting, AuditEntry, AutomationRule, Board, RuleAction, RuleTrigger, Stage, TaskType
from .due_actions import plan_waiting_rule
from .rules import HEADS, RESPONSIBLE

DEFAULTS_KEY = 'automation_defaults'
MEETING_STAGE = 'Назначение встречи'


def _default_rules(session) -> list[AutomationRule]:
    first = first_working_stage(session)
    meeting = session.exec(select(Stage).where(Stage.board == Board.clients, Stage.name == MEETING_STAGE)).first()
    shipped = [
        AutomationRule(
            default_key='new_lead_call',
            name='Позвонить новому лиду',
            stage_id=first.id,
            trigger=RuleTrigger.request,
            action=RuleAction.task,
            params={'task_type': TaskType.call, 'title': 'Позвонить', 'due_minutes': 15, 'assignee': RESPONSIBLE},
            position=1,
        ),
        AutomationRule(
            default_key='untouched_lead',
            name='Лид не разобран 30 минут',
            stage_id=first.id,
            trigger=RuleTrigger.waiting,
            wait_minutes=30,
            action=RuleAction.notify,
            params={'recipient': HEADS, 'untouched_only': True},
            position=2,
        ),
    ]
    if meeting is not None:  # an account that renamed the stage has no such stage to move to
        shipped.insert(
            0,
            AutomationRule(
                default_key='meeting_scheduled',
                name='Встреча назначена',
                stage_id=first.id,
                trigger=RuleTrigger.task_created,
                task_type=TaskType.meeting,
                action=RuleAction.move,
                params={'stage_id': meeting.id},
                position=0,
            ),
        )
    return shipped


def switch_on_default_rules(session) -> bool:
    """Write the shipped rules once per account (new or upgraded); True if it did."""
    if session.get(AccountSetting, DEFAULTS_KEY) is not None:
        return False
    rules = _default_rules(session)
    for rule in rules:
        session.add(rule)
    session.flush()
    for rule in rules:
        plan_waiting_rule(session, rule)
    session.add(AccountSetting(key=DEFAULTS_KEY, value={'keys': [rule.default_key for rule in rules]}))
    names = ', '.join(f'«{rule.name}»' for rule in rules)
    session.add(AuditEntry(actor_id=None, area='automation', action='default_rules', details={'names': names}))
    session.flush()
    return True
