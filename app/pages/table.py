"""/table — the clients table: the board's filter as rows, server-side paging and sorting, bulk actions."""

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.components.dialogs import answer, ask_move
from app.components.filter_panel import FilterBar
from app.components.locale import current_locale, format_date, format_datetime, format_number, paging_texts, tr
from app.domain.clients import bulk, clients, filters
from app.domain.clients.bulk import Selection
from app.domain.db import get_database
from app.domain.events import ClientChanged
from app.domain.permissions import Actor
from app.domain.views import ClientCard as CardData

from .screen import Screen, load_screen_data
from .session import page_actor, to_login

COLUMNS = (
    'name',
    'phone',
    'stage',
    'responsible',
    'project',
    'channel',
    'agency',
    'tags',
    'situation',
    'task',
    'created_at',
    'last_activity_at',
)
DEFAULT_COLUMNS = ('name', 'phone', 'stage', 'responsible', 'project', 'task', 'created_at')
SORTABLE = {'name', 'created_at', 'last_activity_at'}
COLUMNS_KEY = 'table_columns'
ROWS_PER_PAGE = 50


def _load_columns(actor: Actor) -> list[str]:
    with get_database().read() as session:
        chosen = filters.load_preference(session, actor=actor, key=COLUMNS_KEY, default=list(DEFAULT_COLUMNS))
    return [c for c in chosen if c in COLUMNS] or list(DEFAULT_COLUMNS)


def may_bulk(actor: Actor) -> bool:
    return actor.is_head_or_admin or actor.can_bulk


class ClientTable(Screen):
    """One open table tab."""

    active_nav = 'nav.table'

    def __init__(self, actor, stages, choices, flt, columns: list[str]) -> None:
        super().__init__(actor, stages, choices, flt)
        self.visible_columns = columns
        self.total = 0
        self.all_matching = False
        self.reload_pending = False
        self.pagination = {
            'page': 1,
            'rowsPerPage': ROWS_PER_PAGE,
            'sortBy': 'created_at',
            'descending': True,
            'rowsNumber': 0,
        }

    def build(self) -> None:
        self.build_frame()
        with ui.column().classes('w-full q-px-md q-pt-sm gap-2'):
            with ui.row().classes('w-full items-center no-wrap gap-3'):
                self.filter_bar = FilterBar(
                    self.filter,
                    stages=self.stage_list,
                    choices=self.choices,
                    with_stages=True,
                    on_change=self.save_filter,
                )
                ui.space()
                self.total_label = ui.label('').classes('text-grey-8')
                chooser = ui.select(
                    {c: tr(f'column.{c}') for c in COLUMNS},
                    value=self.visible_columns,
                    multiple=True,
                    label=tr('table.columns'),
                    on_change=self.choose_columns,
                )
                chooser.props('outlined dense options-dense').classes('w-56').mark('column-chooser')
                self.build_transfer_buttons()
                if bulk.may_hand_over(self.actor):
                    ui.button(tr('handover.open'), icon='beach_access', on_click=self.hand_over_all).props(
                        'outline no-caps'
                    ).classes('shrink-0').mark('hand-over-all')
                ui.button(tr('board.new_client'), icon='add', on_click=self.new_client).props('unelevated no-caps')
            with ui.row().classes('w-full items-center gap-2 vk-bulk-bar') as self.bulk_bar:
                self.selected_label = ui.label('').classes('text-weight-medium').mark('selected-count')
                self.select_all = ui.button('', on_click=self.select_all_matching).props('flat dense no-caps')
                self.select_all.mark('select-all-matching')
                ui.button(tr('table.clear_selection'), on_click=self.clear_selection).props('flat dense no-caps')
                ui.space()
                if may_bulk(self.actor):
                    ui.button(tr('bulk.assign'), icon='swap_horiz', on_click=self.bulk_assign).props(
                        'unelevated no-caps'
                    ).mark('bulk-assign')
                    ui.button(tr('bulk.move'), icon='east', on_click=self.bulk_move).props('outline no-caps').mark(
                        'bulk-move'
                    )
                    ui.button(tr('bulk.tags'), icon='sell', on_click=self.bulk_tags).props('outline no-caps').mark(
                        'bulk-tags'
                    )
            self.bulk_bar.set_visibility(False)
            self.table = (
                ui.table(
                    columns=self._columns(), rows=[], row_key='id', selection='multiple', pagination=self.pagination
                )
                .classes('w-full vk-table')
                .props('flat bordered dense binary-state-sort')
                .mark('clients-table')
            )
            self.table.props.update(paging_texts())
            self.table.on('request', self.on_request)
            self.table.on_pagination_change(self._keep_total)
            self.table.on('rowClick', lambda e: self.open_client(e.args[1]['id']))
            self.table.on_select(lambda _: self._selection_changed())

    def _columns(self) -> list[dict]:
        return [
            {'name': c, 'field': c, 'label': tr(f'column.{c}'), 'align': 'left', 'sortable': c in SORTABLE}
            for c in COLUMNS
            if c in self.visible_columns
        ]

    def _row(self, card: CardData) -> dict:
        task = card.open_tasks[0] if card.open_tasks else None
        stage = self.stages.get(card.stage_id)
        return {
            'id': card.id,
            'name': card.name,
            'phone': ', '.join(p.number for p in card.phones),
            'stage': stage.name if stage else '',
            'responsible': card.responsible.name,
            'project': card.project.name if card.project else '',
            'channel': card.channel.name if card.channel else '',
            'agency': ' · '.join(x.name for x in (card.agency, card.realtor) if x),
            'tags': ', '.join(t.name for t in card.tags),
            'situation': card.situation,
            'task': f'{format_datetime(task.due_at)} {task.title}' if task else '',
            'created_at': format_date(card.created_at),
            'last_activity_at': format_datetime(card.last_activity_at),
        }

    async def load(self) -> None:
        await self.fetch(self.pagination)

    async def refresh_live(self) -> None:
        """Colleagues' changes: same page, fresh rows, the user's selection kept."""
        self.reload_pending = False
        await self.fetch(self.pagination, keep_selection=True)

    async def fetch(self, pagination: dict, keep_selection: bool = False) -> None:
        sort = pagination.get('sortBy') or 'created_at'
        page = await self.read(
            clients.list_clients,
            flt=self.filter,
            limit=pagination['rowsPerPage'] or ROWS_PER_PAGE,
            offset=(pagination['page'] - 1) * (pagination['rowsPerPage'] or ROWS_PER_PAGE),
            sort=sort if sort in SORTABLE else 'created_at',
            descending=bool(pagination.get('descending', True)),
        )
        if page is None:
            return
        self.total = page.total
        self.pagination = {**pagination, 'rowsNumber': page.total}
        self.table.pagination = self.pagination
        kept = {row['id'] for row in self.table.selected} if keep_selection else set()
        self.table.rows = [self._row(card) for card in page.items]
        self.table.selected = [row for row in self.table.rows if row['id'] in kept]
        self.table.update()
        self.all_matching = self.all_matching and keep_selection
        self.total_label.set_text(tr('table.total', total=format_number(page.total)))
        self.filter_bar.show(self.filter)
        self._selection_changed()
        self.total_label.mark('table-total', 'table-ready')  # tests wait for the first page

    def _keep_total(self, event) -> None:
        # Quasar echoes its pagination back, possibly from before the total was known: keep the real total
        if event.value.get('rowsNumber') != self.total:
            self.table.pagination = {**event.value, 'rowsNumber': self.total}

    async def on_request(self, event) -> None:
        await self.fetch(event.args['pagination'])

    async def choose_columns(self, event) -> None:
        self.visible_columns = [c for c in COLUMNS if c in (event.value or [])] or list(DEFAULT_COLUMNS)
        self.table.columns = self._columns()
        await self.call(filters.save_preference, key=COLUMNS_KEY, value=self.visible_columns)

    # selection and bulk actions ------------------------------------------------------------------------------
    def _selection_count(self) -> int:
        return self.total if self.all_matching else len(self.table.selected)

    def _selection_changed(self) -> None:
        count = self._selection_count()
        self.bulk_bar.set_visibility(count > 0)
        self.selected_label.set_text(
            tr('table.all_selected', total=format_number(self.total))
            if self.all_matching
            else tr('table.selected', count=format_number(count))
        )
        page_full = len(self.table.selected) == len(self.table.rows) and self.total > len(self.table.rows)
        self.select_all.set_text(tr('table.select_all', total=format_number(self.total)))
        self.select_all.set_visibility(page_full and not self.all_matching)

    def select_all_matching(self) -> None:
        self.all_matching = True
        self.table.selected = list(self.table.rows)
        self.table.update()
        self._selection_changed()

    def clear_selection(self) -> None:
        self.all_matching = False
        self.table.selected.clear()
        self.table.update()
        self._selection_changed()

    def _selection(self) -> Selection:
        if self.all_matching:
            return Selection(flt=self.filter)
        return Selection(client_ids=[row['id'] for row in self.table.selected])

    async def _run_bulk(self, action, **arguments) -> None:
        """A bulk action runs off the event loop; the user sees it working and then what was done."""
        count = self._selection_count()
        with ui.dialog().props('persistent') as progress, ui.card().classes('items-center q-pa-lg'):
            ui.spinner(size='lg')
            ui.label(tr('bulk.working', count=format_number(count)))
        progress.open()
        try:
            result = await self.call(action, selection=self._selection(), **arguments)
        finally:
            progress.close()
            progress.delete()
        if result is not None:
            ui.notify(
                result.summary(current_locale()),
                type='positive' if not result.skipped else 'warning',
                multi_line=True,
                timeout=8000,
            )
            self.clear_selection()
            await self.load()

    async def bulk_assign(self) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(tr('bulk.assign')).classes('text-h6')
            ui.label(tr('bulk.confirm', count=format_number(self._selection_count()))).classes('text-grey-8')
            user = (
                ui.select({u.id: u.name for u in self.choices.users}, label=tr('client.responsible'))
                .classes('w-full')
                .props('outlined dense')
                .mark('bulk-assign-user')
            )
            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
                ui.button(tr('action.ok'), on_click=lambda: dialog.submit(user.value)).mark('bulk-assign-ok')
        chosen = await answer(dialog)
        if chosen:
            await self._run_bulk(bulk.bulk_assign, responsible_id=chosen)

    async def bulk_move(self) -> None:
        move = await ask_move(tr('table.selected', count=format_number(self._selection_count())), self.stage_list, -1)
        if move is not None:
            await self._run_bulk(bulk.bulk_move, stage_id=move[0], reason_id=move[1])

    async def bulk_tags(self) -> None:
        options = {t.id: t.name for t in self.choices.tags}
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(tr('bulk.tags')).classes('text-h6')
            ui.label(tr('bulk.confirm', count=format_number(self._selection_count()))).classes('text-grey-8')
            add = (
                ui.select(options, label=tr('bulk.add_tags'), multiple=True)
                .classes('w-full')
                .props('outlined dense use-chips')
                .mark('bulk-add-tags')
            )
            remove = (
                ui.select(options, label=tr('bulk.remove_tags'), multiple=True)
                .classes('w-full')
                .props('outlined dense use-chips')
            )
            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
                ui.button(tr('action.ok'), on_click=lambda: dialog.submit((add.value or [], remove.value or [])))
        chosen = await answer(dialog)
        if chosen and (chosen[0] or chosen[1]):
            await self._run_bulk(bulk.bulk_tags, add_tag_ids=chosen[0], remove_tag_ids=chosen[1])

    async def hand_over_all(self) -> None:
        """The "manager on leave" path: every client of one user, closed ones included, in one dialog.
        The filter's single responsible is taken as the one leaving, so the head who filtered by them saves a click."""
        sources = await self.read(bulk.hand_over_sources)
        if sources is None:
            return
        by_id = {source.user_id: source for source in sources}
        chosen = self.filter.responsible_ids[0] if len(self.filter.responsible_ids) == 1 else None
        with ui.dialog() as dialog, ui.card().classes('w-[30rem]').mark('hand-over-dialog'):
            ui.label(tr('handover.title')).classes('text-h6')
            if not sources:
                ui.label(tr('handover.none')).classes('text-grey-8')
            ui.label(tr('handover.whose')).classes('text-caption text-grey-8')
            whose = ui.radio(
                {s.user_id: tr('handover.source', name=s.name, total=s.total) for s in sources},
                value=chosen if chosen in by_id else None,
            )
            whose.props('dense').classes('q-pl-sm').mark('hand-over-whose')
            scope = ui.label('').classes('text-body2').mark('hand-over-scope')
            target = (
                ui.select({}, label=tr('users.hand_over_to'))
                .classes('w-full')
                .props('outlined dense')
                .mark('hand-over-target')
            )
            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat no-caps')
                ok = ui.button(on_click=lambda: dialog.submit((whose.value, target.value)))
                ok.props('unelevated no-caps').mark('hand-over-ok')

            def show_choice() -> None:
                source = by_id.get(whose.value)
                target.set_options(
                    {u.id: u.name for u in self.choices.users if source is None or u.id != source.user_id},
                    value=None if source and target.value == source.user_id else target.value,
                )
                scope.set_text(tr('handover.scope', working=source.working, closed=source.closed) if source else '')
                ok.set_text(tr('handover.ok', count=source.total if source else 0))
                ok.set_enabled(source is not None and target.value is not None)

            whose.on_value_change(show_choice)
            target.on_value_change(lambda: ok.set_enabled(whose.value is not None and target.value is not None))
            show_choice()
        chosen_pair = await answer(dialog)
        if not chosen_pair or None in chosen_pair:
            return
        result = await self.call(bulk.hand_over_all_clients, user_id=chosen_pair[0], to_user_id=chosen_pair[1])
        if result is not None:
            ui.notify(tr('users.handed_over', count=result.changed), type='positive')
            self.clear_selection()
            await self.load()

    # live ----------------------------------------------------------------------------------------------------
    def follow(self, event: ClientChanged, snapshot: CardData | None, actor_name: str, seq: int) -> None:
        """A shown row changes in place; anything else may change which rows match: reload the page."""
        shown = {row['id'] for row in self.table.rows}
        if (event.client_id in shown or event.what in ('created', 'moved', 'assigned')) and not self.reload_pending:
            self.reload_pending = True
            ui.timer(0.3, self.refresh_live, once=True)


def register() -> None:
    @ui.page('/table')
    async def table_page() -> RedirectResponse | None:
        actor = await page_actor()
        if actor is None:
            return to_login()
        stages, choices, flt = await run.io_bound(load_screen_data, actor)
        columns = await run.io_bound(_load_columns, actor)
        table = ClientTable(actor, stages, choices, flt, columns)
        table.build()
        await table.load()
