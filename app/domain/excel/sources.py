"""The rows of an uploaded table file, whatever made it: an XLSX, a CSV, or the HTML table Bitrix24 saves as ".xls".

`open_source(data)` recognises the file by its content (never by its name) and returns a `Source` whose
`rows()` yields `(row_number, cells)` for every non-empty row, the number as the user sees it in the file.
Each call of `rows()` is a fresh pass, so the mapping step can read the first rows and the import all of them.
Cells are typed as the file holds them: str, int, float, bool, datetime; an empty cell is None in every format
(CSV and HTML cells are str).

Everything is read as a stream and bounded before memory is spent. The XLSX reader is our own (zipfile, and
ElementTree over batches of rows) because the parts' declared sizes, their compression ratio and the number of
cells are what stop a zip bomb, and only rows holding a value reach the XML parser, so millions of blank
formatted rows cost a byte search.
"""

import codecs
import csv
import io
import math
import os
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from itertools import islice
from xml.etree import ElementTree
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


def _parser(start, end=None):
    """An expat parser that refuses any DOCTYPE: no part of a workbook has one, entity tricks need one."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_doctype(*_):
        raise InvalidInput('import.error.corrupt')

    parser.StartDoctypeDeclHandler = no_doctype
    parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    return parser


def _parse(xml: bytes, start, end=None) -> None:
    _parser(start, end).Parse(xml, True)


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class _Tags:
    """The element names of a part whose elements may carry a prefix (`<x:row>`): the bytes searched for, and
    the names ElementTree gives them once a batch is wrapped in a root that declares the prefix."""

    def __init__(self, prefix: bytes, root: str) -> None:
        self.prefix = prefix
        space = '{p}' if prefix else ''
        self.c, self.v, self.t, self.r, self.inline = (space + name for name in ('c', 'v', 't', 'r', 'is'))
        self.closing = b'</' + prefix + root.encode() + b'>'
        self._open = b'<batch xmlns:' + prefix[:-1] + b'="p">' if prefix else b'<batch>'

    def tag(self, name: str, closing: bool = False) -> bytes:
        return (b'</' if closing else b'<') + self.prefix + name.encode() + (b'>' if closing else b'')

    def parse(self, xml) -> ElementTree.Element:
        """Whole elements cut from the part, parsed in C; no DOCTYPE can reach inside the wrapper."""
        return ElementTree.fromstring(self._open + xml + b'</batch>')

    def text(self, holder: ElementTree.Element) -> str:
        """A string item's text: its <t>, or the <t> of each rich-text run; phonetic readings (rPh) left out."""
        parts = []
        for child in holder:
            if child.tag == self.t:
                parts.append(child.text or '')
            elif child.tag == self.r:
                parts.extend(t.text or '' for t in child.iter(self.t))
        return ''.join(parts)


def _opening(buffer: bytearray, root: str, searched: int) -> tuple[re.Match | None, _Tags | None]:
    opening = re.compile(rb'<(\w+:)?' + root.encode() + rb'\b[^>]*?(/?)>').search(buffer, searched)
    return opening, _Tags(opening.group(1) or b'', root) if opening else None


class _SharedStrings:
    """The workbook's shared strings, parsed only as far as the rows asked so far need, and kept as UTF-8 in
    one buffer (a Python str per string would cost three times the XML)."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> None:
        self._strings = bytearray()
        self._ends = array('Q')
        self._chunks = _chunks(archive, info) if info else iter(())
        self._xml = bytearray()
        self._tags: _Tags | None = None

    def __getitem__(self, index: int) -> str:
        while index >= len(self._ends):
            if not self._read_more():
                raise InvalidInput('import.error.corrupt')
        return self._strings[self._ends[index - 1] if index else 0 : self._ends[index]].decode()

    def _read_more(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        searched = max(0, len(self._xml) - 64)  # where a tag cut by the previous chunk may begin
        self._xml += chunk
        if self._tags is None:
            opening, self._tags = _opening(self._xml, 'sst', searched)
            if opening is None:
                return True
            del self._xml[: opening.end()]
            searched = 0
        item_end = self._tags.tag('si', closing=True)
        cut = self._xml.rfind(item_end, searched)
        if cut >= 0:
            cut += len(item_end)
            for item in self._tags.parse(self._xml[:cut]):
                if len(self._ends) >= MAX_SHARED_STRINGS:
                    raise InvalidInput('import.error.too_big_inside')
                self._strings += self._tags.text(item).encode()
                self._ends.append(len(self._strings))
            del self._xml[:cut]
        return True


_DIGITS = '0123456789'


@lru_cache(maxsize=MAX_COLUMNS)
def _column_index(letters: str) -> int:
    if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha() and letters.isupper()):
        raise InvalidInput('import.error.corrupt')
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    if index > MAX_COLUMNS:
        raise InvalidInput('import.error.corrupt')
    return index - 1


class _SheetRows:
    """Finds, in the sheet's XML, the rows that hold a value (a `<v>` or an inline string) and parses only
    those, a batch at a time in C: spreadsheet programs write blank formatted rows by the million, and this
    way they cost a byte search, not a Python call each."""

    def __init__(self, tags: _Tags, strings: _SharedStrings, book: _Book) -> None:
        self.tags = tags
        self.row, self.row_end = tags.tag('row'), tags.tag('row', closing=True)
        self.markers = (tags.tag('v') + b'>', tags.tag('v') + b' ', tags.tag('is') + b'>')
        self.strings = strings
        self.date_styles = frozenset(str(index) for index in book.date_styles)
        self.epoch = book.epoch
        self.number = 0

    def read(self, xml: bytearray) -> list[tuple[int, tuple]]:
        """The value rows of `xml`, which holds whole rows only."""
        spans, gaps = [], []
        position = 0
        ahead = [xml.find(marker) for marker in self.markers]  # each marker's next place, searched once
        while True:
            for index, at in enumerate(ahead):
                if 0 <= at < position:
                    ahead[index] = xml.find(self.markers[index], position)
            found = [at for at in ahead if at >= 0]
            if not found:
                break
            begin = xml.rfind(self.row, position, min(found))
            end = xml.find(self.row_end, min(found))
            if begin < 0 or end < 0:
                raise InvalidInput('import.error.corrupt')
            end += len(self.row_end)
            gaps.append(xml.count(self.row, position, begin))  # rows without `r` are numbered by counting
            spans.append(xml[begin:end])
            position = end
        rows = []
        for element, gap in zip(self.tags.parse(b''.join(spans)) if spans else (), gaps, strict=True):
            reference = element.get('r')
            self.number = int(reference) if reference else self.number + gap + 1
            line = self._cells(element)
            if line:
                rows.append((self.number, line))
        self.number += xml.count(self.row, position)
        return rows

    def _cells(self, row: ElementTree.Element) -> tuple:
        tags = self.tags
        values = []
        column = -1
        for cell in row:
            if cell.tag != tags.c:
                continue
            reference = cell.get('r')
            column = _column_index(reference.rstrip(_DIGITS)) if reference else column + 1
            kind = cell.get('t', 'n')
            holder = cell.find(tags.inline if kind == 'inlineStr' else tags.v)
            if holder is None:
                continue
            value = self._typed(kind, cell.get('s'), tags.text(holder) if kind == 'inlineStr' else holder.text or '')
            if value is not None:
                values.append((column, value))
        if not any(not isinstance(v, str) or v.strip() for _, v in values):
            return ()
        line = [None] * (max(c for c, _ in values) + 1)
        for column, value in values:
            line[column] = value
        return tuple(line)

    def _typed(self, kind: str, style: str | None, raw: str):
        if kind == 's':
            return self.strings[int(raw)]
        if kind in ('inlineStr', 'str', 'e'):
            return raw
        if kind == 'b':
            return raw.strip() in ('1', 'true')
        raw = raw.strip()
        if not raw:
            return None
        # one unreadable value (a date serial of 1e300, «nan», a broken ISO date) is that cell's text, for the row's
        # own rules to flag, not a damaged file
        try:
            if kind == 'd':
                return datetime.fromisoformat(raw.rstrip('Z'))
            number = float(raw) if '.' in raw or 'E' in raw or 'e' in raw or 'n' in raw else int(raw)
            if not math.isfinite(number):
                return raw
            return self._date(number) if style in self.date_styles else number
        except (ValueError, OverflowError):
            return raw

    def _date(self, serial: float) -> datetime:
        days, fraction = divmod(serial, 1)
        if self.epoch.year == 1899 and 1 <= serial < 60:
            days += 1  # Excel's 1900 calendar counts a 29 February 1900 that never was; serials before it shift
        return self.epoch + timedelta(days=days, milliseconds=round(fraction * 86_400_000))


def _xlsx_rows(data: bytes, book: _Book) -> Iterator[tuple[int, tuple]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            strings = _SharedStrings(archive, book.shared_strings)
            sheet: _SheetRows | None = None
            buffer = bytearray()
            for chunk in _chunks(archive, book.sheet):
                searched = max(0, len(buffer) - 64)  # where a tag cut by the previous chunk may begin
                buffer += chunk
                if sheet is None:
                    opening, tags = _opening(buffer, 'sheetData', searched)
                    if opening is None:
                        continue
                    if opening.group(2):
                        return  # <sheetData/>: an empty sheet
                    sheet = _SheetRows(tags, strings, book)
                    del buffer[: opening.end()]
                    searched = 0
                closing = buffer.find(sheet.tags.closing, searched)
                if closing >= 0:
                    yield from sheet.read(buffer[:closing])
                    return
                cut = buffer.rfind(sheet.row, searched)  # the last row may go on in the next chunk
                if cut > 0:
                    rows = sheet.read(buffer[:cut])
                    del buffer[:cut]
                    yield from rows
            raise InvalidInput('import.error.corrupt')  # the sheet stops in the middle
    except DomainError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, IndexError, OverflowError, SyntaxError) as exc:
        # a truncated or malformed sheet fails only while its rows are read (ElementTree's ParseError is a
        # SyntaxError)
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
            info = codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput('import.error.unknown_encoding', encoding=encoding) from None
        if not getattr(info, '_is_text_encoding', True):  # rot13, base64…: codecs, but not of text files
            raise InvalidInput('import.error.unknown_encoding', encoding=encoding)
        if info.name == 'utf-16' and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return 'utf-16-le'  # what Windows writes; Python's utf-16 refuses a stream without its BOM
        return 'utf-8-sig' if info.name == 'utf-8' and data.startswith(codecs.BOM_UTF8) else info.name
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
    try:
        for begin in range(0, len(data), size):
            yield decoder.decode(data[begin : begin + size])
        yield decoder.decode(b'', True)
    except UnicodeError:  # a codec that cannot read this file at all, even replacing what it cannot decode
        raise InvalidInput('import.error.unknown_encoding', encoding=codec) from None


def _looks_binary(text: str) -> bool:
    controls = sum(1 for char in text[:4096] if char < ' ' and char not in '\t\r\n\f\v')
    return '\x00' in text or controls * 100 > len(text[:4096])


def _delimiter(delimiter: str) -> str:
    delimiter = {'\\t': '\t', 'tab': '\t', 'TAB': '\t'}.get(delimiter, delimiter)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise InvalidInput('import.error.bad_delimiter')
    return delimiter


def _sniff_delimiter(head: str) -> str:
    """The candidate that splits the header and most of the first records into the same number of fields; ties
    go to `;`, the separator of Excel and Bitrix24 in Russian, then comma, then tab. A split the header does not
    share (one column of `+7 916…, 8 916…` phones) does not count."""
    lines = head.splitlines(keepends=True)
    sample = ''.join(lines[:-1] if len(lines) > 1 and len(head) >= _SNIFF_CHARS else lines)
    best, best_score = DELIMITERS[0], (0, 0)
    for candidate in DELIMITERS:
        try:
            records = islice(csv.reader(io.StringIO(sample), delimiter=candidate), _SNIFF_RECORDS)
            widths = [len(record) for record in records if any(record)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        score = (widths.count(widths[0]), widths[0])
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
    """The rows of the first <table>: the text of each <th>/<td>, entities decoded, <br> kept as a line break.
    A colspan is padded out with empty cells, so the cells are counted here, before the padding is made: a few
    bytes of `colspan=16384` would otherwise become gigabytes of padding before the pass counts a row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.done = False
        self.number = 0
        self.ready: list[tuple[int, tuple]] = []
        self.row: list | None = None
        self.cell: list[str] | None = None
        self.span = 1
        self.cells = 0

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
            # a row is no wider than a sheet can be; what a span reaches past the last column is dropped
            span = min(self.span, MAX_COLUMNS - len(self.row))
            self.cells += span
            if self.cells > MAX_CELLS:
                raise InvalidInput('import.error.too_many_cells', limit=MAX_CELLS)
            if span > 0:
                self.row.append(text or None)
                self.row.extend([None] * (span - 1))
        self.cell = None

    def _end_row(self):
        self._end_cell()
        if self.row is not None and any(self.row):
            self.ready.append((self.number, tuple(self.row)))
        self.row = None


def _html_rows(data: bytes, encoding: str) -> Iterator[tuple[int, tuple]]:
    parser = _TableParser()
    # small pieces: the rows of one piece wait in memory until it is parsed, and a span makes a short row wide
    for text in _decoded(data, encoding, size=4096):
        parser.feed(text)
        yield from parser.ready
        parser.ready.clear()
        if parser.done:
            return
    parser.close()
    parser._end_row()
    yield from parser.ready
