"""Demo seeding figures for issue 13: `python -m app demo --clients N` timed on a fresh database, with the bulk
inserts per table and the slowest statements, so a step growing faster than the data shows by name.

Run by hand: `.venv/bin/python bench/bench_demo.py [--clients 100000] [--url postgresql+psycopg://…/db --reset]`.
Without --url it works in a fresh temporary SQLite data directory (removed afterwards unless --keep). A --url
database must be empty, or --reset drops and recreates its schema public first (so never point it at data
you want to keep).
"""

import argparse
import contextlib
import io
import os
import time
from collections import defaultdict
from pathlib import Path

from common import bench_data_dir, describe, machine_speed

TARGET_S = 180
SLOW_STATEMENT_S = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000, help='demo clients to seed')
    parser.add_argument('--managers', type=int, default=6, help='demo managers, as for `python -m app demo`')
    parser.add_argument('--url', help='DATABASE_URL to seed (default: a temporary SQLite file)')
    parser.add_argument('--reset', action='store_true', help='drop and recreate schema public of --url first')
    parser.add_argument('--keep', action='store_true', help='keep the temporary data directory')
    args = parser.parse_args()
    with bench_data_dir('voronka-bench-demo-', keep=args.keep) as data_dir:
        if args.url:
            os.environ['DATABASE_URL'] = args.url
        run(args, data_dir)


def run(args, data_dir: Path) -> None:
    from app import demo
    from app.__main__ import cmd_demo

    describe('demo', data_dir)
    url = os.environ['DATABASE_URL']
    make_fresh(url, reset=args.reset)
    print(f'database: {url}', flush=True)
    inserts, statements = watch(demo)
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the demo logins it prints
        cmd_demo(argparse.Namespace(clients=args.clients, managers=args.managers))
    elapsed = time.perf_counter() - began
    print(f'\n{args.clients:,} demo clients: {elapsed:.1f} s (target < {TARGET_S} s at 100,000)')
    print('bulk inserts: ' + ', '.join(f'{table} {seconds:.1f} s' for table, seconds in inserts.items()))
    print(f'statements over {SLOW_STATEMENT_S} s:')
    for seconds, sql in sorted(statements, reverse=True):
        print(f'  {seconds:6.1f} s  {" ".join(sql.split())[:150]}')
    if not statements:
        print('  none')
    print(machine_speed())


def make_fresh(url: str, *, reset: bool) -> None:
    """Timings are for a first run: refuse a database with tables in it unless told to empty it."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    with engine.begin() as connection:
        if reset and engine.dialect.name == 'postgresql':
            connection.execute(text('DROP SCHEMA public CASCADE'))
            connection.execute(text('CREATE SCHEMA public'))
        tables = inspect(connection).get_table_names()
    engine.dispose()
    if tables:
        raise SystemExit(f'{url} already has tables ({", ".join(tables[:5])}…): give an empty database or --reset')


def watch(demo) -> tuple[dict[str, float], list[tuple[float, str]]]:
    """Seconds spent in each table's bulk insert, and every statement slower than SLOW_STATEMENT_S."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    inserts = defaultdict(float)
    statements = []
    bulk_insert = demo._bulk_insert

    def timed_bulk_insert(session, model, rows):
        began = time.perf_counter()
        bulk_insert(session, model, rows)
        inserts[model.__tablename__] += time.perf_counter() - began

    demo._bulk_insert = timed_bulk_insert

    @event.listens_for(Engine, 'before_cursor_execute')
    def started(conn, cursor, statement, parameters, context, executemany):
        conn.info['bench_began'] = time.perf_counter()

    @event.listens_for(Engine, 'after_cursor_execute')
    def finished(conn, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - conn.info['bench_began']
        if seconds > SLOW_STATEMENT_S and not executemany:
            statements.append((seconds, statement))

    return inserts, statements


if __name__ == '__main__':
    main()
