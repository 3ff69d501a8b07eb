"""What every API router shares: the bearer token, running a service as the token's owner, and the mapping of
domain errors and validation errors to HTTP answers in the caller's language, in the one shape OpenAPI documents."""

import asyncio
from typing import Annotated

from fastapi import Depends, FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from app.domain.account import users
from app.domain.db import get_database
from app.domain.errors import (
    Conflict,
    DomainError,
    DuplicatePhone,
    InvalidInput,
    LoginRefused,
    NotFound,
    PermissionDenied,
    StaleUpdate,
)
from app.domain.views import ClientDetail
from app.i18n import DEFAULT_LOCALE, LOCALES, translate

bearer = HTTPBearer(auto_error=False)

STATUS_BY_ERROR = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (PermissionDenied, status.HTTP_403_FORBIDDEN),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidInput, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (LoginRefused, status.HTTP_401_UNAUTHORIZED),
)
STATUS_BY_KEY = {
    'import.error.too_large': status.HTTP_413_CONTENT_TOO_LARGE,
    'documents.error.too_large': status.HTTP_413_CONTENT_TOO_LARGE,
    'error.overloaded': status.HTTP_503_SERVICE_UNAVAILABLE,
}


class ErrorOut(BaseModel):
    """The body of every refusal (4xx): one shape, so an integration reads any error the same way."""

    detail: str = Field(description='why, in the language of Accept-Language (Russian unless English comes first)')
    code: str = Field(description='a stable key to branch on: `error.stale`, `error.duplicate_phone`, `error.invalid`…')
    client_id: int | None = Field(
        None, description='a duplicate phone (409): the client who has it, or null when you may not see them'
    )
    phone: str | None = Field(None, description='a duplicate phone (409): the number, E.164')
    current: ClientDetail | None = Field(
        None, description='a stale update (409 `error.stale`): the client as it is now, to retry with its `version`'
    )


def _documented(description: str) -> dict:
    return {'model': ErrorOut, 'description': description}


# every route needs the token; the others are what a write or a lookup may meet, documented on every route alike
ERROR_RESPONSES = {
    status.HTTP_400_BAD_REQUEST: _documented('the body cannot be read at all (not UTF-8)'),
    status.HTTP_401_UNAUTHORIZED: _documented('no token, or not a valid one'),
    status.HTTP_403_FORBIDDEN: _documented('the token’s owner may not do this'),
    status.HTTP_404_NOT_FOUND: _documented('no such record, or one the token’s owner may not see'),
    status.HTTP_409_CONFLICT: _documented(
        'a duplicate phone (`client_id`, `phone`), or somebody saved the record since you read it (`current`)'
    ),
    status.HTTP_422_UNPROCESSABLE_CONTENT: _documented('a value is missing, malformed or out of its bounds'),
}
TOO_LARGE_RESPONSE = {status.HTTP_413_CONTENT_TOO_LARGE: _documented('the file is over the size limit')}
OVERLOADED_RESPONSE = {
    status.HTTP_503_SERVICE_UNAVAILABLE: _documented('too many writes wait already: nothing taken, send again')
}

# pydantic's error types, by the message that explains them and the context value quoted as the limit
VALIDATION_MESSAGES = {
    'missing': ('error.field.missing', None),
    'string_too_long': ('error.too_long', 'max_length'),
    'string_too_short': ('error.field.too_short', 'min_length'),
    'too_long': ('error.field.too_many', 'max_length'),
    'too_short': ('error.field.too_few', 'min_length'),
    'greater_than_equal': ('error.field.min', 'ge'),
    'less_than_equal': ('error.field.max', 'le'),
    'int_parsing': ('error.field.integer', None),
    'int_from_float': ('error.field.integer', None),
    'int_type': ('error.field.integer', None),
    'float_parsing': ('error.field.number', None),
    'float_type': ('error.field.number', None),
    'finite_number': ('error.field.number', None),
    'datetime_parsing': ('error.field.datetime', None),
    'datetime_from_date_parsing': ('error.field.datetime', None),
    'datetime_type': ('error.field.datetime', None),
    'date_parsing': ('error.field.date', None),
    'bool_parsing': ('error.field.bool', None),
    'bool_type': ('error.field.bool', None),
    'literal_error': ('error.field.choice', 'expected'),
    'enum': ('error.field.choice', 'expected'),
    'list_type': ('error.field.list', None),
    'dict_type': ('error.field.object', None),
    'model_type': ('error.field.object', None),
    'json_invalid': ('error.field.json', None),
    'string_type': ('error.field.text', None),
}


def locale_of(request: Request) -> str:
    """The caller's language from Accept-Language; Russian unless English is asked for first."""
    header = request.headers.get('accept-language', '')
    for part in header.split(','):
        code = part.split(';')[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return DEFAULT_LOCALE


async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    """A refusal of the domain as ErrorOut; a stale update brings the record the refusing service read."""
    code = STATUS_BY_KEY.get(exc.key) or next(
        (code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST
    )
    body = {'detail': exc.message(locale_of(request)), 'code': exc.key}
    if isinstance(exc, DuplicatePhone):
        body['client_id'] = exc.client_id
        body['phone'] = exc.phone
    if isinstance(exc, StaleUpdate) and exc.current is not None:
        body['current'] = jsonable_encoder(exc.current)
    headers = {'WWW-Authenticate': 'Bearer'} if code == status.HTTP_401_UNAUTHORIZED else None
    return JSONResponse(body, status_code=code, headers=headers)


def validation_message(error: dict, locale: str) -> str:
    """One pydantic error as a sentence in the caller's language, naming the field (`phones.0`) and its limit."""
    where = '.'.join(str(p) for p in error.get('loc', ()) if p not in ('body', 'query', 'path', 'header'))
    key, limit_name = VALIDATION_MESSAGES.get(error.get('type'), ('error.field.invalid', None))
    limit = (error.get('ctx') or {}).get(limit_name, '')
    if limit_name == 'expected':
        limit = str(limit).replace(' or ', ', ')  # pydantic joins the choices with an English «or»
    return translate(key, locale, field=where or translate('error.field.body', locale), limit=limit)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's validation errors as ErrorOut, not its default list: one shape for every refusal."""
    locale = locale_of(request)
    detail = '; '.join(validation_message(error, locale) for error in exc.errors())
    return JSONResponse({'detail': detail, 'code': 'error.invalid'}, status_code=422)


# FastAPI's and Starlette's own refusals: an undecodable body (400), an unknown path (404), a wrong method (405)
HTTP_KEYS = {status.HTTP_400_BAD_REQUEST: 'error.field.json', status.HTTP_404_NOT_FOUND: 'error.not_found'}


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """The framework's refusals as ErrorOut too, so no answer of the API has another shape."""
    key = HTTP_KEYS.get(exc.status_code)
    body = {'detail': translate(key, locale_of(request)) if key else str(exc.detail), 'code': key or 'error.generic'}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The token as sent; it is checked inside the request's own transaction (one session, one thread hop)."""
    return credentials.credentials if credentials else ''


Token = Annotated[str, Depends(bearer_token)]


def _as_owner(session, write: bool, token: str, service, arguments: dict, as_actor: bool = True):
    actor = users.actor_for_token(session, token, touch=write)
    if actor is None:
        raise LoginRefused('error.token')
    return service(session, actor=actor, **arguments) if as_actor else service(session, **arguments)


def run_as(write: bool, token: str, service, arguments: dict, *, as_actor: bool = True):
    """Resolve the token's owner and run the service in one session (a token verified in the last
    TOKEN_TRUST_S seconds is believed without asking the database)."""
    database = get_database()
    with database.write() if write else database.read() as session:
        return _as_owner(session, write, token, service, arguments, as_actor)


async def write_grouped_as(service, token: str, **arguments):
    """A write as the token's owner, committed together with the writes arriving at the same moment; answered
    once it is committed. For the endpoints integrations call in streams (leads)."""
    future = get_database().write_grouped(lambda session: _as_owner(session, True, token, service, arguments))
    return await asyncio.wrap_future(future)


def write_as(service, token: str, **arguments):
    return run_as(True, token, service, arguments)


def read_as(service, token: str, *, as_actor: bool = True, **arguments):
    return run_as(False, token, service, arguments, as_actor=as_actor)


def install_error_handlers(api: FastAPI) -> None:
    """Domain, validation and the framework's errors answer with `{detail, code}` in the caller's language."""
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(HTTPException, _http_error)
