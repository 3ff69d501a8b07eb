"""The «Документы» tab's actions for one client or deal, run as the tab's user (what DocumentsPanel asks)."""

from nicegui import ui
from nicegui.elements.upload_files import FileUpload

from app.components.locale import current_locale
from app.domain.documents import documents
from app.domain.documents.documents import DocumentView
from app.domain.documents.storage import file_max_bytes, file_store
from app.domain.errors import DomainError

from .session import runner, settle


class TabDocuments:
    """Documents of a client (`client_id`) or of a deal (`deal_id`) for the screen's user."""

    def __init__(self, screen, *, client_id: int | None = None, deal_id: int | None = None) -> None:
        self.screen = screen
        self.client_id = client_id
        self.deal_id = deal_id

    async def list(self) -> list[DocumentView] | None:
        if self.deal_id is not None:
            return await self.screen.read(documents.list_deal_documents, deal_id=self.deal_id)
        return await self.screen.read(documents.list_client_documents, client_id=self.client_id)

    async def upload(self, file: FileUpload) -> DocumentView | None:
        """The browser's upload is in already (the border bounded its size): spool it while hashing, then attach."""
        with self.screen.client:
            try:
                spooled = await file_store().spool_async(file.iterate(), limit=file_max_bytes())
            except DomainError as error:
                ui.notify(error.message(current_locale()), type='negative', multi_line=True)
                return None
            return await settle(
                documents.attach_spooled,
                runner(self.screen.key),
                spooled,
                file.name,
                client_id=None if self.deal_id is not None else self.client_id,
                deal_id=self.deal_id,
            )

    async def rename(self, document_id: int, name: str) -> DocumentView | None:
        return await self.screen.call(documents.rename_document, document_id=document_id, name=name)

    async def delete(self, document_id: int) -> bool:
        return await self.screen.call(documents.delete_document, document_id=document_id) is not None
