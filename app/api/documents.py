"""Documents through the API: list, upload (multipart), download, rename and delete files of clients and deals."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.responses import Response, StreamingResponse

from app.borders import file_response
from app.domain.documents import documents
from app.domain.documents.documents import DocumentView
from app.domain.documents.files import NAME_MAX
from app.domain.documents.storage import MEBIBYTE, file_max_bytes, file_store
from app.domain.errors import InvalidInput

from .bounds import Id
from .common import TOO_LARGE_RESPONSE, Token, read_as, run_as, write_as

router = APIRouter(tags=['documents'])

UPLOAD_BODY = {
    'requestBody': {
        'required': True,
        'content': {
            'multipart/form-data': {
                'schema': {
                    'type': 'object',
                    'required': ['file'],
                    'properties': {
                        'file': {'type': 'string', 'format': 'binary', 'description': 'the file, one per request'},
                        'name': {'type': 'string', 'maxLength': NAME_MAX, 'description': 'defaults to the file’s'},
                    },
                }
            }
        },
    }
}
FILE_RESPONSE = {
    200: {
        'content': {'*/*': {'schema': {'type': 'string', 'format': 'binary'}}},
        'description': 'the file, `Content-Disposition: attachment`, its type sniffed from its bytes',
    }
}


class RenameIn(BaseModel):
    name: str = Field(..., max_length=1000, description=f'cleaned of folders and odd characters, cut to {NAME_MAX}')


@router.get('/clients/{client_id}/documents', response_model=list[DocumentView])
def client_documents(client_id: Id, token: Token) -> list[DocumentView]:
    """Every document of the client, its deals' included, newest first."""
    return read_as(documents.list_client_documents, token, client_id=client_id)


@router.get('/deals/{deal_id}/documents', response_model=list[DocumentView])
def deal_documents(deal_id: Id, token: Token) -> list[DocumentView]:
    return read_as(documents.list_deal_documents, token, deal_id=deal_id)


async def _upload(request: Request, token: str, *, client_id: int | None, deal_id: int | None) -> DocumentView:
    """Refuse a caller who may not attach before reading the body, spool the file while hashing it, then attach."""
    await run_in_threadpool(read_as, documents.check_may_attach, token, client_id=client_id, deal_id=deal_id)
    async with request.form(max_files=1, max_fields=4) as form:
        upload, name = form.get('file'), form.get('name')
        if not isinstance(upload, UploadFile):
            raise InvalidInput('documents.error.no_file')
        name = name if isinstance(name, str) and name.strip() else upload.filename

        async def chunks():
            while chunk := await upload.read(MEBIBYTE):
                yield chunk

        spooled = await file_store().spool_async(chunks(), limit=file_max_bytes())

    def run(service, write: bool, **arguments):
        return run_as(write, token, service, arguments)

    return await run_in_threadpool(
        documents.attach_spooled, run, spooled, name or '', client_id=client_id, deal_id=deal_id
    )


@router.post(
    '/clients/{client_id}/documents',
    response_model=DocumentView,
    status_code=201,
    responses=TOO_LARGE_RESPONSE,
    openapi_extra=UPLOAD_BODY,
)
async def upload_client_document(client_id: Id, request: Request, token: Token) -> DocumentView:
    """Attach a file to the client (multipart field `file`); whoever may act on the client may. 413 over the
    per-file limit (`VORONKA_FILE_MAX_MB`), 422 over the account's quota or for an empty file."""
    return await _upload(request, token, client_id=client_id, deal_id=None)


@router.post(
    '/deals/{deal_id}/documents',
    response_model=DocumentView,
    status_code=201,
    responses=TOO_LARGE_RESPONSE,
    openapi_extra=UPLOAD_BODY,
)
async def upload_deal_document(deal_id: Id, request: Request, token: Token) -> DocumentView:
    """Attach a file to the deal (and so to its client), with the client's permissions."""
    return await _upload(request, token, client_id=None, deal_id=deal_id)


@router.get('/documents/{document_id}', response_model=DocumentView)
def get_document(document_id: Id, token: Token) -> DocumentView:
    return read_as(documents.get_document, token, document_id=document_id)


@router.get('/documents/{document_id}/content', response_class=StreamingResponse, responses=FILE_RESPONSE)
def download_document(document_id: Id, token: Token) -> StreamingResponse:
    """The file, always as an attachment: an uploaded HTML page is saved, never run in our origin."""
    download = read_as(documents.open_document, token, document_id=document_id)
    return file_response(download.name, download.content_type, download.size, download.chunks)


@router.patch('/documents/{document_id}', response_model=DocumentView)
def rename_document(document_id: Id, body: RenameIn, token: Token) -> DocumentView:
    """The uploader or whoever may act on the client may rename."""
    return write_as(documents.rename_document, token, document_id=document_id, name=body.name)


@router.delete('/documents/{document_id}', status_code=204, response_class=Response)
def delete_document(document_id: Id, token: Token) -> Response:
    """The uploader, the client's responsible, heads and admins may delete; the feed keeps a line about it."""
    write_as(documents.delete_document, token, document_id=document_id)
    return Response(status_code=204)
