"""The audit log of account settings: every admin change is written with who, when and what."""

from pydantic import BaseModel
from sqlmodel import select

from app.i18n import TEXTS, plural, translate

from ..events import AccountChanged, queue_event
from ..models import AuditEntry, User, utcnow
from ..permissions import Actor, ensure_admin


class AuditView(BaseModel):
    id: int
    at: object
    actor_name: str
    area: str
    action: str
    details: dict


def write_entry(session, actor: Actor, area: str, action: str, **details) -> None:
    """Write an audit entry alone: for a change that concerns one user, not the account's setup."""
    session.add(AuditEntry(actor_id=actor.id, at=utcnow(), area=area, action=action, details=details))


def record_change(session, actor: Actor, area: str, action: str, **details) -> None:
    """Write the audit entry of a settings change and tell open pages to reload the account's setup
    (both only if the transaction commits)."""
    write_entry(session, actor, area, action, **details)
    queue_event(session, AccountChanged(area=area, actor_id=actor.id))


def audit_log(session, *, actor: Actor, limit: int = 200, offset: int = 0) -> list[AuditView]:
    """Newest first; admins only."""
    ensure_admin(actor)
    rows = session.exec(
        select(AuditEntry, User.name)
        .join(User, User.id == AuditEntry.actor_id, isouter=True)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        AuditView(id=e.id, at=e.at, actor_name=name or '', area=e.area, action=e.action, details=dict(e.details))
        for e, name in rows
    ]


# What a stored detail is called in a sentence, and the texts its values are named by: the log keeps the raw
# values (entries written years ago read in today's words and in either language).
_NAMES = {
    'name': 'users.name',
    'role': 'users.role',
    'color': 'settings.stages.color',
    'sort': 'view.sort',
    'tasks_first': 'view.tasks_first',
    'overdue_first': 'view.overdue_first',
    'task_display': 'view.task_display',
    'parts': 'view.parts',
    'internal_number': 'users.internal_number',
}
_VALUES = {
    'role': 'role.',
    'kind': 'lists.kind.',
    'sort': 'view.sort.',
    'task_display': 'view.task_display.',
    'match': 'rules.match.',
}
_COUNTS = {'fields': 'count.fields', 'count': 'count.clients'}
# the details listed after the fixed part of a sentence, as «what — new value»
_CHANGE_LISTS = {'user_changed': ('login',), 'update_stage': ('stage',), 'view_settings_changed': ('login',)}


def _value(key: str, value, locale: str) -> str:
    if isinstance(value, bool):
        return translate('audit.on' if value else 'audit.off', locale)
    if value is None:  # a cleared value, e.g. an internal number taken away
        return '—'
    if key in _VALUES:
        return translate(_VALUES[key] + str(value), locale)
    if key in _COUNTS and isinstance(value, int):
        return plural(_COUNTS[key], value, locale)
    if key == 'parts' and isinstance(value, list):
        return ', '.join(translate(f'part.{part}', locale) for part in value) or translate('audit.nothing', locale)
    return str(value)


def _change(key: str, value, locale: str) -> str:
    what = _NAMES.get(key) or f'users.switch.{key}'
    label = translate(what, locale) if what in TEXTS else key
    return translate(
        'audit.change', locale, what=label.lower() if locale == 'ru' else label, value=_value(key, value, locale)
    )


def describe(entry: AuditView, locale: str) -> str:
    """The entry as a sentence in the reader's language."""
    action = entry.action.replace(' ', '_')
    key = f'audit.{action}'
    if key not in TEXTS:  # an action without its sentence yet still says what it is, never nothing
        return translate('audit.other', locale, action=entry.action) + ''.join(
            f' · {_change(k, v, locale)}' for k, v in entry.details.items()
        )
    fixed = _CHANGE_LISTS.get(action)
    if fixed is None:
        return translate(key, locale, **{k: _value(k, v, locale) for k, v in entry.details.items()})
    changes = [_change(k, v, locale) for k, v in entry.details.items() if k not in fixed]
    params = {k: _value(k, entry.details.get(k, ''), locale) for k in fixed}
    return translate(key, locale, changes='; '.join(changes) or translate('audit.nothing', locale), **params)
