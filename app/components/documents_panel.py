"""The «Документы» tab of the client and deal windows: drop or pick files (several at once, with progress), the
list with type icon, size, who and when, previews of images and PDFs (never a frame of the file), download,
rename and delete with a confirmation."""

from collections.abc import Callable
from typing import Protocol

from nicegui import background_tasks, ui
from nicegui.elements.upload_files import FileUpload
from nicegui.events import UploadEventArguments

from app.domain.documents.documents import DocumentView

from .dialogs import answer
from .locale import format_datetime, format_number, tr
from .pdf_preview import PdfPreview


class DocumentActions(Protocol):
    """What the panel asks of its page, as the tab's user; each returns None when it was refused (and said so)."""

    async def list(self) -> list[DocumentView] | None: ...
    async def upload(self, file: FileUpload) -> DocumentView | None: ...
    async def rename(self, document_id: int, name: str) -> DocumentView | None: ...
    async def delete(self, document_id: int) -> bool: ...


def format_size(size: int) -> str:
    """1 Б, 12 КБ, 3,4 МБ: the reader's unit words and decimal comma."""
    for key, unit in (('gb', 1024**3), ('mb', 1024**2), ('kb', 1024)):
        if size >= unit:
            value = size / unit
            return tr(f'documents.size.{key}', size=format_number(round(value, 1 if value < 10 else 0)))
    return tr('documents.size.b', size=format_number(size))


def document_url(document_id: int, *, inline: bool = False) -> str:
    return f'/documents/{document_id}' + ('?inline=1' if inline else '')


class DocumentsPanel(ui.column):
    """One client's or deal's documents; `busy` while files are on their way, so the window does not re-render
    under an upload, and `on_idle` once they are all in."""

    def __init__(
        self,
        *,
        actions: DocumentActions,
        can_attach: bool,
        file_max_mb: int,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.classes('w-full gap-1').mark('documents-panel')
        self.actions = actions
        self.on_idle = on_idle
        self.sending = 0  # upload requests the browser is still sending
        self.attaching = 0  # uploaded files still being stored and recorded
        with self:
            if can_attach:
                self.upload = (
                    ui.upload(
                        multiple=True,
                        auto_upload=True,
                        max_file_size=file_max_mb * 1024 * 1024,
                        on_upload=self._attach,
                        on_rejected=lambda: ui.notify(tr('documents.rejected', limit=file_max_mb), type='negative'),
                        label=tr('documents.drop', limit=file_max_mb),
                    )
                    .props('flat bordered hide-upload-btn')
                    .classes('w-full vk-upload vk-documents-drop')
                    .mark('documents-upload')
                )
                self.upload.on('start', self._started)
                self.upload.on('finish', self._finished)
            else:
                ui.label(tr('documents.readonly')).classes('text-caption text-grey-7')
            self.list_area = ui.column().classes('w-full gap-0').mark('documents-list')

    @property
    def busy(self) -> bool:
        return self.sending > 0 or self.attaching > 0

    async def load(self) -> None:
        documents = await self.actions.list()
        if documents is not None and not self.is_deleted:
            self.show(documents)

    def show(self, documents: list[DocumentView]) -> None:
        self.list_area.clear()
        with self.list_area:
            if not documents:
                ui.label(tr('documents.empty')).classes('text-grey-6 q-pa-sm').mark('documents-empty')
            for document in documents:
                self._row(document)

    def _row(self, d: DocumentView) -> None:
        with ui.row().classes('vk-feed-item w-full items-center no-wrap gap-2').mark(f'document-{d.id}'):
            ui.icon(d.icon, size='sm').classes('text-grey-7')
            with ui.column().classes('col gap-0 vk-min-w-0'):
                name = ui.link(d.name, document_url(d.id)).classes('ellipsis vk-document-name')
                name.props('download').mark(f'document-name-{d.id}')
                details = [format_size(d.size), d.uploaded_by or '—', format_datetime(d.uploaded_at)]
                if d.deal_id is not None:
                    details.append(tr('documents.of_deal'))
                ui.label(' · '.join(details)).classes('text-caption text-grey-7')
            if d.preview:
                ui.button(icon='visibility', on_click=lambda d=d: self._preview(d)).props('flat dense round').tooltip(
                    tr('documents.preview')
                ).mark(f'document-preview-{d.id}')
            ui.button(icon='download', on_click=lambda d=d: ui.navigate.to(document_url(d.id))).props(
                'flat dense round'
            ).tooltip(tr('documents.download'))
            if d.can_rename:
                ui.button(icon='edit', on_click=lambda d=d: self._rename(d)).props('flat dense round').tooltip(
                    tr('documents.rename')
                ).mark(f'document-rename-{d.id}')
            if d.can_delete:
                ui.button(icon='delete', on_click=lambda d=d: self._delete(d)).props(
                    'flat dense round color=negative'
                ).tooltip(tr('documents.delete')).mark(f'document-delete-{d.id}')

    # uploads ---------------------------------------------------------------------------------------------------
    def _started(self) -> None:
        self.sending += 1

    def _finished(self) -> None:
        self.sending = 0
        self._maybe_idle()

    async def _attach(self, event: UploadEventArguments) -> None:
        self.attaching += 1
        try:
            document = await self.actions.upload(event.file)
        finally:
            self.attaching -= 1
        if document is not None:
            ui.notify(tr('documents.attached', name=document.name), type='positive')
        if not self.is_deleted:
            await self.load()
        self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self.busy and self.on_idle is not None and not self.is_deleted:
            if getattr(self, 'upload', None) is not None:
                self.upload.reset()
            self.on_idle()

    # previews, renames, deletes --------------------------------------------------------------------------------
    async def _preview(self, d: DocumentView) -> None:
        with ui.dialog() as dialog, ui.card().classes('vk-document-preview q-pa-sm').mark('document-preview'):
            with ui.row().classes('w-full items-center no-wrap'):
                ui.icon(d.icon).classes('text-grey-7')
                ui.label(d.name).classes('col ellipsis text-subtitle1')
                ui.button(icon='download', on_click=lambda: ui.navigate.to(document_url(d.id))).props(
                    'flat dense round'
                )
                ui.button(icon='close', on_click=dialog.close).props('flat dense round').mark('document-preview-close')
            if d.preview == 'image':
                ui.image(document_url(d.id, inline=True)).classes('vk-document-image').props('fit=contain')
            else:
                PdfPreview(
                    document_url(d.id, inline=True),
                    pages_text=tr('documents.pdf_pages', shown='{shown}', pages='{pages}'),
                    failed_text=tr('documents.preview_failed'),
                )
        dialog.on_value_change(lambda e: None if e.value else background_tasks.create(_drop(dialog)))
        dialog.open()

    async def _rename(self, d: DocumentView) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            box = ui.input(tr('documents.name'), value=d.name).classes('w-full').mark('document-name-input')
            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
                ui.button(tr('action.save'), on_click=lambda: dialog.submit(box.value)).mark('document-name-save')
        new_name = await answer(dialog)
        if new_name is not None and new_name != d.name and await self.actions.rename(d.id, new_name) is not None:
            await self.load()

    async def _delete(self, d: DocumentView) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(tr('documents.delete_confirm', name=d.name)).mark('confirm-text')
            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(False)).props('flat').mark(
                    'confirm-cancel'
                )
                ui.button(tr('action.delete'), on_click=lambda: dialog.submit(True)).props('color=negative').mark(
                    'confirm-ok'
                )
        if await answer(dialog) and await self.actions.delete(d.id):
            ui.notify(tr('documents.deleted', name=d.name), type='positive')
            await self.load()


async def _drop(dialog: ui.dialog) -> None:
    if not dialog.is_deleted:
        dialog.delete()
