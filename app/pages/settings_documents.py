"""Settings → Документы: the per-file limit in force, the account's quota (editable) and what documents take."""

from nicegui import ui

from app.components.documents_panel import format_size
from app.components.locale import count, tr
from app.domain.documents import documents
from app.domain.documents.storage import MEBIBYTE


async def build_documents(screen) -> None:
    """Builds the tab's content inside the current container."""
    limits = await screen.read(documents.document_limits)
    if limits is None:
        return
    ui.label(tr('documents.settings.title')).classes('text-subtitle1')
    ui.label(tr('documents.settings.file_max', limit=limits.file_max_mb)).mark('documents-file-max')
    ui.label(
        tr(
            'documents.settings.used',
            used=format_size(limits.used_bytes),
            quota=format_size(limits.quota_mb * MEBIBYTE),
            count=count('documents.count', limits.count),
        )
    ).mark('documents-used')
    with ui.row().classes('items-center gap-2'):
        quota = ui.number(tr('documents.settings.quota'), value=limits.quota_mb, min=1, precision=0, format='%d')
        quota.props('outlined dense').classes('w-64').mark('documents-quota')

        async def save() -> None:
            value = quota.value
            if (
                await screen.call(documents.set_document_quota, quota_mb=int(value) if value is not None else 0)
                is not None
            ):
                ui.notify(tr('documents.settings.saved'), type='positive')

        ui.button(tr('action.save'), icon='save', on_click=save).props('unelevated no-caps').mark(
            'documents-quota-save'
        )
