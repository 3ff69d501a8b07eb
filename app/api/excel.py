"""Excel through the API: export schemas, the export by the clients filter, the import template and the import."""

import io
import os
import re
import tempfile
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from app.domain.clients.filters import ClientFilter
from app.domain.errors import InvalidInput, NotFound
from app.domain.excel import export_schemas, exporting, importing, sources
from app.domain.excel.export_schemas import SchemaView
from app.domain.permissions import ensure_may_import

from .bounds import Id
from .clients import Filter
from .common import TOO_LARGE_RESPONSE, Token, locale_of, read_as, run_as

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


class ImportSummary(BaseModel):
    committed: bool = Field(description='false for a preview: nothing was written')
    rows: int
    new_clients: int
    attached: int = Field(description='rows whose phone is a known client: they become that client’s requests')
    errors: int = Field(description='rows skipped; the others are written')
    unknown_columns: list[str]
    created: ImportCreated = Field(description='references the import creates (or created)')
    error_list: list[ImportRowError]


async def _body(request: Request) -> bytes:
    """The request body, refused as soon as it is known to be over the import limit (never read in full)."""
    too_large = InvalidInput('import.error.too_large', limit=sources.MAX_BYTES // (1024 * 1024))
    try:
        declared = int(request.headers.get('content-length', '0'))
    except ValueError:
        declared = 0
    if declared > sources.MAX_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > sources.MAX_BYTES:
            raise too_large
        chunks.append(chunk)
    return b''.join(chunks)


def _may_import(session, *, actor) -> None:
    ensure_may_import(actor)


def _import(session, *, actor, data: bytes, commit: bool) -> importing.ImportPlan:
    file = importing.read_import_file(session, data)
    if commit:
        return importing.commit_import(session, actor=actor, file=file)
    return importing.plan_import(session, actor=actor, file=file)


@router.post(
    '/import',
    response_model=ImportSummary,
    responses=TOO_LARGE_RESPONSE,
    tags=['import'],
    openapi_extra={
        'requestBody': {
            'required': True,
            'content': {
                XLSX: {'schema': {'type': 'string', 'format': 'binary'}},
                'application/octet-stream': {'schema': {'type': 'string', 'format': 'binary'}},
            },
        }
    },
)
async def import_clients(request: Request, token: Token, commit: bool = False) -> dict:
    """Clients from an XLSX sent as the raw body: a preview by default, or with `commit=true` every good row
    written in one transaction. Needs the import permission; 413 over the size limit, 422 for an unreadable file."""
    # refuse a caller without the permission before taking in megabytes from them
    await run_in_threadpool(read_as, _may_import, token)
    data = await _body(request)
    plan = await run_in_threadpool(run_as, commit, token, _import, {'data': data, 'commit': commit})
    return plan.summary(locale_of(request))
