"""Settings: the users area — the team with roles, access switches and client counts; add, edit, reset a
password, deactivate and hand the clients of a deactivated colleague to someone else in one step."""

from nicegui import ui

from app.components.locale import count, format_number, tr
from app.domain.account import admin_users
from app.domain.account.admin_users import SWITCHES, UserRow
from app.domain.account.users import ROLE_DEFAULTS
from app.domain.clients import bulk
from app.domain.models import Role


def _roles() -> dict[str, str]:
    return {role.value: tr(f'role.{role.value}') for role in Role}


def _internal_number_input(value: str) -> ui.input:
    """The desk phone's extension: telephony names it, and the call opens for whoever answered."""
    number = ui.input(tr('users.internal_number'), value=value).props('outlined dense inputmode=numeric')
    number.props(f'hint="{tr("users.internal_number_hint")}"')
    return number.classes('w-full')


class _Dialogs:
    """Dialogs live beside the area, not in it: a change reloads the area at once (the audit event reaches
    this tab too), and a dialog still needed afterwards — the hand-over offer — must survive that."""

    def __init__(self, screen, host: ui.element) -> None:
        self.screen = screen
        self.host = host

    def new(self) -> ui.dialog:
        with self.host:
            dialog = ui.dialog()
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())
        return dialog

    def add_user(self) -> None:
        dialog = self.new()
        with dialog, ui.card().classes('w-[28rem]'):
            ui.label(tr('users.add')).classes('text-h6')
            login = ui.input(tr('users.login')).props('outlined dense').classes('w-full').mark('new-user-login')
            name = ui.input(tr('users.name')).props('outlined dense').classes('w-full').mark('new-user-name')
            role = ui.select(_roles(), value=Role.manager.value, label=tr('users.role')).props('outlined dense')
            role.classes('w-full').mark('new-user-role')
            password = ui.input(tr('users.password'), password=True, password_toggle_button=True)
            password.props('outlined dense').classes('w-full').mark('new-user-password')
            number = _internal_number_input('').mark('new-user-internal-number')

            async def save() -> None:
                row = await self.screen.call(
                    admin_users.add_user,
                    login=login.value or '',
                    name=name.value or '',
                    role=role.value,
                    password=password.value or '',
                    internal_number=number.value or '',
                )
                if row is not None:
                    ui.notify(tr('users.added', name=row.name), type='positive')
                    dialog.close()

            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
                ui.button(tr('action.add'), on_click=save).props('unelevated no-caps').mark('new-user-save')
        dialog.open()

    def edit_user(self, row: UserRow) -> None:
        dialog = self.new()
        with dialog, ui.card().classes('w-[28rem]'):
            ui.label(tr('users.edit_title', name=row.name)).classes('text-h6')
            name = ui.input(tr('users.name'), value=row.name).props('outlined dense').classes('w-full')
            name.mark('edit-user-name')
            role = ui.select(_roles(), value=row.role, label=tr('users.role')).props('outlined dense')
            role.classes('w-full').mark('edit-user-role')
            if row.id == self.screen.actor.id:
                role.disable()  # the domain refuses it too: an admin keeps their own way into the settings
            number = _internal_number_input(row.internal_number).mark('edit-user-internal-number')
            toggles = {
                switch: ui.switch(tr(f'users.switch.{switch}'), value=getattr(row, switch)).mark(f'edit-user-{switch}')
                for switch in SWITCHES
            }

            def role_defaults(event) -> None:
                # a new role proposes its usual switches; the admin may still adjust them before saving
                for switch, value in ROLE_DEFAULTS[Role(event.value)].items():
                    toggles[switch].value = value

            role.on_value_change(role_defaults)

            async def save() -> None:
                result = await self.screen.call(
                    admin_users.update_user,
                    user_id=row.id,
                    name=name.value or '',
                    role=role.value,
                    switches={switch: bool(toggle.value) for switch, toggle in toggles.items()},
                    internal_number=number.value or '',
                )
                if result is not None:
                    dialog.close()

            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
                ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('edit-user-save')
        dialog.open()

    def reset_password(self, row: UserRow) -> None:
        dialog = self.new()
        with dialog, ui.card().classes('w-[24rem]'):
            ui.label(f'{tr("users.reset_password")}: {row.name}').classes('text-h6')
            password = ui.input(tr('users.new_password'), password=True, password_toggle_button=True)
            password.props('outlined dense').classes('w-full').mark('reset-password')

            async def save() -> None:
                done = await self.screen.call(admin_users.reset_password, user_id=row.id, password=password.value or '')
                if done is not None:
                    ui.notify(tr('users.password_set'), type='positive')
                    dialog.close()

            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
                ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('reset-password-save')
        dialog.open()

    async def hand_over(self, row: UserRow) -> None:
        people = await self.screen.read(admin_users.list_users) or []
        colleagues = {p.id: f'{p.name} ({tr(f"role.{p.role}")})' for p in people if p.active and p.id != row.id}
        dialog = self.new()
        with dialog, ui.card().classes('w-[28rem]'):
            ui.label(tr('users.hand_over_offer', name=row.name, count=format_number(row.clients))).classes(
                'text-subtitle1'
            )
            target = ui.select(colleagues, label=tr('users.hand_over_to')).props('outlined dense').classes('w-full')
            target.mark('handover-target')

            async def go() -> None:
                if target.value is None:
                    return
                result = await self.screen.call(bulk.hand_over_clients, user_id=row.id, to_user_id=target.value)
                if result is not None:
                    ui.notify(tr('users.handed_over', count=format_number(result.changed)), type='positive')
                    dialog.close()

            with ui.row().classes('w-full justify-end'):
                ui.button(tr('users.later'), on_click=dialog.close).props('flat no-caps').mark('handover-later')
                ui.button(tr('users.hand_over', count=count('count.clients', row.clients)), on_click=go).props(
                    'unelevated no-caps'
                ).mark('handover-ok')
        dialog.open()

    async def deactivate(self, row: UserRow) -> None:
        result = await self.screen.call(admin_users.deactivate, user_id=row.id)
        if result is not None and result.clients:
            await self.hand_over(result)

    async def activate(self, row: UserRow) -> None:
        await self.screen.call(admin_users.reactivate, user_id=row.id)


def _user_line(row: UserRow, dialogs: _Dialogs, me: int) -> None:
    # the switches wrap among themselves; the name and the actions keep one line at a laptop's width
    with ui.row().classes('w-full items-center no-wrap gap-3 q-py-xs border-b').mark(f'user-{row.id}'):
        with ui.column().classes('gap-0').style('flex: none; width: 14rem'):
            ui.label(row.name).classes('text-body1' + ('' if row.active else ' text-grey-6 line-through'))
            login = f'{row.login} · {tr("users.internal_number_short")} {row.internal_number}'
            ui.label(login if row.internal_number else row.login).classes('text-caption text-grey-7').mark(
                f'user-login-{row.id}'
            )
        ui.badge(tr(f'role.{row.role}')).props('outline').style('flex: none').mark(f'user-role-{row.id}')
        with ui.row().classes('col gap-1'):
            for switch in SWITCHES:
                on = getattr(row, switch)
                ui.chip(tr(f'users.switch.{switch}'), icon='check' if on else 'block').props(
                    f'dense square {"color=green-1" if on else "color=grey-3 text-color=grey-6"}'
                ).mark(f'user-{switch}-{row.id}-{"on" if on else "off"}')
        ui.label(count('count.clients', row.clients)).classes('text-caption text-no-wrap').mark(
            f'user-clients-{row.id}'
        )
        if not row.active:
            ui.badge(tr('users.inactive'), color='grey').style('flex: none').mark(f'user-inactive-{row.id}')
        # tooltips nested, not `.tooltip()`: that one finds its button by id, and a settings change rebuilds this tab
        # while another is shown, where the ids are not in the page (a console error for each)
        for icon, tip, on_click, marker in (
            ('edit', 'action.edit', lambda: dialogs.edit_user(row), 'user-edit'),
            ('tune', 'view.button', lambda: dialogs.screen.edit_view_of(row.id), 'user-view'),
            ('password', 'users.reset_password', lambda: dialogs.reset_password(row), 'user-password'),
        ):
            with ui.button(icon=icon, on_click=on_click).props('flat dense round').mark(f'{marker}-{row.id}'):
                ui.tooltip(tr(tip))
        if row.active and row.id != me:
            ui.button(tr('users.deactivate'), on_click=lambda: dialogs.deactivate(row)).props(
                'flat dense no-caps no-wrap color=negative'
            ).mark(f'user-deactivate-{row.id}')
        elif not row.active:
            ui.button(tr('users.activate'), on_click=lambda: dialogs.activate(row)).props(
                'flat dense no-caps no-wrap'
            ).mark(f'user-activate-{row.id}')
            if row.clients:
                ui.button(
                    tr('users.hand_over', count=count('count.clients', row.clients)),
                    on_click=lambda: dialogs.hand_over(row),
                ).props('flat dense no-caps no-wrap color=primary').mark(f'user-handover-{row.id}')


async def build_users(screen) -> None:
    """Builds the tab's content inside the current container."""
    area = ui.context.slot.parent
    dialogs = _Dialogs(screen, area.parent_slot.parent if area.parent_slot else area)
    people = await screen.read(admin_users.list_users) or []
    ui.button(tr('users.add'), icon='person_add', on_click=dialogs.add_user).props('unelevated no-caps').mark(
        'user-add'
    )
    with ui.column().classes('w-full gap-0').mark('users-list'):
        for row in people:
            _user_line(row, dialogs, screen.actor.id)
