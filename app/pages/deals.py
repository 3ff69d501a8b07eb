"""/deals — the deals kanban: the clients board's mechanics over deals, with the sum of amounts per column."""

import asyncio

from fastapi.responses import RedirectResponse
from nicegui import background_tasks, run, ui
from nicegui.events import SortableEventArguments

from app.components.client_card import card_labels_script
from app.components.deal_card import DealCardElement
from app.components.deal_window import DealFilterBar, DealWindow
from app.components.dialogs import ask_move, browse_clients, pick_reason
from app.components.kanban import ClosingZone, KanbanColumn, load_next_page, place_card
from app.components.locale import format_money, tr
from app.domain.account import reference
from app.domain.db import get_database
from app.domain.deals import deal_board
from app.domain.deals.deal_board import DealCard, DealDetail, DealFilter
from app.domain.documents.storage import MEBIBYTE, file_max_bytes
from app.domain.events import DealChanged
from app.domain.models import Board
from app.domain.permissions import Actor, can_act_on_clients_of, can_see_clients_of
from app.domain.views import StageView
from app.live import hub

from .board import DRAG_HIGHLIGHT, PAGE_AREA, PAGE_SIZE, RELOAD_DELAY
from .document_actions import TabDocuments
from .screen import Screen, load_screen_data
from .session import page_actor, to_login

DRAG_GROUP = 'deals'
TOTALS_DELAY = 0.15  # several changes in a burst cost one re-read of the column totals


def _load_deals_setup(actor: Actor) -> tuple[list[StageView], DealFilter]:
    with get_database().read() as session:
        return reference.stage_views(session, Board.deals), deal_board.load_deal_filter(session, actor=actor)


def _load_board(actor: Actor, flt: DealFilter, stage_ids: list[int]) -> tuple[dict, dict]:
    """Count and sum of every stage and the first page of each working column, in one read transaction."""
    with get_database().read() as session:
        totals = deal_board.deal_totals(session, actor=actor, flt=flt)
        pages = {
            stage_id: deal_board.deal_column(session, actor=actor, stage_id=stage_id, flt=flt, limit=PAGE_SIZE)
            for stage_id in stage_ids
        }
        return totals, pages


def _newest_first(card: DealCard) -> tuple:
    return -card.created_at.timestamp(), -card.id


class DealsBoard(Screen):
    """One open deals tab: columns with counts and sums, moves, the deal window, and everyone's changes."""

    active_nav = 'nav.deals'

    def __init__(self, actor, stages, choices, flt, deal_stages: list[StageView], deal_filter: DealFilter) -> None:
        super().__init__(actor, stages, choices, flt)
        self.deal_stage_list = deal_stages
        self.deal_stages = {s.id: s for s in deal_stages}
        self.deal_filter = deal_filter
        self.columns: dict[int, KanbanColumn] = {}
        self.zones: dict[int, ClosingZone] = {}
        self.cards: dict[int, DealCardElement] = {}
        self.container_stage: dict[int, int] = {}
        self.loading = False
        self.reload_pending = False
        self.totals_pending = False
        self.held: list[tuple] = []  # changes that arrived while a load was reading

    # building ------------------------------------------------------------------------------------------------
    def build(self) -> None:
        ui.add_body_html(card_labels_script())
        ui.add_body_html(DRAG_HIGHLIGHT)
        self.build_frame()
        self.deal_window = DealWindow(
            stages=self.deal_stage_list,
            on_open_client=self.open_client,
            on_move=self.move_by_click,
            on_reopen=self.reopen,
            on_comment=self.comment,
            documents_of=lambda deal_id: TabDocuments(self, deal_id=deal_id),
            file_max_mb=file_max_bytes() // MEBIBYTE,
        )
        with ui.row().classes('vk-toolbar items-center w-full q-px-md q-pt-sm gap-3 no-wrap'):
            ui.toggle(
                {False: tr('board.all'), True: tr('board.mine')},
                value=self.deal_filter.own_only,
                on_change=self.set_scope,
            ).props('dense no-caps rounded unelevated toggle-color=primary').mark('scope-toggle')
            self.filter_bar = DealFilterBar(self.deal_filter, choices=self.choices, on_change=self.save_deal_filter)
            ui.space()
        self.page_area = ui.column().classes(PAGE_AREA)
        with self.page_area, ui.row().classes('vk-board no-wrap w-full q-px-md gap-3') as self.board_row:
            for stage in self.deal_stage_list:
                if not stage.is_closing:
                    column = KanbanColumn(
                        stage,
                        on_drop=self.on_drop,
                        on_more=self.load_more,
                        card_factory=self.make_card,
                        card_type=DealCardElement,
                        group=DRAG_GROUP,
                        empty_text='deals.empty',
                    )
                    column.rank = _newest_first
                    self.columns[stage.id] = column
                    self.container_stage[column.cards.id] = stage.id
        with self.page_area, ui.row().classes('vk-closing-bar no-wrap w-full q-px-md q-pb-sm gap-3'):
            for stage in self.deal_stage_list:
                if stage.is_closing:
                    zone = ClosingZone(stage, on_drop=self.on_drop, on_open=self.browse_stage, group=DRAG_GROUP)
                    self.zones[stage.id] = zone
                    self.container_stage[zone.cards.id] = stage.id

    async def load(self) -> None:
        self.reload_pending = False
        self.loading = True
        try:
            totals, pages = await run.io_bound(_load_board, self.actor, self.deal_filter, list(self.columns))
        finally:
            self.loading = False
        for stage_id, column in self.columns.items():
            for element in column.card_elements():
                self._forget(element)
            column.cards.clear()
            column.total = pages[stage_id].total
            column.append(pages[stage_id].items)
        self._show_totals(totals)
        self.filter_bar.show(self.deal_filter)
        self.board_row.mark('deals-ready')  # tests and scripts wait for the first page of cards
        held, self.held = self.held, []
        for change in held:
            self.follow_deal(*change)
        await self.refresh_counters()

    def _show_totals(self, totals: dict[int, tuple[int, float]]) -> None:
        for stage_id, place in [*self.columns.items(), *self.zones.items()]:
            count, amount = totals.get(stage_id, (0, 0.0))
            place.set_total(count)
            place.set_sum(format_money(amount) if count else '')

    def make_card(self, data: DealCard) -> DealCardElement:
        card = DealCardElement(data, on_open=self.open_deal, on_move=self.move_by_click)
        self.cards[data.id] = card
        return card

    def _forget(self, element: DealCardElement) -> None:
        if self.cards.get(element.data.id) is element:
            del self.cards[element.data.id]

    async def load_more(self, column: KanbanColumn) -> None:
        await load_next_page(
            column,
            lambda offset: self.read(
                deal_board.deal_column, stage_id=column.stage.id, flt=self.deal_filter, offset=offset, limit=PAGE_SIZE
            ),
            self.cards,
        )

    async def refresh_totals(self, delay: float = 0) -> None:
        await asyncio.sleep(delay)
        self.totals_pending = False
        totals = await self.read(deal_board.deal_totals, flt=self.deal_filter)
        if totals is not None:
            self._show_totals(totals)

    def _schedule_totals(self) -> None:
        if not self.totals_pending:
            self.totals_pending = True
            background_tasks.create(self.refresh_totals(TOTALS_DELAY), name='deal-totals')

    # moving --------------------------------------------------------------------------------------------------
    async def on_drop(self, event: SortableEventArguments) -> None:
        card = event.item
        source_stage = self.container_stage.get(event.source.id)
        target_stage = self.container_stage.get(event.target.id)
        if not isinstance(card, DealCardElement) or source_stage is None or target_stage is None:
            return
        if source_stage == target_stage:
            return
        moved = await self.move(card.data, self.deal_stages[target_stage])
        if moved is None:  # cancelled or refused: back where the deal is now
            self.place(card, card.data, flash='', keep=True)
        else:
            self._show_moved(moved)

    def _data_of(self, deal_id: int) -> DealCard | None:
        """The deal as this tab knows it: its card, or the open deal window (a deal beyond the loaded pages)."""
        card = self.cards.get(deal_id)
        if card is not None:
            return card.data
        detail = self.deal_window.detail
        return detail if detail is not None and detail.id == deal_id else None

    async def move_by_click(self, deal_id: int) -> None:
        data = self._data_of(deal_id)
        if data is None:
            return
        answer = await ask_move(data.client_name, self.deal_stage_list, data.stage_id)
        if answer is None:
            return
        moved = await self.move(data, self.deal_stages[answer[0]], reason_id=answer[1])
        if moved is not None:
            self._show_moved(moved)

    async def move(self, data: DealCard, stage: StageView, reason_id: int | None = None) -> DealDetail | None:
        """Ask for the reason a closing stage needs, then move; None when cancelled or refused."""
        if stage.needs_reason and reason_id is None:
            reason_id = await pick_reason(stage)
            if reason_id is None:
                return None
        return await self.call(
            deal_board.move_deal,
            deal_id=data.id,
            stage_id=stage.id,
            reason_id=reason_id,
            expected_version=data.version,
        )

    async def reopen(self, deal_id: int) -> None:
        data = self._data_of(deal_id)
        fresh = await self.call(
            deal_board.reopen_deal, deal_id=deal_id, expected_version=data.version if data else None
        )
        if fresh is not None:
            self._show_moved(fresh)

    def _show_moved(self, detail: DealDetail) -> None:
        """The user's own move: the card stays where they put it, the window and the totals follow."""
        data = DealCard(**{k: getattr(detail, k) for k in DealCard.model_fields})
        card = self.cards.get(detail.id)
        if card is not None and card.data.version <= detail.version:
            self.place(card, data, flash='', keep=True)
        if self.deal_window.deal_id == detail.id:
            self.deal_window.show(detail)
        self._schedule_totals()

    def place(self, card: DealCardElement, data: DealCard, flash: str, keep: bool = False) -> None:
        """Show a card with fresh data in the column of its stage (gone when the stage is a closing one)."""
        if card.is_deleted or self.cards.get(data.id) is not card:
            return
        place_card(card, data, self.columns, flash=flash, keep=keep, forget=self._forget)
        for each in self.columns.values():
            each.refresh_footer()

    # the deal window -----------------------------------------------------------------------------------------
    async def open_deal(self, deal_id: int) -> None:
        detail = await self.read(deal_board.get_deal, deal_id=deal_id)
        if detail is not None:
            self.deal_window.open(detail)

    async def refresh_deal_window(self, changed_by: str = '') -> None:
        deal_id = self.deal_window.deal_id
        if deal_id is None:
            return
        detail = await self.read(deal_board.get_deal, deal_id=deal_id)
        if detail is None:
            self.deal_window.dialog.close()
        else:
            self.deal_window.show(detail, changed_by=changed_by)

    async def comment(self, deal_id: int, text: str) -> DealDetail | None:
        return await self.call(deal_board.add_deal_comment, deal_id=deal_id, text=text)

    async def browse_stage(self, stage: StageView) -> None:
        await browse_clients(
            stage,
            load_page=lambda offset: self.read(
                deal_board.deal_column, stage_id=stage.id, flt=self.deal_filter, offset=offset, limit=PAGE_SIZE * 2
            ),
            on_open=self.open_deal,
        )

    # filter --------------------------------------------------------------------------------------------------
    async def save_deal_filter(self, flt: DealFilter) -> None:
        """Remember the filter for this user on every device, then show what it selects."""
        self.deal_filter = flt
        await self.call(deal_board.save_deal_filter, flt=flt)
        await self.load()

    async def set_scope(self, event) -> None:
        await self.save_deal_filter(self.deal_filter.model_copy(update={'own_only': bool(event.value)}))

    # live ----------------------------------------------------------------------------------------------------
    def on_deal_changed(self, event: DealChanged, snapshot: DealCard | None, actor_name: str, seq: int) -> None:
        if self.client.id not in self.client.instances:
            hub.remove(self)
            return
        with self.client:
            self.follow_deal(event, snapshot, actor_name)
            if self.deal_window.deal_id == event.deal_id:
                by = actor_name if event.actor_id != self.actor.id else ''
                background_tasks.create(self.refresh_deal_window(by), name='refresh-deal-window')

    def _shown_to_me(self, responsible_id: int) -> bool:
        if self.deal_filter.own_only and responsible_id != self.actor.id:
            return False
        return can_see_clients_of(self.actor, responsible_id)

    def follow_deal(self, event: DealChanged, snapshot: DealCard | None, actor_name: str) -> None:
        """One deal's change as this user sees it: its card moves, appears or goes; the totals are re-read."""
        if self.loading:
            self.held.append((event, snapshot, actor_name))
            return
        if not self.deal_filter.is_default():
            # an arbitrary filter cannot be judged from the snapshot: ask the database again, shortly
            if not self.reload_pending:
                self.reload_pending = True
                ui.timer(RELOAD_DELAY, self.load, once=True)
            return
        self._schedule_totals()
        card = self.cards.get(event.deal_id)
        if snapshot is None or not self._shown_to_me(snapshot.responsible.id):
            if card is not None:
                self._forget(card)
                card.delete()
            return
        mine = snapshot.model_copy(update={'can_act': can_act_on_clients_of(self.actor, snapshot.responsible.id)})
        if card is not None and card.data.version > mine.version:
            return  # a newer snapshot is shown already
        if card is None:
            column = self.columns.get(mine.stage_id)
            if column is None:
                return
            with column.cards:
                card = self.make_card(mine)
        by_other = event.actor_id != self.actor.id and event.what != 'comment'
        self.place(card, mine, flash=actor_name if by_other else '')


def register() -> None:
    @ui.page('/deals')
    async def deals_page(deal: int | None = None) -> RedirectResponse | None:
        actor = await page_actor()
        if actor is None:
            return to_login()
        stages, choices, flt = await run.io_bound(load_screen_data, actor)
        deal_stages, deal_filter = await run.io_bound(_load_deals_setup, actor)
        board = DealsBoard(actor, stages, choices, flt, deal_stages, deal_filter)
        board.build()
        await board.load()
        if deal is not None:
            await board.open_deal(deal)
