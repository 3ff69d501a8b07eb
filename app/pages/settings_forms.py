"""Settings → «Формы сайта»: the URLs site builders (Tilda) post their forms to. Create one (its URL is shown once,
only a hash of its secret is kept), map the posted fields, choose whose leads they are and their channel, revoke."""

from nicegui import context, ui

from app.components.dialogs import confirm_beside, side_dialog
from app.components.locale import format_datetime, tr
from app.domain.integrations import forms
from app.domain.integrations.forms import FormEndpointItem

FORMS_PATH = 'api/v1/forms/'


def _show_url_once(host: ui.element, url: str) -> None:
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[40rem] max-w-full'):
        ui.label(tr('forms.url_once')).classes('text-subtitle1')
        ui.code(url).classes('w-full').mark('form-url')
        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.close'), on_click=dialog.close).props('flat no-caps').mark('form-url-close')
    dialog.open()


def _edit(host: ui.element, screen, endpoint: FormEndpointItem) -> None:
    users = {u.id: u.name for u in screen.choices.users}
    users.setdefault(endpoint.user_id, endpoint.user_name)
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[32rem] max-w-full'):
        ui.label(tr('forms.edit_title', name=endpoint.name)).classes('text-h6')
        name = ui.input(tr('forms.name'), value=endpoint.name).classes('w-full').props('outlined dense')
        name.mark('form-edit-name')
        user = ui.select(users, value=endpoint.user_id, label=tr('forms.user')).classes('w-full')
        user.props('outlined dense').mark('form-edit-user')
        channel = ui.select(
            {c.id: c.name for c in screen.choices.channels},
            value=endpoint.channel_id,
            label=tr('forms.channel'),
            clearable=True,
        )
        channel.classes('w-full').props(f'outlined dense hint="{tr("forms.channel_hint")}"').mark('form-edit-channel')
        ui.label(tr('forms.fields')).classes('text-subtitle2 q-mt-md')
        ui.label(tr('forms.fields_hint')).classes('text-caption text-grey-7')
        mapping = {
            field: ui.input(tr(f'forms.field.{field}'), value=endpoint.mapping.get(field, ''))
            .classes('w-full')
            .props('outlined dense')
            .mark(f'form-edit-{field}')
            for field in forms.MAPPED
        }

        async def save() -> None:
            saved = await screen.call(
                forms.update_form_endpoint,
                endpoint_id=endpoint.id,
                name=name.value or '',
                user_id=user.value,
                channel_id=channel.value,
                mapping={field: box.value or '' for field, box in mapping.items()},
            )
            if saved is not None:
                ui.notify(tr('forms.saved'), type='positive')
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('form-edit-save')
    dialog.open()


def _confirm_revoke(host: ui.element, screen, endpoint: FormEndpointItem) -> None:
    async def revoke() -> bool:
        return await screen.call(forms.revoke_form_endpoint, endpoint_id=endpoint.id) is not None

    question = tr('forms.revoke_question', name=endpoint.name)
    confirm_beside(host, question, ok_label=tr('forms.revoke'), marker='form-revoke-ok', on_ok=revoke)


def _endpoint_line(host: ui.element, screen, endpoint: FormEndpointItem) -> None:
    with ui.card().props('flat bordered').classes('w-full q-pa-sm gap-1').mark(f'form-{endpoint.id}'):
        with ui.row().classes('w-full items-center no-wrap gap-2'):
            ui.label(endpoint.name).classes('text-subtitle1').mark(f'form-title-{endpoint.id}')
            ui.space()
            ui.button(tr('forms.edit'), icon='tune', on_click=lambda: _edit(host, screen, endpoint)).props(
                'flat dense no-caps'
            ).mark(f'form-edit-{endpoint.id}')
            ui.button(
                tr('forms.revoke'), icon='link_off', on_click=lambda: _confirm_revoke(host, screen, endpoint)
            ).props('flat dense no-caps color=negative').mark(f'form-revoke-{endpoint.id}')
        fields = ', '.join(
            f'{tr("forms.field." + f)}: {endpoint.mapping[f]}' for f in forms.MAPPED if endpoint.mapping[f]
        )
        details = [
            f'{tr("forms.user")}: {endpoint.user_name}',
            f'{tr("forms.channel")}: {endpoint.channel_name or tr("forms.channel_default")}',
            f'{tr("forms.created")}: {format_datetime(endpoint.created_at)}',
            f'{tr("forms.last_used")}: {format_datetime(endpoint.last_used_at) or "—"}',
        ]
        ui.label(' · '.join(details)).classes('text-caption text-grey-8')
        if not endpoint.user_active:
            ui.label(tr('forms.user_inactive_warning', name=endpoint.user_name)).classes(
                'text-caption text-negative'
            ).mark(f'form-user-inactive-{endpoint.id}')
        ui.label(fields).classes('text-caption text-grey-7').mark(f'form-fields-{endpoint.id}')


async def build_forms(screen) -> None:
    """Builds the tab's content inside the current container."""
    area = ui.context.slot.parent
    host = area.parent_slot.parent if area.parent_slot else area
    base_url = str(context.client.request.base_url)
    endpoints = await screen.read(forms.form_endpoints)
    if endpoints is None:
        return
    ui.label(tr('forms.hint')).classes('text-grey-8')
    with ui.row().classes('items-center no-wrap gap-2'):
        name = ui.input(tr('forms.name')).props('outlined dense').classes('w-64').mark('form-new-name')
        user = (
            ui.select({u.id: u.name for u in screen.choices.users}, value=screen.actor.id, label=tr('forms.user'))
            .props('outlined dense')
            .classes('w-56')
            .mark('form-new-user')
        )

        async def create() -> None:
            created = await screen.call(forms.create_form_endpoint, name=name.value or '', user_id=user.value)
            if created is not None:
                _show_url_once(host, f'{base_url}{FORMS_PATH}{created.token}')

        ui.button(tr('forms.create'), icon='add_link', on_click=create).props('unelevated no-caps').mark('form-create')
    for endpoint in endpoints:
        _endpoint_line(host, screen, endpoint)
    if not endpoints:
        ui.label(tr('forms.empty')).classes('text-grey-7').mark('forms-empty')
