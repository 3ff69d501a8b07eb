"""/documents/{id}: a document for the logged-in browser (the window's download links and previews), sent by the
same rules as the API's download and never as a page of our origin."""

from fastapi import Request
from fastapi.responses import PlainTextResponse
from nicegui import app, run

from app.borders import SESSION_COOKIE, file_response
from app.domain.account import users
from app.domain.db import get_database
from app.domain.documents import documents
from app.domain.errors import DomainError
from app.domain.limits import INT_MAX
from app.i18n import translate


def _open(key: str | None, document_id: int) -> documents.Download | None:
    with get_database().read() as session:
        actor = users.actor_for_session(session, key)
        if actor is None:
            return None
        return documents.open_document(session, actor=actor, document_id=document_id)


def register() -> None:
    @app.get('/documents/{document_id}', include_in_schema=False)
    async def download(request: Request, document_id: int, inline: bool = False):
        """`inline=1` shows a raster image or hands a PDF to pdf.js; any other type is always an attachment."""
        locale = 'en' if request.headers.get('accept-language', '').lower().startswith('en') else 'ru'
        if not 0 < document_id <= INT_MAX:
            return PlainTextResponse(translate('error.not_found', locale), status_code=404)
        try:
            found = await run.io_bound(_open, request.cookies.get(SESSION_COOKIE), document_id)
        except DomainError as error:
            return PlainTextResponse(error.message(locale), status_code=404)
        if found is None:
            return PlainTextResponse(translate('login.expired', locale), status_code=401)
        return file_response(found.name, found.content_type, found.size, found.chunks, inline=inline and found.inline)
