"""What every bench shares: a throw-away data directory configured before the app reads its environment,
and the median / p95 of a set of timings."""

import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def bench_data_dir(prefix: str, *, keep: bool = False) -> Iterator[Path]:
    """A fresh SQLite data directory for one run, removed afterwards unless `keep`."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ['VORONKA_DATA_DIR'] = str(data_dir)
    os.environ['DATABASE_URL'] = f'sqlite:///{data_dir / "bench.db"}'
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        yield data_dir
    finally:
        if keep:
            print(f'\ndata kept in {data_dir}')
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def machine_speed() -> str:
    """A yardstick for comparing figures across machines, and how busy this one is right now."""
    import timeit

    best = min(timeit.repeat('sum(range(10**6))', number=1, repeat=5))
    load = ', '.join(f'{value:.1f}' for value in os.getloadavg())
    return f'machine: sum(range(10**6)) takes {best * 1000:.1f} ms here; load average {load}'


def describe(title: str, data_dir: Path) -> None:
    """The first lines of every bench: what ran where, and how fast this machine is right now."""
    import platform
    import sqlite3

    print(
        f'Voronka {title} bench: SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, '
        f'{os.cpu_count()} CPUs, data in {data_dir}',
        flush=True,
    )
    print(machine_speed(), flush=True)


def seed_demo(db, clients: int, managers: int = 18) -> float:
    """The default setup, a sales team and `clients` demo clients in one transaction; returns the seconds taken."""
    import time

    from app import demo
    from app.seed import seed_defaults

    began = time.perf_counter()
    with db.write() as session:
        seed_defaults(session)
        demo.create_demo_users(session, managers=managers)
        demo.create_demo_data(session, clients=clients)
    return time.perf_counter() - began


# the process memory, from the kernel: what the transfer and import benches hold to their targets
def rss_mb() -> float:
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def reset_peak() -> None:
    """Start the kernel's peak-RSS mark afresh (start-up, migrations and imports peak higher than idle)."""
    with open('/proc/self/clear_refs', 'w') as clear:
        clear.write('5')


def peak_mb() -> float:
    with open('/proc/self/status') as status:
        line = next(line for line in status if line.startswith('VmHWM:'))
    return int(line.split()[1]) / 1024
