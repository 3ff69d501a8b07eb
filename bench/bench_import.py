"""Import for issue 15: how fast and how lean reading an uploaded file is, measured one figure at a time.

Run by hand: `.venv/bin/python bench/bench_import.py [--only NAME ...]`. Each figure is a function taking no
arguments and printing one line (time, and the peak of Python allocations via tracemalloc, and the process's
peak RSS so far); `FIGURES` lists them in order and `main` runs them all, so later figures (preview, commit)
join the list. The files are built in memory here, shaped like what teams bring: amoCRM-like columns, a
shared-strings bomb like the one in the issue, a sheet of two million blank formatted rows.
"""

import argparse
import csv
import io
import random
import resource
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial

from common import ROOT, machine_speed

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.domain.errors import InvalidInput  # noqa: E402
from app.domain.excel.sources import MAX_BYTES, open_source  # noqa: E402

HEADER = [
    'ID',
    'Название сделки',
    'Полное имя (контакт)',
    'Рабочий телефон (контакт)',
    'Мобильный телефон (контакт)',
    'Рабочий email (контакт)',
    'Теги сделки',
    'Этап сделки',
    'Ответственный',
    'Бюджет',
    'Дата создания',
    'Источник',
    'Примечание',
]
STAGES = ['Первичный контакт', 'Переговоры', 'Принимают решение', 'Успешно реализовано', 'Закрыто и не реализовано']
PEOPLE = ['Ольга Петрова', 'Иван Смирнов', 'Анна Кузнецова', 'Пётр Иванов']
NAMES = ['Алексей', 'Мария', 'Сергей', 'Елена', 'Дмитрий', 'Наталья', 'Андрей', 'Ольга']
SURNAMES = ['Иванов', 'Петрова', 'Сидоров', 'Кузнецова', 'Смирнов', 'Попова', 'Васильев', 'Новикова']


def amo_rows(count: int, seed: int = 15) -> Iterator[list]:
    """Rows shaped like an amoCRM deals export, varied enough to compress as real ones do."""
    rand = random.Random(seed)
    began = datetime(2023, 1, 1)
    for n in range(count):
        name = f'{rand.choice(SURNAMES)} {rand.choice(NAMES)}'
        yield [
            1_000_000 + n,
            f'Сделка #{n} — {name}',
            name,
            f"'+7 9{rand.randrange(10**9):09d}",
            79_000_000_000 + rand.randrange(10**9),
            f'client{n}.{rand.randrange(10**6)}@example.ru',
            ', '.join(rand.sample(['сайт', 'реклама', 'повторный', 'vip', 'ипотека'], 2)),
            rand.choice(STAGES),
            rand.choice(PEOPLE),
            rand.randrange(0, 20_000_000, 1000),
            began + timedelta(minutes=rand.randrange(10**6)),
            rand.choice(['Сайт', 'Звонок', 'Авито', 'ЦИАН']),
            f'Звонил {rand.randrange(1, 28)}.0{rand.randrange(1, 9)}, просил перезвонить; '
            f'бюджет {rand.randrange(9)} млн',
        ]


def openpyxl_xlsx(rows: Iterable[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[list], *, encoding: str = 'utf-8-sig', delimiter: str = ';') -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow([v.strftime('%d.%m.%Y %H:%M') if isinstance(v, datetime) else v for v in row])
    return out.getvalue().encode(encoding)


_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
    ' Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_SHEET_TAIL = '</sheetData></worksheet>'


def handmade_xlsx(sheet_rows: Iterable[str], shared_strings: Iterable[str] = ()) -> bytes:
    """An XLSX written part by part, for files no spreadsheet program would save: a bomb, millions of rows."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('xl/workbook.xml', _WORKBOOK)
        archive.writestr('xl/_rels/workbook.xml.rels', _RELS)
        with archive.open('xl/sharedStrings.xml', 'w', force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for text in shared_strings:
                part.write(f'<si><t>{text}</t></si>'.encode())
            part.write(b'</sst>')
        with archive.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as part:
            part.write(_SHEET_HEAD.encode())
            for row in sheet_rows:
                part.write(row.encode())
            part.write(_SHEET_TAIL.encode())
    return out.getvalue()


def big_xlsx() -> bytes:
    """An amoCRM-like workbook just under the upload limit."""
    rows = 10_000
    while True:
        data = openpyxl_xlsx([HEADER, *amo_rows(rows)])
        if len(data) > MAX_BYTES * 0.9:
            return data
        rows = int(rows * MAX_BYTES * 0.95 / len(data))


def bomb_xlsx() -> bytes:
    """The issue's bomb: a small file whose shared strings unpack to hundreds of megabytes."""
    text = 'A' * 1000
    return handmade_xlsx(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'], (text for _ in range(600_000)))


def blank_rows_xlsx(count: int = 2_000_000) -> bytes:
    """A header and a phone, then rows that are only formatting, as Excel writes a column formatted to the bottom."""
    head = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Телефон</t></is></c></row>']
    head.append('<row r="2"><c r="A2"><v>79161234567</v></c></row>')
    blank = (
        f'<row r="{n}" spans="1:5" s="1" customFormat="1"><c r="A{n}" s="1"/><c r="B{n}" s="1"/></row>'
        if n % 2
        else f'<row r="{n}" spans="1:5" s="1" customFormat="1"/>'
        for n in range(3, count + 3)
    )
    return handmade_xlsx([*head, *blank])


def measure(label: str, action: Callable[[], object]) -> object:
    """Run `action` twice: timed on its own, then under tracemalloc (which slows Python down) for the peak."""
    began = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - began
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'{label}: {seconds:.2f} s, allocations peak {peak / 2**20:.1f} MB (process peak RSS {rss:.0f} MB)')
    return result


def read_all(data: bytes) -> int:
    return sum(1 for _ in open_source(data).rows())


def first_rows(data: bytes, count: int = 201) -> list:
    rows = open_source(data).rows()
    try:
        return [next(rows) for _ in range(count)]
    finally:
        rows.close()


def refusal(data: bytes) -> str:
    try:
        read_all(data)
    except InvalidInput as refused:
        return refused.message('ru')
    raise AssertionError('the file was read')


def figure_big_xlsx() -> None:
    data = big_xlsx()
    size = f'{len(data) / 2**20:.1f} MB'
    assert len(measure(f'(a) {size} XLSX, header + first 200 rows', lambda: first_rows(data))) == 201
    count = measure(f'(a) {size} XLSX, every row', lambda: read_all(data))
    print(f'    {count} rows')


def figure_20k_rows() -> None:
    rows = [HEADER, *amo_rows(20_000)]
    for label, data in (
        ('XLSX', openpyxl_xlsx(rows)),
        ('CSV UTF-8 ;', csv_bytes(rows)),
        ('CSV Windows-1251 ;', csv_bytes(rows, encoding='cp1251')),
    ):
        count = measure(f'(b) 20,000 rows, {label} ({len(data) / 2**20:.1f} MB), full read', partial(read_all, data))
        assert count == 20_001, count


def figure_bomb() -> None:
    data = bomb_xlsx()
    label = f'(c) bomb: {len(data) / 2**20:.1f} MB file, 581 MB of shared strings, refused'
    message = measure(label, partial(refusal, data))
    print(f'    «{message}»')


def figure_blank_rows() -> None:
    data = blank_rows_xlsx()
    count = measure(f'(d) 2,000,000 blank rows ({len(data) / 2**20:.1f} MB file), full read', lambda: read_all(data))
    assert count == 2, count


FIGURES: dict[str, Callable[[], None]] = {
    'big_xlsx': figure_big_xlsx,
    'rows_20k': figure_20k_rows,
    'bomb': figure_bomb,
    'blank_rows': figure_blank_rows,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', nargs='+', choices=FIGURES, help='run only these figures')
    args = parser.parse_args()
    print(f'Voronka import bench, Python {sys.version.split()[0]}', flush=True)
    print(machine_speed(), flush=True)
    for name in args.only or FIGURES:
        FIGURES[name]()


if __name__ == '__main__':
    main()
