"""Documents of clients and deals: who may list, attach, rename and delete them, the size limits and the account's
quota, and the feed entries they leave. The bytes live in the file store (storage.py); a row refers to a blob only
after the blob is complete, and a blob goes when the last row referring to it does."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import select

from ..account.audit import record_change
from ..clients.feed import lock_client, touch_client, write_system_entry
from ..db import get_database
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..models import AccountSetting, Client, Deal, Document, FeedKind, User, utcnow
from ..permissions import Actor, can_act_on_client, ensure_admin, ensure_can_act, ensure_can_see
from .files import PDF, PREVIEW_IMAGES, clean_name, icon_of, sniff_type
from .storage import MEBIBYTE, Spooled, file_max_bytes, file_store

SETTING_KEY = 'documents'
QUOTA_MB_DEFAULT = 10 * 1024  # 10 GB for the whole account until an admin says otherwise
QUOTA_MB_MAX = 10 * 1024 * 1024


class DocumentView(BaseModel):
    """A document as its list shows it, with what the viewer may do to it."""

    id: int
    client_id: int
    deal_id: int | None
    name: str
    content_type: str
    icon: str
    size: int
    uploaded_by: str
    uploaded_at: datetime
    preview: str  # 'image', 'pdf' or '': how the window may show it without framing it
    can_rename: bool
    can_delete: bool


class DocumentLimits(BaseModel):
    """What admins see under Settings: the per-file limit, the account's quota and what is used of it."""

    file_max_mb: int
    quota_mb: int
    used_bytes: int
    count: int


@dataclass(frozen=True)
class Staged:
    """A complete blob in the store, not yet referred to by any row: what `attach_document` records."""

    key: str
    size: int
    content_type: str
    name: str


@dataclass(frozen=True)
class Download:
    """A document to send: its name, type and a stream of its bytes from the store."""

    name: str
    content_type: str
    size: int
    chunks: Iterator[bytes]
    inline: bool  # may be shown in our origin (a raster image or a PDF read by pdf.js), else only saved


def _preview(content_type: str) -> str:
    if content_type in PREVIEW_IMAGES:
        return 'image'
    return 'pdf' if content_type == PDF else ''


def _may_delete(actor: Actor, client: Client, document: Document) -> bool:
    """The uploader, the client's responsible, heads and admins (all of them see the client already)."""
    return actor.active and (actor.is_head_or_admin or actor.id in (document.uploaded_by_id, client.responsible_id))


def _may_rename(actor: Actor, client: Client, document: Document) -> bool:
    return actor.active and (document.uploaded_by_id == actor.id or can_act_on_client(actor, client))


def _views(session, actor: Actor, client: Client, documents: list[Document]) -> list[DocumentView]:
    uploaders = {d.uploaded_by_id for d in documents} - {None}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(uploaders))).all()) if uploaders else {}
    return [
        DocumentView(
            id=d.id,
            client_id=d.client_id,
            deal_id=d.deal_id,
            name=d.name,
            content_type=d.content_type,
            icon=icon_of(d.content_type),
            size=d.size,
            uploaded_by=names.get(d.uploaded_by_id, ''),
            uploaded_at=d.uploaded_at,
            preview=_preview(d.content_type),
            can_rename=_may_rename(actor, client, d),
            can_delete=_may_delete(actor, client, d),
        )
        for d in documents
    ]


def _deal_and_client(session, deal_id: int, *, lock: bool = False) -> tuple[Deal, Client]:
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound()
    client = lock_client(session, deal.client_id) if lock else session.get(Client, deal.client_id)
    return deal, client


def list_client_documents(session, *, actor: Actor, client_id: int) -> list[DocumentView]:
    """Every document of the client, its deals' included, newest first: whoever sees the client sees them."""
    client = ensure_can_see(actor, session.get(Client, client_id))
    documents = session.exec(
        select(Document)
        .where(Document.client_id == client.id)
        .order_by(Document.uploaded_at.desc(), Document.id.desc())
    ).all()
    return _views(session, actor, client, list(documents))


def list_deal_documents(session, *, actor: Actor, deal_id: int) -> list[DocumentView]:
    """The documents attached to one deal; the deal's client decides who sees them."""
    deal, client = _deal_and_client(session, deal_id)
    ensure_can_see(actor, client)
    documents = session.exec(
        select(Document).where(Document.deal_id == deal.id).order_by(Document.uploaded_at.desc(), Document.id.desc())
    ).all()
    return _views(session, actor, client, list(documents))


def _target(
    session, actor: Actor, client_id: int | None, deal_id: int | None, *, lock: bool
) -> tuple[Client, int | None]:
    """The client a new document goes to (and its deal), after checking the actor may act on that client."""
    if deal_id is not None:
        deal, client = _deal_and_client(session, deal_id, lock=lock)
        if client_id is not None and client_id != deal.client_id:
            raise NotFound()
    elif client_id is not None:
        client = lock_client(session, client_id) if lock else session.get(Client, client_id)
    else:
        raise InvalidInput('error.invalid')
    responsible = session.get(User, client.responsible_id) if client is not None else None
    ensure_can_act(actor, client, responsible.name if responsible else '')
    return client, deal_id


def _quota_mb(session) -> int:
    """The account's quota as set, or the default: a read never writes the setting (on SQLite a read session that
    writes waits for, and can fail on, the writer's lock)."""
    row = session.exec(select(AccountSetting).where(AccountSetting.key == SETTING_KEY)).first()
    return int((row.value if row else {}).get('quota_mb', QUOTA_MB_DEFAULT))


def _setting(session, *, lock: bool = False) -> AccountSetting:
    """The account's documents setting (the quota), written with its default when missing: only in writes.
    Locked, it is also what serialises the writes of documents on PostgreSQL, so two uploads cannot both fit the
    last free megabytes, and a blob is never removed while another upload starts to refer to it (SQLite writers
    are one at a time anyway)."""
    query = select(AccountSetting).where(AccountSetting.key == SETTING_KEY)
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        row = AccountSetting(key=SETTING_KEY, value={'quota_mb': QUOTA_MB_DEFAULT})
        session.add(row)
        session.flush()
    return row


def _used(session) -> tuple[int, int]:
    size, count = session.exec(select(func.coalesce(func.sum(Document.size), 0), func.count(Document.id))).one()
    return int(size), int(count)


def _check_fits(session, size: int) -> None:
    limit = file_max_bytes()
    if size > limit:
        raise InvalidInput('documents.error.too_large', limit=limit // MEBIBYTE)
    if size == 0:
        raise InvalidInput('documents.error.empty')
    quota_mb = _quota_mb(session)
    used, _ = _used(session)
    if used + size > quota_mb * MEBIBYTE:
        raise InvalidInput('documents.error.quota', quota=quota_mb, free=max(quota_mb * MEBIBYTE - used, 0) // MEBIBYTE)


def check_may_attach(
    session, *, actor: Actor, client_id: int | None = None, deal_id: int | None = None, size: int | None = None
) -> None:
    """Asked before the bytes are taken in (and again once their size is known): refuses early what
    `attach_document` would refuse at the end."""
    _target(session, actor, client_id, deal_id, lock=False)
    if size is not None:
        _check_fits(session, size)


def stage_upload(spooled: Spooled, name: str) -> Staged:
    """Sniff the spooled file's type and put it into the store as a complete blob (outside any transaction: an
    upload to S3 takes its time). The temporary file is gone afterwards, whatever happens."""
    try:
        clean = clean_name(name)
        content_type = sniff_type(spooled.head, clean, open_zip=lambda: spooled.path.open('rb'))
        file_store().put(spooled)
    finally:
        spooled.discard()
    return Staged(key=spooled.key, size=spooled.size, content_type=content_type, name=clean)


def attach_document(
    session,
    *,
    actor: Actor,
    staged: Staged,
    client_id: int | None = None,
    deal_id: int | None = None,
    name: str | None = None,
) -> DocumentView:
    """Record a staged blob as a document of the client (or deal): whoever may act on the client may attach,
    within the file limit and the account's quota. The feed says who attached what."""
    client, deal_id = _target(session, actor, client_id, deal_id, lock=True)
    _setting(session, lock=True)
    _check_fits(session, staged.size)
    store = file_store()
    if not store.exists(staged.key):  # removed since it was staged (the last copy deleted meanwhile)
        raise InvalidInput('documents.error.lost')
    document = Document(
        client_id=client.id,
        deal_id=deal_id,
        name=clean_name(name) if name else staged.name,
        content_type=staged.content_type,
        size=staged.size,
        blob_key=staged.key,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    session.add(document)
    session.flush()
    _feed(session, client, actor, 'feed.document_added', document)
    return _views(session, actor, client, [document])[0]


def release_staged(session, *, key: str) -> None:
    """After an attach was refused: the staged blob goes unless some document refers to it."""
    _setting(session, lock=True)
    _remove_if_unreferenced(session, key)


class Runner(Protocol):
    """Runs a service as the caller (the API's token owner, a tab's user) in a read or a write transaction."""

    def __call__(self, service: Callable, write: bool, **arguments) -> Any: ...


def attach_spooled(
    run: Runner, spooled: Spooled, name: str, *, client_id: int | None = None, deal_id: int | None = None
) -> DocumentView:
    """The whole attach of a spooled upload, for the API and the window alike: refuse what cannot fit before
    storing anything, put the blob into the store outside any transaction, record it in one short write, and
    let the blob go again if that write is refused. Blocking: call it off the event loop."""
    target = {'client_id': client_id, 'deal_id': deal_id}
    try:
        run(check_may_attach, False, size=spooled.size, **target)
    except BaseException:
        spooled.discard()
        raise
    staged = stage_upload(spooled, name)
    try:
        return run(attach_document, True, staged=staged, **target)
    except BaseException:
        with get_database().write() as session:
            release_staged(session, key=staged.key)
        raise


def _remove_if_unreferenced(session, key: str) -> None:
    referenced = session.exec(select(func.count(Document.id)).where(Document.blob_key == key)).one()
    if not referenced:
        file_store().remove(key)


def _feed(session, client: Client, actor: Actor, key: str, document: Document, *, link: bool = True, **params) -> None:
    entry = write_system_entry(
        session, client, kind=FeedKind.document, actor_id=actor.id, key=key, name=document.name, **params
    )
    if link:  # the feed links to the document while it exists
        entry.data = {**entry.data, 'document_id': document.id}
    if document.deal_id is not None:
        entry.deal_id = document.deal_id
    touch_client(session, client, actor, 'document')


def _visible_document(session, actor: Actor, document_id: int, *, lock: bool = False) -> tuple[Document, Client]:
    """A document of a client the actor may not see is not found, like an id that names nothing."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound()
    client = lock_client(session, document.client_id) if lock else session.get(Client, document.client_id)
    ensure_can_see(actor, client)
    return document, client


def get_document(session, *, actor: Actor, document_id: int) -> DocumentView:
    document, client = _visible_document(session, actor, document_id)
    return _views(session, actor, client, [document])[0]


def open_document(session, *, actor: Actor, document_id: int) -> Download:
    """A document's bytes for whoever sees its client. The stream reads the store after this session ends."""
    document, _ = _visible_document(session, actor, document_id)
    store = file_store()
    if not store.exists(document.blob_key):
        raise NotFound('documents.error.missing')
    return Download(
        name=document.name,
        content_type=document.content_type,
        size=document.size,
        chunks=store.open(document.blob_key),
        inline=bool(_preview(document.content_type)),
    )


def rename_document(session, *, actor: Actor, document_id: int, name: str) -> DocumentView:
    """The uploader or whoever may act on the client may rename; the extension is the user's to choose."""
    document, client = _visible_document(session, actor, document_id, lock=True)
    if not _may_rename(actor, client, document):
        raise PermissionDenied('documents.error.rename_forbidden')
    new_name = clean_name(name, fallback='')
    if not new_name:
        raise InvalidInput('documents.error.name_empty')
    if new_name != document.name:
        old_name = document.name
        document.name = new_name
        session.add(document)
        session.flush()
        _feed(session, client, actor, 'feed.document_renamed', document, old=old_name)
    return _views(session, actor, client, [document])[0]


def delete_document(session, *, actor: Actor, document_id: int) -> DocumentView:
    """The uploader, the responsible, heads and admins may delete; the blob goes with the last document that
    refers to it (inside the transaction that holds the documents lock, so no upload re-uses it meanwhile).
    Returns the document as it was."""
    document, client = _visible_document(session, actor, document_id, lock=True)
    if not _may_delete(actor, client, document):
        raise PermissionDenied('documents.error.delete_forbidden')
    _setting(session, lock=True)
    deleted = _views(session, actor, client, [document])[0]
    session.delete(document)
    session.flush()
    _feed(session, client, actor, 'feed.document_deleted', document, link=False)
    _remove_if_unreferenced(session, document.blob_key)
    return deleted


def document_limits(session, *, actor: Actor) -> DocumentLimits:
    """For admins: the limits in force and what the account's documents take."""
    ensure_admin(actor)
    used, count = _used(session)
    quota = _quota_mb(session)
    return DocumentLimits(file_max_mb=file_max_bytes() // MEBIBYTE, quota_mb=quota, used_bytes=used, count=count)


def set_document_quota(session, *, actor: Actor, quota_mb: int) -> DocumentLimits:
    """An admin sets the account's quota; documents already there stay even when they exceed a lower one."""
    ensure_admin(actor)
    if not isinstance(quota_mb, int) or not 1 <= quota_mb <= QUOTA_MB_MAX:
        raise InvalidInput('documents.error.quota_range', limit=QUOTA_MB_MAX)
    row = _setting(session, lock=True)
    old = int(row.value.get('quota_mb', QUOTA_MB_DEFAULT))
    row.value = {**row.value, 'quota_mb': quota_mb}
    session.add(row)
    session.flush()
    record_change(session, actor, 'documents', 'documents_quota_changed', old=old, new=quota_mb)
    return document_limits(session, actor=actor)
