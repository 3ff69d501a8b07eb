"""The columns an export schema may hold: 38 standard client fields plus every custom field.

Each field names the batch loader it needs, so an export only queries what its schema shows."""

from dataclasses import dataclass

from app.i18n import translate

from ..models import CustomField

CUSTOM_PREFIX = 'custom:'


@dataclass(frozen=True)
class ExportField:
    key: str
    kind: str  # text, number, datetime, date, bool
    width: int
    loader: str = ''  # phones, tags, deals, tasks, comments, requests, documents: the per-batch query it reads

    def label(self, locale: str) -> str:
        return translate(f'export.field.{self.key}', locale)


STANDARD_FIELDS: tuple[ExportField, ...] = (
    ExportField('id', 'number', 8),
    ExportField('name', 'text', 30),
    ExportField('phone', 'text', 16, 'phones'),
    ExportField('phone2', 'text', 16, 'phones'),
    ExportField('phones', 'text', 32, 'phones'),
    ExportField('email', 'text', 24),
    ExportField('stage', 'text', 22),
    ExportField('closing_reason', 'text', 22),
    ExportField('stage_changed_at', 'datetime', 17),
    ExportField('responsible', 'text', 22),
    ExportField('responsible_login', 'text', 14),
    ExportField('creator', 'text', 22),
    ExportField('created_at', 'datetime', 17),
    ExportField('creation_method', 'text', 14),
    ExportField('touch_type', 'text', 12),
    ExportField('channel', 'text', 18),
    ExportField('source_type', 'text', 12),
    ExportField('project', 'text', 22),
    ExportField('project_abbreviation', 'text', 10),
    ExportField('agency', 'text', 22),
    ExportField('realtor', 'text', 22),
    ExportField('realtor_phone', 'text', 16),
    ExportField('situation', 'text', 32),
    ExportField('tags', 'text', 22, 'tags'),
    ExportField('deals_count', 'number', 10, 'deals'),
    ExportField('deals_sum', 'number', 14, 'deals'),
    ExportField('open_tasks', 'number', 10, 'tasks'),
    ExportField('next_task_at', 'datetime', 17),
    ExportField('next_task', 'text', 26, 'tasks'),
    ExportField('overdue', 'bool', 10),
    ExportField('last_comment_at', 'datetime', 17),
    ExportField('last_comment', 'text', 40, 'comments'),
    ExportField('comments_count', 'number', 10, 'comments'),
    ExportField('requests_count', 'number', 10, 'requests'),
    ExportField('first_request_at', 'datetime', 17, 'requests'),
    ExportField('last_request_at', 'datetime', 17, 'requests'),
    ExportField('last_activity_at', 'datetime', 17),
    ExportField('documents_count', 'number', 10, 'documents'),
)
STANDARD_BY_KEY = {f.key: f for f in STANDARD_FIELDS}

# what a new account's default schema holds: the columns the import reads back, so the two round-trip
DEFAULT_SCHEMA_FIELDS = [
    'name',
    'phones',
    'email',
    'created_at',
    'channel',
    'project',
    'responsible',
    'stage',
    'closing_reason',
    'situation',
    'tags',
    'agency',
    'realtor',
    'touch_type',
    'next_task_at',
    'overdue',
    'last_comment_at',
    'last_comment',
]

_CUSTOM_KINDS = {'number': 'number', 'date': 'date', 'bool': 'bool'}


def custom_export_field(field: CustomField) -> ExportField:
    return ExportField(f'{CUSTOM_PREFIX}{field.id}', _CUSTOM_KINDS.get(field.kind, 'text'), 18)


def field_label(key: str, locale: str, custom_names: dict[str, str]) -> str:
    """The column header: a standard field's name in the reader's language, or a custom field's own name."""
    if key.startswith(CUSTOM_PREFIX):
        return custom_names.get(key, key)
    return translate(f'export.field.{key}', locale)


def available_fields(custom_fields: list[CustomField], locale: str) -> list[tuple[str, str]]:
    """(key, label) of every field a schema may hold, standard ones first."""
    custom = [(f'{CUSTOM_PREFIX}{f.id}', f.name) for f in custom_fields]
    return [(f.key, f.label(locale)) for f in STANDARD_FIELDS] + custom
