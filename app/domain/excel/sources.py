"""The rows of an uploaded table file, whatever made it: the first sheet of an XLSX, read as a stream.

`open_source(data)` recognises the file by its content (never by its name) and returns a `Source` whose
`rows()` yields `(row_number, cells)` for every non-empty row, the number as the user sees it in the file.
Each call of `rows()` is a fresh pass, so the mapping step can read the first rows and the import all of them.
Cells are typed as the file holds them: str, int, float, bool, datetime, or None.
"""

import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import load_workbook

from ..errors import DomainError, InvalidInput

MEBIBYTE = 1024 * 1024
MAX_BYTES = int(os.environ.get('VORONKA_IMPORT_MAX_MB', '20')) * MEBIBYTE


@dataclass(frozen=True)
class SourceFormat:
    """What the file was read as: kind 'xlsx', 'csv' or 'html'; a text file's encoding and delimiter."""

    kind: str
    encoding: str = ''
    delimiter: str = ''


class Source:
    """A recognised file; `rows()` reads it (again) from the start."""

    def __init__(self, data: bytes, format: SourceFormat) -> None:
        self.data = data
        self.format = format

    def rows(self) -> Iterator[tuple[int, tuple]]:
        try:
            workbook = load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds on a broken file; all mean the same to the user
            raise InvalidInput('import.error.corrupt') from exc
        try:
            for number, line in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(v is not None and str(v).strip() for v in line):
                    yield number, line
        except DomainError:
            raise
        except Exception as exc:  # a truncated or malformed sheet fails only while its rows are read
            raise InvalidInput('import.error.corrupt') from exc
        finally:
            workbook.close()


def open_source(data: bytes, *, encoding: str | None = None, delimiter: str | None = None) -> Source:
    """Recognise the file. Refuses, with one clear message, a file over the limit, empty, or not a table."""
    if len(data) > MAX_BYTES:
        raise InvalidInput('import.error.too_large', limit=MAX_BYTES // MEBIBYTE)
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput('import.error.not_xlsx')
    return Source(data, SourceFormat('xlsx'))
