"""What every API router shares: the bearer token, running a service as the token's owner, and the mapping of
domain errors to HTTP answers in the caller's language."""

from typing import Annotated

from fastapi import Depends, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
)
from app.i18n import DEFAULT_LOCALE, LOCALES

bearer = HTTPBearer(auto_error=False)

STATUS_BY_ERROR = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (PermissionDenied, status.HTTP_403_FORBIDDEN),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidInput, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (LoginRefused, status.HTTP_401_UNAUTHORIZED),
)
STATUS_BY_KEY = {'import.error.too_large': status.HTTP_413_CONTENT_TOO_LARGE}


def locale_of(request: Request) -> str:
    """The caller's language from Accept-Language; Russian unless English is asked for first."""
    header = request.headers.get('accept-language', '')
    for part in header.split(','):
        code = part.split(';')[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return DEFAULT_LOCALE


async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    code = STATUS_BY_KEY.get(exc.key) or next(
        (code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST
    )
    body = {'detail': exc.message(locale_of(request)), 'code': exc.key}
    if isinstance(exc, DuplicatePhone):
        body['client_id'] = exc.client_id
        body['phone'] = exc.phone
    headers = {'WWW-Authenticate': 'Bearer'} if code == status.HTTP_401_UNAUTHORIZED else None
    return JSONResponse(body, status_code=code, headers=headers)


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


def run_as(write: bool, token: str, service, arguments: dict, *, as_actor: bool = True):
    """Resolve the token's owner and run the service in one session; a deactivated owner is refused at once."""
    database = get_database()
    with database.write() if write else database.read() as session:
        actor = users.actor_for_token(session, token, touch=write)
        if actor is None:
            raise LoginRefused('error.token')
        return service(session, actor=actor, **arguments) if as_actor else service(session, **arguments)


def write_as(service, token: str, **arguments):
    return run_as(True, token, service, arguments)


def read_as(service, token: str, *, as_actor: bool = True, **arguments):
    return run_as(False, token, service, arguments, as_actor=as_actor)


def install_error_handlers(api: FastAPI) -> None:
    """Domain errors and validation errors answer with `{detail, code}` in the caller's language."""
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
