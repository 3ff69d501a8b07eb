"""Saved column mappings («Из amoCRM»): a team maps an export once, and the same export shape maps itself again
on the screen, in the CLI's nightly job (--preset) and through the API (mapping_preset).

A preset keeps the headers it was made for beside the mapping. Applied to the same headers it is the mapping as
saved; applied by name to a file whose columns moved or grew, each column takes the field its header had in the
preset, and a column the preset never saw is not loaded — a new column of the export never lands in a wrong field.
"""

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlmodel import select

from ..account.audit import write_entry
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..limits import check_text, clean_text
from ..models import ImportPreset, User, utcnow
from ..permissions import Actor, ensure_may_import
from .mapping import SKIP, ColumnMapping, header_key

if TYPE_CHECKING:
    from .importing import FileLayout

AREA = 'import'
NAME_MAX = 100
COLUMNS_MAX = 1000  # far beyond any CRM export (amoCRM's widest has ~150), small enough to keep a row cheap
HEADER_MAX = 1000
MAPPING_JSON_MAX = 1024 * 1024  # a mapping of a thousand columns with their values is well under this


class PresetView(BaseModel):
    """A preset as the screens, the CLI and the API show it."""

    id: int
    name: str
    headers: list[str]
    mapping: dict
    created_by: str
    updated_at: datetime
    may_delete: bool


def headers_signature(headers: list[str]) -> str:
    """The headers as compared (case, ё, spaces folded; empty trailing columns ignored), as a fixed-size digest."""
    keys = [header_key(h) for h in headers]
    while keys and not keys[-1]:
        keys.pop()
    return hashlib.sha256('\x1f'.join(keys).encode()).hexdigest()


def _may_delete(actor: Actor, preset: ImportPreset) -> bool:
    return actor.is_head_or_admin or preset.created_by_id == actor.id


def _view(actor: Actor, preset: ImportPreset, author: str | None) -> PresetView:
    return PresetView(
        id=preset.id,
        name=preset.name,
        headers=list(preset.headers),
        mapping=dict(preset.mapping),
        created_by=author or '',
        updated_at=preset.updated_at,
        may_delete=_may_delete(actor, preset),
    )


def _presets(session, *conditions):
    query = select(ImportPreset, User.name).join(User, User.id == ImportPreset.created_by_id, isouter=True)
    return session.exec(query.where(*conditions).order_by(ImportPreset.updated_at.desc(), ImportPreset.id.desc()))


def list_import_presets(session, *, actor: Actor) -> list[PresetView]:
    """Every preset of the account, by name."""
    ensure_may_import(actor)
    return sorted((_view(actor, p, author) for p, author in _presets(session)), key=lambda v: v.name.casefold())


def _checked_name(name: str | None) -> str:
    name = ' '.join(clean_text(name or '').split())
    if not name:
        raise InvalidInput('error.list_name_required')
    if len(name) > NAME_MAX:
        raise InvalidInput('error.list_name_too_long', limit=NAME_MAX)
    return name


def _checked_headers(headers: list[str]) -> list[str]:
    if len(headers) > COLUMNS_MAX:
        raise InvalidInput('import.error.bad_mapping', detail=f'{len(headers)} > {COLUMNS_MAX}')
    return [check_text(str(h or ''), HEADER_MAX, 'import.preset.header') for h in headers]


def save_import_preset(session, *, actor: Actor, name: str, headers: list[str], mapping: ColumnMapping) -> PresetView:
    """Save the mapping for these headers under a name; a preset of the same name is replaced (by its author, a
    head or an admin — another manager's preset is theirs to change)."""
    ensure_may_import(actor)
    name = _checked_name(name)
    headers = _checked_headers(list(headers))
    # a mapping made for other columns is refused here, not on the night it is used
    checked = ColumnMapping.from_json(mapping.to_json(), columns=len(headers)).to_json()
    # names compare as import_preset_named finds them, so «из AMOCRM» replaces «Из amoCRM», never shadows it
    preset = next((p for p in session.exec(select(ImportPreset)) if p.name.casefold() == name.casefold()), None)
    if preset is not None and not _may_delete(actor, preset):
        author = session.get(User, preset.created_by_id) if preset.created_by_id else None
        raise InvalidInput('import.error.preset_taken', name=name, author=author.name if author else '—')
    now = utcnow()
    if preset is None:
        preset = ImportPreset(created_by_id=actor.id, created_at=now)
    preset.name, preset.headers, preset.mapping, preset.signature = name, headers, checked, headers_signature(headers)
    preset.updated_at = now
    session.add(preset)
    session.flush()
    mapped = sum(1 for f in checked['fields'] if f != SKIP)
    write_entry(session, actor, AREA, 'import_preset_saved', name=name, fields=mapped)
    author = session.get(User, preset.created_by_id).name if preset.created_by_id else ''
    return _view(actor, preset, author)


def delete_import_preset(session, *, actor: Actor, preset_id: int) -> int:
    """Delete a preset: its author, a head or an admin."""
    ensure_may_import(actor)
    preset = session.get(ImportPreset, preset_id)
    if preset is None:
        raise NotFound()
    if not _may_delete(actor, preset):
        raise PermissionDenied()
    session.delete(preset)
    session.flush()
    write_entry(session, actor, AREA, 'import_preset_deleted', name=preset.name)
    return preset_id


def import_preset_for_headers(session, *, actor: Actor, headers: list[str]) -> PresetView | None:
    """The preset made for exactly these headers (the newest, if several were), or None."""
    ensure_may_import(actor)
    found = _presets(session, ImportPreset.signature == headers_signature(headers)).first()
    return _view(actor, *found) if found else None


def import_preset_named(session, *, actor: Actor, name: str) -> PresetView:
    """The preset of that name (any case); NotFound lists the names there are."""
    ensure_may_import(actor)
    wanted = ' '.join(clean_text(name or '').split())
    every = list(_presets(session))  # a handful; compared here, as SQLite's lower() folds only ASCII
    found = next((row for row in every if row[0].name.casefold() == wanted.casefold()), None)
    if found is None:
        known = ', '.join(sorted(f'«{p.name}»' for p, _ in every)) or '—'
        raise NotFound('import.error.preset_not_found', name=wanted, known=known)
    return _view(actor, *found)


def preset_mapping(preset: PresetView, headers: list[str]) -> ColumnMapping:
    """The preset applied to a file's headers: by position when they are the preset's own, else column by column
    by header (a header met twice takes the preset's columns of that header in order). Refused when not one
    column of the file is in the preset: that preset was made for another export."""
    saved = ColumnMapping.from_json(preset.mapping, columns=len(preset.headers))
    if headers_signature(headers) == headers_signature(preset.headers):
        fields = saved.fields[: len(headers)]
    else:
        by_header: dict[str, list[str]] = {}
        for header, name in zip(preset.headers, saved.fields, strict=True):
            if header_key(header):
                by_header.setdefault(header_key(header), []).append(name)
        if not any(header_key(h) in by_header for h in headers):
            raise InvalidInput('import.error.preset_other_file', name=preset.name)
        fields = [by_header[header_key(h)].pop(0) if by_header.get(header_key(h)) else SKIP for h in headers]
    return ColumnMapping.from_json(saved.to_json() | {'fields': fields}, columns=len(headers))


def parse_mapping_json(text: str | bytes | dict, *, columns: int) -> ColumnMapping:
    """A mapping a caller sends as JSON text (the API's `mapping` field, the CLI's --mapping FILE)."""
    if isinstance(text, str | bytes):
        if len(text) > MAPPING_JSON_MAX:
            raise InvalidInput('import.error.bad_mapping', detail='JSON > 1 MB')
        try:
            text = json.loads(text)
        except (ValueError, RecursionError):
            raise InvalidInput('import.error.bad_mapping', detail='JSON') from None
    return ColumnMapping.from_json(text, columns=columns)


def resolve_import_mapping(
    session,
    *,
    actor: Actor,
    layout: 'FileLayout',
    mapping_json: str | bytes | dict | None = None,
    preset_name: str | None = None,
) -> tuple[ColumnMapping, str | None]:
    """The mapping an import uses, and the name of the preset it came from: the caller's JSON, else the named
    preset, else the preset saved for exactly these headers, else the suggestion."""
    ensure_may_import(actor)
    columns = len(layout.headers)
    if mapping_json is not None:
        return parse_mapping_json(mapping_json, columns=columns), None
    if preset_name:
        preset = import_preset_named(session, actor=actor, name=preset_name)
        return preset_mapping(preset, layout.headers), preset.name
    preset = import_preset_for_headers(session, actor=actor, headers=layout.headers)
    if preset is not None:
        return preset_mapping(preset, layout.headers), preset.name
    return layout.mapping, None
