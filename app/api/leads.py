"""Leads in, requests out: website forms and telephony post leads; integrations read the requests list."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.domain.attribution import EXTRA_KEYS_MAX, EXTRA_MAX_BYTES, TEXT_FIELDS, URL_MAX, UTM_MAX, VISIT_ID_MAX
from app.domain.clients import requests_list
from app.domain.clients.requests_list import RequestFilter, RequestPage
from app.domain.integrations import idempotency, intake
from app.domain.integrations.idempotency import IDEMPOTENCY_DAYS, KEY_MAX
from app.domain.limits import COMMENT_MAX, NAME_MAX, PHONE_TEXT_MAX, SEARCH_MAX
from app.domain.models import TouchType
from app.domain.views import LeadResult

from .bounds import Id, Limit, Moment, Offset
from .common import OVERLOADED_RESPONSE, ErrorOut, Token, read_as, write_grouped_as

router = APIRouter()

RefName = Annotated[str, Field(max_length=NAME_MAX)]


class LeadIn(BaseModel):
    name: str = Field('', max_length=NAME_MAX, examples=['Иванов Иван'])
    phone: str = Field(..., max_length=PHONE_TEXT_MAX, examples=['8 (912) 345-67-89'])
    channel: Id | RefName | None = Field(
        None,
        description='channel id or name; unknown names fall back to the first. Without one, the channel rules for '
        '`utm_source` (Settings → lists) choose it, else the first channel',
    )
    touch_type: Literal['request', 'call'] = TouchType.request
    project: Id | RefName | None = Field(None, description='project id, name or abbreviation')
    comment: str = Field('', max_length=COMMENT_MAX)
    utm_source: str = Field('', max_length=UTM_MAX, examples=['yandex'])
    utm_medium: str = Field('', max_length=UTM_MAX, examples=['cpc'])
    utm_campaign: str = Field('', max_length=UTM_MAX, examples=['spring_sale'])
    utm_content: str = Field('', max_length=UTM_MAX)
    utm_term: str = Field('', max_length=UTM_MAX)
    landing_url: str = Field('', max_length=URL_MAX, description='the page the form was sent from')
    referrer: str = Field('', max_length=URL_MAX)
    roistat_visit: str = Field('', max_length=VISIT_ID_MAX, description='Roistat’s visit number')
    calltouch_session_id: str = Field('', max_length=VISIT_ID_MAX)
    comagic_visitor_id: str = Field('', max_length=VISIT_ID_MAX)
    extra: dict | None = Field(
        None,
        description=f'anything else, kept with the request: a JSON object of at most {EXTRA_KEYS_MAX} keys and '
        f'{EXTRA_MAX_BYTES} bytes',
    )
    external_id: str | None = Field(
        None,
        max_length=KEY_MAX,
        description='your id of this lead: sent again (a retry), it gets the first answer back and makes no second '
        f'request; kept {IDEMPOTENCY_DAYS} days per token. The `Idempotency-Key` header does the same',
    )


IDEMPOTENT_RESPONSES = {
    **OVERLOADED_RESPONSE,
    status.HTTP_409_CONFLICT: {
        'model': ErrorOut,
        'description': '`error.idempotency_mismatch`: this key came before with another body (nothing is written)',
    },
}


@router.post('/leads', response_model=LeadResult, status_code=201, tags=['leads'], responses=IDEMPOTENT_RESPONSES)
async def post_lead(
    lead: LeadIn,
    token: Token,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=KEY_MAX, description='a retry with the same key gets the first answer back'),
    ] = None,
) -> JSONResponse:
    """A lead from a form or telephony: a new client, or a request attached to the existing one, with its
    attribution. Answered once the lead is committed; a burst of leads queues and is committed in groups, none is
    refused for the load. A repeated `Idempotency-Key` / `external_id` is answered as the first time (header
    `Idempotent-Replayed: true`)."""
    values = lead.model_dump()
    answer = await write_grouped_as(
        intake.take_lead,
        token,
        scope=idempotency.token_scope(token),
        idempotency_key=idempotency_key,
        external_id=values.pop('external_id'),
        attribution={name: values.pop(name) for name in (*TEXT_FIELDS, 'extra')},
        **values,
    )
    headers = {'Idempotent-Replayed': 'true'} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


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
    utm_source: Annotated[str, Query(max_length=UTM_MAX, description='requests with exactly this utm_source')] = '',
    utm_medium: Annotated[str, Query(max_length=UTM_MAX)] = '',
    utm_campaign: Annotated[str, Query(max_length=UTM_MAX)] = '',
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
        utm_source=utm_source,
        utm_medium=utm_medium,
        utm_campaign=utm_campaign,
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
