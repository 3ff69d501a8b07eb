"""Kanban columns and the closing drop zones; the board page wires them to the domain."""

from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.events import SortableEventArguments

from app.domain.views import ClientCard as CardData
from app.domain.views import StageView

from .client_card import ClientCard
from .locale import format_number, tr

DRAG_GROUP = 'clients'


class KanbanColumn(ui.column):
    """A working stage: header with the exact count, a page of cards, more on scroll."""

    def __init__(
        self,
        stage: StageView,
        *,
        on_drop: Callable[[SortableEventArguments], None],
        on_more: Callable[['KanbanColumn'], Awaitable[None]],
        card_factory: Callable[[CardData], ClientCard],
        card_type: type[ui.element] = ClientCard,
        group: str = DRAG_GROUP,
        empty_text: str = 'board.empty',
    ) -> None:
        """`card_type`, `group` and `empty_text` let another board (deals) reuse the column with its own cards."""
        super().__init__()
        self.stage = stage
        self.card_type = card_type
        self.total = 0
        self.loading = False
        # the column's order for cards placed live (the board sets it from the user's view settings)
        self.rank: Callable[[CardData], tuple] = lambda card: (
            card.overdue_count == 0,
            -card.created_at.timestamp(),
            -card.id,
        )
        self.card_factory = card_factory
        self.classes('vk-column no-wrap gap-0').props(f'data-stage={stage.id}')
        self.mark(f'column-{stage.id}')
        with self:
            with (
                ui.row().classes('vk-column-head items-center no-wrap w-full').style(f'border-top-color: {stage.color}')
            ):
                ui.label(stage.name).classes('vk-column-title ellipsis col')
                self.sum_label = ui.label('').classes('vk-column-sum text-caption').mark(f'sum-{stage.id}')
                self.sum_label.set_visibility(False)
                self.counter = ui.badge('0', color='grey-3', text_color='grey-9').mark(f'count-{stage.id}')
            with ui.scroll_area(on_scroll=self._on_scroll).classes('vk-column-body col') as self.scroll:
                self.cards = ui.column().classes('vk-cards w-full gap-2').props(f'data-stage={stage.id}')
                self.cards.make_sortable(
                    {'sort': False, 'filter': '.no-drag', 'preventOnFilter': False},
                    group=group,
                    on_end=on_drop,
                )
                self.empty = ui.label(tr(empty_text)).classes('text-grey-6 text-caption q-pa-sm')
                self.more = ui.button(tr('board.more'), on_click=lambda: on_more(self)).props('flat dense no-caps')
                self.more.classes('w-full text-grey-8').mark(f'more-{stage.id}')
        self._on_more = on_more

    async def _on_scroll(self, event) -> None:
        if event.vertical_percentage > 0.9 and self.more.visible:
            await self._on_more(self)

    def card_elements(self) -> list[ClientCard]:
        return [child for child in self.cards if isinstance(child, self.card_type)]

    def set_total(self, total: int) -> None:
        self.total = max(0, total)
        self.counter.set_text(format_number(self.total))
        self.refresh_footer()

    def set_sum(self, text: str) -> None:
        """A board that sums its cards (deals: the amounts) shows the sum next to the count."""
        self.sum_label.set_text(text)
        self.sum_label.set_visibility(bool(text))

    def refresh_footer(self) -> None:
        shown = len(self.card_elements())
        self.empty.set_visibility(self.total == 0 and shown == 0)
        self.more.set_visibility(shown < self.total)

    def append(self, cards: list[CardData]) -> None:
        with self.cards:
            for card in cards:
                self.card_factory(card)
        self.refresh_footer()

    def place(self, element: ClientCard, keep: bool = False) -> None:
        """Put a card where the column's order wants it: overdue first, then newest first. A card that sorts
        after the last loaded one while more are unloaded leaves: «show more» will bring it in its turn."""

        rank = self.rank
        others = [c for c in self.card_elements() if c is not element]
        index = next((i for i, other in enumerate(others) if rank(element.data) < rank(other.data)), len(others))
        if not keep and index == len(others) and len(others) < self.total - 1:
            element.delete()
            return
        element.move(target_container=self.cards, target_index=index)
        self.refresh_footer()


class ClosingZone(ui.column):
    """A closing stage at the bottom of the board: a drop target, and a button to browse its clients."""

    def __init__(
        self,
        stage: StageView,
        *,
        on_drop: Callable[[SortableEventArguments], None],
        on_open: Callable[[StageView], None],
        group: str = DRAG_GROUP,
    ) -> None:
        super().__init__()
        self.stage = stage
        self.classes(f'vk-closing vk-closing-{stage.kind} col gap-0').props(f'data-stage={stage.id}')
        self.mark(f'closing-{stage.id}')
        with self:
            with ui.row().classes('items-center no-wrap w-full q-px-sm'):
                ui.label(stage.name).classes('text-weight-medium ellipsis col')
                self.sum_label = ui.label('').classes('vk-column-sum text-caption').mark(f'sum-{stage.id}')
                self.sum_label.set_visibility(False)
                self.counter = ui.badge('0', color='white', text_color='grey-9').mark(f'count-{stage.id}')
                ui.button(icon='open_in_full', on_click=lambda: on_open(stage)).props('flat dense round size=sm').mark(
                    f'browse-{stage.id}'
                )
            ui.label(tr('board.closing_hint')).classes('vk-closing-hint text-caption text-grey-6 q-px-sm')
            self.cards = ui.row().classes('vk-closing-drop w-full').props(f'data-stage={stage.id}')
            self.cards.make_sortable({'sort': False}, group=group, on_end=on_drop)

    def set_total(self, total: int) -> None:
        self.counter.set_text(format_number(max(0, total)))

    def set_sum(self, text: str) -> None:
        self.sum_label.set_text(text)
        self.sum_label.set_visibility(bool(text))


FLASH_SECONDS = 3.0


def place_card(card, data, columns: dict, *, flash: str, keep: bool, forget: Callable) -> None:
    """Show a card with fresh data in the column of its stage: gone when that stage has no column (a closing
    one), or when it sorts beyond the loaded page unless `keep` (the user's own drop stays where they see it).
    A flashed card (someone else's change) fades back after a few seconds."""
    column = columns.get(data.stage_id)
    card.show(data, flash=flash)
    if column is None:
        forget(card)
        card.delete()
        return
    column.place(card, keep=keep)
    if card.is_deleted:
        forget(card)
    elif flash:
        ui.timer(FLASH_SECONDS, card.clear_flash, once=True)


async def load_next_page(column, fetch, known: dict) -> None:
    """The column's next page when it is scrolled to its end: `fetch(offset)` reads it (None when refused);
    cards already on the board (arrived live meanwhile) are not shown twice."""
    if column.loading:  # scrolling fires again while the page is on its way
        return
    column.loading = True
    try:
        page = await fetch(len(column.card_elements()))
        if page is not None:
            column.append([card for card in page.items if card.id not in known])
            column.set_total(page.total)
    finally:
        column.loading = False
