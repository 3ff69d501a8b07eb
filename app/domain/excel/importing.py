"""Clients from Excel: read any reasonable XLSX, preview every row with its problems, then write all good rows
in one transaction. A phone already known (in the database or earlier in the file) never makes a second
client: the row becomes a request of that client. Nothing is written until the user presses «Загрузить».

Three steps, each usable alone (UI, API and CLI share them):
  read_import_file(session, data)  -> ImportFile   columns recognised, cells parsed; no database writes
  plan_import(session, actor, file) -> ImportPlan  every row resolved against the database as it is now
  commit_import(session, actor, file) -> ImportPlan the plan made again inside the write transaction, written
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import bindparam, case, func, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.i18n import LOCALES, translate

from ..account.admin_lists import clean_custom_values
from ..account_time import from_local_naive
from ..clients.clients import client_text
from ..clients.feed import comment_text
from ..clients.history import record_arrivals
from ..errors import Conflict, DomainError, InvalidInput
from ..events import ClientsChanged, queue_event
from ..limits import PHONES_MAX, check_moment, check_phone_count, clean_text
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
from ..permissions import Actor, acts_on_all_clients, can_see_clients_of, ensure_may_import
from ..phones import Phone, normalize_phone
from ..text import fold
from .export_fields import CUSTOM_PREFIX
from .mapping import HEADERS as _HEADERS
from .mapping import header_key as _header_key
from .sources import open_source
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
    'note': comment_text,
    'note2': comment_text,
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
    values: dict[str, str]
    phones: list[Phone]
    created_at: datetime | None
    custom: dict[str, object]
    problems: list[Problem]


@dataclass
class ImportFile:
    rows: list[ImportRow]
    columns: dict[str, str]  # key → the header as written in the file
    unknown_columns: list[str]
    custom_columns: dict[str, str]  # custom field id → header


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

    @property
    def notes(self) -> list[str]:
        return [text for text in (self.row.values.get('note'), self.row.values.get('note2')) if text]


@dataclass
class ImportPlan:
    file: ImportFile
    rows: list[PlannedRow]
    new_projects: list[str]
    new_tags: list[str]
    new_agencies: list[str]
    new_realtors: list[str]
    committed: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def summary(self, locale: str) -> dict:
        """What the CLI's --json prints and the API returns."""
        return {
            'committed': self.committed,
            'rows': len(self.rows),
            'new_clients': self.count('new'),
            'attached': self.count('attach'),
            'errors': self.count('error'),
            'unknown_columns': self.file.unknown_columns,
            'created': {
                'projects': self.new_projects,
                'tags': self.new_tags,
                'agencies': self.new_agencies,
                'realtors': self.new_realtors,
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
    return [part.strip() for part in _LIST_SPLIT.split(str(value)) if part.strip()]


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


_PHONE_KEYS = ('phone', 'phone2', 'phones')
_PHONE_PREFIXES = ('телефон', 'тел', 'phone', 'мобильн', 'mobile')
_HEADER_SEARCH_ROWS = 20  # a title or a note above the header is common in files exported from other systems


@dataclass
class _Columns:
    keys: dict[str, int]  # column key → index
    written: dict[str, str]  # column key → the header as written
    custom: dict[str, int]  # custom field id → index
    extra_phones: list[int]  # further phone columns («Телефон 3», a second «Телефон», «Рабочий телефон»)
    unknown: list[str]

    @property
    def has_phone(self) -> bool:
        return bool(set(_PHONE_KEYS) & set(self.keys) or self.extra_phones)


def _map_columns(header: tuple, custom: dict[str, CustomField]) -> _Columns:
    found = _Columns({}, {}, {}, [], [])
    for index, cell in enumerate(header):
        text = _cell_text(cell)
        if not text:
            continue
        folded = _header_key(text)
        key = _HEADERS.get(folded)
        field_ = custom.get(folded)
        if key and key not in found.keys:
            found.keys[key], found.written[key] = index, text
        elif field_ is not None and str(field_.id) not in found.custom:
            found.custom[str(field_.id)] = index
        elif key in _PHONE_KEYS or any(prefix in folded for prefix in _PHONE_PREFIXES):
            found.extra_phones.append(index)
            found.written[f'phone@{index}'] = text
        else:
            found.unknown.append(text)
    return found


def _find_header(lines, custom: dict[str, CustomField]) -> _Columns:
    """The header is the first row, among the first few non-empty ones, that names a phone column."""
    seen = 0
    for _, line in lines:
        if not any(_cell_text(v) for v in line):
            continue
        columns = _map_columns(line, custom)
        if columns.has_phone:
            return columns
        seen += 1
        if seen >= _HEADER_SEARCH_ROWS:
            break
    raise InvalidInput('import.error.no_phone_column' if seen else 'import.error.no_rows')


def read_import_file(session, data: bytes) -> ImportFile:
    """Parse an uploaded XLSX: the first sheet; the header is the first row naming a phone column. Refuses, with
    one clear message, a file that is not an XLSX, is broken, too large, has no phone column or no data rows."""
    source = open_source(data)
    custom = {_header_key(f.name): f for f in _custom_fields(session)}
    lines = source.rows()
    columns = _find_header(lines, custom)
    rows = []
    for number, line in lines:
        if not any(_cell_text(v) for v in line):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput('import.error.too_many_rows', limit=MAX_ROWS)
        rows.append(_read_row(number, line, columns, custom))
    if not rows:
        raise InvalidInput('import.error.no_rows')
    by_id = {str(f.id): f.name for f in custom.values()}
    return ImportFile(
        rows=rows,
        columns=columns.written,
        unknown_columns=columns.unknown,
        custom_columns={fid: by_id[fid] for fid in columns.custom},
    )


def _read_row(number: int, line: tuple, columns: _Columns, custom: dict) -> ImportRow:
    def at(index: int | None):
        return line[index] if index is not None and index < len(line) else None

    def cell(key: str):
        return at(columns.keys.get(key))

    problems: list[Problem] = []
    values = {key: _cell_text(cell(key)) for key in columns.keys if key not in _PHONE_KEYS}
    for key, rule in _CELL_RULES.items():
        if values.get(key):
            try:
                values[key] = rule(values[key])
            except InvalidInput as exc:
                problems.append(Problem(key, exc.key, exc.params, error=True))
    phones: list[Phone] = []
    sources = [(key, cell(key)) for key in _PHONE_KEYS] + [('phone', at(index)) for index in columns.extra_phones]
    for key, raw in sources:
        for text in _phone_texts(raw):
            try:
                phone = normalize_phone(text)
            except DomainError as exc:
                problems.append(Problem(key, exc.key, exc.params))
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
    raw_date = cell('created_at')
    if raw_date not in (None, ''):
        try:
            created_at = _parse_date(raw_date)
        except InvalidInput as exc:
            problems.append(Problem('created_at', exc.key, exc.params, error=True))
        else:
            if created_at is None:
                problems.append(Problem('created_at', 'import.problem.bad_date', {'value': _cell_text(raw_date)}))
    custom_values = {}
    fields_by_id = {str(f.id): f for f in custom.values()}
    for field_id, index in columns.custom.items():
        value = line[index] if index < len(line) else None
        if value in (None, ''):
            continue
        field_ = fields_by_id[field_id]
        if field_.kind == 'date':  # the field's own rule refuses a date outside the CRM's years
            parsed = _any_date(value)
            value = parsed.date().isoformat() if parsed else value
        elif field_.kind == 'bool':
            value = fold(_cell_text(value)) in ('да', 'yes', 'true', '1', 'истина')
        elif field_.kind != 'number':
            value = _cell_text(value)
        custom_values[field_id] = value
    return ImportRow(number, values, phones, created_at, custom_values, problems)


def _is_template_sample(values: dict[str, str], phones: list[Phone]) -> bool:
    sample_phone = normalize_phone(TEMPLATE_SAMPLE['phone']).number
    return fold(values.get('name', '')) == fold(TEMPLATE_SAMPLE['name']) and sample_phone in {p.number for p in phones}


# planning against the database


class _Lookup:
    """The database's reference data by folded name, plus what this import will create."""

    def __init__(self, session) -> None:
        self.channels = list(session.exec(select(Channel).where(Channel.active).order_by(Channel.position)))
        self.channel_by_name = {fold(c.name): c for c in self.channels}
        projects = list(session.exec(select(Project)))
        self.projects = {fold(p.name): p.name for p in projects} | {fold(p.abbreviation): p.name for p in projects}
        self.tags = {fold(t.name): t.name for t in session.exec(select(Tag))}
        self.agencies = {fold(a.name): a.name for a in session.exec(select(Agency))}
        agency_names = {a.id: a.name for a in session.exec(select(Agency))}
        self.realtors = {(fold(agency_names[r.agency_id]), fold(r.name)): r.name for r in session.exec(select(Realtor))}
        users = list(session.exec(select(User)))
        self.users = {fold(u.login): u for u in users} | {fold(u.name): u for u in users}
        stages = list(session.exec(select(Stage).where(Stage.board == Board.clients).order_by(Stage.position)))
        self.stages = {fold(s.name): s for s in stages}
        self.first_stage = next(s for s in stages if s.kind == StageKind.working)
        self.reasons = {
            (r.stage_id, fold(r.name)): r for r in session.exec(select(ClosingReason).where(ClosingReason.active))
        }
        self.touch = {fold(translate(f'touch.{t}', loc)): t for t in TouchType for loc in LOCALES}
        self.new_projects: dict[str, str] = {}
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
    """Resolve every row against the database as it is now: which become clients, which attach, which fail."""
    ensure_may_import(actor)
    lookup = _Lookup(session)
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
        if known is not None:
            plan.outcome, plan.client_id = 'attach', known.id
            plan.client_name = known.name if can_see_clients_of(actor, known.responsible_id) else ''
            holder = ('client', known.id)
        elif earlier is not None:
            plan.outcome, plan.earlier_row = 'attach', earlier.row.number
            plan.client_name = earlier.name
            holder = holders[earlier.row.number]
        else:
            holder = ('row', row.number)
            phone_counts[holder] = len(row.phones)
        holders[row.number] = holder
        if plan.outcome == 'attach':  # its other numbers join the client it attaches to, if nobody has them
            _keep_clients_stage(plan)
            plan.new_phones = [p for p in row.phones if p.number not in owners and p.number not in claimed]
            phone_counts[holder] = _within_phone_limit(plan, phone_counts.get(holder, 0))
        for phone in row.phones:
            claimed.setdefault(phone.number, plan)
        plan.custom = _checked_custom(session, plan)
    return ImportPlan(
        file=file,
        rows=planned,
        new_projects=sorted(lookup.new_projects.values()),
        new_tags=sorted(lookup.new_tags.values()),
        new_agencies=sorted(lookup.new_agencies.values()),
        new_realtors=sorted(f'{name} ({agency})' for agency, name in lookup.new_realtors.values()),
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
    channel = lookup.channel_by_name.get(fold(values.get('channel', '')))
    plan.channel_id = (channel or lookup.channels[0]).id
    if channel is None and values.get('channel'):
        plan.problems.append(
            Problem(
                'channel',
                'import.problem.unknown_channel',
                {'value': values['channel'], 'used': lookup.channels[0].name},
            )
        )
    plan.responsible_id = _responsible(values.get('responsible', ''), actor, lookup, plan.problems)
    if values.get('project'):
        plan.project = lookup.known_or_new(values['project'], lookup.projects, lookup.new_projects, 200)
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


def _keep_clients_stage(plan: PlannedRow) -> None:
    """A row attaching to a client never moves them (closing them would also have to complete their tasks):
    the preview shows no stage for it, and a stage the row names is a warning."""
    plan.stage_id = plan.reason_id = None
    plan.problems = [p for p in plan.problems if p.column != 'stage']
    if plan.row.values.get('stage'):
        plan.problems.append(Problem('stage', 'import.problem.stage_kept', {'value': plan.row.values['stage']}))


def _responsible(text: str, actor: Actor, lookup: _Lookup, problems: list[Problem]) -> int:
    if not text:
        return actor.id
    user = lookup.users.get(fold(text))
    if user is None or not user.active:
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
    stage = lookup.stages.get(fold(text))
    if stage is None:
        plan.problems.append(
            Problem('stage', 'import.problem.unknown_stage', {'value': text, 'used': lookup.first_stage.name})
        )
        return
    if stage.needs_reason:
        reason = lookup.reasons.get((stage.id, fold(values.get('closing_reason', ''))))
        if reason is None:
            plan.problems.append(
                Problem('stage', 'import.problem.stage_needs_reason', {'value': text, 'used': lookup.first_stage.name})
            )
            return
        plan.reason_id = reason.id
    plan.stage_id = stage.id


# writing


def _created_references(session, plan: ImportPlan) -> tuple[dict, dict, dict, dict]:
    """Projects, tags, agencies and realtors by name, creating the ones the plan named new."""
    for name in plan.new_projects:
        session.add(Project(name=name, abbreviation=_abbreviation(name)))
    for name in plan.new_tags:
        session.add(Tag(name=name))
    for name in plan.new_agencies:
        session.add(Agency(name=name))
    session.flush()
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


def commit_import(session, *, actor: Actor, file: ImportFile, progress: Progress | None = None) -> ImportPlan:
    """Plan again inside the write transaction (the database may have changed since the preview) and write
    every good row. All or nothing: an error or a killed process leaves the database as it was."""
    plan = plan_import(session, actor=actor, file=file)
    good = [r for r in plan.rows if r.outcome != 'error']
    projects, tags, agencies, realtors = _created_references(session, plan)
    now = utcnow()
    client_ids: dict[int, int] = {}  # row number → client id
    done = 0
    try:
        for start in range(0, len(good), CHUNK):
            chunk = good[start : start + CHUNK]
            _write_new(
                session,
                actor,
                [r for r in chunk if r.outcome == 'new'],
                now,
                client_ids,
                projects,
                agencies,
                realtors,
                tags,
            )
            _write_requests(session, actor, chunk, now, client_ids, projects)
            done += len(chunk)
            if progress:
                progress(done, len(good))
    except IntegrityError:
        # a phone taken by someone else after the plan was made (PostgreSQL allows concurrent writers)
        raise Conflict('import.error.phone_taken_meanwhile') from None
    if good:
        queue_event(session, ClientsChanged(actor_id=actor.id, what='imported', count=len(good)))
    plan.committed = True
    return plan


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
    session.connection().execute(insert(Request.__table__), requests)
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


def preview_import(session, *, actor: Actor, data: bytes) -> ImportPlan:
    """Read and plan an uploaded file; the permission is checked before the file is even opened."""
    ensure_may_import(actor)
    return plan_import(session, actor=actor, file=read_import_file(session, data))
