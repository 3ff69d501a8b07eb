"""Export schemas: account-wide, named, ordered column lists. Admins edit them; whoever may export uses them."""

from pydantic import BaseModel
from sqlmodel import select

from ..account.audit import record_change
from ..errors import InvalidInput, NotFound
from ..limits import clean_text
from ..models import CustomField, ExportSchema
from ..permissions import Actor, ensure_admin, ensure_may_export
from .export_fields import CUSTOM_PREFIX, DEFAULT_SCHEMA_FIELDS, STANDARD_BY_KEY, available_fields

AREA = 'export'
NAME_MAX = 100


class SchemaView(BaseModel):
    id: int
    name: str
    fields: list[str]
    labels: list[str]


def _custom_fields(session) -> list[CustomField]:
    return list(session.exec(select(CustomField).order_by(CustomField.position, CustomField.id)))


def custom_field_names(session) -> dict[str, str]:
    return {f'{CUSTOM_PREFIX}{f.id}': f.name for f in _custom_fields(session)}


def schema_fields_choice(session, *, actor: Actor) -> list[tuple[str, str]]:
    """(key, label) of every field a schema may hold, in the actor's language."""
    ensure_admin(actor)
    return available_fields(_custom_fields(session), actor.locale)


def _valid_keys(session) -> set[str]:
    return set(STANDARD_BY_KEY) | set(custom_field_names(session))


def export_schemas(session, *, actor: Actor) -> list[SchemaView]:
    """The schemas; a custom field deleted since is simply left out (a schema left with none cannot export)."""
    ensure_may_export(actor)
    labels = dict(available_fields(_custom_fields(session), actor.locale))
    views = []
    for schema in session.exec(select(ExportSchema).order_by(ExportSchema.position, ExportSchema.id)):
        fields = [k for k in schema.fields if k in labels]
        views.append(SchemaView(id=schema.id, name=schema.name, fields=fields, labels=[labels[k] for k in fields]))
    return views


def _checked(session, name: str | None, fields: list[str], schema_id: int | None = None) -> tuple[str, list[str]]:
    name = ' '.join(clean_text(name).split())
    if not name:
        raise InvalidInput('error.list_name_required')
    if len(name) > NAME_MAX:
        raise InvalidInput('error.list_name_too_long', limit=NAME_MAX)
    taken = session.exec(select(ExportSchema).where(ExportSchema.name == name)).first()
    if taken is not None and taken.id != schema_id:
        raise InvalidInput('error.schema_name_taken', name=name)
    fields = list(dict.fromkeys(fields))
    if not fields:
        raise InvalidInput('error.schema_empty')
    unknown = [k for k in fields if k not in _valid_keys(session)]
    if unknown:
        raise InvalidInput('error.schema_unknown_field', field=unknown[0])
    return name, fields


def add_export_schema(session, *, actor: Actor, name: str, fields: list[str]) -> int:
    ensure_admin(actor)
    name, fields = _checked(session, name, fields)
    last = session.exec(select(ExportSchema.position).order_by(ExportSchema.position.desc())).first()
    schema = ExportSchema(name=name, fields=fields, position=(last or 0) + 1)
    session.add(schema)
    session.flush()
    record_change(session, actor, AREA, 'schema_added', name=name, fields=len(fields))
    return schema.id


def edit_export_schema(session, *, actor: Actor, schema_id: int, name: str, fields: list[str]) -> int:
    ensure_admin(actor)
    schema = session.get(ExportSchema, schema_id)
    if schema is None:
        raise NotFound()
    name, fields = _checked(session, name, fields, schema_id)
    schema.name, schema.fields = name, fields
    session.add(schema)
    session.flush()
    record_change(session, actor, AREA, 'schema_edited', name=name, fields=len(fields))
    return schema_id


def delete_export_schema(session, *, actor: Actor, schema_id: int) -> int:
    ensure_admin(actor)
    schema = session.get(ExportSchema, schema_id)
    if schema is None:
        raise NotFound()
    session.delete(schema)
    session.flush()
    record_change(session, actor, AREA, 'schema_deleted', name=schema.name)
    return schema_id


def seed_export_schema(session) -> None:
    """The schema every new account starts with: the columns the import reads back."""
    session.add(ExportSchema(name='Основная', fields=list(DEFAULT_SCHEMA_FIELDS), position=0))
