"""Settings → «Интеграции»: the webhook endpoints (add, edit, disable, delete, a new secret shown once), the events
each wants, and each one's recent deliveries with «Отправить снова». An endpoint failing for a day is flagged here
and on the tab. Every call goes through `app.domain.integrations.webhooks`, which refuses non-admins."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.components.locale import format_datetime, tr
from app.domain.integrations import webhooks
from app.domain.integrations.outbox import EVENT_KINDS
from app.domain.integrations.webhooks import DESCRIPTION_MAX, URL_MAX, EndpointView

STATUS_COLORS = {'pending': 'warning', 'delivered': 'positive', 'failed': 'negative'}
SaveEndpoint = Callable[[dict], Awaitable[bool]]


def _dialog(host: ui.element) -> ui.dialog:
    """Beside the area, not in it: a saved change redraws the area, and the dialog must outlive that."""
    with host:
        dialog = ui.dialog()
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())
    return dialog


def show_secret(host: ui.element, secret: str) -> None:
    dialog = _dialog(host)
    with dialog, ui.card().classes('w-[36rem] max-w-full').mark('webhook-secret-dialog'):
        ui.label(tr('webhooks.secret')).classes('text-h6')
        ui.label(tr('webhooks.secret_once')).classes('text-body2')
        ui.code(secret).classes('w-full').mark('webhook-secret')
        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.close'), on_click=dialog.close).props('unelevated no-caps')
    dialog.open()


def edit_endpoint(host: ui.element, *, endpoint: EndpointView | None, on_save: SaveEndpoint) -> None:
    """The dialog of one endpoint; it closes only once `on_save` succeeds, so a refusal can be corrected."""
    dialog = _dialog(host)
    with dialog, ui.card().classes('w-[36rem] max-w-full').mark('webhook-dialog'):
        ui.label(tr('webhooks.edit') if endpoint else tr('webhooks.new')).classes('text-h6')
        url = ui.input(tr('webhooks.url'), value=endpoint.url if endpoint else '', placeholder='https://')
        url.props(f'outlined dense maxlength={URL_MAX}').classes('w-full').mark('webhook-url')
        description = ui.input(tr('webhooks.description'), value=endpoint.description if endpoint else '')
        description.props(f'outlined dense maxlength={DESCRIPTION_MAX}').classes('w-full').mark('webhook-description')
        ui.label(tr('webhooks.events')).classes('text-subtitle2')
        chosen = set(endpoint.events if endpoint else EVENT_KINDS)
        boxes = {}
        with ui.grid(columns=2).classes('w-full gap-0'):
            for kind in EVENT_KINDS:
                boxes[kind] = ui.checkbox(tr(f'webhooks.event.{kind}'), value=kind in chosen).mark(
                    f'webhook-event-{kind}'
                )
        active = ui.switch(tr('webhooks.active'), value=endpoint.active if endpoint else True).mark('webhook-active')

        async def save() -> None:
            values = {
                'url': url.value or '',
                'description': description.value or '',
                'events': [kind for kind, box in boxes.items() if box.value],
                'active': active.value,
            }
            if await on_save(values):
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('webhook-save')
    dialog.open()


def confirm(host: ui.element, question: str, *, ok: str, on_yes: Callable[[], Awaitable[bool]]) -> None:
    dialog = _dialog(host)
    with dialog, ui.card().classes('w-[32rem] max-w-full').mark('webhook-confirm'):
        ui.label(question).classes('text-subtitle1')

        async def yes() -> None:
            if await on_yes():
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(ok, on_click=yes).props('unelevated no-caps color=negative').mark('webhook-confirm-ok')
    dialog.open()


def _deliveries_table(deliveries, *, on_resend: Callable[[int], None]) -> None:
    if not deliveries:
        ui.label(tr('webhooks.no_deliveries')).classes('text-grey-7')
        return
    columns = [
        {'name': 'when', 'field': 'when', 'label': tr('webhooks.when'), 'align': 'left'},
        {'name': 'event', 'field': 'event', 'label': tr('webhooks.event'), 'align': 'left'},
        {'name': 'client', 'field': 'client', 'label': tr('webhooks.client'), 'align': 'right'},
        {'name': 'status', 'field': 'status', 'label': tr('webhooks.status'), 'align': 'left'},
        {'name': 'code', 'field': 'code', 'label': tr('webhooks.code'), 'align': 'left'},
        {'name': 'attempts', 'field': 'attempts', 'label': tr('webhooks.attempts'), 'align': 'right'},
        {'name': 'actions', 'field': 'id', 'label': '', 'align': 'right'},
    ]
    rows = [
        {
            'id': d.id,
            'when': format_datetime(d.last_attempt_at or d.created_at),
            'event': tr(f'webhooks.event.{d.event}'),
            'client': d.client_id or '—',
            'status': tr(f'webhooks.status.{d.status}'),
            'status_key': d.status,
            'color': STATUS_COLORS.get(d.status, 'grey'),
            'code': str(d.response_code or '') or d.last_error or '—',
            'attempts': d.attempts,
        }
        for d in deliveries
    ]
    table = ui.table(columns=columns, rows=rows, row_key='id').props('flat bordered dense').classes('w-full')
    table.add_slot(
        'body-cell-status',
        """
        <q-td :props="props">
          <q-badge :color="props.row.color" :label="props.value" :data-delivery-status="props.row.status_key"/>
        </q-td>""",
    )
    table.add_slot(
        'body-cell-actions',
        f"""
        <q-td :props="props">
          <q-btn flat dense no-caps size="sm" icon="replay" label="{tr('webhooks.resend')}"
                 @click="$parent.$emit('resend', props.row.id)"/>
        </q-td>""",
    )
    table.on('resend', lambda e: on_resend(e.args))
    table.mark('webhook-deliveries')


async def build_integrations(screen) -> None:
    """Builds the tab's content inside the current container."""
    area = ui.context.slot.parent
    host = area.parent_slot.parent if area.parent_slot else area
    endpoints = await screen.read(webhooks.list_endpoints)
    if endpoints is None:
        return
    failing = [e for e in endpoints if e.failing]
    tab = getattr(screen, 'tab_items', {}).get('integrations')
    if tab is not None:  # the tab's red dot: an admin sees it from any other tab of the settings
        if failing:
            tab.props('alert=negative')
        else:
            tab.props(remove='alert')

    async def create(values: dict) -> bool:
        created = await screen.call(webhooks.create_endpoint, **values)
        if created is None:
            return False
        show_secret(host, created.secret)
        return True

    async def resend(delivery_id: int) -> None:
        if await screen.call(webhooks.resend_delivery, delivery_id=delivery_id) is not None:
            ui.notify(tr('webhooks.resent'), type='positive')

    ui.label(tr('webhooks.title')).classes('text-h6')
    ui.label(tr('webhooks.hint')).classes('text-caption text-grey-7')
    if failing:
        ui.label(tr('webhooks.failing_banner', count=len(failing))).classes('text-negative text-body2').mark(
            'webhooks-failing'
        )
    with ui.row().classes('w-full'):
        ui.button(
            tr('webhooks.new'), icon='add', on_click=lambda: edit_endpoint(host, endpoint=None, on_save=create)
        ).props('unelevated no-caps').mark('webhook-new')
    if not endpoints:
        ui.label(tr('webhooks.none')).classes('text-grey-7').mark('webhooks-none')
    for endpoint in endpoints:
        await _endpoint_card(screen, host, endpoint, on_resend=resend)


async def _endpoint_card(screen, host: ui.element, endpoint: EndpointView, *, on_resend) -> None:
    async def save(values: dict) -> bool:
        edited = await screen.call(webhooks.edit_endpoint, endpoint_id=endpoint.id, **values)
        if edited is not None:
            ui.notify(tr('webhooks.saved'), type='positive')
        return edited is not None

    async def delete() -> bool:
        if await screen.call(webhooks.delete_endpoint, endpoint_id=endpoint.id) is None:
            return False
        ui.notify(tr('webhooks.deleted'), type='positive')
        return True

    async def renew() -> bool:
        secret = await screen.call(webhooks.regenerate_secret, endpoint_id=endpoint.id)
        if secret:
            show_secret(host, secret)
        return secret is not None

    with ui.card().classes('w-full').props('flat bordered').mark(f'webhook-{endpoint.id}'):
        with ui.row().classes('w-full items-center gap-2 no-wrap'):
            ui.icon('webhook', color='primary' if endpoint.active else 'grey')
            with ui.column().classes('gap-0 min-w-0 grow'):
                ui.label(endpoint.url).classes('text-subtitle1 break-all').mark('webhook-url-label')
                if endpoint.description:
                    ui.label(endpoint.description).classes('text-caption text-grey-7')
            if endpoint.failing:
                ui.badge(tr('webhooks.failing'), color='negative').mark('webhook-failing')
            ui.badge(
                tr('webhooks.active') if endpoint.active else tr('webhooks.inactive'),
                color='positive' if endpoint.active else 'grey',
            )
            if endpoint.pending:
                ui.badge(tr('webhooks.pending', count=endpoint.pending), color='warning')
            ui.button(icon='edit', on_click=lambda: edit_endpoint(host, endpoint=endpoint, on_save=save)).props(
                'flat dense round'
            ).mark('webhook-edit').tooltip(tr('webhooks.edit'))
            ui.button(
                icon='key',
                on_click=lambda: confirm(
                    host, tr('webhooks.new_secret_question'), ok=tr('webhooks.new_secret'), on_yes=renew
                ),
            ).props('flat dense round').mark('webhook-renew').tooltip(tr('webhooks.new_secret'))
            ui.button(
                icon='delete',
                on_click=lambda: confirm(
                    host, tr('webhooks.delete_question', url=endpoint.url), ok=tr('action.delete'), on_yes=delete
                ),
            ).props('flat dense round color=negative').mark('webhook-delete').tooltip(tr('action.delete'))
        with ui.row().classes('gap-1'):
            for kind in endpoint.events:
                ui.chip(tr(f'webhooks.event.{kind}')).props('dense outline')
        with ui.expansion(tr('webhooks.deliveries'), icon='history').classes('w-full').mark('webhook-history'):
            deliveries = await screen.read(webhooks.recent_deliveries, endpoint_id=endpoint.id) or []
            _deliveries_table(deliveries, on_resend=on_resend)
