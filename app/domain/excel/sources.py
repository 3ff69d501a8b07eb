"""The rows of an uploaded table file, whatever made it: an XLSX, a CSV, or the HTML table Bitrix24 saves as ".xls".

`open_source(data)` recognises the file by its content (never by its name) and returns a `Source` whose
`rows()` yields `(row_number, cells)` for every non-empty row, the number as the user sees it in the file.
Each call of `rows()` is a fresh pass, so the mapping step can read the first rows and the import all of them.
Cells are typed as the file holds them: str, int, float, bool, datetime; an empty cell is None in every format
(CSV and HTML cells are str).

Everything is read as a stream and bounded before memory is spent: the XLSX reader is our own (zipfile + expat)
because the parts' declared sizes, their compression ratio and the number of cells are what stop a zip bomb, and
blank rows are cut from the sheet's XML by a regular expression before any Python code sees them.
"""

import codecs
import csv
import io
import os
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from itertools import islice
from xml.parsers import expat

from ..errors import DomainError, InvalidInput

MEBIBYTE = 1024 * 1024
MAX_BYTES = int(os.environ.get('VORONKA_IMPORT_MAX_MB', '20')) * MEBIBYTE
# The largest a legitimate 20 MB upload unpacks to: sheet XML compresses 5-30x, so 400 MB is twice the
# worst honest case (blank styled rows) and takes ~2 s to skip; shared strings are text that compresses 3-5x,
# and we keep them (compactly, as UTF-8) for the whole pass, so they get the tighter 100 MB.
MAX_SHEET_BYTES = 400 * MEBIBYTE
MAX_SHARED_STRINGS_BYTES = 100 * MEBIBYTE
MAX_PART_BYTES = 20 * MEBIBYTE  # workbook, relationships, styles: kilobytes in practice
MAX_SHARED_STRINGS = 2_000_000
# Deflate tops out near 1032:1; real parts stay under 100:1 even when they are megabytes of blank rows.
MAX_RATIO = 200
MAX_ZIP_ENTRIES = 10_000  # zipfile builds an object per entry before we can look at any
MAX_CELLS = 5_000_000  # cells handed out per pass (row widths), 100,000 rows of 50 columns
MAX_COLUMNS = 16_384  # Excel's own limit, column XFD
CHUNK = MEBIBYTE

ENCODINGS = ('utf-8', 'utf-8-sig', 'cp1251', 'utf-16')
DELIMITERS = (';', ',', '\t')

_ZIP_MAGIC = b'PK\x03\x04'
_OLE2_MAGIC = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
_TEXT_NOT_TABLE = ('%pdf-', '{\\rtf')  # compared with the lowercased start
_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 50


@dataclass(frozen=True)
class SourceFormat:
    """What the file was read as: kind 'xlsx', 'csv' or 'html'; a text file's encoding and delimiter."""

    kind: str
    encoding: str = ''
    delimiter: str = ''


@dataclass(frozen=True)
class _Book:
    """Where the first worksheet of an XLSX lives and how to read its numbers."""

    sheet: zipfile.ZipInfo
    shared_strings: zipfile.ZipInfo | None
    date_styles: frozenset[int]
    epoch: datetime


@dataclass
class Source:
    """A recognised file; `rows()` reads it (again) from the start."""

    data: bytes
    format: SourceFormat
    _book: _Book | None = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, tuple]]:
        kind = self.format.kind
        lines = _xlsx_rows(self.data, self._book) if kind == 'xlsx' else _text_rows(self.data, self.format)
        cells = 0
        for number, line in lines:
            cells += len(line)
            if cells > MAX_CELLS:
                raise InvalidInput('import.error.too_many_cells', limit=MAX_CELLS)
            yield number, line


def open_source(
    data: bytes, *, encoding: str | None = None, delimiter: str | None = None, file_name: str | None = None
) -> Source:
    """Recognise the file by its content and check what it holds against the bounds; `encoding` and `delimiter`
    override what is detected in a text file. `file_name` only sharpens a refusal. Refuses, with one clear
    message, a file over the limit, empty, broken, an old binary .xls, or anything that is not a table."""
    if len(data) > MAX_BYTES:
        raise InvalidInput('import.error.too_large', limit=MAX_BYTES // MEBIBYTE)
    if data.startswith(_OLE2_MAGIC):
        raise InvalidInput('import.error.binary_xls')
    if data.startswith(_ZIP_MAGIC):
        return Source(data, SourceFormat('xlsx'), _open_book(data))
    if not data.strip():
        raise InvalidInput('import.error.not_spreadsheet')
    return _open_text(data, encoding, delimiter, file_name)


# XLSX


def _open_book(data: bytes) -> _Book:
    """The first worksheet, its shared strings and date styles, every part checked before it is read."""
    if data.count(b'PK\x01\x02') > MAX_ZIP_ENTRIES:
        raise InvalidInput('import.error.too_big_inside')
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise InvalidInput('import.error.corrupt') from exc
    with archive:
        parts = {info.filename.lower(): info for info in archive.infolist()}
        try:
            return _read_book(archive, parts)
        except DomainError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, expat.ExpatError) as exc:
            raise InvalidInput('import.error.corrupt') from exc


def _read_book(archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> _Book:
    package_rels = _relationships(archive, parts, '_rels/.rels')
    workbook_path = next((t for kind, t in package_rels.values() if kind == 'officeDocument'), 'xl/workbook.xml')
    if workbook_path.lower() not in parts:
        raise InvalidInput('import.error.not_spreadsheet')  # a zip, a .docx: no workbook inside
    sheets, date1904 = _workbook(_small_part(archive, parts[workbook_path.lower()]))
    rels = _relationships(archive, parts, _rels_path(workbook_path))
    targets = [rels.get(rid, ('', ''))[1] for rid in sheets if rels.get(rid, ('', ''))[0] == 'worksheet']
    targets = [t for t in targets if t.lower() in parts]
    if not targets:
        raise InvalidInput('import.error.corrupt')
    sheet = _bounded(parts[targets[0].lower()], MAX_SHEET_BYTES)
    strings = next((t for kind, t in rels.values() if kind == 'sharedStrings' and t.lower() in parts), None)
    styles = next((t for kind, t in rels.values() if kind == 'styles' and t.lower() in parts), None)
    return _Book(
        sheet=sheet,
        shared_strings=_bounded(parts[strings.lower()], MAX_SHARED_STRINGS_BYTES) if strings else None,
        date_styles=_date_styles(_small_part(archive, parts[styles.lower()])) if styles else frozenset(),
        epoch=datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30),
    )


def _bounded(info: zipfile.ZipInfo, limit: int) -> zipfile.ZipInfo:
    """Refuse a part by what its entry declares; zipfile never inflates past the declared size."""
    if info.file_size > limit or info.file_size > MAX_RATIO * max(info.compress_size, 1) + MEBIBYTE:
        raise InvalidInput('import.error.too_big_inside')
    return info


def _small_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    return archive.read(_bounded(info, MAX_PART_BYTES))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, '_rels', name + '.rels')


def _relationships(archive, parts, path: str) -> dict[str, tuple[str, str]]:
    """Id -> (the last word of its type, the target's path inside the zip)."""
    info = parts.get(path.lower())
    if info is None:
        return {}
    folder = posixpath.dirname(posixpath.dirname(path))
    found: dict[str, tuple[str, str]] = {}

    def start(name, attrs):
        if _local(name) == 'Relationship' and attrs.get('TargetMode') != 'External':
            target = attrs.get('Target', '')
            target = target[1:] if target.startswith('/') else posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get('Id', '')] = (attrs.get('Type', '').rsplit('/', 1)[-1], target)

    _parse(_small_part(archive, info), start)
    return found


def _workbook(xml: bytes) -> tuple[list[str], bool]:
    """The relationship ids of the sheets in their order, and whether dates count from 1904."""
    sheets: list[str] = []
    date1904 = [False]

    def start(name, attrs):
        name = _local(name)
        if name == 'sheet':
            sheets.append(next((v for k, v in attrs.items() if _local(k) == 'id'), ''))
        elif name == 'workbookPr':
            date1904[0] = attrs.get('date1904', '').lower() in ('1', 'true')

    _parse(xml, start)
    return sheets, date1904[0]


_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), 45, 46, 47])
# Quoted text, escaped characters, padding/fill and [colour]/[$currency-locale] sections say nothing of dates.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?!(?:h+|m+|s+)\])[^\]]*\]')
_DATE_LETTERS = re.compile(r'[dmyhs]', re.IGNORECASE)


def _is_date_format(code: str) -> bool:
    return bool(_DATE_LETTERS.search(_FORMAT_NOISE.sub('', code.split(';')[0])))


def _date_styles(xml: bytes) -> frozenset[int]:
    """The indexes of the cell styles (cellXfs) whose number format shows a date or a time."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    inside = ['']

    def start(name, attrs):
        name = _local(name)
        if name == 'numFmt':
            custom[int(attrs.get('numFmtId', -1))] = attrs.get('formatCode', '')
        elif name in ('cellXfs', 'cellStyleXfs'):
            inside[0] = name
        elif name == 'xf' and inside[0] == 'cellXfs':
            formats.append(int(attrs.get('numFmtId', 0)))

    def end(name):
        if _local(name) in ('cellXfs', 'cellStyleXfs'):
            inside[0] = ''

    _parse(xml, start, end)
    dates = {number for number, code in custom.items() if _is_date_format(code)}
    dates |= _BUILTIN_DATE_FORMATS - custom.keys()
    return frozenset(index for index, number_format in enumerate(formats) if number_format in dates)


def _local(name: str) -> str:
    return name[name.rfind(':') + 1 :]


def _parser(start=None, end=None, text=None):
    """An expat parser that refuses any DOCTYPE: no part of a workbook has one, entity tricks need one."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_doctype(*_):
        raise InvalidInput('import.error.corrupt')

    parser.StartDoctypeDeclHandler = no_doctype
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    return parser


def _parse(xml: bytes, start, end=None) -> None:
    _parser(start, end).Parse(xml, True)


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class _SharedStrings:
    """The workbook's shared strings, parsed only as far as the rows asked so far need, and kept as UTF-8 in
    one buffer (a Python str per string would cost three times the XML)."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> None:
        self._buffer = bytearray()
        self._ends = array('Q')
        self._chunks = _chunks(archive, info) if info else iter(())
        self._parts: list[str] | None = None
        self._skip = 0  # inside phonetic runs (rPh), whose text is a reading aid, not the cell's
        self._parser = _parser(self._start, self._end, self._text)

    def _start(self, name, _attrs):
        name = _local(name)
        if name == 'si':
            self._parts = []
        elif name == 'rPh':
            self._skip += 1

    def _end(self, name):
        name = _local(name)
        if name == 'si' and self._parts is not None:
            if len(self._ends) >= MAX_SHARED_STRINGS:
                raise InvalidInput('import.error.too_big_inside')
            self._buffer += ''.join(self._parts).encode()
            self._ends.append(len(self._buffer))
            self._parts = None
        elif name == 'rPh':
            self._skip -= 1

    def _text(self, text):
        if self._parts is not None and not self._skip:
            self._parts.append(text)

    def __getitem__(self, index: int) -> str:
        while index >= len(self._ends):
            chunk = next(self._chunks, None)
            if chunk is None:
                raise InvalidInput('import.error.corrupt')
            self._parser.Parse(chunk, False)
        return self._buffer[self._ends[index - 1] if index else 0 : self._ends[index]].decode()


# Rows with no value in any cell, as spreadsheet programs write them by the million for a formatted column:
# cut from the XML in C before expat and Python see them.
_BLANK_ROWS = re.compile(rb'<(?:\w+:)?row\b[^>]*/>|<(?:\w+:)?row\b[^>]*>(?:\s*<(?:\w+:)?c\b[^>]*/>)*\s*</(?:\w+:)?row>')
_COLUMN = re.compile(r'[A-Z]+')


def _column_index(reference: str) -> int:
    letters = _COLUMN.match(reference)
    if letters is None:
        raise InvalidInput('import.error.corrupt')
    index = 0
    for letter in letters.group():
        index = index * 26 + ord(letter) - 64
    if index > MAX_COLUMNS:
        raise InvalidInput('import.error.corrupt')
    return index - 1


class _SheetReader:
    """Expat handlers that turn a worksheet's XML into finished rows, collected in `ready`."""

    def __init__(self, strings: _SharedStrings, book: _Book) -> None:
        self.strings = strings
        self.date_styles = book.date_styles
        self.epoch = book.epoch
        self.ready: list[tuple[int, tuple]] = []
        self.number = 0
        self.cells: list = []
        self.column = -1
        self.kind = 'n'
        self.style = 0
        self.value: str | None = None
        self.text: list[str] | None = None
        self.skip = 0

    def start(self, name, attrs):
        name = _local(name)
        if name == 'c':
            reference = attrs.get('r')
            self.column = _column_index(reference) if reference else self.column + 1
            self.kind = attrs.get('t', 'n')
            self.style = int(attrs.get('s', 0))
            self.value = None
        elif name in ('v', 't'):
            if not self.skip:
                self.text = []
        elif name == 'row':
            reference = attrs.get('r')
            self.number = int(reference) if reference else self.number + 1
            self.cells = []
            self.column = -1
        elif name == 'rPh':
            self.skip += 1

    def end(self, name):
        name = _local(name)
        if name in ('v', 't'):
            if self.text is not None:
                self.value = ''.join(self.text) if self.value is None else self.value + ''.join(self.text)
                self.text = None
        elif name == 'c':
            if self.value is not None:
                value = self._typed(self.value)
                if value is not None:
                    self.cells.append((self.column, value))
        elif name == 'row':
            if any(not isinstance(v, str) or v.strip() for _, v in self.cells):
                line = [None] * (max(c for c, _ in self.cells) + 1)
                for column, value in self.cells:
                    line[column] = value
                self.ready.append((self.number, tuple(line)))
        elif name == 'rPh':
            self.skip -= 1

    def text_handler(self, text):
        if self.text is not None:
            self.text.append(text)

    def _typed(self, raw: str):
        kind = self.kind
        if kind == 's':
            return self.strings[int(raw)]
        if kind in ('inlineStr', 'str', 'e'):
            return raw
        if kind == 'b':
            return raw.strip() in ('1', 'true')
        if kind == 'd':
            return datetime.fromisoformat(raw.strip().rstrip('Z')) if raw.strip() else None
        raw = raw.strip()
        if not raw:
            return None
        number = float(raw) if '.' in raw or 'E' in raw or 'e' in raw else int(raw)
        return self._date(number) if self.style in self.date_styles else number

    def _date(self, serial: float) -> datetime:
        days, fraction = divmod(serial, 1)
        if self.epoch.year == 1899 and 0 < serial < 60:
            days += 1  # Excel's 1900 calendar counts a 29 February 1900 that never was; serials before it shift
        return self.epoch + timedelta(days=days, milliseconds=round(fraction * 86_400_000))


def _xlsx_rows(data: bytes, book: _Book) -> Iterator[tuple[int, tuple]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            reader = _SheetReader(_SharedStrings(archive, book.shared_strings), book)
            parser = _parser(reader.start, reader.end, reader.text_handler)
            carry = b''
            for chunk in _chunks(archive, book.sheet):
                chunk = carry + chunk
                cut = chunk.rfind(b'>') + 1  # a tag cut in two waits for its end
                carry = chunk[cut:]
                parser.Parse(_BLANK_ROWS.sub(b'', chunk[:cut]), False)
                yield from reader.ready
                reader.ready.clear()
            parser.Parse(carry, True)
            yield from reader.ready
    except DomainError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, IndexError, OverflowError, expat.ExpatError) as exc:
        # a truncated or malformed sheet fails only while its rows are read
        raise InvalidInput('import.error.corrupt') from exc


# CSV and HTML


def _open_text(data: bytes, encoding: str | None, delimiter: str | None, file_name: str | None) -> Source:
    codec = _codec(data, encoding)
    head = _decode(data, codec, limit=_SNIFF_CHARS)
    start = head.lstrip('\ufeff \t\r\n').lower()
    if start.startswith('<'):
        if '<table' in start:
            return Source(data, SourceFormat('html', codec))
        if 'urn:schemas-microsoft-com:office:spreadsheet' in start:
            raise InvalidInput('import.error.binary_xls')  # "XML Spreadsheet 2003": the old Excel format too
        raise InvalidInput('import.error.not_spreadsheet')
    if start.startswith(_TEXT_NOT_TABLE) or _looks_binary(head):
        binary_xls = (file_name or '').lower().endswith('.xls')
        raise InvalidInput('import.error.binary_xls' if binary_xls else 'import.error.not_spreadsheet')
    return Source(data, SourceFormat('csv', codec, _delimiter(delimiter) if delimiter else _sniff_delimiter(head)))


def _codec(data: bytes, encoding: str | None) -> str:
    """The caller's encoding, else by the file: a BOM says it; text that is valid UTF-8 is UTF-8; else the
    Russian Windows code page, what Excel and 1C save CSV in on a Russian Windows."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InvalidInput('import.error.unknown_encoding', encoding=encoding) from None
        return 'utf-8-sig' if codec == 'utf-8' and data.startswith(codecs.BOM_UTF8) else codec
    if data.startswith(codecs.BOM_UTF8):
        return 'utf-8-sig'
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 'utf-16'
    decoder = codecs.getincrementaldecoder('utf-8')()
    try:
        for begin in range(0, len(data), CHUNK):
            decoder.decode(data[begin : begin + CHUNK])
        decoder.decode(b'', True)
    except UnicodeDecodeError:
        return 'cp1251'
    return 'utf-8'


def _decode(data: bytes, codec: str, *, limit: int | None = None) -> str:
    text = []
    for piece in _decoded(data, codec):
        text.append(piece)
        if limit is not None and sum(map(len, text)) >= limit:
            break
    return ''.join(text)


def _decoded(data: bytes, codec: str, size: int = 64 * 1024) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(codec)(errors='replace')
    for begin in range(0, len(data), size):
        yield decoder.decode(data[begin : begin + size])
    yield decoder.decode(b'', True)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for char in text[:4096] if char < ' ' and char not in '\t\r\n\f\v')
    return '\x00' in text or controls * 100 > len(text[:4096])


def _delimiter(delimiter: str) -> str:
    delimiter = {'\\t': '\t', 'tab': '\t', 'TAB': '\t'}.get(delimiter, delimiter)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise InvalidInput('import.error.bad_delimiter')
    return delimiter


def _sniff_delimiter(head: str) -> str:
    """The candidate that splits the first records into the same number (>1) of fields most often; ties go to
    `;`, the separator of Excel and Bitrix24 in Russian, then comma, then tab. A split the header row does not
    share (one column of `+7 916…, 8 916…` phones) loses to one it does."""
    lines = head.splitlines(keepends=True)
    sample = ''.join(lines[:-1] if len(lines) > 1 and len(head) >= _SNIFF_CHARS else lines)
    best, best_score = DELIMITERS[0], (False, 0, 0)
    for candidate in DELIMITERS:
        try:
            widths = [len(r) for r in islice(csv.reader(io.StringIO(sample), delimiter=candidate), _SNIFF_RECORDS)]
        except csv.Error:
            continue
        wide = [w for w in widths if w > 1]
        if not wide:
            continue
        common = max(set(wide), key=lambda w: (wide.count(w), w))
        score = (widths[0] == common, wide.count(common), common)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _text_rows(data: bytes, format: SourceFormat) -> Iterator[tuple[int, tuple]]:
    return _csv_rows(data, format) if format.kind == 'csv' else _html_rows(data, format.encoding)


def _csv_rows(data: bytes, format: SourceFormat) -> Iterator[tuple[int, tuple]]:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=format.encoding, errors='replace', newline='')
    try:
        for number, record in enumerate(csv.reader(stream, delimiter=format.delimiter), start=1):
            if any(cell.strip() for cell in record):
                yield number, tuple(cell or None for cell in record)
    except csv.Error as exc:  # a NUL byte, or an unclosed quote swallowing the rest of the file into one field
        raise InvalidInput('import.error.corrupt') from exc


class _TableParser(HTMLParser):
    """The rows of the first <table>: the text of each <th>/<td>, entities decoded, <br> kept as a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.done = False
        self.number = 0
        self.ready: list[tuple[int, tuple]] = []
        self.row: list | None = None
        self.cell: list[str] | None = None
        self.span = 1

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == 'table':
            self.depth += 1
        elif tag == 'br' and self.cell is not None:
            self.cell.append('\n')
        elif self.depth != 1:
            return
        elif tag == 'tr':
            self._end_row()
            self.number += 1
            self.row = []
        elif tag in ('td', 'th'):
            self._end_cell()
            if self.row is None:
                self.number += 1
                self.row = []
            self.cell = []
            span = dict(attrs).get('colspan') or '1'
            self.span = min(int(span), MAX_COLUMNS) if span.isdigit() and int(span) > 0 else 1

    def handle_endtag(self, tag):
        if self.done:
            return
        if tag == 'table':
            if self.depth == 1:
                self._end_row()
                self.done = True
            self.depth -= 1
        elif self.depth == 1 and tag in ('td', 'th'):
            self._end_cell()
        elif self.depth == 1 and tag == 'tr':
            self._end_row()

    def handle_data(self, data):
        if self.cell is not None and not self.done:
            self.cell.append(data)

    def _end_cell(self):
        if self.cell is not None and self.row is not None:
            text = '\n'.join(' '.join(line.split()) for line in ''.join(self.cell).split('\n')).strip()
            self.row.append(text or None)
            self.row.extend([None] * (self.span - 1))
        self.cell = None

    def _end_row(self):
        self._end_cell()
        if self.row is not None and any(self.row):
            self.ready.append((self.number, tuple(self.row)))
        self.row = None


def _html_rows(data: bytes, encoding: str) -> Iterator[tuple[int, tuple]]:
    parser = _TableParser()
    for text in _decoded(data, encoding):
        parser.feed(text)
        yield from parser.ready
        parser.ready.clear()
        if parser.done:
            return
    parser.close()
    parser._end_row()
    yield from parser.ready
