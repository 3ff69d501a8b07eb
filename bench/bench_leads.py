"""Leads over HTTP for issue 13: one real server process (`python -m app`), leads posted as a website and
telephony post them, the throughput and latency of a steady stream and a burst of 1,000 in one second.

Run by hand: `.venv/bin/python bench/bench_leads.py [--clients 10000] [--url postgresql+psycopg://…/db --reset]`.
Without --url it works in a fresh temporary SQLite data directory (removed afterwards unless --keep). A --url
database must be empty, or --reset drops and recreates its schema public first (so never point it at data
you want to keep). Prints the server's CPU per lead (from /proc) and the rate scaled to a 15 ms yardstick.
"""

import argparse
import asyncio
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench_demo import make_fresh
from common import ROOT, bench_data_dir, describe, median_p95

TARGET_PER_S = {'sqlite': 300, 'postgresql': 250}
TARGET_P95_MS = 60
YARDSTICK_MS = 15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=10_000, help='demo clients in the database first')
    parser.add_argument('--leads', type=int, default=3000, help='leads of the steady stream')
    parser.add_argument('--connections', type=int, default=4, help='keep-alive connections of the stream')
    parser.add_argument('--burst', type=int, default=1000, help='leads sent within one second')
    parser.add_argument('--url', help='DATABASE_URL (default: a temporary SQLite file)')
    parser.add_argument('--reset', action='store_true', help='drop and recreate schema public of --url first')
    parser.add_argument('--keep', action='store_true', help='keep the temporary data directory')
    parser.add_argument('--profile', type=Path, help="py-spy's collapsed stacks of the server during the stream")
    args = parser.parse_args()
    with bench_data_dir('voronka-bench-leads-', keep=args.keep) as data_dir:
        if args.url:
            os.environ['DATABASE_URL'] = args.url
        run(args, data_dir)


def yardstick_ms() -> float:
    import timeit

    return min(timeit.repeat('sum(range(10**6))', number=1, repeat=5)) * 1000


def run(args, data_dir: Path) -> None:
    from app.__main__ import cmd_demo
    from app.domain.account import users
    from app.domain.db import get_database

    describe('leads', data_dir)
    url = os.environ['DATABASE_URL']
    make_fresh(url, reset=args.reset)
    with contextlib.redirect_stdout(io.StringIO()):  # the demo logins it prints
        cmd_demo(argparse.Namespace(clients=args.clients, managers=6))
    database = get_database()
    with database.write() as session:
        token = users.create_token(session, login='admin', label='bench leads')
    dialect = 'sqlite' if database.is_sqlite else 'postgresql'
    database.dispose()
    print(f'database: {dialect}, {args.clients:,} demo clients', flush=True)

    with serving(data_dir) as (port, pid):
        before = yardstick_ms()
        with profiling(pid, args.profile):
            stream = asyncio.run(post_stream(port, token, args.leads, args.connections, cpu_of=pid))
        requests_before = requests_stored(database)
        burst = asyncio.run(post_burst(port, token, args.burst, cpu_of=pid))
        after = yardstick_ms()
    stored = requests_stored(database) - requests_before
    yardstick = (before + after) / 2
    rate, median, p95, cpu = stream
    scaled = rate * yardstick / YARDSTICK_MS
    print(f'\nyardstick sum(range(10**6)): {before:.1f} ms before, {after:.1f} ms after; load {os.getloadavg()[0]:.1f}')
    print(
        f'stream: {args.leads:,} new phones over {args.connections} keep-alive connections: {rate:,.0f} leads/s '
        f'({scaled:,.0f}/s at a {YARDSTICK_MS} ms yardstick; target {TARGET_PER_S[dialect]}), median '
        f'{median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (target < {TARGET_P95_MS}), '
        f'server CPU {cpu * 1000:.2f} ms/lead'
    )
    sent, created, failed, last, slowest, (server_cpu, client_cpu) = burst
    print(
        f'burst: {sent:,} leads sent within 1 s over 200 connections: {created:,} answered 201, '
        f'{failed} refused or lost; the last answered {last:.2f} s after the first was sent, slowest {slowest:.2f} s; '
        f'{stored:,} of them in the database; CPU per lead: server {server_cpu * 1000:.2f} ms, this client '
        f'{client_cpu * 1000:.2f} ms'
    )


def requests_stored(database) -> int:
    from sqlmodel import func, select

    from app.domain.models import Request

    with database.read() as session:
        return session.exec(select(func.count()).select_from(Request)).one()


@contextlib.contextmanager
def serving(data_dir: Path):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    env = {**os.environ, 'VORONKA_DATA_DIR': str(data_dir), 'VORONKA_PORT': str(port)}
    log = (data_dir / 'server.log').open('w')  # kept with --keep: what the server said under load
    server = subprocess.Popen([sys.executable, '-m', 'app'], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextlib.contextmanager
def profiling(pid: int, into: Path | None):
    """py-spy (`pip install -e '.[bench]'`) sampling the server while the block runs; its collapsed stacks
    summarised by the functions that hold the most samples."""
    if into is None:
        yield
        return
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).with_name('py-spy')),
            'record',
            '--pid',
            str(pid),
            '--rate',
            '250',
            '--format',
            'raw',
            '--output',
            str(into),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)  # attached before the stream starts
    try:
        yield
    finally:
        spy.send_signal(2)
        spy.wait(timeout=60)
    print(f'profile: {into}')
    summarise_profile(into)


def summarise_profile(path: Path, top: int = 25) -> None:
    """Share of the samples each function is on the stack for (inclusive), the busiest first."""
    from collections import Counter

    inclusive: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(' ')
        if not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(';')):
            inclusive[frame.split(' (')[0] + ' ' + frame.rsplit('/', 1)[-1].split(':')[0]] += int(count)
    for frame, count in inclusive.most_common(top):
        print(f'  {count / total:6.1%}  {frame}')


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _lead(index: int, prefix: str) -> bytes:
    lead = {
        'name': f'Лид {index}',
        'phone': f'+7{prefix}{index:07d}',
        'channel': 'Сайт',
        'touch_type': 'request',
        'comment': 'Заявка с сайта',
    }
    return json.dumps(lead, ensure_ascii=False).encode()


class Connection:
    """One keep-alive HTTP/1.1 connection, as lean as a client can be: on a machine of two cores httpx's own
    CPU per request (~8 ms under 200 connections) would be measured instead of the server's."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (
            f'POST /api/v1/leads HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n'
            'Content-Type: application/json\r\nContent-Length: '
        ).encode()
        self.streams = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection('127.0.0.1', self.port)
        reader, writer = self.streams
        writer.write(self.head + str(len(body)).encode() + b'\r\n\r\n' + body)
        head = await reader.readuntil(b'\r\n\r\n')
        status = int(head.split(b' ', 2)[1])
        length = next(
            int(line.split(b':', 1)[1]) for line in head.split(b'\r\n') if line.lower().startswith(b'content-length')
        )
        return status, await reader.readexactly(length)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def _wait_for(port: int) -> None:
    for _ in range(600):
        try:
            _, writer = await asyncio.open_connection('127.0.0.1', port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise SystemExit('the server did not start')


async def post_stream(port: int, token: str, count: int, connections: int, cpu_of: int):
    await _wait_for(port)
    pool = [Connection(port, token) for _ in range(connections)]
    for index in range(50):  # warm-up: compiled statements, the token verified, connections open
        await pool[index % connections].post(_lead(index, '999'))
    queue = list(range(count))
    samples: list[float] = []

    async def worker(connection: Connection) -> None:
        while queue:
            index = queue.pop()
            one = time.perf_counter()
            status, body = await connection.post(_lead(index, '915'))
            samples.append(time.perf_counter() - one)
            if status != 201:
                raise SystemExit(f'lead refused: {status} {body[:200]}')

    cpu_before = cpu_seconds(cpu_of)
    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - began
    cpu = (cpu_seconds(cpu_of) - cpu_before) / count
    for connection in pool:
        connection.close()
    median, p95 = median_p95(samples)
    return count / elapsed, median, p95, cpu


async def post_burst(port: int, token: str, count: int, cpu_of: int, connections: int = 200):
    """`count` leads, the i-th sent at i/count s, over `connections` connections (a lead waits for a free
    one): as a campaign's landing page and a call centre would send them."""
    free: asyncio.Queue = asyncio.Queue()
    for _ in range(min(count, connections)):
        free.put_nowait(Connection(port, token))
    answered: list[float] = []

    async def one(index: int) -> int:
        await asyncio.sleep(index / count)
        sent = time.perf_counter()
        connection = await free.get()
        try:
            status, body = await connection.post(_lead(index, '916'))
        except (OSError, asyncio.IncompleteReadError) as error:
            print(f'  lead {index}: {error!r}')
            return 0
        finally:
            free.put_nowait(connection)
        answered.append(time.perf_counter() - sent)
        if status != 201:
            print(f'  lead {index}: {status} {body[:200]}')
        return status

    cpu_before, own_before = cpu_seconds(cpu_of), time.process_time()
    began = time.perf_counter()
    codes = await asyncio.gather(*(one(i) for i in range(count)))
    last = time.perf_counter() - began
    cpu = ((cpu_seconds(cpu_of) - cpu_before) / count, (time.process_time() - own_before) / count)
    while not free.empty():
        free.get_nowait().close()
    created = codes.count(201)
    return count, created, count - created, last, max(answered, default=0), cpu


if __name__ == '__main__':
    main()
