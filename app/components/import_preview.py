"""The import preview: counts, what will be created, every row with its outcome and problems, and «Загрузить»."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.account_time import from_local_naive
from app.domain.excel.importing import ImportPlan, PlannedRow, outcome_text

from .locale import current_locale, format_datetime, format_money, format_number, paging_texts, tr
from .progress import ProgressLine, WorkerProgress

ROWS_PER_PAGE = 50
PAGE_SIZES = [25, 50, 100, 200]


def _rows(planned: list[PlannedRow], names: dict[int, str], stages: dict[int, str], locale: str) -> list[dict]:
    rows = []
    for r in planned:
        created = r.row.created_at
        rows.append(
            {
                'number': r.row.number,
                'name': r.name or r.row.values.get('name', ''),
                'phones': ', '.join(p.number for p in r.row.phones),
                'created': format_datetime(from_local_naive(created)) if created else '',
                'responsible': names.get(r.responsible_id, ''),
                'stage': stages.get(r.stage_id, ''),
                'outcome': r.outcome,
                'outcome_text': outcome_text(r, locale),
                'effects': _effects(r),
                'problems': '; '.join(p.message(locale) for p in r.problems),
                'warn': bool(r.problems) and r.outcome != 'error',
            }
        )
    return rows


def _effects(row: PlannedRow) -> str:
    """What else a row does beside its outcome: the empty fields of a known client it fills, the deal it makes."""
    parts = []
    if row.fills:
        fields = [tr('import.fills.custom') if key == 'custom' else tr(f'import.field.{key}') for key in row.fills]
        parts.append(tr('import.fills', fields=', '.join(fields)))
    if row.deal_amount:
        parts.append(tr('import.deal', amount=format_money(row.deal_amount)))
    return '; '.join(parts)


class ImportPreview:
    """Built once on the page; `show(plan)` fills it for a freshly read or a loaded file."""

    def __init__(
        self,
        *,
        names: dict[int, str],
        stages: dict[int, str],
        on_commit: Callable[[], Awaitable[None]],
        on_report: Callable[[], None],
        on_back: Callable[[], None],
    ) -> None:
        self.names = names
        self.stages = stages
        with ui.column().classes('w-full gap-2') as self.box:
            self.title = ui.label('').classes('text-subtitle1 text-weight-medium').mark('import-file')
            with ui.row().classes('items-center gap-2') as self.counts:
                self.total = ui.chip('', icon='table_rows').props('outline').mark('import-total')
                self.new = ui.chip('', icon='person_add', color='positive').props('outline').mark('import-new')
                self.attach = ui.chip('', icon='call_merge', color='primary').props('outline').mark('import-attach')
                self.errors = ui.chip('', icon='error_outline', color='negative').props('outline').mark('import-errors')
            self.notes = ui.column().classes('w-full gap-0 text-body2')
            with ui.row().classes('w-full items-center gap-3'):
                self.back = ui.button(tr('import.back_to_mapping'), icon='arrow_back', on_click=on_back).props(
                    'flat no-caps'
                )
                self.back.mark('import-back')
                self.only_problems = ui.checkbox(tr('import.only_problems'), on_change=self._filter).mark(
                    'import-only-problems'
                )
                ui.space()
                self.report = ui.button(tr('import.report'), icon='summarize', on_click=on_report).props('flat no-caps')
                self.report.mark('import-report')
                self.load = ui.button(tr('import.load'), icon='cloud_upload', on_click=on_commit).props(
                    'unelevated no-caps'
                )
                self.load.mark('import-load')
            self.progress = ProgressLine('import.progress', mark='import-progress')
            self.table = (
                ui.table(
                    columns=[
                        {'name': 'number', 'label': tr('import.report.row'), 'field': 'number', 'align': 'right'},
                        {'name': 'name', 'label': tr('export.field.name'), 'field': 'name', 'align': 'left'},
                        {'name': 'phones', 'label': tr('export.field.phones'), 'field': 'phones', 'align': 'left'},
                        {
                            'name': 'created',
                            'label': tr('export.field.created_at'),
                            'field': 'created',
                            'align': 'left',
                        },
                        {
                            'name': 'responsible',
                            'label': tr('export.field.responsible'),
                            'field': 'responsible',
                            'align': 'left',
                        },
                        {'name': 'stage', 'label': tr('export.field.stage'), 'field': 'stage', 'align': 'left'},
                        {
                            'name': 'outcome',
                            'label': tr('import.report.outcome'),
                            'field': 'outcome_text',
                            'align': 'left',
                        },
                        {
                            'name': 'problems',
                            'label': tr('import.report.messages'),
                            'field': 'problems',
                            'align': 'left',
                        },
                    ],
                    rows=[],
                    row_key='number',
                    pagination={'page': 1, 'rowsPerPage': ROWS_PER_PAGE, 'rowsNumber': 0},
                )
                .props('dense flat bordered wrap-cells')
                .classes('w-full vk-import-table')
            )
            # a page at a time: 20,000 rows formatted and sent at once held the event loop for seconds
            self.table.props.update(paging_texts(), **{'rows-per-page-options': PAGE_SIZES})
            self.table.on('request', lambda e: self._page(e.args['pagination']))
            self.table.on_pagination_change(self._keep_total)
            self.table.add_slot(
                'body-cell-outcome',
                "<q-td :props=\"props\"><q-badge :color=\"{new: 'positive', attach: 'primary', error: 'negative'}"
                '[props.row.outcome]" :label="props.value" class="vk-import-outcome"/>'
                '<div v-if="props.row.effects" class="text-caption text-grey-8">{{ props.row.effects }}</div></q-td>',
            )
            self.table.add_slot(
                'body-cell-problems',
                "<q-td :props=\"props\" :class=\"props.row.outcome === 'error' ? 'text-negative' : "
                "(props.row.warn ? 'text-orange-9' : '')\">{{ props.value }}</q-td>",
            )
            self.table.mark('import-table')
        self.box.set_visibility(False)
        self.planned: list[PlannedRow] = []
        self.shown: list[PlannedRow] = []

    def show_reading(self, file_name: str) -> None:
        self.box.set_visibility(True)
        self.title.set_text(tr('import.reading', file=file_name))
        self.counts.set_visibility(False)
        self.table.set_visibility(False)
        self.load.disable()
        self.report.disable()
        self.back.disable()

    def show_loading(self) -> WorkerProgress:
        self.load.disable()
        self.report.disable()
        self.back.disable()
        return self.progress.start()

    def show(self, plan: ImportPlan | None) -> None:
        self.progress.stop()
        if plan is None:  # the file was refused: the message is already on screen
            self.box.set_visibility(False)
            return
        self.box.set_visibility(True)
        self.counts.set_visibility(True)
        self.table.set_visibility(True)
        self.progress.box.set_visibility(plan.committed)
        good = plan.count('new') + plan.count('attach')
        title = 'import.committed' if plan.committed else 'import.preview_title'
        self.title.set_text(tr(title, rows=format_number(len(plan.rows))))
        self.total.set_text(tr('import.count.rows', count=format_number(len(plan.rows))))
        self.new.set_text(tr('import.count.new', count=format_number(plan.count('new'))))
        self.attach.set_text(tr('import.count.attach', count=format_number(plan.count('attach'))))
        self.errors.set_text(tr('import.count.errors', count=format_number(plan.count('error'))))
        self.notes.clear()
        with self.notes:
            recognised = ', '.join(plan.file.columns.values()) + ''.join(
                f', {name}' for name in plan.file.custom_columns.values()
            )
            # one line each: the user has just chosen them column by column; the whole list is in the tooltip
            text = tr('import.columns', columns=recognised)
            ui.label(text).classes('w-full truncate').tooltip(text)
            if plan.file.unknown_columns:
                text = tr('import.unknown_columns', columns=', '.join(plan.file.unknown_columns))
                ui.label(text).classes('w-full truncate text-orange-9').tooltip(text).mark('import-unknown')
            for key, names in (
                ('projects', plan.new_projects),
                ('tags', plan.new_tags),
                ('agencies', plan.new_agencies),
                ('realtors', plan.new_realtors),
            ):
                if names:
                    prefix = 'made' if plan.committed else 'new'
                    ui.label(tr(f'import.{prefix}_{key}', names=', '.join(names))).mark(f'import-new-{key}')
        self.planned = plan.rows
        self._filter()
        self.report.enable()
        self.load.set_visibility(not plan.committed)
        self.load.set_enabled(good > 0)
        self.back.set_visibility(not plan.committed)
        self.back.enable()

    def _filter(self) -> None:
        only = self.only_problems.value
        self.shown = [r for r in self.planned if r.problems] if only else self.planned
        self._page({**self.table.pagination, 'page': 1})

    def _page(self, pagination: dict) -> None:
        size = pagination.get('rowsPerPage') or ROWS_PER_PAGE
        start = (pagination['page'] - 1) * size
        self.table.pagination = {**pagination, 'rowsPerPage': size, 'rowsNumber': len(self.shown)}
        self.table.rows = _rows(self.shown[start : start + size], self.names, self.stages, current_locale())
        self.table.update()

    def _keep_total(self, event) -> None:
        # Quasar echoes its pagination back, possibly from before the total was known: keep the real total
        if event.value.get('rowsNumber') != len(self.shown):
            self.table.pagination = {**event.value, 'rowsNumber': len(self.shown)}
