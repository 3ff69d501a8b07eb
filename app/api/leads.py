"""Leads in, requests out: website forms and telephony post leads; integrations read the requests list."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from app.domain.clients import leads, requests_list
from app.domain.clients.requests_list import RequestFilter, RequestPage
from app.domain.limits import COMMENT_MAX, NAME_MAX, PHONE_TEXT_MAX, SEARCH_MAX
from app.domain.models import TouchType
from app.domain.views import LeadResult

from .bounds import Id, Limit, Moment, Offset
from .common import OVERLOADED_RESPONSE, Token, read_as, write_grouped_as

router = APIRouter()

RefName = Annotated[str, Field(max_length=NAME_MAX)]


class LeadIn(BaseModel):
    name: str = Field('', max_length=NAME_MAX, examples=['Иванов Иван'])
    phone: str = Field(..., max_length=PHONE_TEXT_MAX, examples=['8 (912) 345-67-89'])
    channel: Id | RefName | None = Field(None, description='channel id or name; unknown names fall back to the first')
    touch_type: Literal['request', 'call'] = TouchType.request
    project: Id | RefName | None = Field(None, description='project id, name or abbreviation')
    comment: str = Field('', max_length=COMMENT_MAX)


@router.post('/leads', response_model=LeadResult, status_code=201, tags=['leads'], responses=OVERLOADED_RESPONSE)
async def post_lead(lead: LeadIn, token: Token) -> LeadResult:
    """A lead from a form or telephony: a new client, or a request attached to the existing one. Answered once
    the lead is committed; a burst of leads queues and is committed in groups, none is refused for the load."""
    return await write_grouped_as(leads.receive_lead, token, **lead.model_dump())


def request_filter(
    created_from: Moment | None = None,
    created_to: Moment | None = None,
    channel_id: Annotated[list[Id] | None, Query(description='requests through any of these channels')] = None,
    project_id: Annotated[list[Id] | None, Query()] = None,
    touch_type: Literal['any', 'request', 'call'] = 'any',
    source: Literal['any', 'manual', 'integration', 'import'] = 'any',
    responsible_id: Annotated[list[Id] | None, Query(description='the responsible of the request’s client')] = None,
    q: Annotated[
        str | None,
        Query(max_length=SEARCH_MAX, description='any part of the client’s name, or 4+ consecutive phone digits'),
    ] = None,
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


@router.get('/requests', response_model=RequestPage, tags=['leads'])
def get_requests(
    token: Token,
    flt: Annotated[RequestFilter, Depends(request_filter)],
    sort: Literal['created_at', 'client', 'touch_type', 'source'] = 'created_at',
    descending: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RequestPage:
    """Every request (incoming contact) of the clients the caller may see, matching the requests screen's filters,
    with the exact total."""
    return read_as(
        requests_list.list_requests, token, flt=flt, sort=sort, descending=descending, limit=limit, offset=offset
    )
