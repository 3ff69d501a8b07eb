"""The header every screen shares: navigation, global search, the task counter, language, logout."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.automation.notifications import NotificationView
from app.domain.views import TaskView

from .locale import format_datetime, tr


class AppHeader:
    """Built inside a page; `set_counters` keeps the task counter live."""

    def __init__(
        self,
        *,
        user_name: str,
        role: str,
        active: str,
        locale: str,
        on_search: Callable[[str], Awaitable[list[tuple[int, str, str]]]],
        on_pick: Callable[[int], None],
        on_tasks: Callable[[], Awaitable[list[TaskView]]],
        on_locale: Callable[[str], None],
        on_notifications: Callable[[], Awaitable[tuple[int, list[NotificationView]] | None]],
        on_read_notifications: Callable[[], Awaitable[None]],
        is_admin: bool = False,
    ) -> None:
        self.on_search = on_search
        self.on_pick = on_pick
        self.on_tasks = on_tasks
        self.on_notifications = on_notifications
        self.on_read_notifications = on_read_notifications
        with ui.header().classes('vk-header items-center no-wrap q-px-md q-py-xs gap-3'):
            ui.label(tr('app.title')).classes('text-h6 text-weight-bold')
            pages = [
                ('nav.board', '/'),
                ('nav.deals', '/deals'),
                ('nav.table', '/table'),
                ('nav.requests', '/requests'),
                ('nav.reports', '/reports'),
            ] + ([('nav.settings', '/settings')] if is_admin else [])
            for key, path in pages:
                link = ui.link(tr(key), path).classes('vk-nav' + (' vk-nav-active' if key == active else ''))
                link.mark(key)
            with (
                ui.input(placeholder=tr('search.placeholder'))
                .props('dense outlined dark clearable debounce=250')
                .classes('vk-search') as self.search
            ):
                with self.search.add_slot('prepend'):
                    ui.icon('search')
                self.results = ui.menu().props('no-focus no-parent-event fit').mark('search-results')
            self.search.on_value_change(self._search)
            self.search.mark('global-search')
            ui.space()
            # light on the navy header, the overdue count beside the open one rather than floating over it
            self.tasks_button = (
                ui.button(on_click=self._show_tasks)
                .props('flat no-caps dense color=white')
                .classes('vk-task-counter')
                .mark('task-counter')
            )
            with self.tasks_button:
                ui.icon('task_alt')
                self.open_label = ui.label('0').classes('q-ml-xs vk-task-open')
                self.overdue_badge = ui.badge('0', color='negative').classes('q-ml-xs')
                self.tasks_tooltip = ui.tooltip('')
            self.tasks_menu = ui.menu().props('anchor="bottom right" self="top right"')
            with (
                ui.button(icon='notifications', on_click=self._show_notifications)
                .props('flat dense round color=white')
                .mark('notification-bell')
            ):
                self.unread_badge = ui.badge('0', color='negative').props('floating').mark('notification-unread')
                self.unread_badge.set_visibility(False)
                ui.tooltip(tr('notifications.title'))
            self.notifications_menu = ui.menu().props('anchor="bottom right" self="top right"')
            with ui.button(icon='translate').props('flat dense round'), ui.menu():
                ui.menu_item('Русский', on_click=lambda: on_locale('ru')).mark('locale-ru')
                ui.menu_item('English', on_click=lambda: on_locale('en')).mark('locale-en')
            with ui.column().classes('gap-0 items-end'):
                ui.label(user_name).classes('text-weight-medium').mark('header-user')
                ui.label(tr(f'role.{role}')).classes('text-caption vk-role')
            # a form post, not a socket event: only an HTTP answer can drop the login cookie
            with ui.element('form').props('method=post action=/logout').classes('q-ma-none'):
                ui.button(icon='logout').props('flat dense round type=submit').mark('logout').tooltip(tr('logout'))

    def set_counters(self, open_count: int, overdue: int) -> None:
        self.open_label.set_text(str(open_count))
        self.overdue_badge.set_text(str(overdue))
        self.overdue_badge.set_visibility(overdue > 0)
        self.tasks_tooltip.set_text(tr('tasks.counter', open=open_count, overdue=overdue))

    def set_unread(self, unread: int) -> None:
        self.unread_badge.set_text(str(unread))
        self.unread_badge.set_visibility(unread > 0)

    async def _show_notifications(self) -> None:
        """The newest notifications, unread first; opening them marks them read."""
        found = await self.on_notifications()
        if found is None:
            return
        unread, shown = found
        self.notifications_menu.clear()
        with self.notifications_menu, ui.list().props('dense separator').classes('vk-task-list'):
            if not shown:
                ui.item(tr('notifications.none'))
            for notice in shown:
                item = ui.item(on_click=lambda n=notice: self.on_pick(n.client_id) if n.client_id else None)
                with item.props('clickable').mark(f'notification-{notice.id}'), ui.item_section():
                    ui.item_label(notice.text).classes('' if notice.read else 'text-weight-bold')
                    ui.item_label(format_datetime(notice.created_at)).props('caption')
        self.notifications_menu.open()
        if unread:
            await self.on_read_notifications()

    async def _search(self) -> None:
        text = (self.search.value or '').strip()
        self.results.clear()
        if len(text) < 2:
            self.results.close()
            return
        found = await self.on_search(text)
        with self.results:
            if not found:
                ui.menu_item(tr('search.nothing')).props('disable')
            for client_id, name, phone in found:
                with ui.menu_item(on_click=lambda c=client_id: self.on_pick(c)).mark(f'search-{client_id}'):
                    with ui.column().classes('gap-0'):
                        ui.label(name)
                        ui.label(phone).classes('text-caption text-grey-7')
        self.results.open()

    async def _show_tasks(self) -> None:
        tasks = await self.on_tasks()
        self.tasks_menu.clear()
        with self.tasks_menu, ui.list().props('dense separator').classes('vk-task-list'):
            if not tasks:
                ui.item(tr('tasks.none'))
            for task in tasks:
                with ui.item(on_click=lambda t=task: self.on_pick(t.client_id)).props('clickable'):
                    with ui.item_section():
                        ui.item_label(task.title)
                        ui.item_label(f'{format_datetime(task.due_at)} · {task.client_name}').props('caption').classes(
                            'text-negative' if task.overdue else ''
                        )
        self.tasks_menu.open()
