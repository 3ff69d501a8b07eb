"""Automation figures for issue 19: the periodic check of the timed rules with every client of the first stage
waiting on one, and a board build and a lead with the rules on against the same without them.

Run by hand:  .venv/bin/python bench/bench_automation.py [--clients 100000] [--repeats 20]
"""

import argparse
import os
import time
from datetime import timedelta

from common import bench_data_dir, describe, median_p95, seed_demo


def timed(work, repeats: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        work()
        samples.append((time.perf_counter() - began) * 1000)
    return median_p95(samples)


def main(clients: int, repeats: int) -> None:
    from sqlalchemy import delete, insert, select, update

    from app.domain.account.reference import first_working_stage, stage_views
    from app.domain.account.users import user_by_login
    from app.domain.automation.defaults import switch_on_default_rules
    from app.domain.automation.timed import run_due_actions
    from app.domain.clients import clients as client_service
    from app.domain.clients import leads
    from app.domain.db import init_database
    from app.domain.models import AutomationRule, Client, DueAction, utcnow
    from app.domain.permissions import Actor

    database = init_database(os.environ['DATABASE_URL'])
    print(f'seeded {clients} clients in {seed_demo(database, clients):.1f} s', flush=True)
    with database.write() as session:
        switch_on_default_rules(session)
        first = first_working_stage(session).id
        waiting_rule = session.execute(select(AutomationRule.id).where(AutomationRule.trigger == 'waiting')).scalar()
        # the hard case: every client of the first stage has a stay the timed rule is still waiting on
        waiting = session.execute(select(Client.id, Client.stage_changed_at).where(Client.stage_id == first)).all()
        later = utcnow() + timedelta(days=30)
        session.execute(delete(DueAction))  # switching the rules on planned the recent stays already
        for start in range(0, len(waiting), 5000):
            session.execute(
                insert(DueAction),
                [
                    {'rule_id': waiting_rule, 'client_id': c, 'stay_started_at': at, 'due_at': later}
                    for c, at in waiting[start : start + 5000]
                ],
            )
    database.optimize()
    print(f'{len(waiting)} due actions waiting', flush=True)
    median, p95 = timed(lambda: run_due_actions(database), repeats)
    print(f'periodic check, nothing due yet: median {median:.1f} ms, p95 {p95:.1f} ms (target < 100 ms)')

    with database.read() as session:
        manager = Actor.of(user_by_login(session, 'manager1'))
        admin = Actor.of(user_by_login(session, 'admin'))
        working = [s.id for s in stage_views(session) if s.kind == 'working']

    def board() -> None:
        with database.read() as session:
            client_service.first_board_pages(session, actor=manager, stage_ids=working)

    numbers = iter(range(10**6))

    def lead() -> None:
        with database.write() as session:
            leads.receive_lead(session, actor=admin, name='Лид', phone=f'+7999{next(numbers):07d}')

    figures = {}
    for state in (True, False):
        with database.write() as session:
            session.execute(update(AutomationRule).values(active=state))
        time.sleep(11)  # the believed rules expire
        figures[state] = (timed(board, repeats)[0], timed(lead, repeats)[0])
    (board_on, lead_on), (board_off, lead_off) = figures[True], figures[False]
    print(
        f'board build for a manager: {board_on:.1f} ms with rules, {board_off:.1f} ms without '
        f'(ratio {board_on / board_off:.2f})'
    )
    print(f'one lead: {lead_on:.1f} ms with rules, {lead_off:.1f} ms without (ratio {lead_on / lead_off:.2f})')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000)
    parser.add_argument('--repeats', type=int, default=20)
    arguments = parser.parse_args()
    with bench_data_dir('voronka-bench-automation-') as data_dir:
        describe('automation', data_dir)
        main(arguments.clients, arguments.repeats)
