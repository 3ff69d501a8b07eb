"""The values step of an import: after a full pass over the file (a progress bar), every distinct value of the
stage, responsible, channel, project and closing reason columns with how many rows hold it, and what it becomes
in Voronka (an existing row, a new one where that may be made, or the field's default), pre-filled by name."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.excel.importing import ValueList
from app.domain.excel.mapping import ValueChoice
from app.domain.text import fold

from .import_mapping import STEP_HEIGHT
from .locale import count, format_number, tr
from .progress import ProgressLine, WorkerProgress

CREATE = 'create'
DEFAULT = 'default'


def _option(choice: ValueChoice) -> str:
    return f'existing:{choice.id}' if choice.kind == 'existing' else choice.kind


def _choice(option: str) -> ValueChoice:
    if option.startswith('existing:'):
        return ValueChoice('existing', int(option.removeprefix('existing:')))
    return ValueChoice(option)


def value_options(values: ValueList) -> dict[str, str]:
    """A value's choices: the field's default first (what an unmatched value gets), «Создать» where new rows may
    be made, then the existing rows."""
    options = {DEFAULT: tr('import.values.default', label=values.default_label)}
    if values.may_create:
        options[CREATE] = tr('import.values.create')
    options.update((f'existing:{ident}', name) for ident, name in values.options)
    return options


class ReadingProgress(ProgressLine):
    """The bar of a full pass over a file whose number of rows is not known ahead: it runs, and the caption
    counts the rows read, until a stage with a known total reports."""

    def tick(self) -> None:
        done, total = self.progress.read()
        if total:
            self.bar.props(remove='indeterminate')
            super().tick()
            return
        self.bar.props('indeterminate')
        self.caption.set_text(
            tr('import.values.rows_read', count=format_number(done)) if done else tr('import.values.reading')
        )


class ImportValues:
    """Built once on the page; `show_reading()` while the file is read, `show(lists)` for the choices,
    `values()` is what the user chose, in the mapping's form."""

    def __init__(
        self,
        *,
        on_next: Callable[[], Awaitable[None]],
        on_back: Callable[[], None],
    ) -> None:
        self.selects: dict[str, dict[str, ui.select]] = {}
        with ui.column().classes('w-full gap-2').mark('import-values') as self.box:
            with ui.row().classes('w-full items-center gap-3'):
                ui.button(tr('import.back_to_mapping'), icon='arrow_back', on_click=on_back).props('flat no-caps').mark(
                    'import-values-back'
                )
                self.title = ui.label('').classes('text-body1')
                ui.space()
                self.next = ui.button(tr('import.next.preview'), icon='arrow_forward', on_click=on_next).props(
                    'unelevated no-caps'
                )
                self.next.mark('import-values-next')
            self.progress = ReadingProgress('import.values.progress', mark='import-values-progress')
            self.fields = ui.element('div').classes(
                f'w-full overflow-auto {STEP_HEIGHT} grid grid-cols-[repeat(auto-fill,minmax(30rem,1fr))] gap-3 '
                'content-start'
            )
        self.box.set_visibility(False)

    def show_reading(self) -> WorkerProgress:
        self.box.set_visibility(True)
        self.title.set_text(tr('import.values.reading'))
        self.fields.clear()
        self.selects = {}
        self.next.disable()
        return self.progress.start()

    def show(self, lists: dict[str, ValueList]) -> None:
        self.progress.stop()
        self.progress.box.set_visibility(False)
        self.title.set_text(tr('import.values.title'))
        self.fields.clear()
        self.selects = {}
        with self.fields:
            for name, values in lists.items():
                self._field(name, values)
        self.next.enable()

    def _field(self, name: str, values: ValueList) -> None:
        options = value_options(values)
        self.selects[name] = {}
        with ui.card().props('flat bordered').classes('gap-1 q-pa-sm').mark(f'import-values-{name}'):
            with ui.row().classes('w-full items-baseline gap-2'):
                ui.label(tr(f'import.field.{name}')).classes('text-subtitle2')
                ui.label(count('count.values', len(values.rows))).classes('text-caption text-grey-7')
            with ui.element('div').classes('w-full grid grid-cols-[minmax(0,1fr)_auto_18rem] items-center gap-x-2'):
                for row in values.rows:
                    ui.label(row.text).classes('truncate').tooltip(row.text)
                    ui.label(format_number(row.count)).classes('text-caption text-grey-7 text-right')
                    option = _option(row.choice)
                    select = (
                        ui.select(options, value=option if option in options else DEFAULT)
                        .props('dense outlined options-dense')
                        .mark(f'import-value-{name}-{row.text}')
                    )
                    self.selects[name][fold(row.text)] = select

    def values(self) -> dict[str, dict[str, ValueChoice]]:
        return {
            name: {value: _choice(select.value or DEFAULT) for value, select in selects.items()}
            for name, selects in self.selects.items()
        }
