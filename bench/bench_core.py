"""The figures issue 2 asks for (seeding, listing clients at 10k and 100k, leads per second), on SQLite.

Run by hand: `.venv/bin/python bench/bench_core.py [--clients 100000]`. Works in a fresh temporary data
directory (removed afterwards unless --keep), so it never touches real data.
"""

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from common import bench_data_dir, machine_speed, median_p95

LIST_TARGET_MS = 20
LEADS_TARGET_PER_S = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000, help='clients at the second measurement')
    parser.add_argument('--small', type=int, default=10_000, help='clients at the first measurement')
    parser.add_argument('--calls', type=int, default=200, help='list calls per measurement')
    parser.add_argument('--leads', type=int, default=3000, help='leads posted through the API')
    parser.add_argument('--keep', action='store_true', help='keep the temporary data directory')
    args = parser.parse_args()

    with bench_data_dir('voronka-bench-', keep=args.keep) as data_dir:
        Bench(args, data_dir).run()


def _ms(seconds: float) -> str:
    return f'{seconds * 1000:7.2f} ms'


class Bench:
    def __init__(self, args, data_dir: Path) -> None:
        from fastapi import FastAPI
        from fastapi.testclient import TestClient
        from sqlalchemy import event

        from app.api import api
        from app.domain.db import init_database

        self.args = args
        self.data_dir = data_dir
        self.db = init_database(os.environ['DATABASE_URL'])
        self.queries = 0

        @event.listens_for(self.db.engine, 'before_cursor_execute')
        def _count(*_args) -> None:
            self.queries += 1

        root = FastAPI()
        root.mount('/api/v1', api)  # as app/main.py serves it
        # one event-loop portal for the whole run, as a server has, instead of one per request
        self.http = TestClient(root)

    def say(self, line: str = '') -> None:
        print(line, flush=True)

    def run(self) -> None:
        with self.http:
            self._run()

    def _run(self) -> None:
        from sqlmodel import select

        from app import demo
        from app.domain.account import users
        from app.domain.models import Stage, User
        from app.domain.permissions import Actor
        from app.seed import seed_defaults

        self.say(
            f'Voronka core bench: SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, '
            f'{os.cpu_count()} CPUs, data in {self.data_dir}'
        )
        self.say(machine_speed())
        started = time.perf_counter()
        with self.db.write() as session:
            seed_defaults(session)
            logins = demo.create_demo_users(session, managers=18)
            self.admin_token = users.create_token(session, login='admin', label='bench leads')
            self.manager_token = users.create_token(session, login='manager1', label='bench list')
        self.say(f'defaults and {len(logins)} users (admin, head, 18 managers): {time.perf_counter() - started:.2f} s')
        with self.db.read() as session:
            self.manager = Actor.of(session.exec(select(User).where(User.login == 'manager1')).one())
            stages = list(session.exec(select(Stage).where(Stage.board == 'clients').order_by(Stage.position)))
        working = [stage for stage in stages if stage.kind == 'working']
        self.cases = [
            ('domain', f'stage «{working[0].name}», all visible', dict(stage_ids=[working[0].id])),
            ('domain', f'stage «{working[0].name}», own only', dict(stage_ids=[working[0].id], own_only=True)),
            ('domain', f'stage «{working[-1].name}», all visible', dict(stage_ids=[working[-1].id])),
            ('api', f'GET /api/v1/clients?stage_id={working[0].id}&limit=50', dict(stage_id=working[0].id)),
        ]

        self.say()
        self.say('seeding with create_demo_data (one transaction per call)')
        small, large = min(self.args.small, self.args.clients), self.args.clients
        seeded = [self.seed(0, small)]
        at_small = self.measure_lists()
        if large > small:
            seeded.append(self.seed(small, large))
        total = sum(seconds for _, seconds in seeded)
        self.say(f'  {"total":<34}{large:>10,} {total:9.1f} s {large / total:10,.0f} clients/s')
        at_large = self.measure_lists() if large > small else at_small
        self.print_lists(small, large, at_small, at_large)
        self.statements(working[0].id)
        self.measure_leads()
        self.measure_domain_leads()
        leads = self.measure_server_leads()
        self.say(machine_speed())
        self.verdict(at_small, at_large, leads)

    def seed(self, start: int, end: int) -> tuple[int, float]:
        from app import demo

        began = time.perf_counter()
        with self.db.write() as session:
            demo.create_demo_data(session, clients=end - start, seed=start + 1)
        seconds = time.perf_counter() - began
        label = f'{start:,} → {end:,} clients'
        self.say(f'  {label:<34}{end - start:>10,} {seconds:9.1f} s {(end - start) / seconds:10,.0f} clients/s')
        return end - start, seconds

    def measure_lists(self) -> list[dict]:
        """Wall and CPU time (the process's, so the API's worker threads count) per call, for each case."""
        from app.domain.clients import clients

        results = []
        for kind, _label, filters in self.cases:
            wall, cpu, queries, total = [], [], 0, 0
            for call in range(self.args.calls + 5):
                before = self.queries
                began, began_cpu = time.perf_counter(), time.process_time()
                if kind == 'domain':
                    with self.db.read() as session:
                        page = clients.list_clients(session, actor=self.manager, limit=50, **filters)
                    total = page.total
                else:
                    response = self.http.get(
                        '/api/v1/clients',
                        params={**filters, 'limit': 50},
                        headers={'Authorization': f'Bearer {self.manager_token}'},
                    )
                    assert response.status_code == 200, response.text
                    total = response.json()['total']
                if call >= 5:  # the first calls warm caches and compile statements
                    wall.append(time.perf_counter() - began)
                    cpu.append(time.process_time() - began_cpu)
                    queries = self.queries - before
            median, p95 = median_p95(wall)
            results.append({'median': median, 'p95': p95, 'cpu': statistics.median(cpu), 'q': queries, 'n': total})
        return results

    def print_lists(self, small: int, large: int, at_small, at_large) -> None:
        self.say()
        self.say(f'list clients as manager1, page of 50, {self.args.calls} calls each')
        self.say(f'  {"":<56}{"clients":>9}{"median":>11}{"p95":>11}{"CPU median":>12}{"queries":>9}{"total":>9}')
        for (kind, label, _), first, second in zip(self.cases, at_small, at_large, strict=True):
            for name, size, row in ((f'{kind}: {label}', small, first), ('', large, second)):
                self.say(
                    f'  {name:<56}{size:>9,}{_ms(row["median"]):>11}{_ms(row["p95"]):>11}{_ms(row["cpu"]):>12}'
                    f'{row["q"]:>9}{row["n"]:>9,}'
                )
            change = (second['median'] - first['median']) / first['median'] * 100
            cpu_change = (second['cpu'] - first['cpu']) / first['cpu'] * 100
            self.say(f'  {"":<56}{"change":>9}{change:>+9.0f} %{"":>11}{cpu_change:>+10.0f} %')

    def statements(self, stage_id: int, calls: int = 50) -> None:
        """Each SQL statement one domain list call runs: its median time up to the first row (SQLite does the
        rest of a statement's work while its rows are fetched, so a slow scan shows here only in part) and
        the plan SQLite picks for it. Captured from the call itself, so it follows the domain code as it is."""
        from sqlalchemy import event

        from app.domain.clients import clients

        timings: dict[str, list[float]] = {}
        parameters: dict[str, object] = {}

        def before(connection, _cursor, statement, params, *_args) -> None:
            connection.info['bench_started'] = time.perf_counter()
            parameters.setdefault(statement, params)

        def after(connection, _cursor, statement, *_args) -> None:
            timings.setdefault(statement, []).append(time.perf_counter() - connection.info.pop('bench_started'))

        event.listen(self.db.engine, 'before_cursor_execute', before)
        event.listen(self.db.engine, 'after_cursor_execute', after)
        try:
            for _ in range(calls):
                with self.db.read() as session:
                    clients.list_clients(session, actor=self.manager, stage_ids=[stage_id], limit=50)
        finally:
            event.remove(self.db.engine, 'before_cursor_execute', before)
            event.remove(self.db.engine, 'after_cursor_execute', after)
        self.say()
        self.say(f'SQL of one domain list call at the largest size: time to first row (median of {calls}), plan')
        with self.db.engine.connect() as connection:
            for statement, samples in sorted(timings.items(), key=lambda item: -statistics.median(item[1])):
                words = statement.split()
                table = words[words.index('FROM') + 1] if 'FROM' in words else ''
                label = 'count(*) … FROM client (the total)' if 'count(*)' in statement else f'{words[0]} … {table}'
                plan = ''
                if words[0] == 'SELECT':
                    rows = connection.exec_driver_sql(f'EXPLAIN QUERY PLAN {statement}', parameters[statement]).all()
                    plan = ' | '.join(row[-1] for row in rows)
                self.say(f'  {_ms(statistics.median(samples))}  {label:<40} {plan}')

    def measure_leads(self) -> dict:
        """Leads posted one after another through the API: 70 % new people, 30 % people who wrote before."""
        import random

        from sqlmodel import select

        from app.domain.models import ClientPhone

        rng = random.Random(2)
        with self.db.read() as session:
            known = list(session.exec(select(ClientPhone.number).order_by(ClientPhone.id).limit(20_000)))
        taken = set(known)
        posted: list[str] = []
        statuses: dict[str, int] = {}
        samples = []
        headers = {'Authorization': f'Bearer {self.admin_token}'}
        began, began_cpu = time.perf_counter(), time.process_time()
        for index in range(self.args.leads):
            roll = rng.random()
            if roll < 0.7 or not posted:
                while True:
                    number = f'+79{rng.randrange(10**9):09d}'
                    if number not in taken:
                        break
                taken.add(number)
                posted.append(number)
            elif roll < 0.85:
                number = rng.choice(posted)
            else:
                number = rng.choice(known)
            digits = number[2:]
            spoken = rng.choice([number, f'8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}', digits])
            lead = {
                'name': f'Лид {index}',
                'phone': spoken,
                'channel': rng.choice(['Сайт', 'Авито', 'ЦИАН', 'Звонок']),
                'touch_type': rng.choice(['request', 'call']),
                'project': rng.choice(['СП', 'РК', None]),
                'comment': 'Заявка с сайта' if rng.random() < 0.5 else '',
            }
            one = time.perf_counter()
            response = self.http.post('/api/v1/leads', json=lead, headers=headers)
            samples.append(time.perf_counter() - one)
            assert response.status_code == 201, response.text
            status = response.json()['status']
            statuses[status] = statuses.get(status, 0) + 1
        elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        median, p95 = median_p95(samples)
        self.say()
        self.say(f'leads through POST /api/v1/leads in-process (TestClient), one after another ({self.args.leads:,})')
        outcome = ', '.join(f'{count:,} {status}' for status, count in sorted(statuses.items()))
        self.say(
            f'  {outcome} in {elapsed:.1f} s → {self.args.leads / elapsed:,.0f} leads/s '
            f'({self.args.leads / cpu:,.0f} per CPU-second of this process)'
        )
        self.say(f'  per lead: median {_ms(median).strip()}, p95 {_ms(p95).strip()}')
        return {'per_second': self.args.leads / elapsed}

    def measure_server_leads(self, count: int = 3000, connections: int = 4) -> dict:
        """The target's own terms: one real server process (uvicorn, `python -m app`) on this database,
        leads arriving over HTTP from a few keep-alive connections, as a website and telephony would send them."""
        import asyncio
        import socket
        import subprocess

        import httpx

        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        env = {**os.environ, 'VORONKA_DATA_DIR': str(self.data_dir), 'VORONKA_PORT': str(port)}
        server = subprocess.Popen(
            [sys.executable, '-m', 'app'],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parent.parent,
        )
        url = f'http://127.0.0.1:{port}/api/v1/leads'
        headers = {'Authorization': f'Bearer {self.admin_token}'}

        async def post_all() -> tuple[float, list[float]]:
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=connections)) as http:
                for _ in range(300):  # wait for the server
                    try:
                        await http.get(f'http://127.0.0.1:{port}/api/v1/openapi.json')
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                queue = list(range(count))
                samples: list[float] = []

                async def worker() -> None:
                    while queue:
                        index = queue.pop()
                        one = time.perf_counter()
                        response = await http.post(
                            url,
                            headers=headers,
                            json={
                                'name': f'Лид {index}',
                                'phone': f'+7915{index % (count * 7 // 10):07d}',
                                'channel': 'Сайт',
                                'touch_type': 'request',
                                'comment': 'Заявка с сайта',
                            },
                        )
                        samples.append(time.perf_counter() - one)
                        assert response.status_code == 201, response.text

                began = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(connections)))
                return time.perf_counter() - began, samples

        try:
            elapsed, samples = asyncio.run(post_all())
        finally:
            server.terminate()
            server.wait(timeout=20)
        median, p95 = median_p95(samples)
        self.say(
            f'  one server process (python -m app), {connections} keep-alive connections, {count:,} leads '
            f'(30 % repeated people): {count / elapsed:,.0f} leads/s, median {_ms(median).strip()}, '
            f'p95 {_ms(p95).strip()}'
        )
        return {'per_second': count / elapsed}

    def measure_domain_leads(self, count: int = 1000) -> None:
        """The same work without HTTP: what the API adds on top of the domain."""
        import random

        from app.domain.account import users
        from app.domain.clients import leads
        from app.domain.permissions import Actor

        rng = random.Random(3)
        with self.db.read() as session:
            admin = Actor.of(users.user_by_login(session, 'admin'))
        samples = []
        began, began_cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            one = time.perf_counter()
            with self.db.write() as session:
                leads.receive_lead(
                    session, actor=admin, name='Лид', phone=f'+78{rng.randrange(10**9):09d}', channel='Сайт'
                )
            samples.append(time.perf_counter() - one)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        median, p95 = median_p95(samples)
        self.say(
            f'  for comparison, leads.receive_lead in db.write() without HTTP ({count:,} new leads): '
            f'{count / elapsed:,.0f} leads/s ({count / cpu:,.0f} per CPU-second), '
            f'median {_ms(median).strip()}, p95 {_ms(p95).strip()}'
        )

    def verdict(self, at_small, at_large, leads: dict) -> None:
        domain_median = at_large[0]['median'] * 1000
        change = (at_large[0]['median'] - at_small[0]['median']) / at_small[0]['median'] * 100
        cpu_change = (at_large[0]['cpu'] - at_small[0]['cpu']) / at_small[0]['cpu'] * 100
        self.say()
        self.say('targets')
        checks = [
            (f'list median at the domain call < {LIST_TARGET_MS} ms', f'{domain_median:.1f} ms', domain_median < 20),
            (f'leads > {LEADS_TARGET_PER_S}/s', f'{leads["per_second"]:,.0f}/s', leads['per_second'] > 200),
            ('list time barely moves small → large', f'{change:+.0f} % (CPU {cpu_change:+.0f} %)', change < 50),
        ]
        for label, value, ok in checks:
            self.say(f'  {"OK  " if ok else "MISS"} {label:<46} {value}')


if __name__ == '__main__':
    main()
