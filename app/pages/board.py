"""/ — the clients kanban: columns, drag and drop, and live changes from everyone."""

from fastapi.responses import RedirectResponse
from nicegui import background_tasks, run, ui
from nicegui.events import SortableEventArguments

from app.components.client_card import ClientCard, card_labels_script, waiting_clock_script
from app.components.dialogs import ask_booking, ask_move, browse_clients, pick_reason
from app.components.filter_panel import FilterBar
from app.components.kanban import ClosingZone, KanbanColumn, load_next_page, place_card
from app.components.locale import tr
from app.domain.clients import clients, speed_to_lead, view_settings
from app.domain.clients.filters import ClientFilter
from app.domain.clients.speed_to_lead import WaitingClock
from app.domain.clients.view_settings import CARD_PARTS, ViewSettings, card_rank
from app.domain.db import get_database
from app.domain.deals import deals
from app.domain.events import ClientChanged, LocalSnapshot, TransactionSnapshot, UserSettingsChanged
from app.domain.models import utcnow
from app.domain.permissions import Actor, can_act_on_clients_of, can_see_clients_of
from app.domain.views import ClientCard as CardData
from app.domain.views import ClientDetail, StageView
from app.live import hub

from .screen import Screen, load_screen_data
from .session import page_actor, to_login

PAGE_SIZE = 12  # about what a column shows on a laptop screen; more come on scroll
RELOAD_DELAY = 0.3
PAGE_AREA = 'vk-page-area w-full gap-0 items-stretch'
DRAG_HIGHLIGHT = (
    '<script>document.addEventListener("dragstart", () => document.body.classList.add("vk-dragging"));'
    '["dragend", "drop", "mouseup"].forEach(name => document.addEventListener(name, '
    '() => document.body.classList.remove("vk-dragging")));</script>'
)


def _load_view(actor: Actor) -> ViewSettings:
    with get_database().read() as session:
        return view_settings.load_view_settings(session, actor=actor)


def _load_clock() -> WaitingClock:
    with get_database().read() as session:
        return speed_to_lead.waiting_clock(session)


def _load_board(
    actor: Actor, flt: ClientFilter, view: ViewSettings, stage_ids: list[int]
) -> tuple[dict[int, int], dict, LocalSnapshot | TransactionSnapshot]:
    """Counts for every stage and the first page of each working column, in one read transaction, and which
    changes that read already holds."""
    with hub.snapshot_read() as (session, seen):
        counts, pages = clients.first_board_pages(
            session, actor=actor, stage_ids=stage_ids, flt=flt, view=view, limit=PAGE_SIZE
        )
        return counts, pages, seen


class Board(Screen):
    """One open board tab: what it shows, and how it follows the changes of everyone."""

    def __init__(self, actor, stages, choices, flt, view: ViewSettings, clock: WaitingClock) -> None:
        super().__init__(actor, stages, choices, flt)
        self.view = view
        self.clock = clock
        self.columns: dict[int, KanbanColumn] = {}
        self.zones: dict[int, ClosingZone] = {}
        self.cards: dict[int, ClientCard] = {}
        self.container_stage: dict[int, int] = {}
        self.counts: dict[int, int] = {}
        self.reload_pending = False
        self.loading = False
        self.loaded: LocalSnapshot | TransactionSnapshot = LocalSnapshot()  # what the last load read
        self.held: list[tuple] = []  # changes that arrived while a load was reading

    # building ------------------------------------------------------------------------------------------------
    def build(self) -> None:
        ui.add_body_html(card_labels_script())
        ui.add_body_html(waiting_clock_script(self.clock))
        ui.add_body_html(DRAG_HIGHLIGHT)  # while a card is dragged the closing zones light up as drop targets
        self.build_frame()
        with ui.row().classes('vk-toolbar items-center w-full q-px-md q-pt-sm gap-3 no-wrap'):
            ui.toggle(
                {False: tr('board.all'), True: tr('board.mine')}, value=self.filter.own_only, on_change=self.set_scope
            ).props('dense no-caps rounded unelevated toggle-color=primary').mark('scope-toggle')
            self.filter_bar = FilterBar(
                self.filter, stages=self.stage_list, choices=self.choices, with_stages=False, on_change=self.save_filter
            )
            ui.space()
            self.build_transfer_buttons()
            ui.button(tr('board.new_client'), icon='add', on_click=self.new_client).props('unelevated no-caps').mark(
                'new-client'
            )
        self.page_area = ui.column().classes(PAGE_AREA)
        with self.page_area, ui.row().classes('vk-board no-wrap w-full q-px-md gap-3') as self.board_row:
            for stage in self.stage_list:
                if not stage.is_closing:
                    column = KanbanColumn(
                        stage, on_drop=self.on_drop, on_more=self.load_more, card_factory=self.make_card
                    )
                    self.columns[stage.id] = column
                    self.container_stage[column.cards.id] = stage.id
        with self.page_area, ui.row().classes('vk-closing-bar no-wrap w-full q-px-md q-pb-sm gap-3'):
            for stage in self.stage_list:
                if stage.is_closing:
                    zone = ClosingZone(stage, on_drop=self.on_drop, on_open=self.browse_stage)
                    self.zones[stage.id] = zone
                    self.container_stage[zone.cards.id] = stage.id
            # in the bar's lower right corner rather than floating: a floating button covers the cards beneath it
            ui.button(tr('view.button'), icon='tune', on_click=self.edit_view).props(
                'unelevated no-caps color=primary'
            ).classes('vk-view-button').mark('view-settings')

    async def load(self) -> None:
        self.reload_pending = False
        self.loading = True
        try:
            counts, pages, self.loaded = await run.io_bound(
                _load_board, self.actor, self.filter, self.view, list(self.columns)
            )
        finally:
            self.loading = False
        self._show_loaded(counts, pages)
        held, self.held = self.held, []
        for change in held:
            self.follow(*change)

    def _apply_view(self) -> None:
        """The parts the user hides, by CSS on the board: cards stay one element each."""
        hidden = [part for part in CARD_PARTS if part not in self.view.parts]
        if self.view.task_display == 'hidden':
            hidden.append('tasks')
        self.page_area.classes(replace=' '.join([PAGE_AREA, *(f'vk-hide-{part}' for part in hidden)]))
        first_stage_id = next((stage.id for stage in self.stage_list if stage.kind == 'working'), None)
        for column in self.columns.values():
            column.rank = lambda card: card_rank(self.view, card, utcnow(), first_stage_id)

    def _show_loaded(self, counts: dict[int, int], pages: dict) -> None:
        self._apply_view()
        self.counts = {stage_id: counts.get(stage_id, 0) for stage_id in self.stages}
        for stage_id, column in self.columns.items():
            for element in column.card_elements():
                self._forget(element)
            column.cards.clear()
            column.total = self.counts[stage_id]
            column.append(pages[stage_id].items)
            column.set_total(self.counts[stage_id])
        for stage_id, zone in self.zones.items():
            zone.set_total(self.counts[stage_id])
        self.filter_bar.show(self.filter)
        self.board_row.mark('board-ready')  # tests and scripts wait for the first page of cards

    def make_card(self, data: CardData) -> ClientCard:
        card = ClientCard(data, on_open=self.open_client, on_move=self.move_by_click, task_mode=self.view.task_display)
        self.cards[data.id] = card
        return card

    def _forget(self, element: ClientCard) -> None:
        if self.cards.get(element.data.id) is element:
            del self.cards[element.data.id]

    async def load_more(self, column: KanbanColumn) -> None:
        await load_next_page(
            column,
            lambda offset: self.read(
                clients.board_column,
                stage_id=column.stage.id,
                flt=self.filter,
                view=self.view,
                offset=offset,
                limit=PAGE_SIZE,
            ),
            self.cards,
        )

    # moving --------------------------------------------------------------------------------------------------
    async def on_drop(self, event: SortableEventArguments) -> None:
        card = event.item
        source_stage = self.container_stage.get(event.source.id)
        target_stage = self.container_stage.get(event.target.id)
        if not isinstance(card, ClientCard) or source_stage is None or target_stage is None:
            return
        if source_stage == target_stage:
            return
        moved = await self.move(card.data, self.stages[target_stage])
        if moved is None:  # cancelled or refused: back where the client is now (it may have moved meanwhile)
            self.place(card, card.data, flash='', keep=True)
        else:
            self._show_moved(card, moved)

    async def move_by_click(self, client_id: int) -> None:
        card = self.cards.get(client_id)
        if card is None:
            return
        answer = await ask_move(card.data.name, self.stage_list, card.data.stage_id)
        if answer is None:
            return
        moved = await self.move(card.data, self.stages[answer[0]], reason_id=answer[1])
        if moved is not None:
            self._show_moved(card, moved)

    async def move(self, data: CardData, stage: StageView, reason_id: int | None = None) -> ClientDetail | None:
        """Ask what the stage needs (a reason, a booking), then move; None when cancelled or refused."""
        if stage.kind == 'success':
            booking = await ask_booking(
                self.choices.projects, data.project.id if data.project else None, load_units=self.free_units
            )
            if booking is None:
                return None
            return await self.call(deals.book_client, client_id=data.id, expected_version=data.version, **booking)
        if stage.needs_reason and reason_id is None:
            reason_id = await pick_reason(stage)
            if reason_id is None:
                return None
        return await self.call(
            clients.move_client,
            client_id=data.id,
            stage_id=stage.id,
            reason_id=reason_id,
            expected_version=data.version,
        )

    def _show_moved(self, card: ClientCard, detail: ClientDetail) -> None:
        if card.data.version > detail.version:  # the live update with newer data came first
            return
        data = CardData(**{k: getattr(detail, k) for k in CardData.model_fields})
        self.place(card, data, flash='', keep=True)

    # live ----------------------------------------------------------------------------------------------------
    def _counted(self, stage_id: int | None, responsible_id: int | None) -> bool:
        if stage_id is None or responsible_id is None:
            return False
        if self.filter.own_only and responsible_id != self.actor.id:
            return False
        return can_see_clients_of(self.actor, responsible_id)

    def follow(self, event: ClientChanged, snapshot: CardData | None, actor_name: str, seq: int) -> None:
        if self.loading:
            self.held.append((event, snapshot, actor_name, seq))
            return
        if not self.filter.model_copy(update={'own_only': False}).is_default():
            # an arbitrary filter cannot be judged from the snapshot: ask the database again, shortly
            if not self.reload_pending:
                self.reload_pending = True
                ui.timer(RELOAD_DELAY, self.load, once=True)
            return
        if not self.loaded.includes(seq):  # a change the last load read is in its counts already
            self._count_change(event)
        card = self.cards.get(event.client_id)
        if snapshot is None or not self._counted(snapshot.stage_id, snapshot.responsible.id):
            if card is not None:
                self._forget(card)
                card.delete()
                self._refresh_footers()
            if self.window.client_id == event.client_id and snapshot is None:
                self.window.dialog.close()
        else:
            mine = snapshot.model_copy(update={'can_act': can_act_on_clients_of(self.actor, snapshot.responsible.id)})
            if card is not None and card.data.version > mine.version:
                return  # a newer snapshot is shown already
            if card is None:
                column = self.columns.get(mine.stage_id)
                if column is None:
                    return
                with column.cards:
                    card = self.make_card(mine)
            self.place(card, mine, flash=actor_name if event.actor_id != self.actor.id else '')

    def _count_change(self, event: ClientChanged) -> None:
        previous_stage = None if event.what == 'created' else (event.previous_stage_id or event.stage_id)
        previous_responsible = event.previous_responsible_id or event.responsible_id
        changed = False
        if self._counted(previous_stage, previous_responsible):
            self.counts[previous_stage] = self.counts.get(previous_stage, 0) - 1
            changed = True
        if self._counted(event.stage_id, event.responsible_id):
            self.counts[event.stage_id] = self.counts.get(event.stage_id, 0) + 1
            changed = True
        if changed:
            for stage_id in {previous_stage, event.stage_id}:
                if stage_id in self.columns:
                    self.columns[stage_id].set_total(self.counts[stage_id])
                elif stage_id in self.zones:
                    self.zones[stage_id].set_total(self.counts[stage_id])

    def place(self, card: ClientCard, data: CardData, flash: str, keep: bool = False) -> None:
        """Show a card with fresh data in the column of its stage (gone when its stage is a closing one, or
        when it sorts beyond the loaded page, unless `keep`: the user's own drop stays where they see it)."""
        if card.is_deleted or self.cards.get(data.id) is not card:
            return
        place_card(card, data, self.columns, flash=flash, keep=keep, forget=self._forget)
        self._refresh_footers()

    def _refresh_footers(self) -> None:
        for column in self.columns.values():
            column.refresh_footer()

    async def edit_view(self) -> None:
        await self.edit_view_of(self.actor.id, users=self.choices.everyone if self.actor.is_admin else None)

    def on_settings_changed(self, event: UserSettingsChanged) -> None:
        """This user's view changed (here, in another tab, or by an admin): re-render with it."""
        if event.user_id != self.actor.id or self.client.id not in self.client.instances:
            return
        with self.client:
            background_tasks.create(self._reload_view(), name='reload-view')

    async def _reload_view(self) -> None:
        view = await run.io_bound(_load_view, self.actor)
        self.view = view
        await self.load()

    async def set_scope(self, event) -> None:
        await self.save_filter(self.filter.model_copy(update={'own_only': bool(event.value)}))

    async def browse_stage(self, stage: StageView) -> None:
        await browse_clients(
            stage,
            load_page=lambda offset: self.read(
                clients.board_column, stage_id=stage.id, flt=self.filter, offset=offset, limit=PAGE_SIZE * 2
            ),
            on_open=self.open_client,
        )


def register() -> None:
    @ui.page('/')
    async def board_page() -> RedirectResponse | None:
        actor = await page_actor()
        if actor is None:
            return to_login()
        stages, choices, flt = await run.io_bound(load_screen_data, actor)
        view, clock = await run.io_bound(_load_view, actor), await run.io_bound(_load_clock)
        board = Board(actor, stages, choices, flt, view, clock)
        board.build()
        await board.load()
