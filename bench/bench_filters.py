"""Filter and bulk figures for issue 4: each filter and a combination of four, search, bulk reassignment.

Run by hand: `.venv/bin/python bench/bench_filters.py [--clients 100000] [--runs 30]`. Works in a fresh
temporary data directory on SQLite (removed afterwards unless --keep), so it never touches real data.
Every list call is what the clients table asks for: the first page of 50 with the exact total, as the head
of sales (who sees every client), through clients.list_clients.
"""

import argparse
import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

from common import bench_data_dir, describe, machine_speed, median_p95, seed_demo

LIST_TARGET_MS = 100
BULK_TARGET_S = 3.0
BULK_CLIENTS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000, help='demo clients to seed')
    parser.add_argument('--runs', type=int, default=30, help='measured calls per filter (after 3 warm-up calls)')
    parser.add_argument('--keep', action='store_true', help='keep the temporary data directory')
    args = parser.parse_args()

    with bench_data_dir('voronka-bench-filters-', keep=args.keep) as data_dir:
        Bench(args, data_dir).run()


class Bench:
    def __init__(self, args, data_dir: Path) -> None:
        from app.domain.db import init_database

        self.args = args
        self.data_dir = data_dir
        self.db = init_database(os.environ['DATABASE_URL'])

    def say(self, line: str = '') -> None:
        print(line, flush=True)

    def run(self) -> None:

        describe('filters', self.data_dir)
        seconds = seed_demo(self.db, self.args.clients)
        self.say(f'seeded {self.args.clients:,} demo clients in {seconds:.1f} s')
        self.load_reference()
        cases = self.cases()

        self.say()
        self.say(f'list_clients as the head of sales: first page of 50 + exact total, {self.args.runs} runs each')
        self.say(f'  {"filter":<66}{"total":>8}{"median":>10}{"p95":>10}  target p95 < {LIST_TARGET_MS} ms')
        results = []
        for label, flt in cases:
            median, p95, total = self.measure(flt)
            ok = p95 * 1000 < LIST_TARGET_MS
            results.append((label, flt, median, p95, ok))
            self.say(f'  {label:<66}{total:>8,}{median * 1000:>7.1f} ms{p95 * 1000:>7.1f} ms  {"OK" if ok else "MISS"}')

        self.say()
        bulk_ok = self.measure_bulk()

        missed = [(label, flt) for label, flt, _m, _p, ok in results if not ok]
        if missed:
            self.explain(missed)
        self.say()
        self.say(machine_speed())
        self.say(
            f'verdict: {len(results) - len(missed)} of {len(results)} list cases within p95 < {LIST_TARGET_MS} ms; '
            f'bulk reassignment {"within" if bulk_ok else "OVER"} {BULK_TARGET_S:.0f} s'
        )

    def load_reference(self) -> None:
        """The ids and values the cases use, picked from the seeded data so that every filter finds something."""
        from sqlalchemy import func
        from sqlmodel import select

        from app.domain.models import Client, ClientPhone, Project, Stage, Tag, User, utcnow
        from app.domain.permissions import Actor

        with self.db.read() as session:
            self.head = Actor.of(session.exec(select(User).where(User.login == 'head')).one())
            self.users = {user.login: user for user in session.exec(select(User))}
            self.projects = list(session.exec(select(Project).order_by(Project.id)))
            self.tags = list(session.exec(select(Tag).order_by(Tag.id)))
            self.stages = {
                stage.name: stage
                for stage in session.exec(select(Stage).where(Stage.board == 'clients').order_by(Stage.position))
            }
            number = session.exec(select(ClientPhone.number).order_by(ClientPhone.id).offset(777)).first()
            self.digits = number[-7:-3]  # four consecutive digits from the middle of a real number
            self.newest = session.exec(select(func.max(Client.created_at))).one()
        self.now = utcnow().replace(second=0, microsecond=0)

    def cases(self) -> list:
        from app.domain.clients.filters import ClientFilter

        manager = self.users['manager1']
        creator = self.users['manager2']
        month_ago = self.now - timedelta(days=30)
        failure = self.stages['Бронь не поставлена']
        return [
            ('no filter (working stages)', ClientFilter()),
            (
                'created-at interval: last 30 days, to the minute',
                ClientFilter(created_from=month_ago, created_to=self.now),
            ),
            (
                'created-at interval: one day 90 days ago',
                ClientFilter(created_from=self.now - timedelta(days=90), created_to=self.now - timedelta(days=89)),
            ),
            ('source: own (no agency)', ClientFilter(source='own')),
            ('source: agency', ClientFilter(source='agency')),
            (f'project: «{self.projects[0].name}»', ClientFilter(project_ids=[self.projects[0].id])),
            ('projects: two of them', ClientFilter(project_ids=[p.id for p in self.projects[1:3]])),
            (f'stage: «{failure.name}» (closing)', ClientFilter(stage_ids=[failure.id])),
            ('stages: all, closing too', ClientFilter(all_stages=True)),
            (f'creator: {creator.name}', ClientFilter(creator_ids=[creator.id])),
            (f'responsible: {manager.name}', ClientFilter(responsible_ids=[manager.id])),
            ('deals count 1–2, all stages', ClientFilter(deals_count_min=1, deals_count_max=2, all_stages=True)),
            ('deals count 0 (no deals)', ClientFilter(deals_count_max=0)),
            (
                'deals sum 3–6 mln, all stages',
                ClientFilter(deals_sum_min=3_000_000, deals_sum_max=6_000_000, all_stages=True),
            ),
            ('tasks: none', ClientFilter(tasks='none')),
            ('tasks: overdue', ClientFilter(tasks='overdue')),
            ('tasks: open', ClientFilter(tasks='open')),
            (f'tag: «{self.tags[0].name}»', ClientFilter(tag_ids=[self.tags[0].id])),
            (
                'last comment: last 7 days',
                ClientFilter(last_comment_from=self.now - timedelta(days=7), last_comment_to=self.now),
            ),
            ('Mine (own_only) as manager1', ('manager1', ClientFilter(own_only=True))),
            (
                'four: responsible + project + tasks overdue + created 90 days',
                ClientFilter(
                    responsible_ids=[manager.id],
                    project_ids=[self.projects[0].id],
                    tasks='overdue',
                    created_from=self.now - timedelta(days=90),
                    created_to=self.now,
                ),
            ),
            (
                'four: project + agency + tag + last comment 30 days',
                ClientFilter(
                    project_ids=[self.projects[1].id],
                    source='agency',
                    tag_ids=[tag.id for tag in self.tags[:2]],
                    last_comment_from=month_ago,
                ),
            ),
            (f'search: 4 phone digits «{self.digits}»', ClientFilter(search=self.digits)),
            (f'search: 4 phone digits «{self.digits}», all stages', ClientFilter(search=self.digits, all_stages=True)),
            ('search: Cyrillic name fragment «петр»', ClientFilter(search='петр')),
            ('search: Cyrillic name fragment «Иванов»', ClientFilter(search='Иванов')),
            ('search: Cyrillic fragment found nowhere «щъх»', ClientFilter(search='щъх')),
        ]

    def _actor_and_filter(self, flt):
        from app.domain.permissions import Actor

        if isinstance(flt, tuple):
            login, flt = flt
            return Actor.of(self.users[login]), flt
        return self.head, flt

    def measure(self, flt) -> tuple[float, float, int]:
        from app.domain.clients import clients

        actor, flt = self._actor_and_filter(flt)
        samples, total = [], 0
        for call in range(self.args.runs + 3):
            began = time.perf_counter()
            with self.db.read() as session:
                page = clients.list_clients(session, actor=actor, flt=flt, limit=50)
            if call >= 3:  # the first calls warm the page cache and compile statements
                samples.append(time.perf_counter() - began)
            total = page.total
        median, p95 = median_p95(samples)
        return median, p95, total

    def measure_bulk(self) -> bool:
        """10,000 clients handed over in one transaction: the update, their open tasks, one feed entry each."""
        from sqlalchemy import func
        from sqlmodel import select

        from app.domain.clients import bulk, clients
        from app.domain.clients.bulk import Selection
        from app.domain.clients.filters import ClientFilter
        from app.domain.models import Client, FeedEntry

        # the leave scenario: everything of one manager matching the filter ("all N matching") to a colleague
        leaving, colleague = self.users['manager3'], self.users['manager4']
        flt = ClientFilter(responsible_ids=[leaving.id], all_stages=True)
        with self.db.read() as session:
            matching = clients.list_clients(session, actor=self.head, flt=flt, limit=1).total
        began = time.perf_counter()
        with self.db.write() as session:
            leave = bulk.bulk_assign(
                session, actor=self.head, selection=Selection(flt=flt), responsible_id=colleague.id
            )
        by_filter = time.perf_counter() - began

        target = self.users['manager18']
        with self.db.read() as session:
            ids = list(
                session.exec(
                    select(Client.id).where(Client.responsible_id != target.id).order_by(Client.id).limit(BULK_CLIENTS)
                )
            )
            feed_before = session.exec(select(func.count(FeedEntry.id))).one()
        began = time.perf_counter()
        with self.db.write() as session:
            result = bulk.bulk_assign(
                session, actor=self.head, selection=Selection(client_ids=ids), responsible_id=target.id
            )
        by_ids = time.perf_counter() - began
        with self.db.read() as session:
            feed_added = session.exec(select(func.count(FeedEntry.id))).one() - feed_before

        ok = by_ids < BULK_TARGET_S
        self.say('bulk reassignment with bulk.bulk_assign, one transaction each (commit included)')
        self.say(
            f'  {len(ids):,} clients by ids → {target.name}: {by_ids:.2f} s, changed {result.changed:,}, '
            f'skipped {result.skipped:,}, feed entries added {feed_added:,}  target < {BULK_TARGET_S:.0f} s  '
            f'{"OK" if ok else "MISS"}'
        )
        self.say(
            f'  all {matching:,} clients of {leaving.name} by filter → {colleague.name}: {by_filter:.2f} s, '
            f'changed {leave.changed:,}'
        )
        return ok

    def explain(self, missed) -> None:
        """For each case over target: the plan SQLite picks for the total and for the page, with the very
        statements and parameters list_clients sends, and the time each takes (median of 5)."""
        from sqlalchemy import event

        from app.domain.clients import clients

        captured: list[tuple[str, tuple]] = []

        def capture(_connection, _cursor, statement, parameters, *_args) -> None:
            captured.append((statement, parameters))

        self.say()
        self.say('cases over target: plan and time of the total and of the page (EXPLAIN QUERY PLAN, median of 5)')
        for label, flt in missed:
            actor, flt = self._actor_and_filter(flt)
            captured.clear()
            event.listen(self.db.engine, 'before_cursor_execute', capture)
            try:
                with self.db.read() as session:
                    clients.list_clients(session, actor=actor, flt=flt, limit=50)
            finally:
                event.remove(self.db.engine, 'before_cursor_execute', capture)
            flat = [(' '.join(sql.split()), sql, params) for sql, params in captured]
            total = next((sql, params) for text, sql, params in flat if 'count(' in text)
            page = next((sql, params) for text, sql, params in flat if ' FROM client WHERE' in text and 'LIMIT' in text)
            self.say(f'  {label}')
            with self.db.engine.connect() as connection:
                for name, (sql, params) in (('total', total), ('page', page)):
                    samples = []
                    for _ in range(5):
                        began = time.perf_counter()
                        connection.exec_driver_sql(sql, params).all()
                        samples.append(time.perf_counter() - began)
                    plan = connection.exec_driver_sql(f'EXPLAIN QUERY PLAN {sql}', params).all()
                    steps = ' | '.join(row[-1] for row in plan)
                    self.say(f'    {name:<5} {statistics.median(samples) * 1000:6.1f} ms  {steps}')


if __name__ == '__main__':
    main()
