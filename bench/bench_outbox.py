"""Outbound webhook figures for issue 16: 10,000 committed changes drain through the outbox to a local receiver;
events per second and the commit-to-delivery time (median, p95).

Run by hand: `.venv/bin/python bench/bench_outbox.py [--changes 10000] [--clients 1000] [--database-url URL]
[--backlog]`.
Works in a fresh temporary SQLite data directory unless a PostgreSQL URL is given (its schema is emptied first).
Each change is one committed transaction (a client moved to another working stage), made by one writer thread
while the process's delivery worker sends, as a server does; the commit moment is the event's `occurred_at`,
written just before its commit. With --backlog the changes are all committed first and the worker, started
then, drains them alone: its own throughput, apart from the writers'.
"""

import argparse
import json
import os
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import bench_data_dir, describe, machine_speed, median_p95


class Receiver:
    """A local receiver that notes when each delivery arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, tuple[float, float]] = {}  # delivery id -> (committed, arrived), epoch seconds
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers['Content-Length']))
                arrived = time.time()
                committed = datetime.fromisoformat(json.loads(body)['occurred_at'].replace('Z', '+00:00')).timestamp()
                with receiver.lock:
                    receiver.arrivals.setdefault(self.headers['X-Voronka-Delivery'], (committed, arrived))
                self.send_response(200)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.server.server_address[1]}/hook'


def run(changes: int, clients: int, backlog: bool) -> None:
    from sqlmodel import select

    from app.config import load_settings
    from app.domain.clients import clients as client_service
    from app.domain.clients import leads
    from app.domain.integrations import delivery, webhooks
    from app.domain.models import Stage, User
    from app.domain.permissions import Actor
    from app.setup import prepare_database

    database = prepare_database(load_settings())
    with database.write() as session:
        user = User(login='admin', name='Admin', role='admin')
        session.add(user)
        session.flush()
        admin = Actor.of(user)
        stages = [s.id for s in session.exec(select(Stage).where(Stage.board == 'clients', Stage.kind == 'working'))]
    with database.write() as session:  # the clients exist before anybody listens: only the moves are sent
        ids = [
            leads.receive_lead(session, actor=admin, name=f'Клиент {n}', phone=f'+7912{n:07d}').client_id
            for n in range(clients)
        ]
    receiver = Receiver()
    os.environ['VORONKA_WEBHOOKS_ALLOW_PRIVATE'] = '1'
    with database.write() as session:
        webhooks.create_endpoint(session, actor=admin, url=receiver.url, events=['client.stage_changed'])
    worker = delivery.DeliveryWorker(database)
    if not backlog:
        worker.start()
    began = time.time()
    for n in range(changes):
        client_id = ids[n % clients]
        target = stages[1 + (n // clients) % (len(stages) - 1)]
        with database.write() as session:
            current = session.get(client_service.Client, client_id).stage_id
            if current == target:
                target = stages[0]
            client_service.move_client(session, actor=admin, client_id=client_id, stage_id=target)
    committed = time.time()
    if backlog:  # the worker alone: it starts on all the changes waiting
        worker.start()
        began = committed
    while len(receiver.arrivals) < changes and time.time() - committed < 600:
        time.sleep(0.05)
    drained = time.time()
    worker.stop()
    latencies = [(arrived - at) * 1000 for at, arrived in receiver.arrivals.values()]
    median, p95 = median_p95(latencies)
    if backlog:
        print(f'{changes} changes committed with no worker running; then the worker drains them alone')
    else:
        print(f'{changes} changes committed in {committed - began:.1f} s ({changes / (committed - began):.0f}/s)')
    start = 'the worker’s start' if backlog else 'the first commit'
    print(
        f'delivered {len(receiver.arrivals)} in {drained - began:.1f} s from {start}: '
        f'{len(receiver.arrivals) / (drained - began):.0f} events/s'
    )
    if not backlog:
        print(f'commit-to-delivery: median {median:.0f} ms, p95 {p95:.0f} ms, max {max(latencies):.0f} ms')
    print(machine_speed())
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--changes', type=int, default=10_000)
    parser.add_argument('--clients', type=int, default=1_000)
    parser.add_argument('--database-url', default='')
    parser.add_argument(
        '--backlog', action='store_true', help='commit every change first, then time the worker draining them alone'
    )
    args = parser.parse_args()
    with bench_data_dir('voronka-bench-outbox-') as data_dir:
        if args.database_url:
            from sqlalchemy import create_engine, text

            os.environ['DATABASE_URL'] = args.database_url
            engine = create_engine(args.database_url)
            with engine.begin() as connection:
                connection.execute(text('DROP SCHEMA public CASCADE'))
                connection.execute(text('CREATE SCHEMA public'))
            engine.dispose()
        describe('outbox', data_dir)
        print(f'database: {"PostgreSQL" if args.database_url else "SQLite"}', flush=True)
        run(args.changes, args.clients, args.backlog)


if __name__ == '__main__':
    main()
