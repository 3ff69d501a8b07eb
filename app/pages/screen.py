"""What every clients screen of a tab shares: the header, the client window, the user's filter, and
following the changes of everyone (task counter, an open client window, logout in another tab)."""

import asyncio
import itertools
import logging
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from nicegui import background_tasks, ui

from app.components.client_form import ask_new_client
from app.components.client_window import ClientWindow
from app.components.export_dialog import run_export_dialog
from app.components.fonts import preload_fonts
from app.components.header import AppHeader
from app.components.locale import format_number, remember_locale, tr
from app.components.progress import WorkerProgress
from app.components.view_settings_dialog import edit_view_settings
from app.domain.account import reference, users
from app.domain.automation import notifications
from app.domain.clients import clients, feed, filters, tasks, view_settings
from app.domain.clients.filters import ClientFilter
from app.domain.db import get_database
from app.domain.deals import deals, units
from app.domain.deals.units import UnitView
from app.domain.documents.storage import MEBIBYTE, file_max_bytes
from app.domain.events import (
    AccountChanged,
    ClientChanged,
    ClientsChanged,
    IncomingCall,
    NotificationsChanged,
    SessionEnded,
    UserSettingsChanged,
)
from app.domain.excel import export_schemas, exporting
from app.domain.excel.export_schemas import SchemaView
from app.domain.permissions import Actor, acts_on_all_clients, can_see_clients_of, may_export, may_import
from app.domain.views import ClientCard as CardData
from app.domain.views import ClientDetail, FormChoices, StageView, TaskView
from app.live import hub

from .document_actions import TabDocuments
from .session import attempt, call, leave_for_login, read, require_actor, session_key

log = logging.getLogger(__name__)
COUNTERS_SECONDS = 30  # and twice that for the session


def load_screen_data(actor: Actor) -> tuple[list[StageView], FormChoices, ClientFilter]:
    """Stages, form choices and the user's remembered filter, in one read."""
    with get_database().read() as session:
        return (
            reference.stage_views(session),
            reference.form_choices(session),
            filters.load_filter(session, actor=actor),
        )


_EXPORT_DIR = Path(tempfile.gettempdir()) / 'voronka-exports'
_EXPORT_KEEP_SECONDS = 3600


def _export_path() -> Path:
    """A fresh file for one export; files of earlier exports are removed after an hour (the browser has fetched
    them long since, or never will)."""
    _EXPORT_DIR.mkdir(exist_ok=True)
    for old in _EXPORT_DIR.glob('*.xlsx'):
        if time.time() - old.stat().st_mtime > _EXPORT_KEEP_SECONDS:
            old.unlink(missing_ok=True)
    return _EXPORT_DIR / f'{uuid.uuid4().hex}.xlsx'


class WindowActions:
    """The client window's requests, run as the tab's user against the open client."""

    def __init__(self, screen: 'Screen') -> None:
        self.screen = screen

    @property
    def client_id(self) -> int:
        return self.screen.window.detail.id

    async def _then_fresh(self, result) -> ClientDetail | None:
        if result is not None:
            return await self.screen.read(clients.get_client, client_id=self.client_id)
        return None

    async def save(self, changes: dict, version: int) -> ClientDetail | None:
        fresh = await self.screen.call(
            clients.update_client, client_id=self.client_id, changes=changes, expected_version=version
        )
        if fresh is None:  # refused (a stale version among others): show what is there now
            await self.screen.refresh_window(live=False)
        return fresh

    async def comment(self, text: str) -> ClientDetail | None:
        return await self._then_fresh(await self.screen.call(feed.add_comment, client_id=self.client_id, text=text))

    async def edit_comment(self, comment_id: int, text: str) -> ClientDetail | None:
        return await self._then_fresh(await self.screen.call(feed.edit_comment, comment_id=comment_id, text=text))

    async def delete_comment(self, comment_id: int) -> ClientDetail | None:
        await self.screen.call(feed.delete_comment, comment_id=comment_id)
        return await self.screen.read(clients.get_client, client_id=self.client_id)

    async def add_task(
        self, title: str, type: str, due_at: datetime, assignee_id: int | None = None
    ) -> ClientDetail | None:
        return await self._then_fresh(
            await self.screen.call(
                tasks.add_task, client_id=self.client_id, title=title, type=type, due_at=due_at, assignee_id=assignee_id
            )
        )

    async def complete_task(self, task_id: int) -> ClientDetail | None:
        await self.screen.call(tasks.complete_task, client_id=self.client_id, task_id=task_id)
        return await self.screen.read(clients.get_client, client_id=self.client_id)

    async def move(self, stage_id: int, reason_id: int | None) -> ClientDetail | None:
        return await self.screen.call(
            clients.move_client, client_id=self.client_id, stage_id=stage_id, reason_id=reason_id
        )

    async def reopen(self) -> ClientDetail | None:
        return await self.screen.call(clients.reopen_client, client_id=self.client_id)

    async def book(
        self, project_id: int | None, unit: str, amount: float, unit_id: int | None = None
    ) -> ClientDetail | None:
        return await self.screen.call(
            deals.book_client,
            client_id=self.client_id,
            project_id=project_id,
            unit=unit,
            amount=amount,
            unit_id=unit_id,
        )

    async def free_units(self, project_id: int | None) -> list[UnitView] | None:
        """The free objects the booking dialog offers."""
        return await self.screen.free_units(project_id)

    async def assign(self, user_id: int) -> ClientDetail | None:
        fresh = await self.screen.call(clients.assign_client, client_id=self.client_id, responsible_id=user_id)
        return fresh or await self.screen.read(clients.get_client, client_id=self.client_id)

    async def undo_assign(self) -> ClientDetail | None:
        return await self.screen.call(clients.undo_assignment, client_id=self.client_id)


class Screen:
    """One open tab of a clients screen; subclasses show the clients (board, table) and follow changes."""

    active_nav = 'nav.board'

    def __init__(self, actor: Actor, stages: list[StageView], choices: FormChoices, flt: ClientFilter) -> None:
        self.actor = actor
        self.key = session_key()
        self.event_key = users.session_event_key(self.key or '')
        self.stages = {s.id: s for s in stages}
        self.stage_list = stages
        self.choices = choices
        self.filter = flt
        self.client = ui.context.client
        remember_locale(self.client, actor.locale)

    async def call(self, service, **arguments):
        """A domain service as this tab's user; usable from live updates, outside any request."""
        with self.client:
            return await call(service, key=self.key, **arguments)

    async def read(self, service, **arguments):
        with self.client:
            return await read(service, key=self.key, **arguments)

    async def free_units(self, project_id: int | None) -> list[UnitView] | None:
        """The free objects a booking may take, of one project or of all (the booking dialog's list)."""
        return await self.read(units.free_units, project_id=project_id)

    def build_frame(self) -> None:
        preload_fonts()
        self.header = AppHeader(
            user_name=self.actor.name,
            role=self.actor.role,
            active=self.active_nav,
            locale=self.actor.locale,
            on_search=self.search,
            on_pick=self.open_client,
            on_tasks=lambda: self.read(tasks.my_tasks),
            on_locale=self.set_locale,
            on_notifications=lambda: self.read(notifications.my_notifications),
            on_read_notifications=lambda: self.call(notifications.mark_notifications_read),
            is_admin=self.actor.is_admin,
        )
        self.window = ClientWindow(
            viewer_id=self.actor.id,
            stages=self.stage_list,
            choices=self.choices,
            actions=WindowActions(self),
            assigns_to_others=acts_on_all_clients(self.actor),
            documents_of=lambda client_id: TabDocuments(self, client_id=client_id),
            file_max_mb=file_max_bytes() // MEBIBYTE,
        )
        self.reload_after_window = False
        self.window.dialog.on_value_change(
            lambda e: self._reload_tab() if not e.value and self.reload_after_window else None
        )
        self.calls_waiting: list[IncomingCall] = []
        self.window.dialog.on_value_change(lambda e: None if e.value else self._next_call())
        hub.add(self)
        self.client.on_delete(lambda: hub.remove(self))
        background_tasks.create(self.refresh_counters(), name='refresh-counters')  # beside the page's own load
        checks = background_tasks.create(self._check_regularly(), name='screen-checks')
        self.client.on_delete(checks.cancel)

    async def save_filter(self, flt: ClientFilter) -> None:
        """Remember the filter for this user on every device, then show what it selects."""
        self.filter = flt
        await self.call(filters.save_filter, flt=flt)
        await self.load()

    async def load(self) -> None:
        raise NotImplementedError

    # live ----------------------------------------------------------------------------------------------------
    def on_client_changed(self, event: ClientChanged, snapshot: CardData | None, actor_name: str, seq: int) -> None:
        if self.client.id not in self.client.instances:
            hub.remove(self)
            return
        with self.client:
            self.follow(event, snapshot, actor_name, seq)
            if self.window.client_id == event.client_id:
                by = actor_name if event.actor_id != self.actor.id else ''
                background_tasks.create(self.refresh_window(by), name='refresh-window')
            if self.actor.id in event.task_assignee_ids or event.what == 'assigned':
                background_tasks.create(self.refresh_counters(), name='refresh-counters')

    def follow(self, event: ClientChanged, snapshot: CardData | None, actor_name: str, seq: int) -> None:
        """Show one client's change (a subclass knows where it is on screen); `seq` orders it against loads."""

    async def refresh_live(self) -> None:
        """Reload what is shown after changes by others (a subclass may keep more of its state)."""
        await self.load()

    def on_clients_changed(self, event: ClientsChanged) -> None:
        """A bulk action: reload what is shown, as this user sees it."""
        if self.client.id not in self.client.instances:
            hub.remove(self)
            return
        with self.client:
            background_tasks.create(self.refresh_live(), name='reload-after-bulk')
            background_tasks.create(self.refresh_counters(), name='refresh-counters')

    def on_settings_changed(self, event: UserSettingsChanged) -> None:
        """Another user's view settings are theirs alone; a board overrides this for its own user."""

    def on_account_changed(self, event: AccountChanged) -> None:
        """An admin changed stages, reasons, lists or users: the page reloads with the new setup, once the user
        has closed the client window they may be typing in."""
        if self.client.id not in self.client.instances:
            hub.remove(self)
            return
        with self.client:
            if self.window.dialog.value:
                self.reload_after_window = True
                ui.notify(tr('settings.changed_later'), type='info')
            else:
                self._reload_tab()

    def _reload_tab(self) -> None:
        """Reload exactly this tab (not whatever page the browser shows now, should it have moved on)."""
        self.client.run_javascript('window.location.reload()')

    def on_session_ended(self, event: SessionEnded) -> None:
        if event.session_key == self.event_key:
            self.on_session_lost()

    def on_session_lost(self) -> None:
        """Logged out (here or elsewhere), expired or deactivated: nothing more reaches this tab."""
        hub.remove(self)
        if self.client.id in self.client.instances:
            with self.client:
                leave_for_login()

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

    def on_incoming_call(self, event: IncomingCall) -> None:
        """A call this user takes (they answered it, or it is of their client and nobody else answered): its window
        opens at once and waits for the call's outcome. Tabs of other users ignore it, and so does a user who may
        no longer see the client."""
        if event.taken_by_id != self.actor.id or not can_see_clients_of(self.actor, event.responsible_id):
            return
        if self.client.id not in self.client.instances:
            hub.remove(self)
            return
        with self.client:
            background_tasks.create(self._take_call(event), name='incoming-call')

    async def _take_call(self, event: IncomingCall) -> None:
        if self.window.in_call and self.window.detail.id != event.client_id:
            self.calls_waiting.append(event)  # the call on screen gets its outcome first
            with self.client:
                ui.notify(tr('call.waiting', phone=event.phone), type='info')
            return
        detail = await self.read(clients.get_client, client_id=event.client_id)
        if detail is not None:
            with self.client:
                self.window.open_call(detail, phone=event.phone)

    def _next_call(self) -> None:
        """The window was closed: a call that came in meanwhile opens now."""
        if self.calls_waiting:
            with self.client:
                background_tasks.create(self._take_call(self.calls_waiting.pop(0)), name='incoming-call')

    async def _check_regularly(self) -> None:
        """The task counters every half minute, the session and rights every minute, in a task that ends with the
        tab. Not ui.timer: a deleted timer still sleeps out its interval and keeps the closed tab's whole screen in
        memory until then, and a timer's first run waits for the socket, which makes NiceGUI answer the page
        before its cards are in."""
        for round_number in itertools.count(1):
            await asyncio.sleep(COUNTERS_SECONDS)
            try:
                with self.client:
                    await self.refresh_counters()
                    if round_number % 2 == 0:
                        await self.check_session()
            except Exception:
                log.exception('the regular checks of a tab failed')

    async def check_session(self) -> None:
        """Every minute: an expired session goes to the login page; changed rights apply without a reload."""
        actor = await require_actor()
        if actor is None:
            hub.remove(self)
        elif actor != self.actor:
            self.actor = actor
            await self.load()

    async def refresh_counters(self) -> None:
        counters = await self.read(tasks.task_counters)
        if counters is not None:
            self.header.set_counters(*counters)
        found = await self.read(notifications.my_notifications)
        if found is not None:
            self.header.set_unread(found[0])

    def on_notifications_changed(self, event: NotificationsChanged) -> None:
        """A rule left this user a notification (or they read theirs in another tab): the bell follows."""
        if self.actor.id in event.user_ids and self.client.id in self.client.instances:
            background_tasks.create(self.refresh_counters(), name='refresh-counters')

    # the client window and the header ----------------------------------------------------------------------
    async def open_client(self, client_id: int) -> None:
        detail = await self.read(clients.get_client, client_id=client_id)
        if detail is not None:
            self.window.open(detail)

    async def refresh_window(self, changed_by: str = '', live: bool = True) -> None:
        client_id = self.window.client_id
        if client_id is None:
            return
        detail = await self.read(clients.get_client, client_id=client_id)
        if detail is None:
            self.window.dialog.close()
        else:
            self.window.show(detail, changed_by=changed_by, live=live)

    async def edit_view_of(self, user_id: int, users=None) -> None:
        """The «Настроить вид» dialog for a user (an admin may pick anyone, also from the users list)."""
        await edit_view_settings(
            user_id=user_id,
            users=users,
            load=lambda chosen: self.read(view_settings.load_view_settings, user_id=chosen),
            save=lambda chosen, settings: self._save_view(chosen, settings),
        )

    async def _save_view(self, user_id: int, settings) -> bool:
        return await self.call(view_settings.save_view_settings, user_id=user_id, settings=settings) is not None

    async def search(self, text: str) -> list[tuple[int, str, str]]:
        """The header's search: any visible client, closed ones included, whatever the screen's filter."""
        page = await self.read(clients.list_clients, flt=ClientFilter(search=text, all_stages=True), limit=8)
        if page is None:
            return []
        return [(c.id, c.name, ', '.join(p.number for p in c.phones)) for c in page.items]

    async def set_locale(self, locale: str) -> None:
        await self.call(users.set_locale, locale=locale)
        ui.navigate.reload()

    def build_transfer_buttons(self) -> None:
        """«Экспорт» and «Загрузка из Excel», for the users whose switches allow them."""
        if may_import(self.actor):
            ui.button(tr('import.button'), icon='upload_file', on_click=lambda: ui.navigate.to('/import')).props(
                'flat no-caps'
            ).mark('import-link')
        if may_export(self.actor):
            ui.button(tr('export.button'), icon='download', on_click=self.export).props('outline no-caps').mark(
                'export'
            )

    async def export(self) -> None:
        schemas = await self.read(export_schemas.export_schemas)
        if schemas is not None:
            await run_export_dialog(schemas, self._export_file, filter_note=tr('export.filter_note'))

    async def _export_file(self, schema: SchemaView, progress: WorkerProgress) -> bool:
        path = _export_path()
        count = await self.read(
            exporting.export_clients, schema_id=schema.id, flt=self.filter, target=path, progress=progress
        )
        if count is None:
            return False
        with self.client:
            ui.download.file(path, exporting.export_file_name(schema.name, self.actor.locale))
            ui.notify(tr('export.done', count=format_number(count)), type='positive')
        return True

    async def new_client(self) -> None:
        await ask_new_client(
            self.choices,
            responsible_id=self.actor.id,
            may_choose_responsible=acts_on_all_clients(self.actor),
            create=self.create_client,
            on_open_existing=self.open_client,
        )

    async def create_client(self, values: dict):
        with self.client:
            return await attempt(clients.create_client, key=self.key, **values)
