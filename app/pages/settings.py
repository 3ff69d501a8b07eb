"""/settings — the admin's account setup: users, stages and transitions, reference lists, export schemas, site forms,
documents, API tokens, integrations (webhooks), audit log.
Each area builds its own tab; every change goes through the domain, which refuses non-admins."""

import logging
from collections.abc import Callable

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.components.locale import current_locale, format_datetime, paging_texts, tr
from app.domain.account import audit, users
from app.domain.events import AccountChanged, ClientChanged
from app.domain.views import ClientCard as CardData

from .screen import Screen, load_screen_data
from .session import page_actor, to_login

log = logging.getLogger(__name__)


class SettingsScreen(Screen):
    """The settings tab of a browser; areas redraw themselves when anyone changes the account."""

    active_nav = 'nav.settings'

    def build(self) -> None:
        self.build_frame()
        self.areas: dict[str, tuple[ui.element, Callable]] = {}
        self.tab_items: dict[str, ui.tab] = {}  # an area may mark its tab (integrations: an endpoint failing)
        with ui.column().classes('w-full q-pa-md gap-2'):
            if not self.actor.is_admin:
                ui.label(tr('settings.admins_only')).classes('text-h6 text-grey-8').mark('settings-forbidden')
                return
            with ui.tabs().props('dense no-caps align=left').classes('w-full').mark('settings-tabs') as tabs:
                for key, _ in AREAS:
                    self.tab_items[key] = ui.tab(key, tr(f'settings.tab.{key}')).mark(f'settings-tab-{key}')
            with ui.tab_panels(tabs, value=AREAS[0][0]).classes('w-full vk-settings'):
                for key, builder in AREAS:
                    with ui.tab_panel(key):
                        area = ui.column().classes('w-full gap-2')
                        self.areas[key] = (area, builder)

    async def load(self) -> None:
        """Build or rebuild the areas, unless the user is in the middle of something there (then: later)."""
        if self._in_use():
            with self.client:  # may run from a background task, which has no slot of its own
                ui.timer(0.5, self._reload_when_idle, once=True)
            return
        await self._build_areas()

    def _in_use(self) -> bool:
        return bool(self.busy) or any(isinstance(e, ui.dialog) and e.value for e in list(self.client.elements.values()))

    async def _build_areas(self) -> None:
        for key, (area, builder) in self.areas.items():
            area.clear()
            with self.client, area:
                try:
                    await builder(self)
                except Exception:  # one broken area must not blank the others
                    log.exception('settings area %s failed', key)
                    ui.label(tr('error.generic')).classes('text-negative')

    def follow(self, event: ClientChanged, snapshot: CardData | None, actor_name: str, seq: int) -> None:
        """Client changes do not show here."""

    def on_clients_changed(self, event) -> None:
        """Nor do bulk changes of clients."""

    def on_account_changed(self, event: AccountChanged) -> None:
        if self.client.id not in self.client.instances:
            return
        with self.client:
            ui.timer(0.1, self._reload_when_idle, once=True)

    busy = 0  # settings actions under way in this tab

    async def call(self, service, **arguments):
        self.busy += 1
        try:
            return await super().call(service, **arguments)
        finally:
            self.busy -= 1

    async def read(self, service, **arguments):
        self.busy += 1
        try:
            return await super().read(service, **arguments)
        finally:
            self.busy -= 1

    async def _reload_when_idle(self) -> None:
        """Redraw the areas with the new setup, but not in the middle of an action or under an open dialog
        (a token shown once, a hand-over offer)."""
        if self._in_use():
            ui.timer(0.5, self._reload_when_idle, once=True)
            return
        await self._build_areas()


async def build_tokens(screen: SettingsScreen) -> None:
    """The admin's own API tokens: create (shown once), see when last used, revoke."""
    tokens = await screen.read(users.my_tokens) or []
    with ui.row().classes('items-end gap-2'):
        label = ui.input(tr('tokens.label')).props('outlined dense').mark('token-label')

        async def create() -> None:
            token = await screen.call(users.create_my_token, label=label.value or '')
            if token:
                with ui.dialog() as dialog, ui.card().classes('w-[36rem]'):
                    ui.label(tr('tokens.shown_once')).classes('text-subtitle1')
                    ui.code(token).classes('w-full').mark('token-value')
                    ui.button(tr('action.close'), on_click=dialog.close)
                dialog.open()

        ui.button(tr('tokens.create'), icon='key', on_click=create).props('unelevated no-caps').mark('token-create')
    columns = [
        {'name': 'label', 'field': 'label', 'label': tr('tokens.label'), 'align': 'left'},
        {'name': 'created', 'field': 'created', 'label': tr('tokens.created'), 'align': 'left'},
        {'name': 'used', 'field': 'used', 'label': tr('tokens.last_used'), 'align': 'left'},
    ]
    rows = [
        {
            'id': t.id,
            'label': t.label or '—',
            'created': format_datetime(t.created_at),
            'used': format_datetime(t.last_used_at) or '—',
        }
        for t in tokens
    ]
    table = ui.table(columns=columns, rows=rows, row_key='id').props('flat bordered dense').classes('w-full')
    table.add_slot(
        'body-cell-label',
        """
        <q-td :props="props">{{ props.value }}
          <q-btn flat dense round size="sm" icon="delete" color="negative"
                 @click="$parent.$emit('revoke', props.row.id)"/>
        </q-td>""",
    )
    table.on('revoke', lambda e: screen.call(users.revoke_my_token, token_id=e.args))
    table.mark('tokens-table')


async def build_audit(screen: SettingsScreen) -> None:
    entries = await screen.read(audit.audit_log) or []
    columns = [
        {'name': 'at', 'field': 'at', 'label': tr('audit.when'), 'align': 'left'},
        {'name': 'who', 'field': 'who', 'label': tr('audit.who'), 'align': 'left'},
        {'name': 'area', 'field': 'area', 'label': tr('audit.area'), 'align': 'left'},
        {'name': 'what', 'field': 'what', 'label': tr('audit.what'), 'align': 'left'},
    ]
    rows = [
        {
            'id': e.id,
            'at': format_datetime(e.at),
            'who': e.actor_name,
            'area': tr(f'settings.tab.{e.area}'),
            'what': audit.describe(e, current_locale()),
        }
        for e in entries
    ]
    table = ui.table(columns=columns, rows=rows, row_key='id', pagination=25).props('flat bordered dense')
    table.props.update(paging_texts())
    table.classes('w-full').mark('audit-table')


def _areas() -> list[tuple[str, Callable]]:
    """The tabs in order; each area module contributes its builder."""
    from . import (
        settings_automation,
        settings_documents,
        settings_export,
        settings_forms,
        settings_integrations,
        settings_lists,
        settings_stages,
        settings_units,
        settings_users,
    )

    return [
        ('users', settings_users.build_users),
        ('stages', settings_stages.build_stages),
        ('lists', settings_lists.build_lists),
        ('units', settings_units.build_units),
        ('export', settings_export.build_export),
        ('documents', settings_documents.build_documents),
        ('forms', settings_forms.build_forms),
        ('automation', settings_automation.build_automation),
        ('tokens', build_tokens),
        ('integrations', settings_integrations.build_integrations),
        ('audit', build_audit),
    ]


AREAS: list[tuple[str, Callable]] = []


def register() -> None:
    AREAS[:] = _areas()

    @ui.page('/settings')
    async def settings_page() -> RedirectResponse | None:
        actor = await page_actor()
        if actor is None:
            return to_login()
        stages, choices, flt = await run.io_bound(load_screen_data, actor)
        screen = SettingsScreen(actor, stages, choices, flt)
        screen.build()
        await screen.load()
