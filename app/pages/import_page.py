"""/import — «Загрузка из Excel»: the template, the upload, the preview of every row, the load and its report."""

import io

from fastapi.responses import RedirectResponse
from nicegui import background_tasks, run, ui

from app.components.import_preview import ImportPreview
from app.components.locale import tr
from app.domain.excel import importing, sources
from app.domain.excel.importing import ImportPlan
from app.domain.permissions import may_import

from .screen import Screen, load_screen_data
from .session import page_actor, to_login

XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def _file_bytes(write) -> bytes:
    out = io.BytesIO()
    write(out)
    return out.getvalue()


class ImportScreen(Screen):
    """One tab's import: a preview is kept until the user loads it or uploads another file."""

    active_nav = 'nav.import'

    plan: ImportPlan | None = None
    committing = False

    def build(self) -> None:
        self.build_frame()
        with ui.column().classes('w-full q-px-md q-pt-md gap-3 vk-import'):
            with ui.row().classes('w-full items-center no-wrap gap-3'):
                ui.label(tr('import.title')).classes('text-h5')
                ui.space()
                ui.button(tr('import.template'), icon='description', on_click=self.download_template).props(
                    'flat no-caps'
                ).mark('import-template')
            if not may_import(self.actor):
                ui.label(tr('error.forbidden')).classes('text-negative').mark('import-forbidden')
                return
            ui.label(tr('import.hint', limit=sources.MAX_BYTES // (1024 * 1024))).classes('text-grey-8')
            self.upload = (
                ui.upload(
                    label=tr('import.choose'),
                    auto_upload=True,
                    max_file_size=sources.MAX_BYTES,
                    on_upload=self.receive,
                    on_rejected=lambda: ui.notify(
                        tr('import.error.too_large', limit=sources.MAX_BYTES // (1024 * 1024)), type='negative'
                    ),
                )
                .props('accept=.xlsx flat bordered color=primary')
                .classes('w-full max-w-xl vk-upload')
                .mark('import-upload')
            )
            self.preview = ImportPreview(
                names={u.id: u.name for u in self.choices.everyone},
                stages={s.id: s.name for s in self.stage_list},
                on_commit=self.commit,
                on_report=self.download_report,
            )

    async def load(self) -> None:
        """Nothing on this page follows the clients list: a bulk change elsewhere needs no reload."""

    async def receive(self, event) -> None:
        if event.file.size() > sources.MAX_BYTES:  # the browser's limit can be bypassed: the server checks too
            ui.notify(tr('import.error.too_large', limit=sources.MAX_BYTES // (1024 * 1024)), type='negative')
            return
        data = await event.file.read()
        self.preview.show_reading(event.file.name)
        plan = await self.read(importing.preview_import, data=data)
        self.upload.reset()
        self.plan = plan
        self.preview.show(plan)

    async def commit(self) -> None:
        # a second click can arrive before the browser shows the button disabled: it must not load the file twice
        if self.plan is None or self.plan.committed or self.committing:
            return
        self.committing = True
        progress = self.preview.show_loading()
        try:
            plan = await self.call(importing.commit_import, file=self.plan.file, progress=progress)
        finally:
            self.committing = False
        if plan is None:  # refused: nothing was written; the preview stays for another try
            self.preview.show(self.plan)
            return
        self.plan = plan
        self.preview.show(plan)
        ui.notify(
            tr('import.done', new=plan.count('new'), attached=plan.count('attach'), errors=plan.count('error')),
            type='positive',
            multi_line=True,
        )

    def download_template(self) -> None:
        data = _file_bytes(lambda out: importing.write_template(out, self.actor.locale))
        ui.download.content(data, tr('import.template_file'), XLSX_TYPE)

    async def download_report(self) -> None:
        if self.plan is not None:  # a report of 20,000 rows takes a moment: written off the event loop
            plan, locale = self.plan, self.actor.locale
            data = await run.io_bound(_file_bytes, lambda out: importing.write_report(out, plan, locale))
            ui.download.content(data, tr('import.report_file'), XLSX_TYPE)


def register() -> None:
    @ui.page('/import')
    async def import_page() -> RedirectResponse | None:
        actor = await page_actor()
        if actor is None:
            return to_login()
        stages, choices, flt = await run.io_bound(load_screen_data, actor)
        screen = ImportScreen(actor, stages, choices, flt)
        screen.build()
        background_tasks.create(screen.refresh_counters(), name='refresh-counters')
