"""Immediate rules: the facts a transaction noted (a client entered a stage, a task was created or completed, a
request arrived) are answered just before it commits, inside it, so every path that changes a client — the
window, a drag, a bulk action, the API, leads, calls — fires the same rules, and a rolled-back change fires none.

A change that fires rules starts a cascade: each rule fires at most once per client in it, and a client takes at
most MAX_STEPS automatic steps, so two rules can never play ping-pong with a client."""

from collections import Counter, deque
from collections.abc import Callable

from sqlalchemy import event

from ..clients.feed import lock_client
from ..db import DbSession
from ..events import ClientFact
from ..models import Client, RuleTrigger
from .actions import carry_out, write_log
from .due_actions import plan_stay
from .rules import active_rules, rules_answering

MAX_STEPS = 5


def answer_facts(session, facts: list[ClientFact], fired: set[tuple[int, int]] | None = None) -> None:
    """Run the rules answering these facts and the facts their actions make, in cascade. `fired`: the (rule,
    client) pairs that already acted in this cascade (a timed rule that started it)."""
    fired = set(fired or ())
    steps = Counter(client_id for _, client_id in fired)
    waiting = deque(facts)
    locked: dict[int, Client | None] = {}

    def client_of(client_id: int) -> Client | None:
        # read and locked once per cascade: the actions change this same object, so it stays current
        if client_id not in locked:
            locked[client_id] = lock_client(session, client_id)
        return locked[client_id]

    while waiting:
        fact = waiting.popleft()
        if fact.kind == RuleTrigger.entered:
            _plan_waiting(session, fact, client_of)
        for rule in rules_answering(session, fact.kind, fact.stage_id, fact.task_type):
            if (rule.id, fact.client_id) in fired:
                continue  # a change made by a rule does not fire the same rule again for that client
            client = client_of(fact.client_id)
            if client is None or client.stage_id != rule.stage_id:
                continue  # an earlier rule of the cascade took the client out of the stage
            fired.add((rule.id, client.id))
            if steps[client.id] >= MAX_STEPS:
                write_log(session, rule, client.id, 'automation.log.cascade', done=False, steps=MAX_STEPS)
                continue
            steps[client.id] += 1
            carry_out(session, rule, client)
            waiting.extend(session.info.pop('pending_facts', []))


def _plan_waiting(session, fact: ClientFact, client_of: Callable[[int], Client | None]) -> None:
    waits = [
        (rule.id, rule.wait_minutes)
        for rule in active_rules(session)
        if rule.trigger == RuleTrigger.waiting and rule.stage_id == fact.stage_id
    ]
    if waits:
        client = client_of(fact.client_id)
        if client is not None and client.stage_id == fact.stage_id:
            plan_stay(session, client, waits)


@event.listens_for(DbSession, 'before_commit', insert=True)  # first: the rules' own events travel with the rest
def _answer_before_commit(session) -> None:
    if session.in_nested_transaction():
        return
    facts = session.info.pop('pending_facts', None)
    if facts:
        answer_facts(session, facts)
