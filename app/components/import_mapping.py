"""The mapping step of an import: how the file was read (and a way to read it otherwise), the saved mappings, and
for every column of the file its header, a few values and the Voronka field it goes to, with the options of the
load (what a known phone means, deals from amounts)."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.excel.importing import FileLayout
from app.domain.excel.mapping import CUSTOM, FIELDS, SKIP, VALUE_FIELDS, ColumnMapping
from app.domain.excel.presets import PresetView
from app.domain.views import CustomFieldView

from .dialogs import answer
from .locale import tr

SAMPLES_SHOWN = 3
ENCODINGS = ('utf-8', 'utf-8-sig', 'cp1251')
DELIMITERS = (';', ',', '\t')
_DELIMITER_KEYS = {';': 'semicolon', ',': 'comma', '\t': 'tab'}
# the columns (or values) scroll inside the step, under its toolbar and the page's header: at 1280x720 the
# toolbar stays in view with 40 columns
STEP_HEIGHT = 'max-h-[calc(100vh-235px)]'


def field_labels(custom_fields: list[CustomFieldView]) -> dict[str, str]:
    """The choices of a column's select in the reader's language: «Не загружать» first, then the fields, then
    the account's own fields."""
    labels = {SKIP: tr('import.field.skip')}
    labels.update((key, tr(f'import.field.{key}')) for key in FIELDS)
    labels.update((f'{CUSTOM}{f.id}', tr('import.field.custom', name=f.name)) for f in custom_fields)
    return labels


def column_samples(layout: FileLayout, index: int) -> list[str]:
    """The first few filled cells of a column, so the user sees what the column holds whatever its header."""
    found = []
    for row in layout.samples:
        text = row[index] if index < len(row) else ''
        if text:
            found.append(text)
            if len(found) == SAMPLES_SHOWN:
                break
    return found


def format_text(layout: FileLayout) -> str:
    kind = layout.format.kind
    return tr(f'import.format.{kind}')


async def ask_preset_name(suggested: str) -> str | None:
    """The name a mapping is saved under; None when the user cancels."""
    with ui.dialog() as dialog, ui.card().classes('w-96'):
        ui.label(tr('import.preset.save_title')).classes('text-h6')
        ui.label(tr('import.preset.save_hint')).classes('text-body2 text-grey-8')
        name = (
            ui.input(tr('import.preset.name'), value=suggested)
            .props('autofocus')
            .classes('w-full')
            .mark('import-preset-name')
        )
        name.on('keydown.enter', lambda: dialog.submit(name.value))
        with ui.row().classes('w-full justify-end q-mt-md'):
            ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(tr('import.preset.save'), on_click=lambda: dialog.submit(name.value)).mark('dialog-ok')
    text = await answer(dialog)
    return text.strip() if text and text.strip() else None


def _toolbar_select(options: dict | list, key: str, on_change, width: str, **kwargs) -> ui.select:
    """A small select of the step's toolbar, labelled and marked by its text key (import.encoding: import-encoding)."""
    return (
        ui.select(options, label=tr(key), on_change=on_change, **kwargs)
        .props('dense outlined options-dense')
        .classes(width)
        .mark(key.replace('.', '-'))
    )


class ImportMapping:
    """Built once on the page; `show(...)` fills it for a file read (again), `mapping()` is what the user chose."""

    def __init__(
        self,
        *,
        custom_fields: list[CustomFieldView],
        on_reread: Callable[[str | None, str | None], Awaitable[None]],
        on_preset: Callable[[str | None], Awaitable[None]],
        on_save_preset: Callable[[str], Awaitable[None]],
        on_delete_preset: Callable[[PresetView], Awaitable[None]],
        on_next: Callable[[], Awaitable[None]],
    ) -> None:
        self.labels = field_labels(custom_fields)
        self.on_reread = on_reread
        self.on_preset = on_preset
        self.on_save_preset = on_save_preset
        self.on_delete_preset = on_delete_preset
        self.presets: dict[str, PresetView] = {}
        self.selects: list[ui.select] = []
        self.layout: FileLayout | None = None
        self.base = ColumnMapping(fields=[])
        self.showing = False  # set while show() fills the selects: their change events are not the user's
        with ui.column().classes('w-full gap-2').mark('import-mapping') as self.box:
            with ui.row().classes('w-full items-center gap-3'):
                self.format = ui.label('').classes('text-body1').mark('import-format')
                self.encoding = _toolbar_select(
                    {e: tr(f'import.encoding.{e}') for e in ENCODINGS}, 'import.encoding', self._reread, 'w-44'
                )
                self.delimiter = _toolbar_select(
                    {d: tr(f'import.delimiter.{_DELIMITER_KEYS[d]}') for d in DELIMITERS},
                    'import.delimiter',
                    self._reread,
                    'w-48',
                )
                ui.space()
                self.preset = _toolbar_select({}, 'import.preset', self._preset, 'w-60', clearable=True)
                self.delete_preset = (
                    ui.button(icon='delete_outline', on_click=self._delete_preset)
                    .props('flat round dense')
                    .tooltip(tr('import.preset.delete'))
                    .mark('import-delete-preset')
                )
                ui.button(tr('import.preset.save_as'), icon='bookmark_add', on_click=self._save_preset).props(
                    'flat no-caps'
                ).mark('import-save-preset')
                self.next = ui.button(tr('import.next'), icon='arrow_forward', on_click=on_next).props(
                    'unelevated no-caps'
                )
                self.next.mark('import-next')
            with ui.row().classes('w-full items-center gap-x-4 gap-y-0'):
                self.summary = ui.label('').classes('text-body2 text-grey-8').mark('import-layout')
                ui.label(tr('import.known_phone')).classes('text-body2')
                self.known_phone = (
                    ui.radio(
                        {'attach': tr('import.known_phone.attach'), 'fill_empty': tr('import.known_phone.fill_empty')},
                        value='attach',
                        on_change=self._show_options,
                    )
                    .props('inline dense')
                    .mark('import-known-phone')
                )
                self.overwrite = ui.checkbox(tr('import.known_phone.overwrite')).props('dense').mark('import-overwrite')
                self.deals = ui.checkbox(tr('import.deals_from_amount')).props('dense').mark('import-deals')
            with (
                ui.element('div')
                .classes(f'w-full overflow-auto {STEP_HEIGHT} bg-white rounded-borders')
                .mark('import-columns')
            ):
                with ui.element('div').classes(
                    'grid grid-cols-[minmax(10rem,1fr)_minmax(12rem,2fr)_17rem] items-center'
                ) as self.grid:
                    pass
        self.box.set_visibility(False)

    def show(
        self, *, layout: FileLayout, mapping: ColumnMapping, preset: str | None, presets: list[PresetView]
    ) -> None:
        """Fill the step for a file as read, with the mapping to start from and the preset it came from."""
        self.showing = True
        try:
            self.layout = layout
            self.base = mapping
            kind = layout.format.kind
            self.format.set_text(format_text(layout))
            for select, value in ((self.encoding, layout.format.encoding), (self.delimiter, layout.format.delimiter)):
                select.set_visibility(kind == 'csv')
                select.set_value(value if value in select.options else None)
            self.summary.set_text(tr('import.layout', columns=len(layout.headers), row=layout.header_row))
            self.presets = {p.name: p for p in presets}
            self.preset.set_options(list(self.presets), value=preset if preset in self.presets else None)
            self.preset.set_visibility(bool(presets))
            self.known_phone.set_value(mapping.known_phone)
            self.overwrite.set_value(mapping.overwrite)
            self.deals.set_value(mapping.deals_from_amount)
            self._fill_columns(layout, mapping)
            self._show_options()
        finally:
            self.showing = False
        self.box.set_visibility(True)

    def _fill_columns(self, layout: FileLayout, mapping: ColumnMapping) -> None:
        self.grid.clear()
        self.selects = []
        cell = 'h-full flex items-center px-2 py-1 border-b border-gray-200'
        head = (
            'sticky top-0 z-10 bg-white text-caption text-grey-8 text-weight-medium px-2 py-2 border-b border-gray-300'
        )
        with self.grid:
            for key in ('import.mapping.column', 'import.mapping.samples', 'import.mapping.field'):
                ui.label(tr(key)).classes(head)
            for index, header in enumerate(layout.headers):
                title = header or tr('import.mapping.no_header', number=index + 1)
                with ui.element('div').classes(f'{cell} min-w-0'):
                    ui.label(title).classes('text-weight-medium truncate').tooltip(title).mark(f'import-header-{index}')
                samples = ' · '.join(column_samples(layout, index))
                with ui.element('div').classes(f'{cell} min-w-0'):
                    ui.label(samples).classes('text-grey-8 truncate').tooltip(samples).mark(f'import-samples-{index}')
                value = mapping.fields[index] if index < len(mapping.fields) else SKIP
                with ui.element('div').classes(cell):
                    select = (
                        ui.select(
                            self.labels, value=value if value in self.labels else SKIP, on_change=self._show_options
                        )
                        .props('dense outlined options-dense')
                        .classes('w-full')
                        .mark(f'import-field-{index}')
                    )
                self.selects.append(select)

    def _show_options(self) -> None:
        chosen = self.presets.get(self.preset.value)
        self.delete_preset.set_visibility(chosen is not None and chosen.may_delete)
        fields = {s.value for s in self.selects}
        self.overwrite.set_visibility(self.known_phone.value == 'fill_empty')
        self.deals.set_visibility('deal_amount' in fields)
        values = any(name in fields for name in VALUE_FIELDS)
        self.next.set_text(tr('import.next.values' if values else 'import.next.preview'))

    def mapping(self) -> ColumnMapping:
        """The mapping as the user set it; the value choices of an earlier values step or preset are kept."""
        fields = [s.value or SKIP for s in self.selects]
        return ColumnMapping(
            fields=fields,
            values={name: choices for name, choices in self.base.values.items() if name in fields},
            known_phone=self.known_phone.value,
            overwrite=self.known_phone.value == 'fill_empty' and bool(self.overwrite.value),
            deals_from_amount='deal_amount' in fields and bool(self.deals.value),
        )

    def needs_values(self) -> bool:
        return any(name in VALUE_FIELDS for name in self.mapping().fields)

    async def _reread(self) -> None:
        if not self.showing:
            await self.on_reread(self.encoding.value, self.delimiter.value)

    async def _preset(self) -> None:
        self._show_options()
        if not self.showing:
            await self.on_preset(self.preset.value)

    async def _delete_preset(self) -> None:
        chosen = self.presets.get(self.preset.value)
        if chosen is not None:
            await self.on_delete_preset(chosen)

    async def _save_preset(self) -> None:
        name = await ask_preset_name(self.preset.value or '')
        if name:
            await self.on_save_preset(name)
