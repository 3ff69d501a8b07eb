"""/ — the clients kanban: columns, drag and drop, the client window, and live changes from everyone."""

from datetime import datetime

from nicegui import app, background_tasks, run, ui
from nicegui.events import SortableEventArguments

from app.components.client_card import ClientCard, card_labels_script
from app.components.client_form import ask_new_client
from app.components.client_window import ClientWindow
from app.components.dialogs import ask_booking, ask_move, pick_reason
from app.components.header import AppHeader
from app.components.kanban import ClosingZone, KanbanColumn
from app.components.locale import format_date, remember_locale, tr
from app.domain import clients, deals, feed, reference, tasks, users
from app.domain.db import get_database
from app.domain.events import ClientChanged, SessionEnded
from app.domain.permissions import Actor, can_act_on_clients_of, can_see_clients_of
from app.domain.views import ClientCard as CardData
from app.domain.views import ClientDetail, StageView, TaskView
from app.live import hub

from .session import SESSION_KEY, attempt, call, read, require_actor, session_key

PAGE_SIZE = 15
FLASH_SECONDS = 3.0


def _load_board(actor: Actor, own_only: bool, stage_ids: list[int]) -> tuple[dict[int, int], dict]:
    """Counts for every stage and the first page of each working column, in one read transaction."""
    with get_database().read() as session:
        counts = clients.count_by_stage(session, actor=actor, own_only=own_only)
        pages = {
            stage_id: clients.board_column(session, actor=actor, stage_id=stage_id, own_only=own_only, limit=PAGE_SIZE)
            for stage_id in stage_ids
        }
        return counts, pages


def _load_static() -> tuple[list[StageView], object]:
    with get_database().read() as session:
        return reference.stage_views(session), reference.form_choices(session)


class WindowActions:
    """The client window's requests, run as the tab's user against the open client."""

    def __init__(self, board: 'Board') -> None:
        self.board = board
        self._call = board._call
        self._read = board._read

    @property
    def client_id(self) -> int:
        return self.board.window.detail.id

    async def save(self, changes: dict, version: int) -> ClientDetail | None:
        fresh = await self._call(
            clients.update_client, client_id=self.client_id, changes=changes, expected_version=version
        )
        if fresh is None:  # refused (a stale version among others): show what is there now
            await self.board.refresh_window()
        return fresh

    async def comment(self, text: str) -> ClientDetail | None:
        if await self._call(feed.add_comment, client_id=self.client_id, text=text) is not None:
            return await self._read(clients.get_client, client_id=self.client_id)

    async def edit_comment(self, comment_id: int, text: str) -> ClientDetail | None:
        if await self._call(feed.edit_comment, comment_id=comment_id, text=text) is not None:
            return await self._read(clients.get_client, client_id=self.client_id)

    async def delete_comment(self, comment_id: int) -> ClientDetail | None:
        await self._call(feed.delete_comment, comment_id=comment_id)
        return await self._read(clients.get_client, client_id=self.client_id)

    async def add_task(self, title: str, type: str, due_at: datetime) -> ClientDetail | None:
        if (
            await self._call(tasks.add_task, client_id=self.client_id, title=title, type=type, due_at=due_at)
            is not None
        ):
            return await self._read(clients.get_client, client_id=self.client_id)

    async def complete_task(self, task_id: int) -> ClientDetail | None:
        await self._call(tasks.complete_task, client_id=self.client_id, task_id=task_id)
        return await self._read(clients.get_client, client_id=self.client_id)

    async def move(self, stage_id: int, reason_id: int | None) -> ClientDetail | None:
        return await self._call(clients.move_client, client_id=self.client_id, stage_id=stage_id, reason_id=reason_id)

    async def reopen(self) -> ClientDetail | None:
        return await self._call(clients.reopen_client, client_id=self.client_id)

    async def book(self, project_id: int | None, unit: str, amount: float) -> ClientDetail | None:
        return await self._call(
            deals.book_client, client_id=self.client_id, project_id=project_id, unit=unit, amount=amount
        )

    async def assign(self, user_id: int) -> ClientDetail | None:
        fresh = await self._call(clients.assign_client, client_id=self.client_id, responsible_id=user_id)
        return fresh or await self._read(clients.get_client, client_id=self.client_id)


class Board:
    """One open board tab: what it shows, and how it follows the changes of everyone."""

    def __init__(self, actor: Actor, stages: list[StageView], choices) -> None:
        self.actor = actor
        self.key = session_key()
        self.event_key = users.session_event_key(self.key or '')
        self.stages = {s.id: s for s in stages}
        self.stage_list = stages
        self.choices = choices
        self.own_only = bool(app.storage.user.get('own_only', False))
        self.columns: dict[int, KanbanColumn] = {}
        self.zones: dict[int, ClosingZone] = {}
        self.cards: dict[int, ClientCard] = {}
        self.container_stage: dict[int, int] = {}
        self.client = ui.context.client
        remember_locale(self.client, app.storage.user.get('locale', 'ru'))

    async def _call(self, service, **arguments):
        with self.client:
            return await call(service, key=self.key, **arguments)

    async def _read(self, service, **arguments):
        with self.client:
            return await read(service, key=self.key, **arguments)

    # building ------------------------------------------------------------------------------------------------
    def build(self) -> None:
        ui.add_body_html(card_labels_script())
        # while a card is dragged the closing zones light up as drop targets
        ui.add_body_html(
            '<script>document.addEventListener("dragstart", () => document.body.classList.add('
            '"vk-dragging")); document.addEventListener("dragend", () => '
            'document.body.classList.remove("vk-dragging"));</script>'
        )
        self.header = AppHeader(
            user_name=self.actor.name,
            role=self.actor.role,
            active='nav.board',
            locale=app.storage.user.get('locale', 'ru'),
            on_search=self.search,
            on_pick=self.open_client,
            on_tasks=lambda: self._read(tasks.my_tasks),
            on_locale=self.set_locale,
            on_logout=self.logout,
        )
        with ui.row().classes('vk-toolbar items-center w-full q-px-md q-pt-sm gap-3'):
            ui.toggle(
                {False: tr('board.all'), True: tr('board.mine')}, value=self.own_only, on_change=self.set_scope
            ).props('dense no-caps rounded unelevated toggle-color=primary').mark('scope-toggle')
            ui.space()
            ui.button(tr('board.new_client'), icon='add', on_click=self.new_client).props('unelevated no-caps').mark(
                'new-client'
            )
        with ui.row().classes('vk-board no-wrap w-full q-px-md gap-3') as self.board_row:
            for stage in self.stage_list:
                if not stage.is_closing:
                    column = KanbanColumn(
                        stage, on_drop=self.on_drop, on_more=self.load_more, card_factory=self.make_card
                    )
                    self.columns[stage.id] = column
                    self.container_stage[column.cards.id] = stage.id
        with ui.row().classes('vk-closing-bar no-wrap w-full q-px-md q-pb-sm gap-3'):
            for stage in self.stage_list:
                if stage.is_closing:
                    zone = ClosingZone(stage, on_drop=self.on_drop, on_open=self.browse_stage)
                    self.zones[stage.id] = zone
                    self.container_stage[zone.cards.id] = stage.id
        self.window = ClientWindow(
            viewer_id=self.actor.id, stages=self.stage_list, choices=self.choices, actions=WindowActions(self)
        )
        hub.add(self)
        self.client.on_delete(lambda: hub.remove(self))
        ui.timer(60, self.check_session)
        ui.timer(30, self.refresh_counters)

    async def load(self) -> None:
        working = list(self.columns)
        counts, pages = await run.io_bound(_load_board, self.actor, self.own_only, working)
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
        self.board_row.mark('board-ready')  # tests and scripts wait for the first page of cards
        await self.refresh_counters()

    def make_card(self, data: CardData) -> ClientCard:
        card = ClientCard(data, on_open=self.open_client, on_move=self.move_by_click)
        self.cards[data.id] = card
        return card

    def _forget(self, element: ClientCard) -> None:
        if self.cards.get(element.data.id) is element:
            del self.cards[element.data.id]

    async def load_more(self, column: KanbanColumn) -> None:
        shown = len(column.card_elements())
        page = await self._read(
            clients.board_column, stage_id=column.stage.id, own_only=self.own_only, offset=shown, limit=PAGE_SIZE
        )
        if page is not None:
            column.append([card for card in page.items if card.id not in self.cards])
            column.set_total(page.total)

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
        if moved is None:
            self._put_back(card, event.source, event.old_index)
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
            booking = await ask_booking(self.choices.projects, data.project.id if data.project else None)
            if booking is None:
                return None
            return await self._call(deals.book_client, client_id=data.id, expected_version=data.version, **booking)
        if stage.needs_reason and reason_id is None:
            reason_id = await pick_reason(stage)
            if reason_id is None:
                return None
        return await self._call(
            clients.move_client,
            client_id=data.id,
            stage_id=stage.id,
            reason_id=reason_id,
            expected_version=data.version,
        )

    def _put_back(self, card: ClientCard, container, index: int) -> None:
        if not card.is_deleted:
            card.move(target_container=container, target_index=index)

    def _show_moved(self, card: ClientCard, detail: ClientDetail) -> None:
        data = CardData(**{k: getattr(detail, k) for k in CardData.model_fields})
        self.place(card, data, flash='')

    # live ----------------------------------------------------------------------------------------------------
    def _counted(self, stage_id: int | None, responsible_id: int | None) -> bool:
        if stage_id is None or responsible_id is None:
            return False
        if self.own_only and responsible_id != self.actor.id:
            return False
        return can_see_clients_of(self.actor, responsible_id)

    def on_client_changed(self, event: ClientChanged, snapshot: CardData | None, actor_name: str) -> None:
        if self.client.id not in self.client.instances:
            hub.remove(self)
            return
        with self.client:
            self._follow(event, snapshot, actor_name)

    def _follow(self, event: ClientChanged, snapshot: CardData | None, actor_name: str) -> None:
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
            by_other = event.actor_id != self.actor.id
            if card is None:
                column = self.columns.get(mine.stage_id)
                if column is not None:
                    with column.cards:
                        card = self.make_card(mine)
            if card is not None:
                self.place(card, mine, flash=actor_name if by_other else '')
        if self.window.client_id == event.client_id and snapshot is not None:
            by = actor_name if event.actor_id != self.actor.id else ''
            background_tasks.create(self.refresh_window(by), name='refresh-window')
        if self.actor.id in event.task_assignee_ids or event.what == 'assigned':
            background_tasks.create(self.refresh_counters(), name='refresh-counters')

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

    def place(self, card: ClientCard, data: CardData, flash: str) -> None:
        """Show a card with fresh data in the column of its stage (gone when its stage is a closing one)."""
        column = self.columns.get(data.stage_id)
        card.show(data, flash=flash)
        if column is None:
            self._forget(card)
            card.delete()
        else:
            column.place(card)
            if card.is_deleted:
                self._forget(card)
            elif flash:
                ui.timer(FLASH_SECONDS, card.clear_flash, once=True)
        self._refresh_footers()

    def _refresh_footers(self) -> None:
        for column in self.columns.values():
            column.refresh_footer()

    def on_session_ended(self, event: SessionEnded) -> None:
        if event.session_key == self.event_key:
            hub.remove(self)
            with self.client:
                ui.navigate.to('/login')

    def on_tasks_due(self, due: list[TaskView]) -> None:
        mine = [task for task in due if task.assignee_id == self.actor.id]
        if not mine or self.client.id not in self.client.instances:
            return
        with self.client:
            for task in mine:
                ui.notify(
                    tr('tasks.due_now', title=task.title, client=task.client_name),
                    type='warning',
                    position='top-right',
                    timeout=0,
                    close_button=tr('action.close'),
                )
            background_tasks.create(self.refresh_counters(), name='refresh-counters')

    async def check_session(self) -> None:
        if await require_actor() is None:
            hub.remove(self)

    async def refresh_counters(self) -> None:
        counters = await self._read(tasks.task_counters)
        if counters is not None:
            self.header.set_counters(*counters)

    # the client window and the rest ----------------------------------------------------------------------
    async def open_client(self, client_id: int) -> None:
        detail = await self._read(clients.get_client, client_id=client_id)
        if detail is not None:
            self.window.open(detail)

    async def refresh_window(self, changed_by: str = '') -> None:
        client_id = self.window.client_id
        if client_id is None:
            return
        detail = await self._read(clients.get_client, client_id=client_id)
        if detail is None:
            self.window.dialog.close()
        else:
            self.window.show(detail, changed_by=changed_by)

    async def search(self, text: str) -> list[tuple[int, str, str]]:
        page = await self._read(clients.list_clients, search=text, limit=8)
        if page is None:
            return []
        return [(c.id, c.name, ', '.join(p.number for p in c.phones)) for c in page.items]

    async def set_scope(self, event) -> None:
        self.own_only = bool(event.value)
        app.storage.user['own_only'] = self.own_only
        await self.load()

    async def set_locale(self, locale: str) -> None:
        await self._call(users.set_locale, locale=locale)
        app.storage.user['locale'] = locale
        ui.navigate.reload()

    async def logout(self) -> None:
        await run.io_bound(_end_session, self.key)
        app.storage.user.pop(SESSION_KEY, None)
        ui.navigate.to('/login')

    async def new_client(self) -> None:
        await ask_new_client(self.choices, create=self.create_client, on_open_existing=self.open_client)

    async def create_client(self, values: dict):
        with self.client:
            return await attempt(clients.create_client, key=self.key, **values)

    async def browse_stage(self, stage: StageView) -> None:
        page = await self._read(clients.board_column, stage_id=stage.id, own_only=self.own_only, limit=100)
        if page is None:
            return
        with ui.dialog() as dialog, ui.card().classes('w-[32rem]'):
            ui.label(f'{stage.name} · {page.total}').classes('text-h6')
            with ui.scroll_area().classes('h-96'), ui.list().props('dense separator'):
                for card in page.items:
                    with ui.item(on_click=lambda c=card.id: (dialog.close(), self.open_client(c))).props('clickable'):
                        with ui.item_section():
                            ui.item_label(card.name)
                            ui.item_label(f'{card.responsible.name} · {format_date(card.created_at)}').props('caption')
        dialog.open()


def _end_session(key: str | None) -> None:
    with get_database().write() as session:
        users.end_session(session, key=key or '')


def register() -> None:
    @ui.page('/')
    async def board_page() -> None:
        actor = await require_actor()
        if actor is None:
            return
        stages, choices = await run.io_bound(_load_static)
        board = Board(actor, stages, choices)
        board.build()
        await board.load()
