"""Report figures for issue 7: the funnel over 100,000 clients with about 500,000 stage changes for one year
(target under 1 s on SQLite), and the lead and deals reports over the same base.

Run by hand: `.venv/bin/python bench/bench_reports.py [--clients 100000] [--changes 500000] [--runs 7]`. Works
in a fresh temporary SQLite data directory (removed afterwards unless --keep). The demo data gives each client
its journey through the stages; the bench adds back-and-forth moves until the history holds --changes rows.
"""

import argparse
import os
import random
import time
from datetime import timedelta

from common import bench_data_dir, describe, machine_speed, median_p95, seed_demo

FUNNEL_TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000)
    parser.add_argument('--changes', type=int, default=500_000, help='stage changes in the history')
    parser.add_argument('--runs', type=int, default=7)
    parser.add_argument('--keep', action='store_true')
    args = parser.parse_args()
    with bench_data_dir('voronka-bench-reports-', keep=args.keep) as data_dir:
        run(args, data_dir)


def run(args, data_dir) -> None:
    from sqlalchemy import func, insert
    from sqlmodel import select

    from app.domain.account_time import to_local_naive
    from app.domain.db import init_database
    from app.domain.models import Client, Stage, StageChange, User, utcnow
    from app.domain.permissions import Actor
    from app.domain.reports import reports
    from app.domain.reports.reports import ReportScope

    describe('reports', data_dir)
    db = init_database(os.environ['DATABASE_URL'])
    began = time.perf_counter()
    seed_demo(db, args.clients)
    with db.write() as session:
        have = session.exec(select(func.count()).select_from(StageChange)).one()
        working = list(
            session.exec(
                select(Stage.id).where(Stage.board == 'clients', Stage.kind == 'working').order_by(Stage.position)
            )
        )
        created = dict(session.exec(select(Client.id, Client.created_at)).all())
        ids = list(created)
        rng = random.Random(7)
        now = utcnow()
        extra = []
        while have + len(extra) < args.changes:
            client_id = rng.choice(ids)
            source, target = rng.sample(working[1:], 2)
            extra.append(
                {
                    'board': 'clients',
                    'client_id': client_id,
                    'client_created_at': created[client_id],
                    'from_stage_id': source,
                    'to_stage_id': target,
                    'at': now - timedelta(days=rng.uniform(0, 360)),
                    'seconds': rng.randint(600, 30 * 86400),
                }
            )
        for start in range(0, len(extra), 10_000):
            session.connection().execute(insert(StageChange.__table__), extra[start : start + 10_000])
        total = have + len(extra)
    db.optimize()
    print(
        f'seeded {args.clients:,} clients and {total:,} stage changes in {time.perf_counter() - began:.1f} s',
        flush=True,
    )

    with db.read() as session:
        head = Actor.of(session.exec(select(User).where(User.role == 'head')).first())
    today = to_local_naive(utcnow()).date()
    year = ReportScope(date_from=today - timedelta(days=365), date_to=today)
    cases = [
        ('funnel, one year, all managers', lambda s: reports.funnel_report(s, actor=head, scope=year)),
        (
            'funnel, one year, three managers',
            lambda s: reports.funnel_report(
                s, actor=head, scope=year.model_copy(update={'responsible_ids': _three_managers(s)})
            ),
        ),
        ('lead report, one year by month', lambda s: reports.lead_report(s, actor=head, scope=year, bucket='month')),
        ('deals report, one year by month', lambda s: reports.deals_report(s, actor=head, scope=year, bucket='month')),
    ]
    print(f'\n  {"report":<40}{"median":>10}{"p95":>10}')
    for label, call in cases:
        samples = []
        for attempt in range(args.runs + 1):
            with db.read() as session:
                began = time.perf_counter()
                result = call(session)
                if attempt:  # the first run warms the page cache
                    samples.append(time.perf_counter() - began)
        median, p95 = median_p95(samples)
        verdict = ''
        if label.startswith('funnel'):
            verdict = 'OK' if p95 < FUNNEL_TARGET_S else 'MISS'
            verdict += f'  (cohort {result.cohort:,}, target < {FUNNEL_TARGET_S:.0f} s)'
        print(f'  {label:<40}{median * 1000:>7.0f} ms{p95 * 1000:>7.0f} ms  {verdict}', flush=True)
    print('\n' + machine_speed())


def _three_managers(session) -> list[int]:
    from sqlmodel import select

    from app.domain.models import User

    return list(session.exec(select(User.id).where(User.role == 'manager').order_by(User.id).limit(3)))


if __name__ == '__main__':
    main()
