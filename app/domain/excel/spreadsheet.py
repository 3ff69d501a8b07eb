"""A streaming XLSX writer: one sheet, a bold frozen header, column widths, real numbers and dates.

Exports of 100,000 clients × 35 fields must finish in well under 25 s with constant memory. Measured here
(bench/bench_transfer.py): openpyxl write-only 32 s, xlsxwriter constant-memory 33 s, this writer about 5 s,
because it formats each row straight into the sheet's XML and deflates it as it goes. Every string is written
as an inline string, so a value like `=SUM(A1)` or `+7…` is text, never a formula. Reading stays with openpyxl.
"""

import math
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

_EPOCH = datetime(1899, 12, 30)
_ROWS_PER_WRITE = 500
# characters XML 1.0 forbids; a stray one from a pasted text would make the whole file unreadable
_ILLEGAL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')
_CELL_LIMIT = 32767  # Excel's longest cell text

STYLE_DATETIME = 2
STYLE_DATE = 3

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
_PACKAGE_RELS_NS = 'http://schemas.openxmlformats.org/package/2006/relationships'
_DOC_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
_OFFICE_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml'

_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd.mm.yyyy hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="dd.mm.yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)

_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE_TYPE}.styles+xml"/></Types>'
)

_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE_RELS_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)

_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE_RELS_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/></Relationships>'
)


def sheet_title(name: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of : \\ / ? * [ ], no quote at the ends."""
    title = re.sub(r'[:\\/?*\[\]]', ' ', _ILLEGAL.sub('', name))[:31].strip().strip("'").strip()
    return title or 'Sheet1'


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ''
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    if len(value) > _CELL_LIMIT:
        value = value[:_CELL_LIMIT]
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub('', value)
    if '&' in value or '<' in value or '>' in value:
        value = escape(value)
    return value


def _cell(ref: str, value) -> str:
    if value is None or value == '':
        return ''
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"><v>{value!r}</v></c>' if math.isfinite(value) else ''
    if isinstance(value, datetime):
        serial = ((value.replace(tzinfo=None) if value.tzinfo else value) - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{serial:.8f}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{(value - _EPOCH.date()).days}</v></c>'
    return _cell(ref, str(value))


class SheetWriter:
    """Write rows one at a time into an XLSX file or binary stream; use as a context manager.

    Datetimes are written as given (naive, in the reader's time zone): convert before writing."""

    def __init__(self, target: str | Path | BinaryIO, *, sheet_name: str, headers: list[str], widths: list[int]):
        self._zip = zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED, compresslevel=1)
        self._refs = [column_letter(i) for i in range(len(headers))]
        self._next_row = 1
        self._pending: list[str] = []
        self._zip.writestr('[Content_Types].xml', _CONTENT_TYPES)
        self._zip.writestr('_rels/.rels', _ROOT_RELS)
        self._zip.writestr('xl/_rels/workbook.xml.rels', _WORKBOOK_RELS)
        self._zip.writestr('xl/styles.xml', _STYLES)
        self._zip.writestr(
            'xl/workbook.xml',
            f'{_XML}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_RELS}">'
            f'<sheets><sheet name={quoteattr(sheet_title(sheet_name))} sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        # no zip64 marks: Excel calls a file with a zip64 local header on a small entry damaged
        self._sheet = self._zip.open('xl/worksheets/sheet1.xml', 'w')
        cols = ''.join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths))
        cols = f'<cols>{cols}</cols>' if cols else ''  # an empty <cols/> is invalid
        self._sheet.write(
            (
                f'{_XML}<worksheet xmlns="{_MAIN_NS}">'
                '<sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                f'</sheetView></sheetViews>{cols}<sheetData>'
            ).encode()
        )
        header_cells = ''.join(
            f'<c r="{ref}1" s="1" t="inlineStr"><is><t>{_text(h)}</t></is></c>'
            for ref, h in zip(self._refs, headers, strict=True)
        )
        self._pending.append(f'<row r="1">{header_cells}</row>')
        self._next_row = 2

    def write_row(self, values) -> None:
        number = self._next_row
        cells = ''.join(_cell(f'{ref}{number}', value) for ref, value in zip(self._refs, values, strict=False))
        self._pending.append(f'<row r="{number}">{cells}</row>')
        self._next_row += 1
        if len(self._pending) >= _ROWS_PER_WRITE:
            self._flush()

    @property
    def rows_written(self) -> int:
        return self._next_row - 2

    def _flush(self) -> None:
        self._sheet.write(''.join(self._pending).encode())
        self._pending.clear()

    def close(self) -> None:
        self._flush()
        self._sheet.write(b'</sheetData></worksheet>')
        self._sheet.close()
        self._zip.close()

    def __enter__(self) -> 'SheetWriter':
        return self

    def __exit__(self, *exc) -> None:
        self.close()
