"""Stage rules as data: each is "when <trigger> then <action>" for the clients of one stage, edited by admins.
This module checks and stores them and says which rules answer a fact; actions.py carries them out."""

from dataclasses import dataclass

from pydantic import BaseModel
from sqlmodel import select

from ..account.audit import record_change
from ..account.reference import transition_allowed
from ..errors import InvalidInput, NotFound
from ..limits import RULE_MINUTES_MAX, RULE_NAME_MAX, TASK_TITLE_MAX, check_text
from ..memo import Believed
from ..models import (
    AutomationRule,
    Board,
    ClosingReason,
    RuleAction,
    RuleTrigger,
    Stage,
    StageTransition,
    TaskType,
    User,
)
from ..permissions import Actor, ensure_admin
from .due_actions import forget_planned, plan_waiting_rule

TASK_TRIGGERS = (RuleTrigger.task_created, RuleTrigger.task_done)
RESPONSIBLE, HEADS = 'responsible', 'heads'  # the assignee of a task / the recipients of a notification


class RuleView(BaseModel):
    """A rule as the settings screen shows and edits it."""

    id: int
    name: str
    stage_id: int
    trigger: str
    task_type: str | None = None
    wait_minutes: int | None = None
    untouched_only: bool = False  # the waiting trigger: only while no person has handled the client
    action: str
    params: dict = {}
    active: bool = True
    position: int = 0
    default_key: str | None = None


class RuleInput(BaseModel):
    """What an admin submits for a rule (the API and the screen alike); checked by `clean_rule`."""

    name: str
    stage_id: int
    trigger: str
    task_type: str | None = None
    wait_minutes: int | None = None
    action: str
    params: dict = {}
    active: bool = True


@dataclass(frozen=True)
class Rule:
    """An active rule as the evaluation holds it: plain values, believed for a few seconds."""

    id: int
    name: str
    stage_id: int
    trigger: str
    task_type: str | None
    wait_minutes: int | None
    action: str
    params: dict

    def answers(self, kind: str, stage_id: int, task_type: str | None) -> bool:
        if self.trigger != kind or self.stage_id != stage_id:
            return False
        return kind not in TASK_TRIGGERS or self.task_type in (None, task_type)


def view_of(rule: AutomationRule) -> RuleView:
    params = dict(rule.params or {})
    return RuleView(
        id=rule.id,
        name=rule.name,
        stage_id=rule.stage_id,
        trigger=rule.trigger,
        task_type=rule.task_type,
        wait_minutes=rule.wait_minutes,
        untouched_only=bool(params.get('untouched_only')),
        action=rule.action,
        params=params,
        active=rule.active,
        position=rule.position,
        default_key=rule.default_key,
    )


def _minutes(value, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= RULE_MINUTES_MAX:
        raise InvalidInput(key, most=RULE_MINUTES_MAX)
    return value


def _clients_stage(session, stage_id) -> Stage:
    stage = session.get(Stage, stage_id) if isinstance(stage_id, int) else None
    if stage is None or stage.board != Board.clients:
        raise InvalidInput('error.stage_board')
    return stage


def _active_user_id(session, user_id) -> int:
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise InvalidInput('error.unknown_user')
    if not user.active:
        raise InvalidInput('error.inactive_user', user=user.name)
    return user.id


def _clean_params(session, stage: Stage, action: str, params: dict) -> dict:
    """Only the choices the action has, each checked: a rule that could never act is refused when saved."""
    if action == RuleAction.move:
        target = _clients_stage(session, params.get('stage_id'))
        if target.id == stage.id:
            raise InvalidInput('error.same_stage', stage=target.name)
        if not transition_allowed(session, stage.id, target.id):
            raise InvalidInput('error.transition', source=stage.name, target=target.name)
        cleaned = {'stage_id': target.id}
        if target.needs_reason:
            reason = session.get(ClosingReason, params.get('reason_id')) if params.get('reason_id') else None
            if reason is None or reason.stage_id != target.id or not reason.active:
                raise InvalidInput('error.reason_required', stage=target.name)
            cleaned['reason_id'] = reason.id
        return cleaned
    if action == RuleAction.task:
        if params.get('task_type') not in set(TaskType):
            raise InvalidInput('error.unknown_ref', what=str(params.get('task_type'))[:32])
        title = check_text(params.get('title'), TASK_TITLE_MAX, 'task.title', one_line=True)
        if not title:
            raise InvalidInput('error.task_title')
        assignee = params.get('assignee', RESPONSIBLE)
        return {
            'task_type': params['task_type'],
            'title': title,
            'due_minutes': _minutes(params.get('due_minutes', 0), 'automation.error.minutes'),
            'assignee': RESPONSIBLE if assignee == RESPONSIBLE else _active_user_id(session, assignee),
        }
    if action == RuleAction.notify:
        recipient = params.get('recipient', HEADS)
        return {'recipient': recipient if recipient in (HEADS, RESPONSIBLE) else _active_user_id(session, recipient)}
    if action == RuleAction.reassign:
        return {}
    raise InvalidInput('automation.error.action')


def clean_rule(session, values: RuleInput) -> dict:
    """A rule's columns from what an admin submitted, or a refusal that says what is wrong."""
    name = check_text(values.name, RULE_NAME_MAX, 'automation.name', one_line=True)
    if not name:
        raise InvalidInput('automation.error.name')
    stage = _clients_stage(session, values.stage_id)
    if values.trigger not in set(RuleTrigger):
        raise InvalidInput('automation.error.trigger')
    if values.action not in set(RuleAction):
        raise InvalidInput('automation.error.action')
    params = _clean_params(session, stage, values.action, dict(values.params or {}))
    task_type = None
    if values.trigger in TASK_TRIGGERS and values.task_type is not None:
        if values.task_type not in set(TaskType):
            raise InvalidInput('error.unknown_ref', what=str(values.task_type)[:32])
        task_type = values.task_type
    wait = None
    if values.trigger == RuleTrigger.waiting:
        wait = _minutes(values.wait_minutes, 'automation.error.minutes')
        if wait == 0:
            raise InvalidInput('automation.error.minutes', most=RULE_MINUTES_MAX)
        params['untouched_only'] = bool((values.params or {}).get('untouched_only'))
    return {
        'name': name,
        'stage_id': stage.id,
        'trigger': values.trigger,
        'task_type': task_type,
        'wait_minutes': wait,
        'action': values.action,
        'params': params,
        'active': bool(values.active),
    }


def list_rules(session, *, actor: Actor) -> list[RuleView]:
    """Every rule, by stage and position; admins only."""
    ensure_admin(actor)
    rows = session.exec(
        select(AutomationRule).order_by(AutomationRule.stage_id, AutomationRule.position, AutomationRule.id)
    )
    return [view_of(rule) for rule in rows]


def create_rule(session, *, actor: Actor, values: RuleInput) -> RuleView:
    ensure_admin(actor)
    columns = clean_rule(session, values)
    last = session.exec(
        select(AutomationRule.position)
        .where(AutomationRule.stage_id == columns['stage_id'])
        .order_by(AutomationRule.position.desc())
    ).first()
    rule = AutomationRule(**columns, position=(last or 0) + 1)
    session.add(rule)
    session.flush()
    plan_waiting_rule(session, rule)
    record_change(session, actor, 'automation', 'rule_created', name=rule.name)
    return view_of(rule)


def _rule(session, rule_id: int) -> AutomationRule:
    rule = session.get(AutomationRule, rule_id)
    if rule is None:
        raise NotFound()
    return rule


def update_rule(session, *, actor: Actor, rule_id: int, values: RuleInput) -> RuleView:
    """Change a rule; a timed rule's due actions are planned again from the new wait."""
    ensure_admin(actor)
    rule = _rule(session, rule_id)
    for column, value in clean_rule(session, values).items():
        setattr(rule, column, value)
    session.add(rule)
    session.flush()
    plan_waiting_rule(session, rule)
    record_change(session, actor, 'automation', 'rule_changed', name=rule.name)
    return view_of(rule)


def set_rule_active(session, *, actor: Actor, rule_id: int, active: bool) -> RuleView:
    ensure_admin(actor)
    rule = _rule(session, rule_id)
    rule.active = active
    session.add(rule)
    session.flush()
    plan_waiting_rule(session, rule)
    key = 'rule_on' if active else 'rule_off'
    record_change(session, actor, 'automation', key, name=rule.name)
    return view_of(rule)


def delete_rule(session, *, actor: Actor, rule_id: int) -> None:
    """A deleted rule's history stays: the feed, the stage history and the log name it."""
    ensure_admin(actor)
    rule = _rule(session, rule_id)
    forget_planned(session, rule.id)
    session.delete(rule)
    session.flush()
    record_change(session, actor, 'automation', 'rule_deleted', name=rule.name)


_believed = Believed(10, watched=(AutomationRule, Stage, StageTransition))


def active_rules(session) -> tuple[Rule, ...]:
    """The active rules in their order (believed for a few seconds: every commit with a fact asks for them)."""

    def load() -> tuple[Rule, ...]:
        rows = session.exec(
            select(AutomationRule)
            .where(AutomationRule.active)
            .order_by(AutomationRule.stage_id, AutomationRule.position, AutomationRule.id)
        )
        return tuple(
            Rule(r.id, r.name, r.stage_id, r.trigger, r.task_type, r.wait_minutes, r.action, dict(r.params or {}))
            for r in rows
        )

    return _believed.get('rules', load)


def rules_answering(session, kind: str, stage_id: int, task_type: str | None = None) -> list[Rule]:
    return [rule for rule in active_rules(session) if rule.answers(kind, stage_id, task_type)]
