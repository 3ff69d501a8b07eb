"""«Экспорт»: pick a schema, watch the progress, get the file. The export itself runs off the event loop."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.excel.export_schemas import SchemaView

from .dialogs import answer
from .locale import tr
from .progress import ProgressLine, WorkerProgress


async def run_export_dialog(
    schemas: list[SchemaView], export: Callable[[SchemaView, WorkerProgress], Awaitable[bool]], *, filter_note: str
) -> None:
    """`export(schema, progress)` writes and downloads the file, returning False if it was refused."""
    schemas = [s for s in schemas if s.fields]  # one whose every field was deleted has nothing to export
    with ui.dialog() as dialog, ui.card().classes('vk-export-dialog'):
        ui.label(tr('export.title')).classes('text-h6')
        ui.label(filter_note).classes('text-caption text-grey-8')
        if not schemas:
            ui.label(tr('export.no_schemas')).classes('text-negative')
        choice = ui.radio({s.id: s.name for s in schemas}, value=schemas[0].id if schemas else None).mark(
            'export-schema'
        )
        fields = ui.label('').classes('text-caption text-grey-7 vk-export-fields')

        def show_fields() -> None:
            chosen = next((s for s in schemas if s.id == choice.value), None)
            fields.set_text(', '.join(chosen.labels) if chosen else '')

        choice.on_value_change(show_fields)
        show_fields()
        progress = ProgressLine('export.progress', mark='export-status')

        async def start() -> None:
            chosen = next((s for s in schemas if s.id == choice.value), None)
            if chosen is None:
                return
            go.disable()
            choice.disable()
            try:
                ok = await export(chosen, progress.start())
            finally:
                progress.stop()
            if ok:
                dialog.submit(True)
            else:
                go.enable()
                choice.enable()

        with ui.row().classes('w-full justify-end q-mt-md'):
            ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
            go = ui.button(tr('export.download'), icon='download', on_click=start).mark('export-start')
            if not schemas:
                go.disable()
    await answer(dialog)
