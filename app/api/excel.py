"""Excel through the API: export schemas, the export by the clients filter, the import template, the import
(a raw body or a form with its column mapping) and the saved mappings (presets)."""

import io
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.domain.clients.filters import ClientFilter
from app.domain.errors import InvalidInput, NotFound
from app.domain.excel import export_schemas, exporting, importing, presets, sources
from app.domain.excel.export_schemas import SchemaView
from app.domain.excel.presets import PresetView
from app.domain.permissions import ensure_may_import

from .bounds import Id
from .clients import Filter
from .common import TOO_LARGE_RESPONSE, Token, locale_of, read_as, write_as

router = APIRouter()


XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
XLSX_RESPONSE = {200: {'content': {XLSX: {'schema': {'type': 'string', 'format': 'binary'}}}}}


def _attachment(file_name: str) -> dict[str, str]:
    """Content-Disposition for a Cyrillic file name: RFC 5987 `filename*`, with an ASCII `filename` fallback."""
    fallback = re.sub(r'[^A-Za-z0-9._-]+', '_', file_name).strip('_.') or 'export.xlsx'
    if not fallback.endswith('.xlsx'):
        fallback += '.xlsx'
    return {'Content-Disposition': f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(file_name)}'}


@router.get('/export/schemas', response_model=list[SchemaView], tags=['export'])
def get_export_schemas(token: Token) -> list[SchemaView]:
    """The export schemas (named column lists) to pass as `schema_id`; needs the export permission."""
    return read_as(export_schemas.export_schemas, token)


def _export_into(session, *, actor, schema_id: int, flt: ClientFilter, path: str) -> str:
    """Write the export into `path` inside one read session; returns the file name the user should see."""
    schema = next((s for s in export_schemas.export_schemas(session, actor=actor) if s.id == schema_id), None)
    if schema is None:
        raise NotFound()
    exporting.export_clients(session, actor=actor, schema_id=schema_id, flt=flt, target=path)
    return exporting.export_file_name(schema.name, actor.locale)


@router.get('/export', response_class=FileResponse, responses=XLSX_RESPONSE, tags=['export'])
def export(token: Token, flt: Filter, schema_id: Id) -> FileResponse:
    """Every client the caller may see that the filter matches (the same parameters as `GET /clients`), as XLSX
    by the schema's columns. Needs the export permission."""
    handle, path = tempfile.mkstemp(prefix='voronka-export-', suffix='.xlsx')
    os.close(handle)
    try:
        file_name = read_as(_export_into, token, schema_id=schema_id, flt=flt, path=path)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path, media_type=XLSX, headers=_attachment(file_name), background=BackgroundTask(os.unlink, path)
    )


@router.get('/import/template', response_class=Response, responses=XLSX_RESPONSE, tags=['import'])
def import_template(token: Token) -> Response:
    """An empty import file: the header row the import reads and one example row."""

    def template(session, *, actor) -> bytes:
        buffer = io.BytesIO()
        importing.write_template(buffer, actor.locale)
        return buffer.getvalue()

    content = read_as(template, token)
    return Response(content, media_type=XLSX, headers=_attachment('import-template.xlsx'))


class ImportRowError(BaseModel):
    row: int
    column: str
    message: str


class ImportCreated(BaseModel):
    projects: list[str]
    tags: list[str]
    agencies: list[str]
    realtors: list[str]


class ImportFormat(BaseModel):
    kind: Literal['xlsx', 'csv', 'html'] = Field(description='what the file was read as, by its content')
    encoding: str = Field(description='a text file’s encoding as read (detected unless given); empty for XLSX')
    delimiter: str = Field(description='a CSV’s delimiter as read (detected unless given); empty otherwise')


class ImportSummary(BaseModel):
    committed: bool = Field(description='false for a preview: nothing was written')
    rows: int
    new_clients: int
    attached: int = Field(description='rows whose phone is a known client: they become that client’s requests')
    errors: int = Field(description='rows skipped; the others are written')
    unknown_columns: list[str]
    created: ImportCreated = Field(description='references the import creates (or created)')
    error_list: list[ImportRowError]
    format: ImportFormat
    mapping: dict = Field(
        description='the column mapping used (`fields` per column, `values`, `known_phone`, `overwrite`, '
        '`deals_from_amount`): edit it and send it back as the `mapping` form field, or save it as a preset'
    )
    preset: str | None = Field(description='the saved mapping the file was read with, if any')


Encoding = Literal[sources.ENCODINGS]
Delimiter = Literal[sources.DELIMITERS]
PresetName = Annotated[str, Field(min_length=1, max_length=presets.NAME_MAX)]


class ImportForm(BaseModel):
    """The import's options, as query parameters of a raw body or fields of a form (a form's fields win)."""

    commit: bool = False
    mapping: str | None = Field(None, max_length=presets.MAPPING_JSON_MAX)
    mapping_preset: PresetName | None = None
    encoding: Encoding | None = None
    delimiter: Delimiter | None = None


@dataclass
class _Upload:
    data: bytes
    options: ImportForm
    file_name: str | None = None  # a form's file name: it only sharpens a refusal (a binary .xls)


MEBIBYTE = 1024 * 1024
FORM_SLACK = 64 * 1024  # a form's boundaries and part headers


def _too_large() -> InvalidInput:
    return InvalidInput('import.error.too_large', limit=sources.MAX_BYTES // MEBIBYTE)


async def _chunks(request: Request, limit: int):
    """The request body as it arrives, refused as soon as it is known to be over `limit` (never read in full)."""
    try:
        declared = int(request.headers.get('content-length', '0'))
    except ValueError:
        declared = 0
    if declared > limit:
        raise _too_large()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        yield chunk


def _options(fields: dict) -> ImportForm:
    try:
        return ImportForm.model_validate(fields)
    except ValidationError as exc:  # answered as every other validation error: ErrorOut, 422, naming the field
        raise RequestValidationError(exc.errors(include_url=False)) from None


async def _form(request: Request, query: dict) -> _Upload:
    """A multipart form: `file` and the options beside it, bounded while it is parsed."""
    parser = MultiPartParser(
        request.headers,
        _chunks(request, sources.MAX_BYTES + presets.MAPPING_JSON_MAX + FORM_SLACK),
        max_files=1,
        max_fields=10,
        max_part_size=presets.MAPPING_JSON_MAX + 1024,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidInput('import.error.bad_form', detail=exc.message) from None
    try:
        upload = form.get('file')
        file_name = None
        if isinstance(upload, UploadFile):
            data, file_name = await upload.read(), upload.filename
        elif isinstance(upload, str):  # a file sent without a file name arrives as a plain field
            data = upload.encode()
        else:
            raise InvalidInput('import.error.no_file')
        # an empty field of a form is a field left blank: not given
        fields = {k: v for k, v in form.items() if k != 'file' and isinstance(v, str) and v}
    finally:
        await form.close()
    if len(data) > sources.MAX_BYTES:
        raise _too_large()
    return _Upload(data, _options(query | fields), file_name)


async def _upload(request: Request, query: dict) -> _Upload:
    if request.headers.get('content-type', '').lower().startswith('multipart/form-data'):
        return await _form(request, query)
    data = b''.join([chunk async for chunk in _chunks(request, sources.MAX_BYTES)])
    return _Upload(data, _options(query))


def _may_import(session, *, actor) -> None:
    ensure_may_import(actor)


def _read(session, *, actor, upload: _Upload) -> importing.ImportPlan:
    """The file read by its mapping and planned, in a read session: the write lock is not held meanwhile."""
    options = upload.options
    text = {'encoding': options.encoding, 'delimiter': options.delimiter, 'file_name': upload.file_name}
    layout = importing.inspect_import_file(session, actor=actor, data=upload.data, **text)
    mapping, preset = presets.resolve_import_mapping(
        session, actor=actor, layout=layout, mapping_json=options.mapping, preset_name=options.mapping_preset
    )
    file = importing.read_import_file(session, upload.data, mapping=mapping, preset=preset, **text)
    return importing.plan_import(session, actor=actor, file=file)


def _commit(session, *, actor, plan: importing.ImportPlan) -> importing.ImportPlan:
    """The preview's plan written; planned again only if one of its phones changed hands meanwhile."""
    return importing.commit_import(session, actor=actor, file=plan.file, plan=plan)


FORM_SCHEMA = {
    'type': 'object',
    'required': ['file'],
    'properties': {
        'file': {'type': 'string', 'format': 'binary', 'description': 'the XLSX, CSV or HTML table'},
        'mapping': {
            'type': 'string',
            'maxLength': presets.MAPPING_JSON_MAX,
            'description': 'the column mapping as JSON: `{"fields": ["name", "phone", "skip", …]}` (one per column '
            'of the header row: a field, `custom:<id>` or `skip`), optional `values`, `known_phone` '
            '(`attach` | `fill_empty`), `overwrite`, `deals_from_amount` — the summary’s `mapping` is one',
        },
        'mapping_preset': {
            'type': 'string',
            'minLength': 1,
            'maxLength': presets.NAME_MAX,
            'description': 'the name of a saved mapping',
        },
        'encoding': {'type': 'string', 'enum': list(Encoding.__args__)},
        'delimiter': {'type': 'string', 'enum': list(Delimiter.__args__)},
        'commit': {'type': 'boolean', 'default': False},
    },
}
BINARY = {'schema': {'type': 'string', 'format': 'binary'}}


@router.post(
    '/import',
    response_model=ImportSummary,
    responses=TOO_LARGE_RESPONSE,
    tags=['import'],
    openapi_extra={
        'requestBody': {
            'required': True,
            'content': {
                'multipart/form-data': {'schema': FORM_SCHEMA},
                XLSX: BINARY,
                'text/csv': BINARY,
                'application/octet-stream': BINARY,
            },
        }
    },
)
async def import_clients(
    request: Request,
    token: Token,
    commit: bool = False,
    mapping_preset: Annotated[str | None, Query(min_length=1, max_length=presets.NAME_MAX)] = None,
    encoding: Encoding | None = None,
    delimiter: Delimiter | None = None,
) -> dict:
    """Clients from an XLSX, a CSV (UTF-8 or Windows-1251; `;`, `,` or tab — detected) or an HTML table: a preview
    by default, or with `commit=true` every good row written in one transaction. Send the file as the raw body, or
    as the `file` field of a form with its column mapping (`mapping` JSON or a saved `mapping_preset`); without
    either, a preset saved for the same headers is used, else the suggested mapping (the summary says which).
    Needs the import permission; 413 over the size limit, 422 for an unreadable file or a mapping that does not
    fit it."""
    # refuse a caller without the permission before taking in megabytes from them
    await run_in_threadpool(read_as, _may_import, token)
    query = {'commit': commit, 'mapping_preset': mapping_preset, 'encoding': encoding, 'delimiter': delimiter}
    upload = await _upload(request, {k: v for k, v in query.items() if v is not None})
    # parsed and planned in a read session; only the final insert holds the write lock
    plan = await run_in_threadpool(read_as, _read, token, upload=upload)
    if upload.options.commit:
        plan = await run_in_threadpool(write_as, _commit, token, plan=plan)
    return plan.summary(locale_of(request))


class PresetIn(BaseModel):
    name: PresetName
    headers: list[Annotated[str, Field(max_length=presets.HEADER_MAX)]] = Field(
        max_length=presets.COLUMNS_MAX, description='the header row the mapping is for, as the file has it'
    )
    mapping: dict = Field(description='the column mapping, as the import summary’s `mapping`')


@router.get('/import/presets', response_model=list[PresetView], tags=['import'])
def get_import_presets(token: Token) -> list[PresetView]:
    """The saved column mappings of the account; needs the import permission."""
    return read_as(presets.list_import_presets, token)


def _save_preset(session, *, actor, preset: PresetIn) -> PresetView:
    mapping = presets.parse_mapping_json(preset.mapping, columns=len(preset.headers))
    return presets.save_import_preset(session, actor=actor, name=preset.name, headers=preset.headers, mapping=mapping)


@router.post('/import/presets', response_model=PresetView, tags=['import'])
def save_import_preset(token: Token, preset: PresetIn) -> PresetView:
    """Save a column mapping under a name (one of the same name is replaced — by its author, a head or an admin).
    A file with the same headers is then read by it without asking; needs the import permission."""
    return write_as(_save_preset, token, preset=preset)


@router.delete(
    '/import/presets/{preset_id}', status_code=status.HTTP_204_NO_CONTENT, response_class=Response, tags=['import']
)
def delete_import_preset(token: Token, preset_id: Id) -> Response:
    """Delete a saved mapping: its author, a head or an admin."""
    write_as(presets.delete_import_preset, token, preset_id=preset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
