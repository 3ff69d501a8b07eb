"""Clients from Excel: read any reasonable XLSX, preview every row with its problems, then write all good rows
in one transaction. A phone already known (in the database or earlier in the file) never makes a second
client: the row becomes a request of that client. Nothing is written until the user presses «Загрузить».

Three steps, each usable alone (UI, API and CLI share them):
  read_import_file(session, data)  -> ImportFile   columns recognised, cells parsed; no database writes
  plan_import(session, actor, file) -> ImportPlan  every row resolved against the database as it is now
  commit_import(session, actor, file) -> ImportPlan the plan made again inside the write transaction, written
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import chain, islice

from sqlalchemy import bindparam, case, func, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.i18n import LOCALES, translate

from ..account.admin_lists import clean_custom_values
from ..account.reference import first_working_stage
from ..account_time import from_local_naive
from ..attribution import TEXT_FIELDS, Attribution, check_attribution
from ..clients.clients import client_text
from ..clients.feed import comment_text, write_fields_entry
from ..clients.history import record_arrivals
from ..errors import Conflict, DomainError, InvalidInput
from ..events import ClientsChanged, RequestReceived, queue_event
from ..integrations.channel_rules import channel_for_source
from ..limits import PHONES_MAX, check_moment, check_money, check_phone_count, clean_text
from ..models import (
    Agency,
    Board,
    Channel,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    CreationMethod,
    CustomField,
    Deal,
    FeedEntry,
    FeedKind,
    Project,
    Realtor,
    Request,
    Stage,
    StageKind,
    Tag,
    TouchType,
    User,
    utcnow,
)
from ..permissions import Actor, acts_on_all_clients, can_act_on_client, can_see_clients_of, ensure_may_import
from ..phones import Phone, normalize_phone
from ..text import fold
from .export_fields import CUSTOM_PREFIX
from .mapping import (
    CUSTOM,
    MULTI_FIELDS,
    SKIP,
    VALUE_FIELDS,
    ColumnMapping,
    ValueChoice,
    looks_like_phone,
    suggest_mapping,
)
from .sources import SourceFormat, open_source
from .spreadsheet import SheetWriter

MAX_ROWS = 100_000
CHUNK = 500
Progress = Callable[[int, int], None]

TEMPLATE_COLUMNS = (
    'name',
    'phone',
    'phone2',
    'email',
    'created_at',
    'channel',
    'project',
    'responsible',
    'stage',
    'situation',
    'tags',
    'agency',
    'realtor',
    'note',
    'note2',
)
# The template's example row. People type their clients below it and load the file as it is, so the import
# knows this row by its name and phone and skips it: its client and its project were never real.
TEMPLATE_SAMPLE = {
    'name': 'Иванов Иван Иванович',
    'phone': '+7 (917) 123-45-78',
    'phone2': '89991259999',
    'email': 'ivanov@example.ru',
    'created_at': datetime(2025, 1, 15, 12, 30),
    'channel': 'Сайт',
    'project': 'ЖК Северный',
    'responsible': 'manager1',
    'stage': 'Не разобрано',
    'situation': 'Ищет двушку до 8 млн, ипотека',
    'tags': 'Ипотека, Горячий',
    'agency': '',
    'realtor': '',
    'note': 'Звонил 15.01, просил перезвонить вечером',
    'note2': '',
}
_DATE_FORMATS = ('%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y', '%d.%m.%y', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d')
_LIST_SPLIT = re.compile(r'[,;\n]')
# the cells the client's own rules check (the same as the client window's and the API's): over its limit, the
# row is an error, for the user to shorten
_CELL_RULES = {
    'name': partial(client_text, 'name'),
    'email': partial(client_text, 'email'),
    'situation': partial(client_text, 'situation'),
}


@dataclass
class Problem:
    """Something about a row: an error skips the row, a warning is only shown."""

    column: str
    key: str
    params: dict = field(default_factory=dict)
    error: bool = False

    def message(self, locale: str) -> str:
        return DomainError(self.key, **self.params).message(locale)  # translates a field named by its text key


@dataclass
class ImportRow:
    """One data row as read from the file (cells parsed, not yet matched against the database)."""

    number: int  # the spreadsheet's row number, as the user sees it
    values: dict[str, str]  # the single-valued fields' texts; 'tags' joined from every tags column
    phones: list[Phone]
    created_at: datetime | None
    custom: dict[str, object]
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)  # one per filled note column
    amount: float | None = None  # the deal amount, when a column holds one
    attribution: Attribution = field(default_factory=Attribution)  # the row's request's utm tags, visit ids...


@dataclass
class FileLayout:
    """What the mapping step shows before anything is read in full: how the file was read, where its header
    is, its columns with the first data rows under them, and the suggested mapping."""

    format: SourceFormat
    header_row: int  # the header's row number in the file (0: no header row was found)
    headers: list[str]
    samples: list[list[str]]  # the first SAMPLE_ROWS data rows, one list per row with a text per column
    mapping: ColumnMapping


@dataclass
class ImportFile:
    rows: list[ImportRow]
    format: SourceFormat
    header_row: int
    headers: list[str]
    mapping: ColumnMapping
    custom_names: dict[str, str] = field(default_factory=dict)  # custom field id → its name
    preset: str | None = None  # the name of the saved mapping this file was read with

    @property
    def columns(self) -> dict[str, str]:
        """Each field loaded → the headers (as written) of its columns."""
        found: dict[str, list[str]] = {}
        for name, header in zip(self.mapping.fields, self.headers, strict=False):
            if name != SKIP and not name.startswith(CUSTOM):
                found.setdefault(name, []).append(header or f'#{len(found) + 1}')
        return {name: ', '.join(headers) for name, headers in found.items()}

    @property
    def unknown_columns(self) -> list[str]:
        """The columns not loaded."""
        return [h for name, h in zip(self.mapping.fields, self.headers, strict=False) if name == SKIP and h]

    @property
    def custom_columns(self) -> dict[str, str]:
        return {
            name.removeprefix(CUSTOM): self.custom_names.get(name.removeprefix(CUSTOM), '')
            for name in self.mapping.fields
            if name.startswith(CUSTOM)
        }


@dataclass
class PlannedRow:
    row: ImportRow
    outcome: str  # new, attach, error
    name: str = ''
    client_id: int | None = None  # the existing client a row attaches to (also set after commit)
    client_name: str = ''  # that client's name when the actor may see it
    earlier_row: int | None = None  # the earlier row of this file whose client the row attaches to
    responsible_id: int | None = None
    channel_id: int | None = None
    project: str = ''
    agency: str = ''
    realtor: str = ''
    stage_id: int | None = None
    reason_id: int | None = None
    touch_type: str = TouchType.request
    tags: list[str] = field(default_factory=list)
    custom: dict = field(default_factory=dict)
    new_phones: list[Phone] = field(default_factory=list)  # an attaching row's numbers its client gets too
    problems: list[Problem] = field(default_factory=list)
    new_channel: str = ''  # the channel this import creates for the row (channel_id is None until then)
    fills: dict = field(default_factory=dict)  # an attaching row's fields its client gets: name, email, ... custom
    deal_amount: float | None = None  # a new client booked in the file: the amount of its deal

    @property
    def notes(self) -> list[str]:
        return self.row.notes


@dataclass
class ImportPlan:
    file: ImportFile
    rows: list[PlannedRow]
    new_projects: list[str]
    new_tags: list[str]
    new_agencies: list[str]
    new_realtors: list[str]
    new_channels: list[str] = field(default_factory=list)
    owners: dict[str, int] = field(default_factory=dict)  # each known phone of the file → its client, when planned
    committed: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def summary(self, locale: str) -> dict:
        """What the CLI's --json prints and the API returns."""
        source = self.file.format
        return {
            'committed': self.committed,
            'rows': len(self.rows),
            'new_clients': self.count('new'),
            'attached': self.count('attach'),
            'filled': sum(1 for r in self.rows if r.fills),
            'deals': sum(1 for r in self.rows if r.deal_amount),
            'errors': self.count('error'),
            'unknown_columns': self.file.unknown_columns,
            'format': {'kind': source.kind, 'encoding': source.encoding, 'delimiter': source.delimiter},
            'mapping': self.file.mapping.to_json(),
            'preset': self.file.preset,
            'created': {
                'projects': self.new_projects,
                'tags': self.new_tags,
                'agencies': self.new_agencies,
                'realtors': self.new_realtors,
                'channels': self.new_channels,
            },
            'error_list': [
                {'row': r.row.number, 'column': p.column, 'message': p.message(locale)}
                for r in self.rows
                for p in r.problems
                if p.error
            ],
        }


# reading the file


def _cell_text(value) -> str:
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime('%d.%m.%Y %H:%M:%S')
    return ' '.join(clean_text(str(value)).split()) if not isinstance(value, str) else clean_text(value).strip()


def _phone_texts(value) -> list[str]:
    """A phone cell: text in any spelling, or a number (often a float) Excel made of it; several per cell."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return [str(value)]
        return [str(int(value))]
    # amoCRM writes a leading apostrophe so that spreadsheets keep the «+»: «'+7 916 201-11-02»
    parts = (part.strip().lstrip("'").strip() for part in _LIST_SPLIT.split(str(value)))
    return [part for part in parts if part]


def _parse_date(value) -> datetime | None:
    """A wall-clock date from a date cell, a serial number or text like 01.01.2000 12:34:00; None if unreadable
    or 01.01.0001 (the "no date" of 1C and others). Any other date outside the CRM's years is refused."""
    moment = _any_date(value)
    return None if moment is None or moment.year == 1 else check_moment(moment)


def _any_date(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value < 2958466:
        return datetime(1899, 12, 30) + timedelta(days=float(value))
    text = str(value).strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _custom_fields(session) -> list[CustomField]:
    return list(session.exec(select(CustomField).order_by(CustomField.position, CustomField.id)))


_HEADER_SEARCH_ROWS = 20  # a title or a note above the header is common in files exported from other systems
SAMPLE_ROWS = 200  # the data rows the mapping step shows and suggests from


@dataclass
class _Columns:
    """Where each field's cells are in a row, as the mapping says."""

    single: dict[str, int]  # a single-valued field → its column
    many: dict[str, list[int]]  # phone, note, tags → their columns
    custom: dict[str, int]  # custom field id → its column

    @classmethod
    def of(cls, mapping: ColumnMapping) -> '_Columns':
        found = cls({}, {name: [] for name in MULTI_FIELDS}, {})
        for index, name in enumerate(mapping.fields):
            if name in MULTI_FIELDS:
                found.many[name].append(index)
            elif name.startswith(CUSTOM):
                found.custom.setdefault(name.removeprefix(CUSTOM), index)
            elif name != SKIP:
                found.single.setdefault(name, index)
        return found


def _texts(cells: tuple, width: int) -> list[str]:
    return [_cell_text(cells[i]) if i < len(cells) else '' for i in range(width)]


def _width(lines: list[tuple[int, tuple]]) -> int:
    """Columns up to the last one with a header or a value in the rows looked at."""
    return max((i + 1 for _, cells in lines for i, v in enumerate(cells) if _cell_text(v)), default=0)


def _find_header(lines: list[tuple[int, tuple]], fields: list[CustomField]) -> int | None:
    """The index in `lines` of the header: the first of the first rows whose headers name a phone column, else
    the first whose column under it holds phones (while its own cell there is a header, not a phone)."""
    candidates = lines[:_HEADER_SEARCH_ROWS]
    width = _width(lines)
    for index, (_, cells) in enumerate(candidates):
        if 'phone' in suggest_mapping(_texts(cells, width), [], fields).fields:
            return index
    for index, (_, cells) in enumerate(candidates):
        headers = _texts(cells, width)
        samples = [_texts(line, width) for _, line in lines[index + 1 : index + 1 + SAMPLE_ROWS]]
        suggested = suggest_mapping(headers, samples, fields).fields
        if any(name == 'phone' and not looks_like_phone(headers[i]) for i, name in enumerate(suggested)):
            return index
    return None


def _open(data: bytes, encoding: str | None, delimiter: str | None, file_name: str | None):
    """The source, its first rows (enough to find the header and show samples) and the rest of its rows."""
    source = open_source(data, encoding=encoding, delimiter=delimiter, file_name=file_name)
    lines = source.rows()
    head = list(islice(lines, _HEADER_SEARCH_ROWS + SAMPLE_ROWS))
    return source, head, lines


def _layout(source, head: list, fields: list[CustomField]) -> tuple[FileLayout, int | None]:
    found = _find_header(head, fields)
    index = found or 0  # without a phone column, the first row is shown as the header for the user to map
    width = _width(head[index : index + 1 + SAMPLE_ROWS])
    headers = _texts(head[index][1], width) if head else []
    samples = [_texts(cells, width) for _, cells in head[index + 1 : index + 1 + SAMPLE_ROWS]]
    layout = FileLayout(
        format=source.format,
        header_row=head[index][0] if head else 0,
        headers=headers,
        samples=samples,
        mapping=suggest_mapping(headers, samples, fields),
    )
    return layout, found


def inspect_import_file(
    session,
    *,
    actor: Actor,
    data: bytes,
    encoding: str | None = None,
    delimiter: str | None = None,
    file_name: str | None = None,
) -> FileLayout:
    """The mapping step's view of an uploaded file: its format, header, first rows and suggested mapping, from
    the first rows alone (a large file shows at once). A file where no phone column is found still shows (the
    user may point at one); one that is not a table, broken or over the limit is refused."""
    ensure_may_import(actor)
    source, head, _ = _open(data, encoding, delimiter, file_name)
    if not head:
        raise InvalidInput('import.error.no_rows')
    return _layout(source, head, _custom_fields(session))[0]


def read_import_file(
    session,
    data: bytes,
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    preset: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> ImportFile:
    """Parse an uploaded file (XLSX, CSV or an HTML table) by `mapping` (None: the suggested one, never a saved
    preset: presets.resolve_import_mapping picks those); `preset` names the saved mapping it came from, for the
    summary. The mapping's value choices travel in the file: plan_import applies `file.mapping.values`, so a
    file read once may be planned with other choices via dataclasses.replace(file, mapping=...).
    The header is found as the mapping step found it. `progress(rows read, 0)` every 1,000 rows: how many rows
    a file has is known only at its end. Refuses, with one clear message, a file that is not a table, is
    broken, too large, has no phone column or no data rows, or a mapping that does not fit it."""
    fields = _custom_fields(session)
    source, head, rest = _open(data, encoding, delimiter, file_name)
    if not head:
        raise InvalidInput('import.error.no_rows')
    layout, found = _layout(source, head, fields)
    if mapping is None:
        if found is None:
            raise InvalidInput('import.error.no_phone_column')
        mapping = layout.mapping
    index = found or 0
    mapping = _fitted(mapping, len(layout.headers), {str(f.id) for f in fields})
    columns = _Columns.of(mapping)
    by_id = {str(f.id): f for f in fields}
    rows = []
    for number, line in chain(head[index + 1 :], rest):
        if len(rows) >= MAX_ROWS:
            raise InvalidInput('import.error.too_many_rows', limit=MAX_ROWS)
        rows.append(_read_row(number, line, columns, by_id))
        if progress and len(rows) % 1000 == 0:
            progress(len(rows), 0)
    if not rows:
        raise InvalidInput('import.error.no_rows')
    return ImportFile(
        rows=rows,
        format=layout.format,
        header_row=layout.header_row,
        headers=layout.headers,
        mapping=mapping,
        custom_names={fid: by_id[fid].name for fid in columns.custom},
        preset=preset,
    )


def _fitted(mapping: ColumnMapping, width: int, custom_ids: set[str]) -> ColumnMapping:
    """The mapping checked against the file: as many fields as columns (missing ones not loaded), existing
    custom fields, a phone column."""
    if len(mapping.fields) > width:
        raise InvalidInput('import.error.bad_mapping', detail=f'fields: {len(mapping.fields)} > {width}')
    for name in mapping.fields:
        if name.startswith(CUSTOM) and name.removeprefix(CUSTOM) not in custom_ids:
            raise InvalidInput('import.error.bad_mapping', detail=name)
    if 'phone' not in mapping.fields:
        raise InvalidInput('import.error.no_phone_column')
    return replace(mapping, fields=[*mapping.fields, *[SKIP] * (width - len(mapping.fields))])


def _read_row(number: int, line: tuple, columns: _Columns, custom: dict[str, CustomField]) -> ImportRow:
    def at(index: int | None):
        return line[index] if index is not None and index < len(line) else None

    problems: list[Problem] = []
    values = {key: _cell_text(at(index)) for key, index in columns.single.items() if key != 'created_at'}
    values = {key: text for key, text in values.items() if text}
    attribution = _row_attribution({key: values.pop(key) for key in TEXT_FIELDS if key in values}, problems)
    parts = [values.pop(key, '') for key in ('last_name', 'first_name', 'middle_name')]
    if not values.get('name') and any(parts):  # «Фамилия Имя Отчество», as Russian lists write a person
        values['name'] = ' '.join(p for p in parts if p)
    tags = [t.strip() for index in columns.many['tags'] for t in _LIST_SPLIT.split(_cell_text(at(index)))]
    if any(tags):
        values['tags'] = ', '.join(dict.fromkeys(t for t in tags if t))
    for key, rule in _CELL_RULES.items():
        if values.get(key):
            try:
                values[key] = rule(values[key])
            except InvalidInput as exc:
                problems.append(Problem(key, exc.key, exc.params, error=True))
    notes = []
    for index in columns.many['note']:
        text = _cell_text(at(index))
        if text:
            try:
                notes.append(comment_text(text))
            except InvalidInput as exc:
                problems.append(Problem('note', exc.key, exc.params, error=True))
    phones: list[Phone] = []
    for index in columns.many['phone']:
        for text in _phone_texts(at(index)):
            try:
                phone = normalize_phone(text)
            except DomainError as exc:
                problems.append(Problem('phone', exc.key, exc.params))
                continue
            if phone.number not in {p.number for p in phones}:
                phones.append(phone)
    if not phones:
        if not problems:
            problems.append(Problem('phone', 'import.problem.no_phone', error=True))
        for problem in problems:
            problem.error = True
    if _is_template_sample(values, phones):
        problems = [Problem('name', 'import.problem.template_sample', error=True)]
    try:
        check_phone_count(len(phones))
    except InvalidInput as exc:
        problems.append(Problem('phone', exc.key, exc.params, error=True))
    created_at = None
    raw_date = at(columns.single.get('created_at'))
    if raw_date not in (None, ''):
        try:
            created_at = _parse_date(raw_date)
        except InvalidInput as exc:
            problems.append(Problem('created_at', exc.key, exc.params, error=True))
        else:
            if created_at is None:
                problems.append(Problem('created_at', 'import.problem.bad_date', {'value': _cell_text(raw_date)}))
    amount = None
    raw_amount = at(columns.single.get('deal_amount'))
    if raw_amount not in (None, ''):
        amount = _parse_amount(raw_amount)
        if amount is None:
            problems.append(Problem('deal_amount', 'import.problem.bad_amount', {'value': _cell_text(raw_amount)}))
    custom_values = {}
    for field_id, index in columns.custom.items():
        value = at(index)
        if value in (None, ''):
            continue
        field_ = custom[field_id]
        if field_.kind == 'date':  # the field's own rule refuses a date outside the CRM's years
            parsed = _any_date(value)
            value = parsed.date().isoformat() if parsed else value
        elif field_.kind == 'bool':
            value = fold(_cell_text(value)) in ('да', 'yes', 'true', '1', 'истина')
        elif field_.kind != 'number':
            value = _cell_text(value)
        custom_values[field_id] = value
    return ImportRow(number, values, phones, created_at, custom_values, problems, notes, amount, attribution)


def _row_attribution(marks: dict[str, str], problems: list[Problem]) -> Attribution:
    """The attribution of the row's request, bounded as the API bounds a lead's. A value over its bound is left
    out with a warning: the client and the rest of the row still load (a long referrer is no reason to lose one)."""
    while True:
        try:
            return check_attribution(marks)
        except InvalidInput as exc:
            name = exc.params['field']  # only texts come from a file: the error names the one too long
            del marks[name]
            params = {'field': f'import.field.{name}', 'limit': exc.params['limit']}
            problems.append(Problem(name, 'import.problem.attribution_too_long', params))


_AMOUNT_NOISE = re.compile(r'[\s\xa0\u202f₽$€]|руб(лей|\.)?|р\.|rub|usd|eur')


def _parse_amount(value) -> float | None:
    """A sum as CRMs export it: a number cell, or text like «1 500 000,50 ₽» or «1,500,000.50»."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _AMOUNT_NOISE.sub('', fold(str(value)))
    text = text.replace(',', '') if ',' in text and '.' in text else text.replace(',', '.')
    try:
        amount = float(text)
    except ValueError:
        return None
    return amount if math.isfinite(amount) and amount >= 0 else None


_SAMPLE_NAME = fold(TEMPLATE_SAMPLE['name'])
_SAMPLE_PHONE = normalize_phone(TEMPLATE_SAMPLE['phone']).number


def _is_template_sample(values: dict[str, str], phones: list[Phone]) -> bool:
    return fold(values.get('name', '')) == _SAMPLE_NAME and _SAMPLE_PHONE in {p.number for p in phones}


# planning against the database


class _Lookup:
    """The database's reference data by folded name and by id, plus what this import will create."""

    def __init__(self, session, actor: Actor, values: dict[str, dict[str, ValueChoice]]) -> None:
        self.session = session
        self.actor = actor
        self.values = values  # the mapping's value choices
        self.channels = list(session.exec(select(Channel).where(Channel.active).order_by(Channel.position)))
        self.channel_by_name = {fold(c.name): c for c in self.channels}
        self.channel_by_id = {c.id: c for c in self.channels}
        projects = list(session.exec(select(Project)))
        self.project_by_id = {p.id: p.name for p in projects}
        self.active_projects = [p for p in projects if p.active]
        self.projects = {fold(p.name): p.name for p in projects} | {fold(p.abbreviation): p.name for p in projects}
        self.tags = {fold(t.name): t.name for t in session.exec(select(Tag))}
        self.agencies = {fold(a.name): a.name for a in session.exec(select(Agency))}
        agency_names = {a.id: a.name for a in session.exec(select(Agency))}
        self.realtors = {(fold(agency_names[r.agency_id]), fold(r.name)): r.name for r in session.exec(select(Realtor))}
        users = list(session.exec(select(User).order_by(User.name)))
        self.user_list = [u for u in users if u.active]
        self.users = {fold(u.login): u for u in users} | {fold(u.name): u for u in users}
        self.user_by_id = {u.id: u for u in users}
        self.stage_list = list(session.exec(select(Stage).where(Stage.board == Board.clients).order_by(Stage.position)))
        self.stages = {fold(s.name): s for s in self.stage_list}
        self.stage_by_id = {s.id: s for s in self.stage_list}
        self.first_stage = next(s for s in self.stage_list if s.kind == StageKind.working)
        self.success_stage = next((s for s in self.stage_list if s.kind == StageKind.success), None)
        active = session.exec(select(ClosingReason).where(ClosingReason.active).order_by(ClosingReason.position))
        self.reason_list = list(active)
        self.reasons = {(r.stage_id, fold(r.name)): r for r in self.reason_list}
        self.reason_by_id = {r.id: r for r in self.reason_list}
        self.touch = {fold(translate(f'touch.{t}', loc)): t for t in TouchType for loc in LOCALES}
        self.new_projects: dict[str, str] = {}
        self.new_channels: dict[str, str] = {}
        self.new_tags: dict[str, str] = {}
        self.new_agencies: dict[str, str] = {}
        self.new_realtors: dict[tuple[str, str], tuple[str, str]] = {}

    def known_or_new(self, text: str, known: dict, new: dict, limit: int) -> str:
        """The existing spelling of a name, or the name as written (cut to what the list holds), remembered as
        one to create."""
        text = ' '.join(text.split())[:limit]
        folded = fold(text)
        if folded in known:
            return known[folded]
        return new.setdefault(folded, text)

    def choice(self, name: str, text: str) -> tuple[ValueChoice, bool]:
        """What a value becomes: the user's choice from the value step, else the suggestion; and whether the
        user chose it."""
        chosen = self.values.get(name, {}).get(fold(text))
        return (chosen, True) if chosen is not None else (self.suggest(name, text), False)

    def suggest(self, name: str, text: str) -> ValueChoice:
        """The value's match by name: a stage by its name, a user by full name or login, a channel by name,
        a project by name or abbreviation, a reason by its name in any closing stage. A project nobody has is
        created; an unknown channel, stage, user or reason takes the field's default."""
        folded = fold(text)
        found = None
        if name == 'stage':
            found = self.stages.get(folded) or self._stage_of_kind(CLOSING_STAGE_NAMES.get(folded))
        elif name == 'responsible':
            user = self.users.get(folded)
            found = user if user is not None and user.active else None
        elif name == 'channel':
            found = self.channel_by_name.get(folded)
        elif name == 'project':
            by_name = {fold(p.name): p for p in self.active_projects}
            by_name |= {fold(p.abbreviation): p for p in self.active_projects if fold(p.abbreviation) not in by_name}
            found = by_name.get(folded)
            if found is None:
                return ValueChoice('create')
        elif name == 'closing_reason':
            found = next((r for r in self.reason_list if fold(r.name) == folded), None)
        return ValueChoice('existing', found.id) if found is not None else ValueChoice('default')

    def channel_of_source(self, utm_source: str) -> int | None:
        """The channel the admin's rules give an utm_source, if it is one the import may use."""
        found = channel_for_source(self.session, utm_source)
        return found if found in self.channel_by_id else None

    def _stage_of_kind(self, kind: str | None) -> Stage | None:
        return next((s for s in self.stage_list if s.kind == kind), None) if kind else None

    def other_reason(self, stage: Stage) -> ClosingReason | None:
        """The reason a closing stage gets when the row names none it knows: its «Другое», else its last one."""
        own = [r for r in self.reason_list if r.stage_id == stage.id]
        return next((r for r in own if fold(r.name) == fold(OTHER_REASON)), own[-1] if own else None)


OTHER_REASON = 'Другое'  # the catch-all closing reason every closing stage of the default setup ends with
# the closing stages of other CRMs' exports, by what they mean here (amoCRM/Kommo's two fixed final statuses,
# Bitrix24's final deal stages and lead statuses)
CLOSING_STAGE_NAMES = {
    fold(name): kind
    for kind, names in (
        (StageKind.success, ('Успешно реализовано', 'Сделка успешна', 'Успешно', 'Closed - won', 'Won')),
        (
            StageKind.failure,
            ('Закрыто и не реализовано', 'Сделка провалена', 'Провалена', 'Проиграна', 'Closed - lost', 'Lost'),
        ),
        (StageKind.trash, ('Некачественный лид', 'Спам', 'Junk')),
    )
    for name in names
}


@dataclass(frozen=True)
class ValueRow:
    """One distinct value of a column, how many rows have it, and what it becomes (pre-filled)."""

    text: str
    count: int
    choice: ValueChoice


@dataclass
class ValueList:
    """A value column's distinct values and what they may become: existing rows by (id, name), whether
    «Создать» is offered, and what the default is called."""

    rows: list[ValueRow]
    options: list[tuple[int, str]]
    may_create: bool
    default_label: str


def list_import_values(
    session, *, actor: Actor, file: ImportFile, progress: Progress | None = None
) -> dict[str, ValueList]:
    """For each stage/responsible/channel/project/closing reason column the file's mapping loads: its distinct
    values (first spelling, count, most frequent first) over every row, each with the choice already made in
    the mapping or the suggested one, and the options the value step offers. Writes nothing."""
    ensure_may_import(actor)
    lookup = _Lookup(session, actor, file.mapping.values)
    mapped = [name for name in VALUE_FIELDS if name in file.mapping.fields]
    counts: dict[str, dict[str, list]] = {name: {} for name in mapped}
    total = len(file.rows)
    for done, row in enumerate(file.rows, start=1):
        for name in mapped:
            text = row.values.get(name)
            if text:
                seen = counts[name].setdefault(fold(text), [text, 0])
                seen[1] += 1
        if progress and (done % 1000 == 0 or done == total):
            progress(done, total)
    locale = actor.locale
    return {
        name: ValueList(
            rows=[
                ValueRow(text, count, lookup.choice(name, text)[0])
                for text, count in sorted(counts[name].values(), key=lambda seen: (-seen[1], fold(seen[0])))
            ],
            options=_options(name, lookup),
            may_create=name in ('channel', 'project'),
            default_label=_default_label(name, lookup, locale),
        )
        for name in mapped
    }


def _options(name: str, lookup: _Lookup) -> list[tuple[int, str]]:
    if name == 'stage':
        return [(s.id, s.name) for s in lookup.stage_list]
    if name == 'responsible':
        users = lookup.user_list if acts_on_all_clients(lookup.actor) else [lookup.user_by_id[lookup.actor.id]]
        return [(u.id, u.name) for u in users]
    if name == 'channel':
        return [(c.id, c.name) for c in lookup.channels]
    if name == 'project':
        return [(p.id, p.name) for p in sorted(lookup.active_projects, key=lambda p: fold(p.name))]
    return [
        (r.id, f'{lookup.stage_by_id[r.stage_id].name}: {r.name}')
        for stage in lookup.stage_list
        for r in lookup.reason_list
        if r.stage_id == stage.id and stage.needs_reason
    ]


def _default_label(name: str, lookup: _Lookup, locale: str) -> str:
    if name == 'stage':
        return lookup.first_stage.name
    if name == 'responsible':
        return translate('import.values.importer', locale, name=lookup.actor.name)
    if name == 'channel':
        return lookup.channels[0].name
    if name == 'project':
        return translate('import.values.no_project', locale)
    return translate('import.values.other_reason', locale, reason=OTHER_REASON)


def _existing_owners(session, numbers: list[str]) -> dict[str, Client]:
    owners = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        rows = session.exec(select(ClientPhone.number, Client).join(Client).where(ClientPhone.number.in_(chunk)))
        owners.update({number: client for number, client in rows})
    return owners


def _phone_counts(session, client_ids: list[int]) -> dict[int, int]:
    """How many numbers each of these clients has."""
    counts = {}
    for start in range(0, len(client_ids), CHUNK):
        chunk = client_ids[start : start + CHUNK]
        counts.update(
            session.exec(
                select(ClientPhone.client_id, func.count())
                .where(ClientPhone.client_id.in_(chunk))
                .group_by(ClientPhone.client_id)
            ).all()
        )
    return counts


def _within_phone_limit(plan: PlannedRow, held: int) -> int:
    """Keep only the new numbers an attaching row's client has room for; the rest are named in a warning (the
    request still attaches). Returns how many numbers the client will have."""
    room = max(0, PHONES_MAX - held)
    if len(plan.new_phones) > room:
        left_out = ', '.join(p.number for p in plan.new_phones[room:])
        plan.problems.append(
            Problem('phone', 'import.problem.phones_not_added', {'phones': left_out, 'limit': PHONES_MAX})
        )
        plan.new_phones = plan.new_phones[:room]
    return held + len(plan.new_phones)


def plan_import(session, *, actor: Actor, file: ImportFile) -> ImportPlan:
    """Resolve every row against the database as it is now: which become clients, which attach, which fail.
    Writes nothing: the preview runs it in a read session, outside any write transaction."""
    ensure_may_import(actor)
    lookup = _Lookup(session, actor, file.mapping.values)
    owners = _existing_owners(session, sorted({p.number for r in file.rows for p in r.phones}))
    claimed: dict[str, PlannedRow] = {}  # phone → the earlier row of this file that has it
    # numbers per client the rows go to: a known client by its id, a new one by the row that makes it
    phone_counts: dict[tuple[str, int], int] = {
        ('client', client_id): count
        for client_id, count in _phone_counts(session, sorted({c.id for c in owners.values()})).items()
    }
    holders: dict[int, tuple[str, int]] = {}  # row number → the key of its client in phone_counts
    planned = []
    for row in file.rows:
        plan = _plan_row(row, actor, lookup)
        planned.append(plan)
        if plan.outcome == 'error':
            continue
        known = next((owners[p.number] for p in row.phones if p.number in owners), None)
        earlier = next((claimed[p.number] for p in row.phones if p.number in claimed), None)
        plan.custom = _checked_custom(session, plan)
        if known is not None:
            plan.outcome, plan.client_id = 'attach', known.id
            plan.client_name = known.name if can_see_clients_of(actor, known.responsible_id) else ''
            holder = ('client', known.id)
            if file.mapping.known_phone == 'fill_empty':
                _fill_from_row(plan, known, actor, file.mapping.overwrite)
        elif earlier is not None:
            plan.outcome, plan.earlier_row = 'attach', earlier.row.number
            plan.client_name = earlier.name
            holder = holders[earlier.row.number]
        else:
            holder = ('row', row.number)
            phone_counts[holder] = len(row.phones)
            if file.mapping.deals_from_amount:
                _deal_from_amount(plan, lookup)
        holders[row.number] = holder
        if plan.outcome == 'attach':  # its other numbers join the client it attaches to, if nobody has them
            _keep_clients_stage(plan)
            plan.new_phones = [p for p in row.phones if p.number not in owners and p.number not in claimed]
            phone_counts[holder] = _within_phone_limit(plan, phone_counts.get(holder, 0))
        for phone in row.phones:
            claimed.setdefault(phone.number, plan)
    return ImportPlan(
        file=file,
        rows=planned,
        new_projects=sorted(lookup.new_projects.values()),
        new_tags=sorted(lookup.new_tags.values()),
        new_agencies=sorted(lookup.new_agencies.values()),
        new_realtors=sorted(f'{name} ({agency})' for agency, name in lookup.new_realtors.values()),
        new_channels=sorted(lookup.new_channels.values()),
        owners={number: client.id for number, client in owners.items()},
    )


def _plan_row(row: ImportRow, actor: Actor, lookup: _Lookup) -> PlannedRow:
    values = row.values
    plan = PlannedRow(row=row, outcome='new', problems=list(row.problems))
    if any(p.error for p in row.problems):
        plan.outcome = 'error'
        return plan
    plan.name = ' '.join(values.get('name', '').split()) or row.phones[0].number
    if not values.get('name'):
        plan.problems.append(Problem('name', 'import.problem.no_name'))
    _channel(plan, values.get('channel', ''), lookup)
    plan.responsible_id = _responsible(values.get('responsible', ''), actor, lookup, plan.problems)
    _project(plan, values.get('project', ''), lookup)
    plan.tags = list(
        dict.fromkeys(
            lookup.known_or_new(t, lookup.tags, lookup.new_tags, 100)
            for t in _LIST_SPLIT.split(values.get('tags', ''))
            if t.strip()
        )
    )
    if values.get('agency'):
        plan.agency = lookup.known_or_new(values['agency'], lookup.agencies, lookup.new_agencies, 200)
    if values.get('realtor'):
        if plan.agency:
            name = ' '.join(values['realtor'].split())[:200]
            key = (fold(plan.agency), fold(name))
            plan.realtor = lookup.realtors.get(key) or lookup.new_realtors.setdefault(key, (plan.agency, name))[1]
        else:
            plan.problems.append(
                Problem('realtor', 'import.problem.realtor_without_agency', {'value': values['realtor']})
            )
    _stage(plan, values, lookup)
    touch = values.get('touch_type')
    plan.touch_type = lookup.touch.get(fold(touch or ''), TouchType.request)
    return plan


def _channel(plan: PlannedRow, text: str, lookup: _Lookup) -> None:
    plan.channel_id = lookup.channels[0].id
    if not text:
        # as for a lead from the API: a row naming no channel gets the one its utm_source's rule gives
        plan.channel_id = lookup.channel_of_source(plan.row.attribution.utm_source) or plan.channel_id
        return
    choice, chosen = lookup.choice('channel', text)
    if choice.kind == 'create':
        plan.channel_id, plan.new_channel = None, lookup.known_or_new(text, {}, lookup.new_channels, 100)
    elif choice.kind == 'existing' and choice.id in lookup.channel_by_id:
        plan.channel_id = choice.id
    elif not chosen or choice.kind == 'existing':
        used = lookup.channels[0].name
        plan.problems.append(Problem('channel', 'import.problem.unknown_channel', {'value': text, 'used': used}))


def _project(plan: PlannedRow, text: str, lookup: _Lookup) -> None:
    if not text:
        return
    choice, _ = lookup.choice('project', text)
    if choice.kind == 'existing' and choice.id in lookup.project_by_id:
        plan.project = lookup.project_by_id[choice.id]
    elif choice.kind == 'create':
        plan.project = lookup.known_or_new(text, lookup.projects, lookup.new_projects, 200)
    elif choice.kind == 'existing':
        plan.problems.append(Problem('project', 'import.problem.unknown_project', {'value': text}))


def _fill_from_row(plan: PlannedRow, client: Client, actor: Actor, overwrite: bool) -> None:
    """What a row tells about a client already known, for their empty fields (all of them with `overwrite`):
    the name (kept unless empty or just a phone), email, situation, project, agency and realtor, custom values.
    Only for a client the importer may act on; another manager's client only gets the request."""
    if not can_act_on_client(actor, client):
        plan.problems.append(Problem('phone', 'import.problem.fill_not_allowed'))
        return
    values = plan.row.values

    def wanted(current) -> bool:
        return overwrite or current in (None, '')

    fills = {}
    if values.get('name') and (wanted(client.name) or looks_like_phone(client.name)) and values['name'] != client.name:
        fills['name'] = values['name']
    for key in ('email', 'situation'):
        if values.get(key) and wanted(getattr(client, key)) and values[key] != getattr(client, key):
            fills[key] = values[key]
    if plan.project and wanted(client.project_id):
        fills['project'] = plan.project
    if plan.agency and wanted(client.agency_id):
        fills['agency'], fills['realtor'] = plan.agency, plan.realtor
    custom = {
        k: v
        for k, v in plan.custom.items()
        if wanted((client.custom or {}).get(k)) and v != (client.custom or {}).get(k)
    }
    if custom:
        fills['custom'] = custom
    plan.fills = fills


def _deal_from_amount(plan: PlannedRow, lookup: _Lookup) -> None:
    """A new client the file puts in the booked stage with an amount: the booking's deal comes with them."""
    amount = plan.row.amount
    if lookup.success_stage is None or plan.stage_id != lookup.success_stage.id or not amount:
        return
    try:
        plan.deal_amount = check_money(amount, 'deals.amount')
    except InvalidInput as exc:
        plan.problems.append(Problem('deal_amount', exc.key, exc.params))


def _keep_clients_stage(plan: PlannedRow) -> None:
    """A row attaching to a client never moves them (closing them would also have to complete their tasks):
    the preview shows no stage for it, and a stage the row names is a warning."""
    plan.stage_id = plan.reason_id = None
    plan.deal_amount = None
    plan.problems = [p for p in plan.problems if p.column != 'stage']
    if plan.row.values.get('stage'):
        plan.problems.append(Problem('stage', 'import.problem.stage_kept', {'value': plan.row.values['stage']}))


def _responsible(text: str, actor: Actor, lookup: _Lookup, problems: list[Problem]) -> int:
    if not text:
        return actor.id
    choice, chosen = lookup.choice('responsible', text)
    user = lookup.user_by_id.get(choice.id) if choice.kind == 'existing' else None
    if user is None or not user.active:
        if not chosen or choice.kind == 'existing':
            problems.append(
                Problem('responsible', 'import.problem.unknown_responsible', {'value': text, 'used': actor.name})
            )
        return actor.id
    if user.id != actor.id and not acts_on_all_clients(actor):
        problems.append(Problem('responsible', 'import.problem.only_self', {'value': text}))
        return actor.id
    return user.id


def _stage(plan: PlannedRow, values: dict, lookup: _Lookup) -> None:
    plan.stage_id = lookup.first_stage.id
    text = values.get('stage')
    if not text:
        return
    choice, chosen = lookup.choice('stage', text)
    stage = lookup.stage_by_id.get(choice.id) if choice.kind == 'existing' else None
    if stage is None:
        if not chosen or choice.kind == 'existing':
            used = lookup.first_stage.name
            plan.problems.append(Problem('stage', 'import.problem.unknown_stage', {'value': text, 'used': used}))
        return
    if stage.needs_reason:
        reason = _reason(stage, values.get('closing_reason', ''), lookup)
        if reason is None:
            other = lookup.other_reason(stage)
            if other is None:  # a closing stage whose reasons were all switched off: it cannot be entered
                used = lookup.first_stage.name
                plan.problems.append(
                    Problem('stage', 'import.problem.stage_needs_reason', {'value': text, 'used': used})
                )
                return
            reason = other
            plan.problems.append(
                Problem('closing_reason', 'import.problem.reason_other', {'stage': stage.name, 'used': other.name})
            )
        plan.reason_id = reason.id
    plan.stage_id = stage.id


def _reason(stage: Stage, text: str, lookup: _Lookup) -> ClosingReason | None:
    """The row's reason in this stage: the one chosen (or suggested) for its text, or, when that belongs to
    another stage, this stage's reason of the same name."""
    if not text:
        return None
    choice, _ = lookup.choice('closing_reason', text)
    reason = lookup.reason_by_id.get(choice.id) if choice.kind == 'existing' else None
    if reason is not None and reason.stage_id != stage.id:
        reason = lookup.reasons.get((stage.id, fold(reason.name)))
    return reason or lookup.reasons.get((stage.id, fold(text)))


# writing


def _created_references(session, plan: ImportPlan) -> tuple[dict, dict, dict, dict]:
    """Projects, tags, agencies and realtors by name, creating the ones the plan named new (unless someone made
    them since the plan); the rows going to a new channel get its id."""
    have = {p.name for p in session.exec(select(Project))}
    for name in plan.new_projects:
        if name not in have:
            session.add(Project(name=name, abbreviation=_abbreviation(name)))
    have = {t.name for t in session.exec(select(Tag))}
    session.add_all(Tag(name=name) for name in plan.new_tags if name not in have)
    have = {a.name for a in session.exec(select(Agency))}
    session.add_all(Agency(name=name) for name in plan.new_agencies if name not in have)
    channels = {fold(c.name): c for c in session.exec(select(Channel).where(Channel.active))}
    last = session.exec(select(func.max(Channel.position))).one() or 0
    for position, name in enumerate(plan.new_channels, start=last + 1):
        if fold(name) not in channels:
            channels[fold(name)] = Channel(name=name, position=position)
            session.add(channels[fold(name)])
    session.flush()
    for row in plan.rows:
        if row.new_channel:
            row.channel_id = channels[fold(row.new_channel)].id
    projects = {p.name: p.id for p in session.exec(select(Project))}
    tags = {t.name: t.id for t in session.exec(select(Tag))}
    agencies = {a.name: a.id for a in session.exec(select(Agency))}
    realtors = {(r.agency_id, r.name): r.id for r in session.exec(select(Realtor))}
    for row in plan.rows:
        if row.realtor and (agencies[row.agency], row.realtor) not in realtors:
            realtor = Realtor(agency_id=agencies[row.agency], name=row.realtor)
            session.add(realtor)
            session.flush()
            realtors[(realtor.agency_id, realtor.name)] = realtor.id
    return projects, tags, agencies, realtors


def _abbreviation(name: str) -> str:
    words = [w for w in re.split(r'\W+', name) if w]
    letters = ''.join(w[0] for w in words).upper() if len(words) > 1 else name[:4].upper()
    return letters[:16] or '—'


def commit_import(
    session,
    *,
    actor: Actor,
    file: ImportFile,
    progress: Progress | None = None,
    plan: ImportPlan | None = None,
) -> ImportPlan:
    """Write every good row, inside the write transaction. Given the `plan` the preview made (outside it),
    only the file's phones are looked up again: when none has changed hands since, that plan is written
    as it is, which keeps the transaction short; otherwise the rows are planned again first. All or
    nothing: an error or a killed process leaves the database as it was."""
    ensure_may_import(actor)
    if plan is None or plan.file is not file or plan.committed or not _owners_unchanged(session, plan):
        plan = plan_import(session, actor=actor, file=file)
    good = [r for r in plan.rows if r.outcome != 'error']
    try:
        projects, tags, agencies, realtors = _created_references(session, plan)
        now = utcnow()
        client_ids: dict[int, int] = {}  # row number → client id
        done = 0
        for start in range(0, len(good), CHUNK):
            chunk = good[start : start + CHUNK]
            new = [r for r in chunk if r.outcome == 'new']
            _write_new(session, actor, new, now, client_ids, projects, agencies, realtors, tags)
            _write_deals(session, actor, [r for r in new if r.deal_amount], projects, now)
            _write_requests(session, actor, chunk, now, client_ids, projects)
            _write_fills(session, actor, [r for r in chunk if r.fills], projects, agencies, realtors)
            done += len(chunk)
            if progress:
                progress(done, len(good))
    except IntegrityError:
        # a phone taken by someone else after the plan was made (PostgreSQL allows concurrent writers), or a
        # stage, user or channel the plan named removed meanwhile
        raise Conflict('import.error.phone_taken_meanwhile') from None
    if good:
        # viewers reload once; the outbox sends client.created for the new clients only (an attaching row's
        # client is not new: its request.created says what happened)
        created = tuple(r.client_id for r in good if r.outcome == 'new')
        queue_event(session, ClientsChanged(actor_id=actor.id, what='imported', count=len(good), client_ids=created))
    plan.committed = True
    return plan


def _owners_unchanged(session, plan: ImportPlan) -> bool:
    numbers = sorted({p.number for r in plan.file.rows for p in r.phones})
    return {number: client.id for number, client in _existing_owners(session, numbers).items()} == plan.owners


def _write_deals(session, actor: Actor, rows: list[PlannedRow], projects: dict, now: datetime) -> None:
    """The deals of clients the file books: on the deals board's first stage, arrived there when the client
    was created, with the booking's entry in the client's feed."""
    if not rows:
        return
    stage_id = first_working_stage(session, Board.deals).id
    abbreviations = dict(session.exec(select(Project.id, Project.abbreviation)).all())
    connection = session.connection()
    records = []
    for r in rows:
        when = from_local_naive(r.row.created_at) if r.row.created_at else now
        records.append(
            {
                'client_id': r.client_id,
                'project_id': projects.get(r.project),
                'unit': '',
                'amount': r.deal_amount,
                'stage_id': stage_id,
                'responsible_id': r.responsible_id,
                'creator_id': actor.id,
                'created_at': when,
                'stage_changed_at': when,
                'version': 1,
            }
        )
    table = Deal.__table__
    ids = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), records).scalars().all()
    feed = []
    for record, deal_id in zip(records, ids, strict=True):
        params = {
            'object': abbreviations.get(record['project_id']) or '—',
            'amount': f'{record["amount"]:,.0f}'.replace(',', ' '),
        }
        entry = _feed(
            record['client_id'],
            FeedKind.deal_created,
            actor.id,
            record['created_at'],
            translate('feed.deal_created', 'ru', **params),
            {'key': 'feed.deal_created', 'params': params},
        )
        feed.append(entry | {'deal_id': deal_id})
    connection.execute(insert(FeedEntry.__table__), feed)
    record_arrivals(
        session,
        [
            {
                'client_id': record['client_id'],
                'client_created_at': record['created_at'],
                'deal_id': deal_id,
                'to_stage_id': stage_id,
                'at': record['created_at'],
            }
            for record, deal_id in zip(records, ids, strict=True)
        ],
        board=Board.deals,
        actor_id=actor.id,
        first=True,
    )


def _write_fills(session, actor: Actor, rows: list[PlannedRow], projects, agencies, realtors) -> None:
    """Known clients' fields from their rows, each change in the client's feed as an edit is."""
    if not rows:
        return
    known = {c.id: c for c in session.exec(select(Client).where(Client.id.in_([r.client_id for r in rows])))}
    names = {
        'project_id': {v: k for k, v in projects.items()},
        'agency_id': {v: k for k, v in agencies.items()},
        'realtor_id': {v: k[1] for k, v in realtors.items()},
    }
    for r in rows:
        client, fills = known[r.client_id], r.fills
        agency_id = agencies.get(fills.get('agency'))
        wanted = {
            'name': fills.get('name'),
            'email': fills.get('email'),
            'situation': fills.get('situation'),
            'project_id': projects.get(fills.get('project')),
            'agency_id': agency_id,
            'realtor_id': realtors.get((agency_id, fills.get('realtor'))) if agency_id else None,
        }
        changes = []
        for key, value in wanted.items():
            if value in (None, '') or value == getattr(client, key):
                continue
            old, new = getattr(client, key), value
            if key in names:
                old, new = names[key].get(old, ''), names[key].get(new, '')
            changes.append({'field': key, 'old': old or '—', 'new': new or '—'})
            setattr(client, key, value)
        if fills.get('custom'):
            client.custom = (client.custom or {}) | fills['custom']
            changes.append({'field': 'custom', 'old': '—', 'new': ', '.join(map(str, fills['custom'].values()))})
        if changes:
            client.name_folded = fold(client.name)
            client.version += 1
            write_fields_entry(session, client, actor, changes)
    session.flush()


def _write_new(session, actor, rows, now, client_ids, projects, agencies, realtors, tags) -> None:
    if not rows:
        return
    records = []
    for r in rows:
        when = from_local_naive(r.row.created_at) if r.row.created_at else now
        agency_id = agencies.get(r.agency)
        records.append(
            {
                'name': r.name,
                'name_folded': fold(r.name),
                'email': r.row.values.get('email', ''),
                'situation': r.row.values.get('situation', ''),
                'project_id': projects.get(r.project),
                'channel_id': r.channel_id,
                'agency_id': agency_id,
                'realtor_id': realtors.get((agency_id, r.realtor)),
                'responsible_id': r.responsible_id,
                'creator_id': actor.id,
                'creation_method': CreationMethod.import_,
                'touch_type': r.touch_type,
                'created_at': when,
                'stage_id': r.stage_id,
                'closing_reason_id': r.reason_id,
                'stage_changed_at': when,
                'last_activity_at': when,
                'last_comment_at': when if r.notes else None,
                'custom': r.custom,
                'version': 1,
            }
        )
    # Core statements on the tables: the ORM's bulk path cost more than the rows themselves
    connection = session.connection()
    table = Client.__table__
    ids = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), records).scalars().all()
    phones, feed, links = [], [], []
    created_text = translate('feed.imported', 'ru')
    for r, client_id, record in zip(rows, ids, records, strict=True):
        client_ids[r.row.number] = client_id
        r.client_id = client_id
        when = record['created_at']
        phones += [
            {'client_id': client_id, 'number': p.number, 'extension': p.extension, 'position': i}
            for i, p in enumerate(r.row.phones)
        ]
        feed.append(
            _feed(client_id, FeedKind.created, actor.id, when, created_text, {'key': 'feed.imported', 'params': {}})
        )
        feed += [_feed(client_id, FeedKind.comment, actor.id, when, note, {}) for note in r.notes]
        links += [{'client_id': client_id, 'tag_id': tags[name]} for name in r.tags]
    connection.execute(insert(ClientPhone.__table__), phones)
    connection.execute(insert(FeedEntry.__table__), feed)
    record_arrivals(
        session,
        [
            {
                'client_id': client_id,
                'client_created_at': record['created_at'],
                'to_stage_id': r.stage_id,
                'reason_id': r.reason_id,
                'at': record['created_at'],
            }
            for r, client_id, record in zip(rows, ids, records, strict=True)
        ],
        actor_id=actor.id,
        first=True,
    )
    if links:
        connection.execute(insert(ClientTag.__table__), links)


def _checked_custom(session, row: PlannedRow) -> dict:
    """Custom values as their fields hold them; one a field cannot hold is left out and reported in the preview."""
    kept = {}
    for key, value in row.row.custom.items():
        try:
            kept.update(clean_custom_values(session, {key: value}))
        except InvalidInput as exc:
            row.problems.append(Problem(f'{CUSTOM_PREFIX}{key}', exc.key, exc.params))
    return kept


def _feed(client_id: int, kind: str, author_id: int, when: datetime, text: str, data: dict) -> dict:
    return {
        'client_id': client_id,
        'kind': kind,
        'author_id': author_id,
        'created_at': when,
        'text': text,
        'data': data,
    }


def _write_requests(session, actor, rows, now, client_ids, projects) -> None:
    """Every good row is a request (lead reports count them); an attaching row also touches its client."""
    requests, feed, touched, commented, phones = [], [], set(), {}, []
    channels = dict(session.exec(select(Channel.id, Channel.name)).all())
    for r in rows:
        if r.earlier_row is not None:
            r.client_id = client_ids[r.earlier_row]
        client_ids.setdefault(r.row.number, r.client_id)
        client_id = r.client_id
        when = from_local_naive(r.row.created_at) if r.row.created_at else now
        requests.append(
            {
                'client_id': client_id,
                'channel_id': r.channel_id,
                'project_id': projects.get(r.project),
                'touch_type': r.touch_type,
                'source': CreationMethod.import_,
                'name': r.row.values.get('name', ''),
                'phone': ', '.join(p.number for p in r.row.phones)[:64],
                'comment': '\n'.join(r.notes),
                'created_at': when,
                'created_by_id': actor.id,
                'is_first': r.outcome == 'new',
                **r.row.attribution.model_dump(),
            }
        )
        if r.outcome == 'attach':
            phones += [
                # after the client's own numbers
                {'client_id': client_id, 'number': p.number, 'extension': p.extension, 'position': 100 + i}
                for i, p in enumerate(r.new_phones)
            ]
            channel = channels[r.channel_id]
            feed.append(
                _feed(
                    client_id,
                    FeedKind.request,
                    actor.id,
                    now,
                    translate('feed.request', 'ru', channel=channel),
                    {'key': 'feed.request', 'params': {'channel': channel}},
                )
            )
            feed += [_feed(client_id, FeedKind.comment, actor.id, when, note, {}) for note in r.notes]
            touched.add(client_id)
            if r.notes:
                commented[client_id] = max(when, commented.get(client_id, when))
    table = Request.__table__
    ids = session.connection().execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), requests)
    for request, request_id in zip(requests, ids.scalars().all(), strict=True):
        event = RequestReceived(client_id=request['client_id'], request_id=request_id, actor_id=actor.id)
        queue_event(session, event)  # not on the bus: for the outbox's request.created only
    if phones:
        session.connection().execute(insert(ClientPhone.__table__), phones)
    if feed:
        session.connection().execute(insert(FeedEntry.__table__), feed)
    if touched:
        session.connection().execute(
            update(Client.__table__)
            .where(Client.__table__.c.id == bindparam('cid'))
            .values(version=Client.__table__.c.version + 1, last_activity_at=now),
            [{'cid': cid} for cid in touched],
        )
    table = Client.__table__
    for client_id, when in commented.items():
        latest = case(
            (or_(table.c.last_comment_at.is_(None), table.c.last_comment_at < when), when),
            else_=table.c.last_comment_at,
        )
        session.connection().execute(update(table).where(table.c.id == client_id).values(last_comment_at=latest))


# files for the user


def write_template(target, locale: str) -> None:
    """The template: the header row the import reads, and the example row (which the import skips)."""
    headers = [_template_header(k, locale) for k in TEMPLATE_COLUMNS]
    with SheetWriter(target, sheet_name='Клиенты', headers=headers, widths=[22] * len(headers)) as sheet:
        sheet.write_row([TEMPLATE_SAMPLE[k] for k in TEMPLATE_COLUMNS])


def _template_header(key: str, locale: str) -> str:
    label = translate(f'import.column.{key}', locale)
    return label if label != f'import.column.{key}' else translate(f'export.field.{key}', locale)


def write_report(target, plan: ImportPlan, locale: str) -> None:
    """Every row with its outcome and messages, for the user to fix and load the rest again."""
    headers = [
        translate(k, locale)
        for k in (
            'import.report.row',
            'export.field.name',
            'export.field.phones',
            'import.report.outcome',
            'import.report.messages',
        )
    ]
    with SheetWriter(
        target, sheet_name=translate('import.report.sheet', locale), headers=headers, widths=[8, 30, 30, 22, 80]
    ) as sheet:
        for r in plan.rows:
            sheet.write_row(
                [
                    r.row.number,
                    r.name or r.row.values.get('name', ''),
                    ', '.join(p.number for p in r.row.phones),
                    outcome_text(r, locale),
                    '; '.join(p.message(locale) for p in r.problems),
                ]
            )


def outcome_text(row: PlannedRow, locale: str) -> str:
    if row.outcome == 'attach':
        if row.earlier_row is not None:
            return translate('import.outcome.attach_row', locale, row=row.earlier_row)
        return translate(
            'import.outcome.attach', locale, client=row.client_name or translate('import.hidden_client', locale)
        )
    return translate(f'import.outcome.{row.outcome}', locale)


def preview_import(
    session,
    *,
    actor: Actor,
    data: bytes,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    file_name: str | None = None,
) -> ImportPlan:
    """Read and plan an uploaded file; the permission is checked before the file is even opened."""
    ensure_may_import(actor)
    file = read_import_file(session, data, mapping=mapping, encoding=encoding, delimiter=delimiter, file_name=file_name)
    return plan_import(session, actor=actor, file=file)
