"""What a rule does to a client, as the system actor «Автоматизация (rule name)»: with the reach of a head, but
only along the allowed transitions and only to active users. A rule that cannot act writes why to the log and
changes nothing else."""

import logging
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import select

from app.i18n import translate

from ..account.reference import transition_allowed
from ..account.working_hours import working_hours
from ..clients.clients import apply_stage, hand_over
from ..clients.leads import distributed_responsible
from ..clients.speed_to_lead import waiting_thresholds
from ..clients.tasks import plan_task
from ..errors import DomainError
from ..models import AutomationLog, Board, Client, ClosingReason, RuleAction, Stage, User, utcnow
from ..permissions import ActingRule, Actor, acting_as_rule, can_see_client, ensure_admin
from .notifications import heads, notify_users
from .rules import HEADS, RESPONSIBLE, Rule, RuleView, list_rules

log = logging.getLogger(__name__)
LOG_SHOWN = 200


class Refused(Exception):
    """The rule cannot act on this client now; `key` and `params` say why in the log."""

    def __init__(self, key: str, **params) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def write_log(session, rule: Rule, client_id: int | None, key: str, *, done: bool, **params) -> None:
    session.add(
        AutomationLog(rule_id=rule.id, rule_name=rule.name, client_id=client_id, done=done, key=key, params=params)
    )


def _active_user(session, user_id: int | None) -> User:
    with session.no_autoflush:  # the rule's own flush writes what is pending; a lookup need not flush first
        user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise Refused('automation.log.user_gone')
    if not user.active:
        raise Refused('automation.log.inactive', user=user.name)
    return user


def _move(session, rule: Rule, client: Client) -> dict:
    target = session.get(Stage, rule.params.get('stage_id'))
    if target is None or target.board != Board.clients:
        raise Refused('automation.log.stage_gone')
    source = session.get(Stage, client.stage_id)
    if not transition_allowed(session, source.id, target.id):
        raise Refused('automation.log.transition', source=source.name, target=target.name)
    reason = None
    if target.needs_reason:
        reason = session.get(ClosingReason, rule.params.get('reason_id'))
        if reason is None or reason.stage_id != target.id or not reason.active:
            raise Refused('automation.log.reason', stage=target.name)
    apply_stage(session, client, None, target, reason, 'feed.stage_reason' if reason else 'feed.stage')
    return {'source': source.name, 'target': target.name}


def _task(session, rule: Rule, client: Client) -> dict:
    chosen = rule.params.get('assignee', RESPONSIBLE)
    assignee = _active_user(session, client.responsible_id if chosen == RESPONSIBLE else chosen)
    if not can_see_client(Actor.of(assignee), client):
        raise Refused('automation.log.cannot_see', user=assignee.name)
    due = working_hours(session).add_working_minutes(utcnow(), int(rule.params.get('due_minutes', 0)))
    title = rule.params['title']
    plan_task(
        session, client, actor=None, title=title, type=rule.params['task_type'], due_at=due, assignee_id=assignee.id
    )
    return {'title': title, 'user': assignee.name}


def _reassign(session, rule: Rule, client: Client) -> dict:
    target = _active_user(session, distributed_responsible(session, client.responsible_id))
    if target.id == client.responsible_id:
        raise Refused('automation.log.no_one_else')
    hand_over(session, client, None, target)
    return {'user': target.name}


def _notify(session, rule: Rule, client: Client) -> dict:
    recipient = rule.params.get('recipient', HEADS)
    if recipient == HEADS:
        users = heads(session)
        if not users:
            raise Refused('automation.log.no_heads')
    else:
        user = _active_user(session, client.responsible_id if recipient == RESPONSIBLE else recipient)
        if not can_see_client(Actor.of(user), client):
            raise Refused('automation.log.cannot_see', user=user.name)
        users = [user]
    stage = session.get(Stage, client.stage_id)
    notify_users(
        session,
        [user.id for user in users],
        key='automation.notice',
        client_id=client.id,
        rule=rule.name,
        client=client.name,
        stage=stage.name,
    )
    return {'users': ', '.join(user.name for user in users)}


ACTIONS = {RuleAction.move: _move, RuleAction.task: _task, RuleAction.reassign: _reassign, RuleAction.notify: _notify}


def carry_out(session, rule: Rule, client: Client) -> bool:
    """Do the rule's action for the client in a savepoint, and log what was done or why not; True if done."""
    try:
        with session.begin_nested(), acting_as_rule(session, ActingRule(rule.id, rule.name)):
            params = ACTIONS[rule.action](session, rule, client)
            session.flush()
    except Refused as refusal:
        write_log(session, rule, client.id, refusal.key, done=False, **refusal.params)
        return False
    except DomainError as error:  # a service refused what the rule asked (a limit, a stage's rule)
        write_log(session, rule, client.id, error.key, done=False, **{k: str(v) for k, v in error.params.items()})
        return False
    except Exception:  # a rule must never sink the change that fired it
        log.exception('automation rule %s failed for client %s', rule.id, client.id)
        write_log(session, rule, client.id, 'automation.log.failed', done=False)
        return False
    write_log(session, rule, client.id, f'automation.log.done_{rule.action}', done=True, **params)
    return True


class LogView(BaseModel):
    at: datetime
    rule_name: str
    client_id: int | None
    client_name: str
    done: bool
    text: str


def automation_log(session, *, actor: Actor, limit: int = LOG_SHOWN) -> list[LogView]:
    """The newest entries of the rules' log, in the reader's language; admins only."""
    ensure_admin(actor)
    rows = session.exec(
        select(AutomationLog, Client.name)
        .join(Client, Client.id == AutomationLog.client_id, isouter=True)
        .order_by(AutomationLog.id.desc())
        .limit(limit)
    ).all()
    return [
        LogView(
            at=entry.at,
            rule_name=entry.rule_name,
            client_id=entry.client_id,
            client_name=name or '',
            done=entry.done,
            text=translate(entry.key, actor.locale, **entry.params),
        )
        for entry, name in rows
    ]


class AutomationSetup(BaseModel):
    """What Settings → «Автоматизация» shows: the rules, the working hours, the waiting clock's thresholds and
    the newest log entries."""

    rules: list[RuleView]
    hours: dict
    waiting: tuple[int, int]  # working minutes: amber from, red from
    log: list[LogView]


def automation_setup(session, *, actor: Actor) -> AutomationSetup:
    """The settings screen's read, in one go; admins only."""
    return AutomationSetup(
        rules=list_rules(session, actor=actor),
        hours=working_hours(session).as_setting(),
        waiting=waiting_thresholds(session),
        log=automation_log(session, actor=actor),
    )
