"""Telephony in: call trackers and PBXs report incoming, outgoing and missed calls, each with its recording's URL."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.domain.integrations import calls
from app.domain.integrations.calls import CallResult
from app.domain.limits import (
    CALL_DURATION_MAX,
    CALL_ID_MAX,
    CALL_MANAGER_MAX,
    NAME_MAX,
    PHONE_TEXT_MAX,
    RECORDING_URL_MAX,
)

from .bounds import Id, Moment
from .common import OVERLOADED_RESPONSE, Token, write_grouped_as

router = APIRouter()


class CallIn(BaseModel):
    call_id: str = Field(
        ...,
        max_length=CALL_ID_MAX,
        description='the provider’s id of the call: the same id reported again is the same call, completed by it',
        examples=['mango-5f1c2a'],
    )
    direction: Literal['incoming', 'outgoing', 'missed']
    phone: str = Field(..., max_length=PHONE_TEXT_MAX, description='the client’s number', examples=['8 912 345-67-89'])
    started_at: Moment | None = Field(None, description='when the call began (now when absent)')
    duration: int | None = Field(None, ge=0, le=CALL_DURATION_MAX, description='seconds of talk')
    manager: str = Field(
        '',
        max_length=CALL_MANAGER_MAX,
        description='the internal number or login of the manager who answered or made the call: an incoming '
        'call opens in their tabs (else in the responsible’s)',
        examples=['102'],
    )
    recording_url: str = Field(
        '',
        max_length=RECORDING_URL_MAX,
        description='an http(s) URL the browser plays the recording from (the server never fetches it)',
    )
    name: str = Field('', max_length=NAME_MAX, description='the caller’s name, for a new client')
    channel: Id | str | None = Field(None, description='channel id or name of the request (the tracking line’s)')
    project: Id | str | None = Field(None, description='project id, name or abbreviation')


@router.post('/calls', response_model=CallResult, tags=['calls'], responses=OVERLOADED_RESPONSE)
async def post_call(call: CallIn, token: Token) -> CallResult:
    """A call from telephony. Incoming and missed calls are requests (a new number makes a client in the first
    stage); a missed call gives the responsible a call-back task; an outgoing call to a number no client has is
    skipped. Report the same `call_id` again to complete the call (duration, recording, manager): `status` says
    `logged`, `completed`, `unchanged` or `skipped`; a report contradicting the call (another phone or direction)
    is a 409."""
    report = call.model_dump(exclude={'duration'})
    return await write_grouped_as(calls.log_call, token, duration_s=call.duration, **report)
