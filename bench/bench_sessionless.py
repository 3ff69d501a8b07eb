"""Memory of a server under requests without a login (crawlers, scanners, integrations without a token):
five rounds of 500 sessionless page and API requests against `python -m app`, the server's RSS after each.
The target (issue 12): a plateau, less than 5 MB of growth from round 2 to round 5.

    python bench/bench_sessionless.py [--rounds 5] [--per-round 500]
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, bench_data_dir, describe  # noqa: E402
from tests.servers import app_env, free_port  # noqa: E402

REQUESTS = [
    ('GET', '/', None),
    ('GET', '/table', None),
    ('GET', '/reports', None),
    ('GET', '/login', None),
    ('GET', '/api/v1/clients?limit=50', None),
    ('POST', '/api/v1/leads', b'{"phone": "+79120000000"}'),
]


def rss_mib(pid: int) -> float:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return 0.0


def send(url: str, method: str, path: str, body: bytes | None) -> None:
    request = urllib.request.Request(url + path, data=body, method=method, headers={'Content-Type': 'application/json'})
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except urllib.error.HTTPError as error:
        error.read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--per-round', type=int, default=500)
    parser.add_argument('--only', default='', help='only the requests whose path starts with this')
    args = parser.parse_args()
    with bench_data_dir('voronka-sessionless-') as data_dir:
        describe('sessionless requests', data_dir)
        port = free_port()
        env = app_env(data_dir, VORONKA_PORT=str(port))
        env.pop('DATABASE_URL', None)
        server = subprocess.Popen(
            [sys.executable, '-m', 'app', '--demo-clients', '0'],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f'http://127.0.0.1:{port}'
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(url + '/login', timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            time.sleep(2)
            print(f'start: RSS {rss_mib(server.pid):.1f} MiB')
            figures = []
            requests = [r for r in REQUESTS if r[1].startswith(args.only)] if args.only else REQUESTS
            for round_number in range(1, args.rounds + 1):
                started = time.perf_counter()
                for index in range(args.per_round):
                    send(url, *requests[index % len(requests)])
                elapsed = time.perf_counter() - started
                time.sleep(1)
                figures.append(rss_mib(server.pid))
                print(
                    f'round {round_number}: {args.per_round} requests in {elapsed:.1f} s '
                    f'({args.per_round / elapsed:.0f}/s), RSS {figures[-1]:.1f} MiB',
                    flush=True,
                )
            if len(figures) >= 5:
                print(f'growth from round 2 to round 5: {figures[4] - figures[1]:+.1f} MiB (target < 5 MiB)')
            print(f'pid {server.pid}, load {os.getloadavg()[0]:.1f}')
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == '__main__':
    main()
