"""Clients: the list with the screens' filters, one client, its changes, comments, tasks and bulk actions."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from app.domain.clients import bulk, clients, feed, tasks
from app.domain.clients.bulk import BulkResult, Selection
from app.domain.clients.filters import ClientFilter
from app.domain.limits import (
    COMMENT_MAX,
    EMAIL_MAX,
    NAME_MAX,
    PHONE_TEXT_MAX,
    PHONES_MAX,
    SEARCH_MAX,
    SITUATION_MAX,
    TASK_TITLE_MAX,
)
from app.domain.models import TaskType, TouchType
from app.domain.views import ClientDetail, ClientPage, TaskView

from .bounds import Count, Id, Limit, Moment, Money, Offset
from .common import Token, read_as, write_as

router = APIRouter()

PhoneText = Annotated[str, Field(max_length=PHONE_TEXT_MAX)]
Version = Annotated[
    Count | None,
    Field(
        description='the version you read; a newer one on the server means 409 `error.stale` with the client as it '
        'is now in `current`. Left out, the change is made whatever was saved since: the last writer wins'
    ),
]


class ClientIn(BaseModel):
    name: str = Field(..., max_length=NAME_MAX)
    phones: list[PhoneText] = Field(..., min_length=1, max_length=PHONES_MAX)
    email: str = Field('', max_length=EMAIL_MAX)
    project_id: Id | None = None
    channel_id: Id | None = None
    agency_id: Id | None = None
    realtor_id: Id | None = None
    situation: str = Field('', max_length=SITUATION_MAX)
    tag_ids: list[Id] = []
    responsible_id: Id | None = None
    touch_type: Literal['request', 'call'] = TouchType.call


class ClientPatch(BaseModel):
    version: Version = None
    name: str | None = Field(None, max_length=NAME_MAX)
    phones: list[PhoneText] | None = Field(
        None,
        description=f'all the client’s phones; at most {PHONES_MAX}, but a client that has more from before may '
        'keep them or drop some (no new one)',
    )
    email: str | None = Field(None, max_length=EMAIL_MAX)
    project_id: Id | None = None
    channel_id: Id | None = None
    agency_id: Id | None = None
    realtor_id: Id | None = None
    situation: str | None = Field(None, max_length=SITUATION_MAX)
    tag_ids: list[Id] | None = None
    touch_type: Literal['request', 'call'] | None = None
    custom: dict | None = None


CLEARABLE = {'project_id', 'agency_id', 'realtor_id'}


class MoveIn(BaseModel):
    stage_id: Id
    reason_id: Id | None = None
    version: Version = None


class ReopenIn(BaseModel):
    stage_id: Id | None = None
    version: Version = None


class AssignIn(BaseModel):
    responsible_id: Id
    version: Version = None


class CommentIn(BaseModel):
    text: str = Field(..., max_length=COMMENT_MAX)


class CommentOut(BaseModel):
    id: int
    client_id: int
    text: str
    created_at: datetime


class TaskIn(BaseModel):
    title: str = Field(..., max_length=TASK_TITLE_MAX)
    due_at: Moment
    type: Literal['call', 'meeting', 'showing', 'other'] = TaskType.call
    assignee_id: Id | None = None


class BulkIn(BaseModel):
    client_ids: list[Id] = Field([], description='the chosen clients, or leave empty and give `filter`')
    filter: ClientFilter | None = Field(None, description='all clients matching this filter')

    def selection(self) -> Selection:
        return Selection(client_ids=self.client_ids, flt=self.filter)


class BulkAssignIn(BulkIn):
    responsible_id: Id


class BulkMoveIn(BulkIn):
    stage_id: Id
    reason_id: Id | None = None


class BulkTagsIn(BulkIn):
    add_tag_ids: list[Id] = []
    remove_tag_ids: list[Id] = []


def client_filter(
    stage_id: Annotated[list[Id] | None, Query(description='stages; none given means the working stages')] = None,
    all_stages: Annotated[bool, Query(description='include the closing stages when no stage_id is given')] = False,
    responsible_id: Annotated[list[Id] | None, Query()] = None,
    creator_id: Annotated[list[Id] | None, Query()] = None,
    project_id: Annotated[list[Id] | None, Query()] = None,
    tag_id: Annotated[list[Id] | None, Query(description='clients having any of these tags')] = None,
    source: Literal['any', 'own', 'agency'] = 'any',
    task_state: Annotated[Literal['any', 'none', 'overdue', 'open'], Query(alias='tasks')] = 'any',
    created_from: Moment | None = None,
    created_to: Moment | None = None,
    last_comment_from: Moment | None = None,
    last_comment_to: Moment | None = None,
    deals_count_min: Count | None = None,
    deals_count_max: Count | None = None,
    deals_sum_min: Money | None = None,
    deals_sum_max: Money | None = None,
    q: Annotated[
        str | None, Query(max_length=SEARCH_MAX, description='any part of the name, or 4+ consecutive phone digits')
    ] = None,
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


@router.get('/clients', response_model=ClientPage, tags=['clients'])
def get_clients(
    token: Token,
    flt: Filter,
    sort: Literal['created_at', 'name', 'last_activity_at', 'stage_changed_at'] = 'created_at',
    descending: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ClientPage:
    """Clients the caller may see matching the same filters as the screens, with the exact total."""
    return read_as(clients.list_clients, token, flt=flt, sort=sort, descending=descending, limit=limit, offset=offset)


# bulk routes come before /clients/{client_id}/…, which would otherwise take «bulk» for an id
@router.post('/clients/bulk/assign', response_model=BulkResult, tags=['bulk'])
def bulk_assign(body: BulkAssignIn, token: Token) -> BulkResult:
    """Hand many clients to another user in one transaction (a manager on leave → a colleague)."""
    return write_as(bulk.bulk_assign, token, selection=body.selection(), responsible_id=body.responsible_id)


@router.post('/clients/bulk/move', response_model=BulkResult, tags=['bulk'])
def bulk_move(body: BulkMoveIn, token: Token) -> BulkResult:
    return write_as(bulk.bulk_move, token, selection=body.selection(), stage_id=body.stage_id, reason_id=body.reason_id)


@router.post('/clients/bulk/tags', response_model=BulkResult, tags=['bulk'])
def bulk_tags(body: BulkTagsIn, token: Token) -> BulkResult:
    return write_as(
        bulk.bulk_tags,
        token,
        selection=body.selection(),
        add_tag_ids=body.add_tag_ids,
        remove_tag_ids=body.remove_tag_ids,
    )


@router.post('/clients', response_model=ClientDetail, status_code=201, tags=['clients'])
def post_client(client: ClientIn, token: Token) -> ClientDetail:
    return write_as(clients.create_client, token, **client.model_dump())


@router.get('/clients/{client_id}', response_model=ClientDetail, tags=['clients'])
def get_client(client_id: Id, token: Token) -> ClientDetail:
    return read_as(clients.get_client, token, client_id=client_id)


@router.patch('/clients/{client_id}', response_model=ClientDetail, tags=['clients'])
def patch_client(client_id: Id, patch: ClientPatch, token: Token) -> ClientDetail:
    """Change the fields given; the others stay. Send the `version` you read to be refused (409 `error.stale`,
    the fresh client in `current`) if somebody saved the client since; without `version` the last writer wins."""
    changes = patch.model_dump(exclude_unset=True)
    version = changes.pop('version', None)
    # null clears a reference (project, agency, realtor); for anything else it means "leave as is"
    changes = {k: v for k, v in changes.items() if v is not None or k in CLEARABLE}
    return write_as(clients.update_client, token, client_id=client_id, changes=changes, expected_version=version)


@router.post('/clients/{client_id}/move', response_model=ClientDetail, tags=['clients'])
def move(client_id: Id, body: MoveIn, token: Token) -> ClientDetail:
    return write_as(
        clients.move_client,
        token,
        client_id=client_id,
        stage_id=body.stage_id,
        reason_id=body.reason_id,
        expected_version=body.version,
    )


@router.post('/clients/{client_id}/reopen', response_model=ClientDetail, tags=['clients'])
def reopen(client_id: Id, body: ReopenIn, token: Token) -> ClientDetail:
    return write_as(
        clients.reopen_client, token, client_id=client_id, stage_id=body.stage_id, expected_version=body.version
    )


@router.post('/clients/{client_id}/assign', response_model=ClientDetail, tags=['clients'])
def assign(client_id: Id, body: AssignIn, token: Token) -> ClientDetail:
    return write_as(
        clients.assign_client,
        token,
        client_id=client_id,
        responsible_id=body.responsible_id,
        expected_version=body.version,
    )


@router.post('/clients/{client_id}/comments', response_model=CommentOut, status_code=201, tags=['clients'])
def comment(client_id: Id, body: CommentIn, token: Token) -> CommentOut:
    entry = write_as(feed.add_comment, token, client_id=client_id, text=body.text)
    return CommentOut(id=entry.id, client_id=entry.client_id, text=entry.text, created_at=entry.created_at)


@router.post('/clients/{client_id}/tasks', response_model=TaskView, status_code=201, tags=['clients'])
def add_task(client_id: Id, body: TaskIn, token: Token) -> TaskView:
    return write_as(tasks.add_task, token, client_id=client_id, **body.model_dump())


@router.post('/clients/{client_id}/tasks/{task_id}/done', response_model=TaskView, tags=['clients'])
def complete_task(client_id: Id, task_id: Id, token: Token) -> TaskView:
    return write_as(tasks.complete_task, token, client_id=client_id, task_id=task_id)
