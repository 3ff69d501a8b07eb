"""The durable table of due actions: what a timed rule is to do for a client's stay in its stage, and when."""

import math
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from ..account.working_hours import WorkingHours, working_hours
from ..models import AutomationRule, Client, DueAction, RuleTrigger, as_utc, utcnow

INSERT_IGNORING = {
    dialect.__name__.rsplit('.', 1)[-1]: dialect.insert(DueAction.__table__).on_conflict_do_nothing()
    for dialect in (postgresql, sqlite)
}


def _due_rows(hours: WorkingHours, rule_id: int, wait: int, stays) -> list[dict]:
    return [
        {
            'rule_id': rule_id,
            'client_id': client_id,
            'stay_started_at': as_utc(started),
            'due_at': hours.add_working_minutes(started, wait),
        }
        for client_id, started in stays
    ]


def _insert(session, rows: list[dict]) -> None:
    if rows:
        connection = session.connection()
        connection.execute(INSERT_IGNORING[connection.dialect.name], rows)


def plan_stay(session, client: Client, waits: list[tuple[int, int]]) -> None:
    """The client has just entered its stage: each of its waiting rules, (rule id, working minutes), is due
    that long after."""
    hours = working_hours(session)
    for rule_id, wait in waits:
        _insert(session, _due_rows(hours, rule_id, wait, [(client.id, client.stage_changed_at)]))


def plan_waiting_rule(session, rule: AutomationRule) -> None:
    """A waiting rule was created, changed or switched on: the clients already in its stage are planned from the
    start of their stay; a stay that would be overdue already is left alone (a new rule looks forward, it does
    not flood anyone with the past)."""
    forget_planned(session, rule.id)
    if not rule.active or rule.trigger != RuleTrigger.waiting:
        return
    hours = working_hours(session)
    now = utcnow()
    # a stay that began before this many weeks has used up the rule's working minutes, whatever the hours
    weeks = math.ceil(rule.wait_minutes / hours.weekly_minutes) + 1
    stays = session.execute(
        select(Client.id, Client.stage_changed_at).where(
            Client.stage_id == rule.stage_id, Client.stage_changed_at > now - timedelta(weeks=weeks)
        )
    ).all()
    _insert(session, [row for row in _due_rows(hours, rule.id, rule.wait_minutes, stays) if row['due_at'] > now])


def forget_planned(session, rule_id: int) -> None:
    session.execute(delete(DueAction).where(DueAction.rule_id == rule_id))
