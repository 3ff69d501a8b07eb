"""Export the clients a filter matches, by a schema, into a streamed XLSX.

The matching ids are read first (in the board's order, newest first), then clients are written in batches:
each batch runs only the queries its schema's fields need, so memory stays flat however large the export."""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func
from sqlmodel import select

from app.i18n import translate

from .account_time import to_local_naive
from .errors import NotFound
from .export_fields import CUSTOM_PREFIX, STANDARD_BY_KEY, ExportField, custom_export_field, field_label
from .filters import ClientFilter, filtered_query
from .models import (
    Agency,
    Channel,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    CustomField,
    Deal,
    ExportSchema,
    FeedEntry,
    FeedKind,
    Project,
    Realtor,
    Request,
    Stage,
    Tag,
    Task,
    User,
    utcnow,
)
from .permissions import Actor, ensure_may_export
from .spreadsheet import SheetWriter

BATCH = 900  # ids per IN (…): under SQLite's limit of bound parameters

Progress = Callable[[int, int], None]


def export_file_name(schema_name: str, locale: str, now: datetime | None = None) -> str:
    stamp = to_local_naive(now or utcnow()).strftime('%Y-%m-%d_%H-%M')
    safe = ''.join(ch for ch in schema_name if ch.isalnum() or ch in ' -_').strip() or 'export'
    return f'{translate("export.file_prefix", locale)} {safe} {stamp}.xlsx'


def matching_client_ids(session, actor: Actor, flt: ClientFilter) -> list[int]:
    """Every client the actor may see that the filter matches, newest first."""
    query = filtered_query(session, actor, flt).with_only_columns(Client.id)
    return list(session.exec(query.order_by(Client.created_at.desc(), Client.id.desc())))


class _References:
    """Names of everything a client row points to, read once per export."""

    def __init__(self, session, locale: str) -> None:
        self.locale = locale
        self.stages = {s.id: s.name for s in session.exec(select(Stage))}
        self.reasons = {r.id: r.name for r in session.exec(select(ClosingReason))}
        self.users = {u.id: u for u in session.exec(select(User))}
        self.channels = {c.id: c.name for c in session.exec(select(Channel))}
        self.projects = {p.id: p for p in session.exec(select(Project))}
        self.agencies = {a.id: a.name for a in session.exec(select(Agency))}
        self.realtors = {r.id: r for r in session.exec(select(Realtor))}
        self.tags = {t.id: t.name for t in session.exec(select(Tag))}
        self.yes, self.no = translate('export.yes', locale), translate('export.no', locale)

    def word(self, prefix: str, value: str) -> str:
        return translate(f'{prefix}.{value}', self.locale) if value else ''

    def flag(self, value) -> str:
        return '' if value is None else (self.yes if value else self.no)


def _load_batch(session, ids: list[int], loaders: set[str]) -> dict[str, dict]:
    """The per-client facts the schema's fields need, each from one grouped query over this batch."""
    facts: dict[str, dict] = {}
    if 'phones' in loaders:
        phones = defaultdict(list)
        rows = session.exec(
            select(ClientPhone.client_id, ClientPhone.number)
            .where(ClientPhone.client_id.in_(ids))
            .order_by(ClientPhone.client_id, ClientPhone.position, ClientPhone.id)
        )
        for client_id, number in rows:
            phones[client_id].append(number)
        facts['phones'] = phones
    if 'tags' in loaders:
        tags = defaultdict(list)
        for client_id, tag_id in session.exec(
            select(ClientTag.client_id, ClientTag.tag_id).where(ClientTag.client_id.in_(ids))
        ):
            tags[client_id].append(tag_id)
        facts['tags'] = tags
    if 'deals' in loaders:
        rows = session.exec(
            select(Deal.client_id, func.count(Deal.id), func.coalesce(func.sum(Deal.amount), 0))
            .where(Deal.client_id.in_(ids))
            .group_by(Deal.client_id)
        )
        facts['deals'] = {client_id: (count, total) for client_id, count, total in rows}
    if 'tasks' in loaders:
        tasks: dict[int, list] = {}
        rows = session.exec(
            select(Task.client_id, Task.title)
            .where(Task.client_id.in_(ids), Task.done == False)  # noqa: E712 (SQL, not Python)
            .order_by(Task.client_id, Task.due_at, Task.id)
        )
        for client_id, title in rows:
            entry = tasks.setdefault(client_id, [0, title])
            entry[0] += 1
        facts['tasks'] = tasks
    if 'comments' in loaders:
        comments: dict[int, list] = {}
        rows = session.exec(
            select(FeedEntry.client_id, FeedEntry.text)
            .where(FeedEntry.client_id.in_(ids), FeedEntry.kind == FeedKind.comment)
            .order_by(FeedEntry.client_id, FeedEntry.created_at.desc(), FeedEntry.id.desc())
        )
        for client_id, text in rows:
            entry = comments.setdefault(client_id, [0, text])
            entry[0] += 1
        facts['comments'] = comments
    if 'requests' in loaders:
        rows = session.exec(
            select(
                Request.client_id, func.count(Request.id), func.min(Request.created_at), func.max(Request.created_at)
            )
            .where(Request.client_id.in_(ids))
            .group_by(Request.client_id)
        )
        facts['requests'] = {client_id: (count, first, last) for client_id, count, first, last in rows}
    return facts


def _value(key: str, client: Client, refs: _References, facts: dict, now: datetime):
    """One cell: names instead of ids, local wall-clock dates, numbers as numbers."""
    cid = client.id
    match key:
        case 'id':
            return cid
        case 'name' | 'email' | 'situation':
            return getattr(client, key)
        case 'phone' | 'phone2':
            phones = facts['phones'].get(cid, [])
            index = 0 if key == 'phone' else 1
            return phones[index] if len(phones) > index else None
        case 'phones':
            return ', '.join(facts['phones'].get(cid, []))
        case 'stage':
            return refs.stages.get(client.stage_id, '')
        case 'closing_reason':
            return refs.reasons.get(client.closing_reason_id, '')
        case 'responsible' | 'creator':
            user = refs.users.get(client.responsible_id if key == 'responsible' else client.creator_id)
            return user.name if user else ''
        case 'responsible_login':
            user = refs.users.get(client.responsible_id)
            return user.login if user else ''
        case 'created_at' | 'stage_changed_at' | 'last_comment_at' | 'last_activity_at':
            return to_local_naive(getattr(client, key))
        case 'next_task_at':
            return to_local_naive(client.next_due_at)
        case 'creation_method':
            return refs.word('method', client.creation_method)
        case 'touch_type':
            return refs.word('touch', client.touch_type)
        case 'channel':
            return refs.channels.get(client.channel_id, '')
        case 'source_type':
            return refs.word('filter.source', 'agency' if client.agency_id else 'own')
        case 'project' | 'project_abbreviation':
            project = refs.projects.get(client.project_id)
            return (project.name if key == 'project' else project.abbreviation) if project else ''
        case 'agency':
            return refs.agencies.get(client.agency_id, '')
        case 'realtor' | 'realtor_phone':
            realtor = refs.realtors.get(client.realtor_id)
            return (realtor.name if key == 'realtor' else realtor.phone) if realtor else ''
        case 'tags':
            return ', '.join(sorted(refs.tags.get(t, '') for t in facts['tags'].get(cid, [])))
        case 'deals_count' | 'deals_sum':
            count, total = facts['deals'].get(cid, (0, 0))
            return count if key == 'deals_count' else total
        case 'open_tasks' | 'next_task':
            count, title = facts['tasks'].get(cid, (0, ''))
            return count if key == 'open_tasks' else title
        case 'overdue':
            return refs.flag(client.next_due_at is not None and client.next_due_at < now)
        case 'last_comment' | 'comments_count':
            count, text = facts['comments'].get(cid, (0, ''))
            return count if key == 'comments_count' else text
        case 'requests_count':
            return facts['requests'].get(cid, (0, None, None))[0]
        case 'first_request_at' | 'last_request_at':
            _, first, last = facts['requests'].get(cid, (0, None, None))
            return to_local_naive(first if key == 'first_request_at' else last)
    raise KeyError(key)


def _schema_columns(session, schema: ExportSchema) -> list[ExportField]:
    custom = {f'{CUSTOM_PREFIX}{f.id}': custom_export_field(f) for f in session.exec(select(CustomField))}
    known = {**STANDARD_BY_KEY, **custom}
    return [known[k] for k in schema.fields if k in known]


def export_clients(
    session,
    *,
    actor: Actor,
    schema_id: int,
    flt: ClientFilter,
    target: str | Path | BinaryIO,
    progress: Progress | None = None,
) -> int:
    """Write every client the actor may see that `flt` matches into `target`; returns how many rows.
    `progress(done, total)` is called after each batch (from the caller's thread)."""
    ensure_may_export(actor)
    schema = session.get(ExportSchema, schema_id)
    if schema is None:
        raise NotFound()
    columns = _schema_columns(session, schema)
    custom_names = {f'{CUSTOM_PREFIX}{f.id}': f.name for f in session.exec(select(CustomField))}
    refs = _References(session, actor.locale)
    loaders = {c.loader for c in columns if c.loader}
    keys = [c.key for c in columns]
    custom_kinds = {c.key: c.kind for c in columns if c.key.startswith(CUSTOM_PREFIX)}
    ids = matching_client_ids(session, actor, flt)
    now = utcnow()
    headers = [field_label(k, actor.locale, custom_names) for k in keys]
    with SheetWriter(target, sheet_name=schema.name, headers=headers, widths=[c.width for c in columns]) as sheet:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            clients = {c.id: c for c in session.exec(select(Client).where(Client.id.in_(chunk)))}
            facts = _load_batch(session, chunk, loaders)
            for client_id in chunk:
                client = clients.get(client_id)
                if client is None:  # deleted between the two reads of a non-snapshot database
                    continue
                sheet.write_row(
                    [
                        _custom_cell(custom_kinds[k], client, k, refs)
                        if k in custom_kinds
                        else _value(k, client, refs, facts, now)
                        for k in keys
                    ]
                )
            if progress:
                progress(min(start + BATCH, len(ids)), len(ids))
        written = sheet.rows_written
    if progress and not ids:
        progress(0, 0)
    return written


def _custom_cell(kind: str, client: Client, key: str, refs: _References):
    value = client.custom.get(key.removeprefix(CUSTOM_PREFIX))
    if value is None:
        return None
    if kind == 'bool':
        return refs.flag(value)
    if kind == 'date':
        try:
            return datetime.fromisoformat(str(value)).date()
        except ValueError:
            return str(value)
    return value
