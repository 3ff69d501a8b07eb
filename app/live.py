"""Live updates in the UI process: one bus subscriber fans committed changes out to every open tab.

A change costs one database read (the client's snapshot), whatever the number of open boards; each view
then applies its own viewer's permissions to that snapshot before showing anything.
"""

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from nicegui import background_tasks, run
from sqlalchemy import text

from app.domain import memo, pg_events
from app.domain.account.users import ended_sessions
from app.domain.clients.clients import client_snapshot
from app.domain.clients.tasks import tasks_falling_due
from app.domain.db import DbSession, get_database
from app.domain.deals.deal_board import DealCard, deal_snapshot
from app.domain.events import (
    AccountChanged,
    CallLogged,
    ChangesMissed,
    ClientChanged,
    ClientsChanged,
    DealChanged,
    IncomingCall,
    LocalSnapshot,
    NotificationsChanged,
    SessionEnded,
    TransactionSnapshot,
    UserSettingsChanged,
    bus,
)
from app.domain.models import User, utcnow
from app.domain.views import ClientCard, TaskView

log = logging.getLogger(__name__)


class LiveView(Protocol):
    """Something on screen that follows changes: a board, a header counter, an open client window."""

    def on_client_changed(
        self, event: ClientChanged, snapshot: ClientCard | None, actor_name: str, seq: int
    ) -> None: ...

    def on_clients_changed(self, event: ClientsChanged) -> None: ...

    def on_settings_changed(self, event: UserSettingsChanged) -> None: ...

    def on_account_changed(self, event: AccountChanged) -> None: ...

    def on_session_ended(self, event: SessionEnded) -> None: ...

    def on_tasks_due(self, due: list[TaskView]) -> None: ...

    def on_incoming_call(self, event: IncomingCall) -> None: ...

    def on_notifications_changed(self, event: NotificationsChanged) -> None: ...

    key: str | None  # the tab's login key

    def on_session_lost(self) -> None: ...


TASK_CHECK_SECONDS = 10
# A logout or a deactivation reaches every process's tabs at once as SessionEnded (over NOTIFY from the others);
# this check stays for what sends no event (an expiry) and for a notification lost with a listener's connection.
SESSION_CHECK_SECONDS = 2
RESYNC_SPREAD_SECONDS = 3  # views reading again after missed changes are spread over this time


def _ended_sessions(keys: set[str]) -> set[str]:
    with get_database().read() as session:
        return ended_sessions(session, keys)


def _tasks_due(since: datetime, until: datetime) -> list[TaskView]:
    with get_database().read() as session:
        return tasks_falling_due(session, since=since, until=until)


def _read_deal_snapshot(deal_id: int, actor_id: int | None) -> tuple[DealCard | None, str]:
    with get_database().read() as session:
        actor = session.get(User, actor_id) if actor_id else None
        return deal_snapshot(session, deal_id), actor.name if actor else ''


def _read_snapshot(client_id: int, actor_id: int | None) -> tuple[ClientCard | None, str]:
    with get_database().read() as session:
        actor = session.get(User, actor_id) if actor_id else None
        return client_snapshot(session, client_id), actor.name if actor else ''


class LiveHub:
    """The process's fan-out point between the domain bus and the open tabs."""

    def __init__(self) -> None:
        self.views: set[LiveView] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: list = []
        self._task_watch = None
        self._session_watch = None
        self.sequence = 0  # committed changes of the in-process bus so far: a view's load remembers where it read
        self._sequence_lock = threading.Lock()
        self.listener: pg_events.Listener | None = None

    def start(self) -> None:
        """Called on server start-up, on the event loop; starting twice still subscribes once."""
        self.loop = asyncio.get_running_loop()
        self._unsubscribe_all()
        self._unsubscribe = [bus.subscribe(self._on_event, marked=True), bus.subscribe(memo.forget_on_news)]
        database = get_database()
        if not database.is_sqlite and self.listener is None:  # the other processes' changes come in here
            self.listener = pg_events.Listener(database.url, bus.deliver)
            self.listener.start()
        self._task_watch = background_tasks.create(self._watch_tasks(), name='task-due-watch')
        self._session_watch = background_tasks.create(self._watch_sessions(), name='session-watch')

    def stop(self) -> None:
        self._unsubscribe_all()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        for watch in (self._task_watch, self._session_watch):
            if watch is not None:
                watch.cancel()
        self._task_watch = self._session_watch = None
        self.views.clear()

    def _unsubscribe_all(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # Each round of a watch is a call of its own: a loop variable left in the watch's frame would keep the last
    # tab it visited, closed or not, in memory until the next round that visits one.
    async def _watch_tasks(self) -> None:
        """Every few seconds: tasks whose due time has just passed pop up in their assignee's open tabs."""
        since = utcnow()
        while True:
            await asyncio.sleep(TASK_CHECK_SECONDS)
            since = await self._show_tasks_due(since)

    async def _show_tasks_due(self, since: datetime) -> datetime:
        """The tasks that fell due since `since`, in their tabs; returns where the next round starts."""
        until = utcnow()
        try:
            due = await run.io_bound(_tasks_due, since, until)
        except Exception:
            log.exception('checking due tasks failed')
            return since
        if due:
            for view in list(self.views):
                view.on_tasks_due(due)
        return until

    async def _watch_sessions(self) -> None:
        """Every two seconds, one query: tabs whose login ended or whose user was deactivated, in this process
        or any other, stop hearing anything and go to the login page."""
        while True:
            await asyncio.sleep(SESSION_CHECK_SECONDS)
            await self._end_lost_sessions()

    async def _end_lost_sessions(self) -> None:
        views = list(self.views)
        if not views:
            return
        try:
            ended = await run.io_bound(_ended_sessions, {view.key for view in views if view.key})
        except Exception:
            log.exception('checking sessions failed')
            return
        if ended is None:
            return  # NiceGUI answers None while the server stops
        for view in views:
            if not view.key or view.key in ended:
                self.views.discard(view)
                view.on_session_lost()

    def add(self, view: LiveView) -> None:
        self.views.add(view)

    def remove(self, view: LiveView) -> None:
        self.views.discard(view)

    @contextmanager
    def snapshot_read(self) -> Iterator[tuple[DbSession, LocalSnapshot | TransactionSnapshot]]:
        """A read for a view's load, with what it saw of the changes: a change it already holds is not counted
        again when its event arrives after the read (from this process or, on PostgreSQL, another)."""
        database = get_database()
        if database.is_sqlite:
            seen = self.sequence  # before the read: every change numbered so far is committed, so in it
            with database.read() as session:
                yield session, LocalSnapshot(seen)
            return
        with database.read(one_snapshot=True) as session:
            snapshot = session.execute(text('SELECT pg_current_snapshot()::text')).scalar_one()
            yield session, TransactionSnapshot.parse(snapshot)

    def _on_event(self, event, mark: int | None) -> None:
        # called in the committing (or listening) thread: number it, then hop onto the event loop
        if mark is None:
            with self._sequence_lock:
                self.sequence += 1
                mark = self.sequence
        if self.loop is None or self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(lambda: background_tasks.create(self._dispatch(event, mark), name='live-update'))

    async def _dispatch(self, event, seq: int) -> None:
        if not self.views:  # nobody has a screen open: nothing to read or show
            return
        if isinstance(event, IncomingCall):  # each view decides whether it is the responsible's and may see it
            for view in list(self.views):
                handler = getattr(view, 'on_incoming_call', None)
                try:
                    if handler is not None:
                        handler(event)
                except Exception:  # a tab that went away must not keep the call from the others
                    log.exception('incoming call failed for a view')
            return
        if isinstance(event, CallLogged):
            return  # for the outbox; open views follow the ClientChanged the same change published
        if isinstance(event, SessionEnded):
            for view in list(self.views):
                view.on_session_ended(event)
            return
        if isinstance(event, ChangesMissed):
            await self._resync(event)
            return
        if isinstance(event, ClientsChanged):
            for view in list(self.views):
                view.on_clients_changed(event)
            return
        if isinstance(event, AccountChanged):
            for view in list(self.views):
                view.on_account_changed(event)
            return
        if isinstance(event, NotificationsChanged):
            for view in list(self.views):
                view.on_notifications_changed(event)
            return
        if isinstance(event, UserSettingsChanged):
            for view in list(self.views):
                view.on_settings_changed(event)
            return
        if isinstance(event, DealChanged):
            # only deals boards follow deals: views without `on_deal_changed` (the clients screens) skip it
            followers = [view for view in list(self.views) if hasattr(view, 'on_deal_changed')]
            if followers:
                read = await run.io_bound(_read_deal_snapshot, event.deal_id, event.actor_id)
                if read is None:
                    return  # the server is stopping
                deal, actor_name = read
                for view in followers:
                    try:
                        view.on_deal_changed(event, deal, actor_name, seq)
                    except Exception:  # a tab that went away mid-update must not stop the others
                        log.exception('live deal update failed for a view')
            return
        read = await run.io_bound(_read_snapshot, event.client_id, event.actor_id)
        if read is None:
            return  # the server is stopping
        snapshot, actor_name = read
        for view in list(self.views):
            try:
                view.on_client_changed(event, snapshot, actor_name, seq)
            except Exception:  # a tab that went away mid-update must not stop the others
                log.exception('live update failed for a view')

    async def _resync(self, event: ChangesMissed) -> None:
        """Every open view reads again, spread over a few seconds so the database is not asked all at once."""
        views = list(self.views)
        log.info('changes may have been missed (%s): %d views read again', event.reason, len(views))
        for index, view in enumerate(views):
            await asyncio.sleep(RESYNC_SPREAD_SECONDS / max(len(views), 1) if index else 0)
            if view in self.views:
                view.on_clients_changed(ClientsChanged(actor_id=0, what='resync', count=0))


hub = LiveHub()
