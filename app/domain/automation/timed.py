"""Timed rules ("a client has been in the stage longer than N working minutes"): each stay of a client in a
stage with such a rule gets a row in a durable table of due actions, and a scheduler in every app process takes
the rows whose time has come. Rows outlive a restart (what fell due while the app was down runs once on start)
and a worker claims each under a row lock that other workers skip, so with several processes on PostgreSQL each
due action runs once. Never from the live bus, which every process hears."""

import logging
import threading
from datetime import datetime

from sqlmodel import select

from ..clients.feed import lock_client
from ..db import Database
from ..models import Client, DueAction, as_utc, utcnow
from .actions import carry_out
from .rules import Rule, active_rules
from .triggers import answer_facts

log = logging.getLogger(__name__)
CHECK_SECONDS = 15
BATCH = 200  # due actions claimed per transaction: a backlog after a long stop is taken in several commits


def still_waiting(rule: Rule, client: Client | None, due: DueAction) -> bool:
    """The stay the action was planned for is still going on (and nobody handled it, if the rule asks that)."""
    if client is None or client.stage_id != rule.stage_id:
        return False
    started = as_utc(due.stay_started_at)
    if as_utc(client.stage_changed_at) != started:
        return False
    return not (rule.params.get('untouched_only') and client.handled_at and as_utc(client.handled_at) >= started)


def run_due_actions(database: Database, *, now: datetime | None = None) -> int:
    """Carry out every due action whose time has come, a batch per transaction; how many were taken."""
    taken = 0
    while True:
        with database.write() as session:
            claimed = session.exec(
                select(DueAction)
                .where(DueAction.due_at <= (now or utcnow()))
                .order_by(DueAction.due_at, DueAction.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            rules = {rule.id: rule for rule in active_rules(session)}
            for due in claimed:
                session.delete(due)  # claimed: gone for every other worker once this commits
                rule = rules.get(due.rule_id)
                client = lock_client(session, due.client_id) if rule else None
                if rule is not None and still_waiting(rule, client, due):
                    carry_out(session, rule, client)
                    answer_facts(session, session.info.pop('pending_facts', []), fired={(rule.id, client.id)})
            session.flush()
        taken += len(claimed)
        if len(claimed) < BATCH:
            return taken


class Scheduler:
    """The timed rules' clock in one app process: a catch-up run at start, then a run every CHECK_SECONDS."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, database: Database) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(database,), name='automation-timed', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=CHECK_SECONDS)
        self._thread = None

    def _run(self, database: Database) -> None:
        while True:
            try:
                run_due_actions(database)
            except Exception:  # a failed round is tried again next time: the rows are still there
                log.exception('running the timed automation rules failed')
            if self._stop.wait(CHECK_SECONDS):
                return


scheduler = Scheduler()
