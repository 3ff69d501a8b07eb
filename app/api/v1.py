"""The JSON API under /api/v1: thin routes over the same domain services and permissions as the UI."""

import io
import os
import re
import tempfile
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from app.domain.account import reference, users
from app.domain.clients import bulk, clients, feed, leads, requests_list, tasks
from app.domain.clients.bulk import BulkResult, Selection
from app.domain.clients.filters import ClientFilter
from app.domain.clients.requests_list import RequestFilter, RequestPage
from app.domain.db import get_database
from app.domain.deals import deals, units
from app.domain.deals.units import UnitView
from app.domain.errors import (
    Conflict,
    DomainError,
    DuplicatePhone,
    InvalidInput,
    LoginRefused,
    NotFound,
    PermissionDenied,
)
from app.domain.excel import export_schemas, exporting, importing
from app.domain.excel.export_schemas import SchemaView
from app.domain.models import Board, TaskType, TouchType
from app.domain.permissions import ensure_may_import
from app.domain.views import ClientDetail, ClientPage, LeadResult, StageView, TaskView, UserView
from app.i18n import DEFAULT_LOCALE, LOCALES

api = FastAPI(
    title='Voronka API',
    version='1',
    description='Leads in, clients out: the same rules and permissions as the Voronka screens. '
    'Authenticate with `Authorization: Bearer <token>` (`python -m app token create LOGIN`).',
)
bearer = HTTPBearer(auto_error=False)

STATUS_BY_ERROR = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (PermissionDenied, status.HTTP_403_FORBIDDEN),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidInput, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (LoginRefused, status.HTTP_401_UNAUTHORIZED),
)
STATUS_BY_KEY = {'import.error.too_large': status.HTTP_413_CONTENT_TOO_LARGE}


def _locale(request: Request) -> str:
    """The caller's language from Accept-Language; Russian unless English is asked for first."""
    header = request.headers.get('accept-language', '')
    for part in header.split(','):
        code = part.split(';')[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return DEFAULT_LOCALE


@api.exception_handler(DomainError)
async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    code = STATUS_BY_KEY.get(exc.key) or next(
        (code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST
    )
    body = {'detail': exc.message(_locale(request)), 'code': exc.key}
    if isinstance(exc, DuplicatePhone):
        body['client_id'] = exc.client_id
        body['phone'] = exc.phone
    headers = {'WWW-Authenticate': 'Bearer'} if code == status.HTTP_401_UNAUTHORIZED else None
    return JSONResponse(body, status_code=code, headers=headers)


@api.exception_handler(RequestValidationError)
async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    parts = []
    for error in exc.errors():
        where = '.'.join(str(p) for p in error.get('loc', ()) if p not in ('body', 'query', 'path'))
        parts.append(f'{where}: {error.get("msg")}' if where else str(error.get('msg')))
    return JSONResponse({'detail': '; '.join(parts), 'code': 'error.invalid'}, status_code=422)


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The token as sent; it is checked inside the request's own transaction (one session, one thread hop)."""
    return credentials.credentials if credentials else ''


Token = Annotated[str, Depends(bearer_token)]


def _run(write: bool, token: str, service, arguments: dict, *, as_actor: bool = True):
    """Resolve the token's owner and run the service in one session; a deactivated owner is refused at once."""
    database = get_database()
    with database.write() if write else database.read() as session:
        actor = users.actor_for_token(session, token, touch=write)
        if actor is None:
            raise LoginRefused('error.token')
        return service(session, actor=actor, **arguments) if as_actor else service(session, **arguments)


def _write(service, token: str, **arguments):
    return _run(True, token, service, arguments)


def _read(service, token: str, *, as_actor: bool = True, **arguments):
    return _run(False, token, service, arguments, as_actor=as_actor)


class LeadIn(BaseModel):
    name: str = Field('', max_length=300, examples=['Иванов Иван'])
    phone: str = Field(..., max_length=64, examples=['8 (912) 345-67-89'])
    channel: int | str | None = Field(None, description='channel id or name; unknown names fall back to the first')
    touch_type: Literal['request', 'call'] = TouchType.request
    project: int | str | None = Field(None, description='project id, name or abbreviation')
    comment: str = Field('', max_length=5000)


class ClientIn(BaseModel):
    name: str = Field(..., max_length=300)
    phones: list[str] = Field(..., min_length=1)
    email: str = ''
    project_id: int | None = None
    channel_id: int | None = None
    agency_id: int | None = None
    realtor_id: int | None = None
    situation: str = ''
    tag_ids: list[int] = []
    responsible_id: int | None = None
    touch_type: Literal['request', 'call'] = TouchType.call


class ClientPatch(BaseModel):
    version: int | None = Field(None, description='the version you read; a newer one on the server means 409')
    name: str | None = None
    phones: list[str] | None = None
    email: str | None = None
    project_id: int | None = None
    channel_id: int | None = None
    agency_id: int | None = None
    realtor_id: int | None = None
    situation: str | None = None
    tag_ids: list[int] | None = None
    touch_type: Literal['request', 'call'] | None = None
    custom: dict | None = None


CLEARABLE = {'project_id', 'agency_id', 'realtor_id'}


class MoveIn(BaseModel):
    stage_id: int
    reason_id: int | None = None
    version: int | None = None


class ReopenIn(BaseModel):
    stage_id: int | None = None
    version: int | None = None


class AssignIn(BaseModel):
    responsible_id: int
    version: int | None = None


class CommentIn(BaseModel):
    text: str = Field(..., max_length=20000)


class CommentOut(BaseModel):
    id: int
    client_id: int
    text: str
    created_at: datetime


class TaskIn(BaseModel):
    title: str = Field(..., max_length=300)
    due_at: datetime
    type: Literal['call', 'meeting', 'showing', 'other'] = TaskType.call
    assignee_id: int | None = None


class BookingIn(BaseModel):
    project_id: int | None = None
    unit_id: int | None = Field(None, description='a free object of the catalogue; it becomes booked')
    unit: str = Field('', description='free-text object, when no `unit_id` is given')
    amount: float | None = Field(None, description="defaults to the object's price when `unit_id` is given")
    version: int | None = None


class BulkIn(BaseModel):
    client_ids: list[int] = Field([], description='the chosen clients, or leave empty and give `filter`')
    filter: ClientFilter | None = Field(None, description='all clients matching this filter')

    def selection(self) -> Selection:
        return Selection(client_ids=self.client_ids, flt=self.filter)


class BulkAssignIn(BulkIn):
    responsible_id: int


class BulkMoveIn(BulkIn):
    stage_id: int
    reason_id: int | None = None


class BulkTagsIn(BulkIn):
    add_tag_ids: list[int] = []
    remove_tag_ids: list[int] = []


class RefOut(BaseModel):
    id: int
    name: str
    abbreviation: str = ''


@api.post('/leads', response_model=LeadResult, status_code=201, tags=['leads'])
def post_lead(lead: LeadIn, token: Token) -> LeadResult:
    """A lead from a form or telephony: a new client, or a request attached to the existing one."""
    return _write(leads.receive_lead, token, **lead.model_dump())


def client_filter(
    stage_id: Annotated[list[int] | None, Query(description='stages; none given means the working stages')] = None,
    all_stages: Annotated[bool, Query(description='include the closing stages when no stage_id is given')] = False,
    responsible_id: Annotated[list[int] | None, Query()] = None,
    creator_id: Annotated[list[int] | None, Query()] = None,
    project_id: Annotated[list[int] | None, Query()] = None,
    tag_id: Annotated[list[int] | None, Query(description='clients having any of these tags')] = None,
    source: Literal['any', 'own', 'agency'] = 'any',
    task_state: Annotated[Literal['any', 'none', 'overdue', 'open'], Query(alias='tasks')] = 'any',
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    last_comment_from: datetime | None = None,
    last_comment_to: datetime | None = None,
    deals_count_min: int | None = None,
    deals_count_max: int | None = None,
    deals_sum_min: float | None = None,
    deals_sum_max: float | None = None,
    q: Annotated[str | None, Query(description='any part of the name, or 4+ consecutive phone digits')] = None,
    scope: Literal['all', 'own'] = 'all',
) -> ClientFilter:
    """The screens' client filter from query parameters: one spelling for the list and the export."""
    return ClientFilter(
        stage_ids=stage_id or [],
        all_stages=all_stages,
        responsible_ids=responsible_id or [],
        creator_ids=creator_id or [],
        project_ids=project_id or [],
        tag_ids=tag_id or [],
        source=source,
        tasks=task_state,
        created_from=created_from,
        created_to=created_to,
        last_comment_from=last_comment_from,
        last_comment_to=last_comment_to,
        deals_count_min=deals_count_min,
        deals_count_max=deals_count_max,
        deals_sum_min=deals_sum_min,
        deals_sum_max=deals_sum_max,
        search=q or '',
        own_only=scope == 'own',
    )


Filter = Annotated[ClientFilter, Depends(client_filter)]


@api.get('/clients', response_model=ClientPage, tags=['clients'])
def get_clients(
    token: Token,
    flt: Filter,
    sort: Literal['created_at', 'name', 'last_activity_at', 'stage_changed_at'] = 'created_at',
    descending: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ClientPage:
    """Clients the caller may see matching the same filters as the screens, with the exact total."""
    return _read(clients.list_clients, token, flt=flt, sort=sort, descending=descending, limit=limit, offset=offset)


def request_filter(
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    channel_id: Annotated[list[int] | None, Query(description='requests through any of these channels')] = None,
    project_id: Annotated[list[int] | None, Query()] = None,
    touch_type: Literal['any', 'request', 'call'] = 'any',
    source: Literal['any', 'manual', 'integration', 'import'] = 'any',
    responsible_id: Annotated[list[int] | None, Query(description='the responsible of the request’s client')] = None,
    q: Annotated[str | None, Query(description='any part of the client’s name, or 4+ consecutive phone digits')] = None,
) -> RequestFilter:
    """The requests screen's filter from query parameters."""
    return RequestFilter(
        created_from=created_from,
        created_to=created_to,
        channel_ids=channel_id or [],
        project_ids=project_id or [],
        touch_type=touch_type,
        source=source,
        responsible_ids=responsible_id or [],
        search=q or '',
    )


@api.get('/requests', response_model=RequestPage, tags=['leads'])
def get_requests(
    token: Token,
    flt: Annotated[RequestFilter, Depends(request_filter)],
    sort: Literal['created_at', 'client', 'touch_type', 'source'] = 'created_at',
    descending: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RequestPage:
    """Every request (incoming contact) of the clients the caller may see, matching the requests screen's filters,
    with the exact total."""
    return _read(
        requests_list.list_requests, token, flt=flt, sort=sort, descending=descending, limit=limit, offset=offset
    )


# bulk routes come before /clients/{client_id}/…, which would otherwise take «bulk» for an id
@api.post('/clients/bulk/assign', response_model=BulkResult, tags=['bulk'])
def bulk_assign(body: BulkAssignIn, token: Token) -> BulkResult:
    """Hand many clients to another user in one transaction (a manager on leave → a colleague)."""
    return _write(bulk.bulk_assign, token, selection=body.selection(), responsible_id=body.responsible_id)


@api.post('/clients/bulk/move', response_model=BulkResult, tags=['bulk'])
def bulk_move(body: BulkMoveIn, token: Token) -> BulkResult:
    return _write(bulk.bulk_move, token, selection=body.selection(), stage_id=body.stage_id, reason_id=body.reason_id)


@api.post('/clients/bulk/tags', response_model=BulkResult, tags=['bulk'])
def bulk_tags(body: BulkTagsIn, token: Token) -> BulkResult:
    return _write(
        bulk.bulk_tags,
        token,
        selection=body.selection(),
        add_tag_ids=body.add_tag_ids,
        remove_tag_ids=body.remove_tag_ids,
    )


@api.post('/clients', response_model=ClientDetail, status_code=201, tags=['clients'])
def post_client(client: ClientIn, token: Token) -> ClientDetail:
    return _write(clients.create_client, token, **client.model_dump())


@api.get('/clients/{client_id}', response_model=ClientDetail, tags=['clients'])
def get_client(client_id: int, token: Token) -> ClientDetail:
    return _read(clients.get_client, token, client_id=client_id)


@api.patch('/clients/{client_id}', response_model=ClientDetail, tags=['clients'])
def patch_client(client_id: int, patch: ClientPatch, token: Token) -> ClientDetail:
    changes = patch.model_dump(exclude_unset=True)
    version = changes.pop('version', None)
    # null clears a reference (project, agency, realtor); for anything else it means "leave as is"
    changes = {k: v for k, v in changes.items() if v is not None or k in CLEARABLE}
    return _write(clients.update_client, token, client_id=client_id, changes=changes, expected_version=version)


@api.post('/clients/{client_id}/move', response_model=ClientDetail, tags=['clients'])
def move(client_id: int, body: MoveIn, token: Token) -> ClientDetail:
    return _write(
        clients.move_client,
        token,
        client_id=client_id,
        stage_id=body.stage_id,
        reason_id=body.reason_id,
        expected_version=body.version,
    )


@api.post('/clients/{client_id}/reopen', response_model=ClientDetail, tags=['clients'])
def reopen(client_id: int, body: ReopenIn, token: Token) -> ClientDetail:
    return _write(
        clients.reopen_client, token, client_id=client_id, stage_id=body.stage_id, expected_version=body.version
    )


@api.post('/clients/{client_id}/assign', response_model=ClientDetail, tags=['clients'])
def assign(client_id: int, body: AssignIn, token: Token) -> ClientDetail:
    return _write(
        clients.assign_client,
        token,
        client_id=client_id,
        responsible_id=body.responsible_id,
        expected_version=body.version,
    )


@api.post('/clients/{client_id}/book', response_model=ClientDetail, tags=['clients'])
def book(client_id: int, body: BookingIn, token: Token) -> ClientDetail:
    return _write(
        deals.book_client,
        token,
        client_id=client_id,
        project_id=body.project_id,
        unit=body.unit,
        amount=body.amount,
        unit_id=body.unit_id,
        expected_version=body.version,
    )


@api.post('/clients/{client_id}/comments', response_model=CommentOut, status_code=201, tags=['clients'])
def comment(client_id: int, body: CommentIn, token: Token) -> CommentOut:
    entry = _write(feed.add_comment, token, client_id=client_id, text=body.text)
    return CommentOut(id=entry.id, client_id=entry.client_id, text=entry.text, created_at=entry.created_at)


@api.post('/clients/{client_id}/tasks', response_model=TaskView, status_code=201, tags=['clients'])
def add_task(client_id: int, body: TaskIn, token: Token) -> TaskView:
    return _write(tasks.add_task, token, client_id=client_id, **body.model_dump())


@api.post('/clients/{client_id}/tasks/{task_id}/done', response_model=TaskView, tags=['clients'])
def complete_task(client_id: int, task_id: int, token: Token) -> TaskView:
    return _write(tasks.complete_task, token, client_id=client_id, task_id=task_id)


@api.get('/stages', response_model=list[StageView], tags=['reference'])
def get_stages(token: Token, board: Literal['clients', 'deals'] = Board.clients) -> list[StageView]:
    """Stages in order with their kinds and the reasons a failure or trash stage needs."""
    return _read(reference.stage_views, token, as_actor=False, board=board)


@api.get('/users', response_model=list[UserView], tags=['reference'])
def get_users(token: Token) -> list[UserView]:
    return _read(reference.user_views, token, as_actor=False)


@api.get('/channels', response_model=list[RefOut], tags=['reference'])
def get_channels(token: Token) -> list[RefOut]:
    return [RefOut(id=c.id, name=c.name) for c in _read(reference.channels, token, as_actor=False) if c.active]


@api.get('/projects', response_model=list[RefOut], tags=['reference'])
def get_projects(token: Token) -> list[RefOut]:
    return [
        RefOut(id=p.id, name=p.name, abbreviation=p.abbreviation)
        for p in _read(reference.projects, token, as_actor=False)
        if p.active
    ]


@api.get('/units/free', response_model=list[UnitView], tags=['reference'])
def get_free_units(token: Token, project_id: int | None = None) -> list[UnitView]:
    """The free objects a booking may take (`unit_id` of /clients/{id}/book)."""
    return _read(units.free_units, token, project_id=project_id)


XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
XLSX_RESPONSE = {200: {'content': {XLSX: {'schema': {'type': 'string', 'format': 'binary'}}}}}


def _attachment(file_name: str) -> dict[str, str]:
    """Content-Disposition for a Cyrillic file name: RFC 5987 `filename*`, with an ASCII `filename` fallback."""
    fallback = re.sub(r'[^A-Za-z0-9._-]+', '_', file_name).strip('_.') or 'export.xlsx'
    if not fallback.endswith('.xlsx'):
        fallback += '.xlsx'
    return {'Content-Disposition': f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(file_name)}'}


@api.get('/export/schemas', response_model=list[SchemaView], tags=['export'])
def get_export_schemas(token: Token) -> list[SchemaView]:
    """The export schemas (named column lists) to pass as `schema_id`; needs the export permission."""
    return _read(export_schemas.export_schemas, token)


def _export_into(session, *, actor, schema_id: int, flt: ClientFilter, path: str) -> str:
    """Write the export into `path` inside one read session; returns the file name the user should see."""
    schema = next((s for s in export_schemas.export_schemas(session, actor=actor) if s.id == schema_id), None)
    if schema is None:
        raise NotFound()
    exporting.export_clients(session, actor=actor, schema_id=schema_id, flt=flt, target=path)
    return exporting.export_file_name(schema.name, actor.locale)


@api.get('/export', response_class=FileResponse, responses=XLSX_RESPONSE, tags=['export'])
def export(token: Token, flt: Filter, schema_id: int) -> FileResponse:
    """Every client the caller may see that the filter matches (the same parameters as `GET /clients`), as XLSX
    by the schema's columns. Needs the export permission."""
    handle, path = tempfile.mkstemp(prefix='voronka-export-', suffix='.xlsx')
    os.close(handle)
    try:
        file_name = _read(_export_into, token, schema_id=schema_id, flt=flt, path=path)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path, media_type=XLSX, headers=_attachment(file_name), background=BackgroundTask(os.unlink, path)
    )


@api.get('/import/template', response_class=Response, responses=XLSX_RESPONSE, tags=['import'])
def import_template(token: Token) -> Response:
    """An empty import file: the header row the import reads and one example row."""

    def template(session, *, actor) -> bytes:
        buffer = io.BytesIO()
        importing.write_template(buffer, actor.locale)
        return buffer.getvalue()

    content = _read(template, token)
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
    too_large = InvalidInput('import.error.too_large', limit=importing.MAX_BYTES // (1024 * 1024))
    try:
        declared = int(request.headers.get('content-length', '0'))
    except ValueError:
        declared = 0
    if declared > importing.MAX_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > importing.MAX_BYTES:
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


@api.post(
    '/import',
    response_model=ImportSummary,
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
    await run_in_threadpool(_read, _may_import, token)
    data = await _body(request)
    plan = await run_in_threadpool(_run, commit, token, _import, {'data': data, 'commit': commit})
    return plan.summary(_locale(request))
