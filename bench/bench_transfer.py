"""Excel figures for issue 6: export of 100,000 clients by a 35-field schema (time, peak memory above the idle
process) and import of a 20,000-row file (preview time, commit time).

Run by hand: `.venv/bin/python bench/bench_transfer.py [--clients 100000] [--rows 20000]`. Works in a fresh
temporary SQLite data directory (removed afterwards unless --keep). The export runs in a child process of its
own, so its peak memory is not blurred by the seeding before it.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from common import ROOT, bench_data_dir, describe, machine_speed, peak_mb, reset_peak, rss_mb, seed_demo

EXPORT_TARGET_S = 25
EXPORT_MEMORY_TARGET_MB = 150
IMPORT_TARGET_S = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=100_000, help='demo clients to seed')
    parser.add_argument('--rows', type=int, default=20_000, help='rows of the import file')
    parser.add_argument('--keep', action='store_true', help='keep the temporary data directory')
    parser.add_argument('--child-export', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        child_export(Path(args.child_export))
        return
    with bench_data_dir('voronka-bench-transfer-', keep=args.keep) as data_dir:
        run(args, data_dir)


def run(args, data_dir: Path) -> None:
    from app.domain.db import init_database

    describe('Excel', data_dir)
    db = init_database(os.environ['DATABASE_URL'])
    seconds = seed_demo(db, args.clients)
    db.optimize()
    print(f'seeded {args.clients:,} demo clients in {seconds:.1f} s', flush=True)

    print('\nexport (in a fresh child process):', flush=True)
    child = subprocess.run(
        [sys.executable, __file__, '--child-export', str(data_dir)], env=os.environ, capture_output=True, text=True
    )
    print(child.stdout + child.stderr, end='', flush=True)

    print(f'\nimport of a {args.rows:,}-row file into the base of {args.clients:,}:', flush=True)
    data = import_file(db, args.rows)
    print(f'  file: {len(data) / 2**20:.1f} MB', flush=True)
    measure_import(db, data)
    print('\n' + machine_speed())


def child_export(data_dir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from sqlmodel import select

    from app.domain.clients.filters import ClientFilter
    from app.domain.db import init_database
    from app.domain.excel import export_schemas, exporting
    from app.domain.excel.export_fields import STANDARD_FIELDS
    from app.domain.models import User
    from app.domain.permissions import Actor

    db = init_database(os.environ['DATABASE_URL'])
    with db.write() as session:
        head = Actor.of(session.exec(select(User).where(User.role == 'admin')).first())
        fields = [f.key for f in STANDARD_FIELDS][:35]
        schema_id = export_schemas.add_export_schema(session, actor=head, name='Бенч 35 полей', fields=fields)
    idle = rss_mb()
    reset_peak()
    target = data_dir / 'export.xlsx'
    began = time.perf_counter()
    with db.read() as session:
        rows = exporting.export_clients(
            session, actor=head, schema_id=schema_id, flt=ClientFilter(all_stages=True), target=target
        )
    elapsed = time.perf_counter() - began
    peak = peak_mb()
    print(f'  {rows:,} clients × {len(fields)} fields: {elapsed:.1f} s (target < {EXPORT_TARGET_S} s)')
    print(
        f'  memory: idle {idle:.0f} MB, peak {peak:.0f} MB, peak above idle {peak - idle:.0f} MB '
        f'(target < {EXPORT_MEMORY_TARGET_MB} MB); file {target.stat().st_size / 2**20:.1f} MB'
    )


def import_file(db, rows: int) -> bytes:
    """A realistic file from another CRM: phones in every spelling (some numeric), text and real dates, a few
    phones already in the base, a few repeated in the file, a few broken."""
    import io

    from openpyxl import Workbook
    from sqlmodel import select

    from app.domain.models import ClientPhone

    random.seed(6)
    with db.read() as session:
        known = list(session.exec(select(ClientPhone.number).limit(2000)))
    book = Workbook(write_only=True)
    sheet = book.create_sheet('Клиенты')
    sheet.append(
        ['ФИО', 'Телефон', 'Телефон 2', 'Email', 'Дата создания', 'Канал', 'Проект', 'Ответственный', 'Метки']
        + ['Ситуация', 'Примечание', 'Примечание 2']
    )
    channels = ['Сайт', 'Авито', 'ЦИАН', 'Звонок', 'Неизвестный канал']
    start = datetime(2023, 1, 1)
    for n in range(rows):
        number = 9_000_000_000 + 7_919 * n
        roll = random.random()
        if roll < 0.05:
            phone = known[n % len(known)]
        elif roll < 0.07 and n > 10:
            phone = f'8{9_000_000_000 + 7_919 * (n - 7)}'
        elif roll < 0.08:
            phone = '12-34'
        else:
            phone = random.choice(
                [
                    f'+7{number}',
                    f'8{number}',
                    f'+7 ({str(number)[:3]}) {str(number)[3:6]}-{str(number)[6:8]}-{str(number)[8:]}',
                    float(f'7{number}'),
                ]
            )
        created = start + timedelta(minutes=37 * n)
        sheet.append(
            [
                f'Клиент Импортов {n}',
                phone,
                f'+7{9_500_000_000 + n}' if n % 10 == 0 else None,
                f'client{n}@example.ru' if n % 3 == 0 else None,
                created if n % 2 else created.strftime('%d.%m.%Y %H:%M:%S'),
                channels[n % len(channels)],
                ['ЖК Северный', 'ЖК Южный', 'Новый проект'][n % 3],
                ['manager1', 'Менеджер не найден', ''][n % 3],
                'Импорт, Горячий' if n % 4 == 0 else None,
                'Ищет двушку у метро' if n % 5 == 0 else None,
                'Звонил, просил перезвонить' if n % 2 == 0 else None,
                'Второе примечание' if n % 7 == 0 else None,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure_import(db, data: bytes) -> None:
    from sqlmodel import select

    from app.domain.excel import importing
    from app.domain.models import User
    from app.domain.permissions import Actor

    with db.read() as session:
        head = Actor.of(session.exec(select(User).where(User.role == 'head')).first())
    began = time.perf_counter()
    with db.read() as session:
        plan = importing.preview_import(session, actor=head, data=data)
    preview = time.perf_counter() - began
    print(
        f'  preview: {preview:.1f} s (target < {IMPORT_TARGET_S} s): {len(plan.rows):,} rows, '
        f'{plan.count("new"):,} new, {plan.count("attach"):,} attach, {plan.count("error"):,} errors'
    )
    began = time.perf_counter()
    with db.write() as session:
        done = importing.commit_import(session, actor=head, file=plan.file)
    commit = time.perf_counter() - began
    print(
        f'  commit: {commit:.1f} s (target < {IMPORT_TARGET_S} s), one transaction: '
        f'{done.count("new"):,} clients created, {done.count("attach"):,} requests attached'
    )


if __name__ == '__main__':
    main()
