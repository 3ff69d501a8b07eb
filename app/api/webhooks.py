"""Webhooks: the endpoints an admin registers for events out, what each was sent, and sending one again. The same
services as Settings → «Интеграции»: admins only, the secret shown once, when it is made."""

from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.domain.integrations import webhooks
from app.domain.integrations.outbox import EVENT_KINDS
from app.domain.integrations.webhooks import DeliveryView, EndpointCreated, EndpointView

from .bounds import Id, Limit
from .common import Token, read_as, write_as

router = APIRouter(tags=['webhooks'])

EventKind = Literal[EVENT_KINDS]
Events = Annotated[list[EventKind], Field(min_length=1, max_length=len(EVENT_KINDS), description='the events wanted')]
Url = Annotated[
    str,
    Field(
        max_length=webhooks.URL_MAX,
        description='http(s), without credentials, of a public host (private addresses only when the server allows)',
        examples=['https://analytics.example.com/voronka'],
    ),
]
Description = Annotated[str, Field(max_length=webhooks.DESCRIPTION_MAX)]


class EndpointIn(BaseModel):
    url: Url
    events: Events
    description: Description = ''
    active: bool = True


class EndpointPatch(BaseModel):
    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    active: bool | None = Field(None, description='false: no new events for it (those already waiting still go)')


class SecretOut(BaseModel):
    secret: str = Field(description='the new signing secret, shown this once')


class ResentOut(BaseModel):
    id: int = Field(description='the delivery, due now with a new day of retries and the same delivery id')


@router.get('/webhooks', response_model=list[EndpointView])
def get_endpoints(token: Token) -> list[EndpointView]:
    """Every endpoint with how many deliveries wait and whether it has failed for a day; never a secret. Admins
    only."""
    return read_as(webhooks.list_endpoints, token)


@router.post('/webhooks', response_model=EndpointCreated, status_code=201)
def post_endpoint(endpoint: EndpointIn, token: Token) -> EndpointCreated:
    """Register a receiver. The answer's `secret` signs every delivery (`X-Voronka-Signature`) and is never shown
    again. Admins only."""
    return write_as(webhooks.create_endpoint, token, **endpoint.model_dump())


@router.patch('/webhooks/{endpoint_id}', response_model=EndpointView)
def patch_endpoint(endpoint_id: Id, patch: EndpointPatch, token: Token) -> EndpointView:
    """Change what is given (an absent or null field stays as it is). Admins only."""
    return write_as(webhooks.edit_endpoint, token, endpoint_id=endpoint_id, **patch.model_dump())


@router.delete('/webhooks/{endpoint_id}', status_code=204, response_class=Response)
def delete_endpoint(endpoint_id: Id, token: Token) -> Response:
    """The endpoint goes, with the deliveries it had and those still waiting. Admins only."""
    write_as(webhooks.delete_endpoint, token, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.post('/webhooks/{endpoint_id}/secret', response_model=SecretOut)
def post_new_secret(endpoint_id: Id, token: Token) -> SecretOut:
    """A new signing secret, shown this once; deliveries from now on are signed with it. Admins only."""
    return SecretOut(secret=write_as(webhooks.regenerate_secret, token, endpoint_id=endpoint_id))


@router.get('/webhooks/{endpoint_id}/deliveries', response_model=list[DeliveryView])
def get_deliveries(endpoint_id: Id, token: Token, limit: Limit = webhooks.RECENT_DELIVERIES) -> list[DeliveryView]:
    """The endpoint's latest deliveries, newest first: status (`pending`, `delivered`, `failed`), attempts, the
    last answer's code and error. Admins only."""
    return read_as(webhooks.recent_deliveries, token, endpoint_id=endpoint_id, limit=limit)


@router.post('/webhooks/deliveries/{delivery_id}/resend', response_model=ResentOut)
def post_resend(delivery_id: Id, token: Token) -> ResentOut:
    """«Отправить снова»: the delivery is sent again now, with the same `X-Voronka-Delivery` id so a receiver that
    has it can tell. Admins only."""
    return ResentOut(id=write_as(webhooks.resend_delivery, token, delivery_id=delivery_id))
