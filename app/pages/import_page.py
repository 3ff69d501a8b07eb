"""/import — «Загрузка из Excel»: the template, the upload, the mapping of the file's columns (and of their values)
to Voronka's fields, the preview of every row, the load and its report.

Every step reads the file in a worker thread in a read session; only «Загрузить» writes (and saving a mapping)."""

import dataclasses
import io

from fastapi.responses import RedirectResponse
from nicegui import background_tasks, run, ui

from app.components.import_mapping import ImportMapping
from app.components.import_preview import ImportPreview
from app.components.import_steps import ImportSteps
from app.components.import_values import ImportValues
from app.components.locale import tr
from app.domain.excel import importing, presets, sources
from app.domain.excel.importing import FileLayout, ImportFile, ImportPlan
from app.domain.excel.mapping import ColumnMapping
from app.domain.excel.presets import PresetView
from app.domain.permissions import Actor, may_import

from .screen import Screen, load_screen_data
from .session import page_actor, to_login

XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
ACCEPTED = '.xlsx,.xls,.csv,.txt'


def _file_bytes(write) -> bytes:
    out = io.BytesIO()
    write(out)
    return out.getvalue()


@dataclasses.dataclass
class _Layout:
    """A file as the mapping step shows it: its layout, the mapping to start from and where that came from."""

    layout: FileLayout
    mapping: ColumnMapping
    preset: str | None
    presets: list[PresetView]


def _inspect(
    session, *, actor: Actor, data: bytes, file_name: str, encoding: str | None, delimiter: str | None
) -> _Layout:
    layout = importing.inspect_import_file(
        session, actor=actor, data=data, file_name=file_name, encoding=encoding, delimiter=delimiter
    )
    mapping, preset = presets.resolve_import_mapping(session, actor=actor, layout=layout)
    return _Layout(layout, mapping, preset, presets.list_import_presets(session, actor=actor))


def _named_mapping(session, *, actor: Actor, layout: FileLayout, name: str | None) -> ColumnMapping:
    if name is None:  # «no preset»: the suggestion from the headers and the values
        return layout.mapping
    return presets.resolve_import_mapping(session, actor=actor, layout=layout, preset_name=name)[0]


def _save_preset(session, *, actor: Actor, name: str, layout: FileLayout, mapping: ColumnMapping) -> list[PresetView]:
    presets.save_import_preset(session, actor=actor, name=name, headers=layout.headers, mapping=mapping)
    return presets.list_import_presets(session, actor=actor)


def _delete_preset(session, *, actor: Actor, preset_id: int) -> list[PresetView]:
    presets.delete_import_preset(session, actor=actor, preset_id=preset_id)
    return presets.list_import_presets(session, actor=actor)


def _read(session, *, reading: dict, progress=None) -> ImportFile:
    """The whole file by the mapping, read as the mapping step read its head (the same encoding and delimiter)."""
    return importing.read_import_file(session, progress=progress, **reading)


def _values(session, *, actor: Actor, reading: dict, progress):
    file = _read(session, reading=reading, progress=progress)
    return file, importing.list_import_values(session, actor=actor, file=file, progress=progress)


def _plan(session, *, actor: Actor, file: ImportFile, mapping: ColumnMapping) -> ImportPlan:
    return importing.plan_import(session, actor=actor, file=dataclasses.replace(file, mapping=mapping))


def _read_and_plan(session, *, actor: Actor, reading: dict) -> ImportPlan:
    return importing.plan_import(session, actor=actor, file=_read(session, reading=reading))


class ImportScreen(Screen):
    """One tab's import: the file is kept, with its mapping, until the user loads it or uploads another."""

    active_nav = 'nav.import'

    data: bytes = b''
    file_name = ''
    found: _Layout | None = None
    file: ImportFile | None = None  # read for the values step
    plan: ImportPlan | None = None
    committing = False

    def build(self) -> None:
        self.build_frame()
        with ui.column().classes('w-full q-px-md q-pt-md gap-3 vk-import'):
            with ui.row().classes('w-full items-center no-wrap gap-3'):
                ui.label(tr('import.title')).classes('text-h5 text-no-wrap')
                if may_import(self.actor):
                    self.steps = ImportSteps()
                ui.space()
                with ui.row().classes('items-center no-wrap gap-1 min-w-0') as self.file_bar:
                    ui.icon('description', size='sm').classes('text-grey-7')
                    self.file_label = (
                        ui.label('').classes('text-subtitle2 text-weight-medium truncate').mark('import-file-name')
                    )
                    ui.button(tr('import.other_file'), icon='upload_file', on_click=self.restart).props(
                        'flat dense no-caps'
                    ).classes('shrink-0').mark('import-other-file')
                self.file_bar.set_visibility(False)
                self.template = (
                    ui.button(tr('import.template'), icon='description', on_click=self.download_template)
                    .props('flat no-caps')
                    .classes('shrink-0')
                    .mark('import-template')
                )
            if not may_import(self.actor):
                ui.label(tr('error.forbidden')).classes('text-negative').mark('import-forbidden')
                return
            with ui.column().classes('w-full gap-3') as self.start:
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
                    .props(f'accept={ACCEPTED} flat bordered color=primary')
                    .classes('w-full max-w-xl vk-upload')
                    .mark('import-upload')
                )
            self.mapping = ImportMapping(
                custom_fields=self.choices.custom_fields,
                on_reread=self.reread,
                on_preset=self.choose_preset,
                on_save_preset=self.save_preset,
                on_delete_preset=self.delete_preset,
                on_next=self.after_mapping,
            )
            self.values = ImportValues(on_next=self.after_values, on_back=self.back_to_mapping)
            self.preview = ImportPreview(
                names={u.id: u.name for u in self.choices.everyone},
                stages={s.id: s.name for s in self.stage_list},
                on_commit=self.commit,
                on_report=self.download_report,
                on_back=self.back_to_mapping,
            )

    async def load(self) -> None:
        """Nothing on this page follows the clients list: a bulk change elsewhere needs no reload."""

    def _step(self, step: str) -> None:
        self.steps.show(step)
        self.start.set_visibility(step == 'file')
        self.file_bar.set_visibility(step != 'file')
        self.template.set_visibility(step == 'file')  # the template matters before a file is chosen
        self.mapping.box.set_visibility(step == 'mapping')
        self.values.box.set_visibility(step == 'values')
        self.preview.box.set_visibility(step == 'preview')

    def restart(self) -> None:
        if self.committing:
            return
        self.data, self.found, self.file, self.plan = b'', None, None, None
        self._step('file')

    async def receive(self, event) -> None:
        if event.file.size() > sources.MAX_BYTES:  # the browser's limit can be bypassed: the server checks too
            ui.notify(tr('import.error.too_large', limit=sources.MAX_BYTES // (1024 * 1024)), type='negative')
            return
        data = await event.file.read()
        self.upload.reset()
        found = await self.read(_inspect, data=data, file_name=event.file.name, encoding=None, delimiter=None)
        if found is None:  # refused: the message is on screen, the upload waits for another file
            return
        self.data, self.file_name, self.file, self.plan = data, event.file.name, None, None
        self.file_label.set_text(event.file.name)
        self._show_layout(found)

    def _show_layout(self, found: _Layout) -> None:
        self.found = found
        self.mapping.show(layout=found.layout, mapping=found.mapping, preset=found.preset, presets=found.presets)
        self._step('mapping')

    async def reread(self, encoding: str | None, delimiter: str | None) -> None:
        """The user says the text file is in another encoding or split by another delimiter: read it so."""
        found = await self.read(
            _inspect, data=self.data, file_name=self.file_name, encoding=encoding, delimiter=delimiter
        )
        if found is not None:
            self._show_layout(found)
        elif self.found is not None:  # refused: the file as it was read before stays on screen
            self._show_layout(self.found)

    async def choose_preset(self, name: str | None) -> None:
        mapping = await self.read(_named_mapping, layout=self.found.layout, name=name)
        if mapping is None:  # refused (made for another export): the columns stay as set, the choice as it was
            mapping, name = self.mapping.mapping(), self.found.preset
        else:
            self.found = dataclasses.replace(self.found, mapping=mapping, preset=name)
        self.mapping.show(layout=self.found.layout, mapping=mapping, preset=name, presets=self.found.presets)

    async def save_preset(self, name: str) -> None:
        mapping = self.mapping.mapping()
        saved = await self.call(_save_preset, name=name, layout=self.found.layout, mapping=mapping)
        if saved is not None:
            self.found = dataclasses.replace(self.found, mapping=mapping, preset=name, presets=saved)
            self.mapping.show(layout=self.found.layout, mapping=mapping, preset=name, presets=saved)
            ui.notify(tr('import.preset.saved', name=name), type='positive')

    async def delete_preset(self, preset: PresetView) -> None:
        left = await self.call(_delete_preset, preset_id=preset.id)
        if left is not None:
            mapping = self.mapping.mapping()  # the columns stay as they are on screen, only the preset goes
            self.found = dataclasses.replace(self.found, mapping=mapping, preset=None, presets=left)
            self.mapping.show(layout=self.found.layout, mapping=mapping, preset=None, presets=left)
            ui.notify(tr('import.preset.deleted', name=preset.name), type='positive')

    async def after_mapping(self) -> None:
        mapping = self.mapping.mapping()
        if self.mapping.needs_values():
            self._step('values')
            progress = self.values.show_reading()
            read = await self.read(_values, reading=self._reading(mapping), progress=progress)
            if read is None:  # refused (no phone column among the chosen ones…): back to the mapping
                self._step('mapping')
                return
            self.file, lists = read
            self.values.show(lists)
            return
        await self._preview(_read_and_plan, reading=self._reading(mapping))

    def _reading(self, mapping: ColumnMapping) -> dict:
        """What read_import_file needs to read the whole file as the mapping step read its head."""
        layout = self.found.layout
        return {
            'data': self.data,
            'file_name': self.file_name,
            'encoding': layout.format.encoding or None,
            'delimiter': layout.format.delimiter or None,
            'mapping': mapping,
            'preset': self.mapping.preset.value,
        }

    async def after_values(self) -> None:
        mapping = dataclasses.replace(self.mapping.mapping(), values=self.values.values())
        self.mapping.base = mapping  # back to the mapping step and on again: the value choices stay
        await self._preview(_plan, file=self.file, mapping=mapping)

    async def _preview(self, service, **arguments) -> None:
        back = 'values' if self.mapping.needs_values() else 'mapping'
        self._step('preview')
        self.preview.show_reading(self.file_name)
        plan = await self.read(service, **arguments)
        if plan is None:
            self._step(back)
            return
        self.plan = plan
        self.preview.show(plan)

    def back_to_mapping(self) -> None:
        if not self.committing:
            self._step('mapping')

    async def commit(self) -> None:
        # a second click can arrive before the browser shows the button disabled: it must not load the file twice
        if self.plan is None or self.plan.committed or self.committing:
            return
        self.committing = True
        progress = self.preview.show_loading()
        try:
            # the preview's plan is written as it is unless a phone changed hands since: the transaction stays short
            plan = await self.call(importing.commit_import, file=self.plan.file, plan=self.plan, progress=progress)
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
