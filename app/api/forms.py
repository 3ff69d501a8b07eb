"""Site forms in: a site builder (Tilda) posts its form, form-encoded, multipart or JSON, to the URL an admin made
under Settings → «Формы сайта». No bearer token: the endpoint's own secret is the last part of the path."""

import asyncio
import json
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from app.domain.db import get_database
from app.domain.errors import InvalidInput
from app.domain.integrations import forms
from app.domain.limits import NESTING_MAX, nested_deeper_than

from .common import OVERLOADED_RESPONSE, TOO_LARGE_RESPONSE

router = APIRouter()

TOKEN_MAX = 100


class FormAnswer(BaseModel):
    status: str = Field(description='`created`, `attached` (a known phone: one more request), or `test`')


def _flat(value) -> str:
    if isinstance(value, list):
        return ', '.join(_flat(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return '' if value is None else str(value)


async def _fields(request: Request) -> list[tuple[str, str]]:
    """The posted fields as (name, value) pairs, whatever the form's encoding; files are not fields."""
    body = await request.body()
    if len(body) > forms.BODY_MAX_BYTES:
        raise InvalidInput('forms.error.too_large', limit=forms.BODY_MAX_BYTES // 1024)
    kind = request.headers.get('content-type', '').split(';')[0].strip().lower()
    if kind == 'application/json':
        try:
            data = json.loads(body or b'{}')
        except ValueError:
            raise InvalidInput('error.field.json') from None
        except RecursionError:  # thousands of levels: the decoder gives up before we could measure them
            raise InvalidInput('forms.error.too_deep', limit=NESTING_MAX) from None
        if not isinstance(data, dict):
            raise InvalidInput('forms.error.not_an_object')
        if nested_deeper_than(data, NESTING_MAX):
            raise InvalidInput('forms.error.too_deep', limit=NESTING_MAX)
        return [(str(name), _flat(value)) for name, value in data.items()]
    if kind == 'multipart/form-data':
        form = await request.form(max_files=forms.FIELDS_MAX, max_fields=forms.FIELDS_MAX + 1)
        return [(name, value) for name, value in form.multi_items() if not isinstance(value, UploadFile)]
    try:
        return parse_qsl(
            body.decode('utf-8', errors='replace'), keep_blank_values=True, max_num_fields=forms.FIELDS_MAX + 1
        )
    except ValueError:
        raise InvalidInput('forms.error.too_many_fields', limit=forms.FIELDS_MAX) from None


def _ensure_endpoint(endpoint_token: str) -> None:
    with get_database().read() as session:
        forms.ensure_form_endpoint(session, endpoint_token=endpoint_token)


FORM_BODY = {
    'requestBody': {
        'content': {
            media: {'schema': {'type': 'object', 'additionalProperties': {'type': 'string'}}}
            for media in ('application/x-www-form-urlencoded', 'multipart/form-data', 'application/json')
        }
    }
}


@router.post(
    '/forms/{endpoint_token}',
    response_model=FormAnswer,
    tags=['forms'],
    responses={**TOO_LARGE_RESPONSE, **OVERLOADED_RESPONSE},
    openapi_extra=FORM_BODY,
)
async def post_form(endpoint_token: Annotated[str, Path(max_length=TOKEN_MAX)], request: Request) -> JSONResponse:
    """A form posted by a site: `Name`, `Phone`, `Email`, custom fields by their names, `tranid`, `formid`, utm fields
    (the endpoint's mapping says which field is which). A lead like POST /leads (committed with the leads arriving
    at the same moment), answered 200 `created` or `attached`; the same `tranid` again gets the same answer and makes
    no second request; `test=test` (Tilda's check when the hook is added) is answered `test`. 404 for an unknown or
    revoked endpoint."""
    await run_in_threadpool(_ensure_endpoint, endpoint_token)
    fields = await _fields(request)
    future = get_database().write_grouped(
        lambda session: forms.receive_form_post(session, endpoint_token=endpoint_token, fields=fields)
    )
    answer = await asyncio.wrap_future(future)
    return JSONResponse(answer.body, status_code=answer.status_code)
