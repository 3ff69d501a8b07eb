"""Import figures for issue 15 (mapping, preview, commit): a 20,000-row export shaped like amoCRM's deals export,
as XLSX and as CSV, loaded into a base of demo clients. For each: the mapping step (inspect_import_file), the full
read by the mapping, the value lists, the preview's plan (all outside any write transaction), and the commit of
that plan (the only part inside the write transaction); peak RSS of the whole import above the idle process.
Targets: preview (read + plan) < 10 s, peak memory < 300 MB.

Run by hand: `.venv/bin/python bench/bench_import_plan.py [--clients 20000] [--rows 20000]`. Works in a fresh
temporary SQLite data directory (removed afterwards unless --keep). Each file format is measured in a child
process of its own, so its peak memory is not blurred by the seeding or by the other format.
"""

import argparse
import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, bench_data_dir, describe, peak_mb, reset_peak, rss_mb, seed_demo

PREVIEW_TARGET_S = 10
MEMORY_TARGET_MB = 300
HEADER = [
    'ID',
    'Название сделки',
    'Бюджет',
    'Ответственный',
    'Дата создания',
    'Теги сделки',
    'Примечание',
    'Этап сделки',
    'Воронка',
    'Полное имя (контакт)',
    'Рабочий телефон (контакт)',
    'Мобильный телефон (контакт)',
    'Рабочий email (контакт)',
    'Теги контакта',
    'Источник',
    'utm_source',
]
STAGES = ['Первичный контакт', 'Назначение встречи', 'Бронь поставлена', 'Закрыто и не реализовано']


def export_rows(rows: int, code: int) -> list[list]:
    """amoCRM-shaped rows: every 10th repeats an earlier phone, phones with apostrophes, numbers and pairs."""
    out = []
    for n in range(rows):
        phone = f'+7 {code} {n // 10000:03d}-{n % 10000 // 100:02d}-{n % 100:02d}'
        if n % 10 == 9:
            phone = out[n - 5][10]
        out.append(
            [
                1000 + n,
                f'Сделка #{1000 + n}',
                f'{3_000_000 + n * 10:,}'.replace(',', ' ') if n % 3 else '',
                ['Ольга Петрова', 'manager1', 'Неизвестный'][n % 3],
                f'{1 + n % 28:02d}.03.2024 10:{n % 60:02d}:00',
                'Ипотека, Горячий' if n % 4 == 0 else '',
                'Звонил, просил перезвонить' if n % 2 == 0 else '',
                STAGES[n % len(STAGES)],
                'Воронка',
                f'Клиент Номер {n}',
                f"'{phone}" if n % 2 else phone,
                (7000 + code) * 10**7 + 5_000_000 + n if n % 5 == 0 else '',
                f'client{n}@example.ru' if n % 3 == 0 else '',
                'VIP' if n % 7 == 0 else '',
                ['Сайт', 'Авито', 'ЦИАН', 'Реклама в Telegram'][n % 4],
                'yandex',
            ]
        )
    return out


def xlsx_file(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in export_rows(rows, 916):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=';', lineterminator='\r\n')
    writer.writerow(HEADER)
    writer.writerows([[str(c) for c in row] for row in export_rows(rows, 917)])
    return out.getvalue().encode('cp1251')


def measure(kind: str, rows: int) -> None:
    """One format, in this (child) process: each step timed, then the peak RSS of them all."""
    from sqlmodel import select

    from app.domain.db import init_database
    from app.domain.excel import importing
    from app.domain.models import User
    from app.domain.permissions import Actor

    db = init_database(os.environ['DATABASE_URL'])
    data = xlsx_file(rows) if kind == 'xlsx' else csv_file(rows)
    with db.read() as session:
        head = Actor.of(session.exec(select(User).where(User.role == 'head')).first())
    idle = rss_mb()
    reset_peak()
    print(f'\n{kind.upper()}, {len(data) / 2**20:.1f} MB, {rows:,} rows (idle process {idle:.0f} MB):', flush=True)
    with db.read() as session:
        layout, inspected = timed(importing.inspect_import_file, session, actor=head, data=data)
        file, read = timed(importing.read_import_file, session, data, mapping=layout.mapping)
        values, listed = timed(importing.list_import_values, session, actor=head, file=file)
        plan, planned = timed(importing.plan_import, session, actor=head, file=file)
    print(f'  mapping step (header + first {len(layout.samples)} rows): {inspected}', flush=True)
    print(f'  preview (target < {PREVIEW_TARGET_S} s): read {read}, plan {planned}', flush=True)
    print(f'    {plan.count("new"):,} new, {plan.count("attach"):,} attach, {plan.count("error"):,} errors', flush=True)
    distinct = ', '.join(f'{name} {len(v.rows)}' for name, v in values.items())
    print(f'  value lists (a pass over the rows read): {listed}; distinct values: {distinct}', flush=True)
    with db.write() as session:
        done, committed = timed(importing.commit_import, session, actor=head, file=file, plan=plan)
    print(
        f"  commit of the preview's plan (the write transaction): {committed}, plan reused: {done is plan}; "
        f'{done.count("new"):,} clients, {done.count("attach"):,} requests attached',
        flush=True,
    )
    peak = peak_mb()
    print(f'  peak memory: {peak - idle:.0f} MB above idle, {peak:.0f} MB in all (target < {MEMORY_TARGET_MB} MB)')


def timed(function, *args, **kwargs):
    """The result, and the time taken as wall-clock and CPU seconds (the CPU figure holds on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, f'{time.perf_counter() - wall:.2f} s (CPU {time.process_time() - cpu:.2f} s)'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=20_000, help='demo clients to seed')
    parser.add_argument('--rows', type=int, default=20_000, help='rows of the import file')
    parser.add_argument('--keep', action='store_true', help='keep the temporary data directory')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))  # this worktree's app, not the installed one
        measure(args.child, args.rows)
        return
    with bench_data_dir('voronka-bench-import-', keep=args.keep) as data_dir:
        from app.domain.db import init_database

        describe('import (mapping, preview, commit)', data_dir)
        db = init_database(os.environ['DATABASE_URL'])
        seconds = seed_demo(db, args.clients)
        db.optimize()
        print(f'seeded {args.clients:,} demo clients in {seconds:.1f} s', flush=True)
        for kind in ('xlsx', 'csv'):
            child = subprocess.run(
                [sys.executable, str(Path(__file__)), '--child', kind, '--rows', str(args.rows)],
                env=os.environ,
                capture_output=True,
                text=True,
            )
            print(child.stdout + child.stderr, end='', flush=True)


if __name__ == '__main__':
    main()
