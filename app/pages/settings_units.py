"""Settings: the catalogue of property objects — a table with filters, an add/edit dialog and deletion.
Every change goes through `app.domain.units` and redraws all open pages."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.components.dialogs import side_dialog
from app.components.locale import format_money, format_number, paging_texts, tr
from app.domain.deals import units
from app.domain.deals.units import LABEL_MAX, UnitView
from app.domain.models import UnitStatus

STATUS_COLORS = {UnitStatus.free: 'positive', UnitStatus.booked: 'warning', UnitStatus.sold: 'grey-7'}
SaveUnit = Callable[[dict], Awaitable[bool]]


def edit_unit(
    host: ui.element,
    *,
    title: str,
    projects: dict[int, str],
    unit: UnitView | None = None,
    on_save: SaveUnit,
) -> None:
    """The dialog of one object; it closes only once `on_save` succeeds, so a refusal can be corrected in place.
    The status is editable only for an existing object (a new one is free)."""
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[28rem] max-w-full').mark('unit-dialog'):
        ui.label(title).classes('text-h6')
        project = ui.select(projects, value=unit.project_id if unit else None, label=tr('units.project'))
        project.props('outlined dense clearable').classes('w-full').mark('unit-project')
        label = ui.input(tr('units.label'), value=unit.label if unit else '').props(
            f'outlined dense maxlength={LABEL_MAX}'
        )
        label.classes('w-full').mark('unit-label')
        area = ui.number(tr('units.area'), value=unit.area if unit else None, min=0).props('outlined dense')
        area.classes('w-full').mark('unit-area')
        price = ui.number(tr('units.price'), value=unit.price if unit else None, min=0, format='%.0f')
        price.props('outlined dense').classes('w-full').mark('unit-price')
        status = None
        if unit is not None:
            status = ui.select({s.value: tr(f'unit.status.{s.value}') for s in UnitStatus}, value=unit.status)
            status.props('outlined dense').classes('w-full').mark('unit-status')
            status.tooltip(tr('units.hint'))

        async def save() -> None:
            values = {'project_id': project.value, 'label': label.value or '', 'area': area.value, 'price': price.value}
            if status is not None and status.value != unit.status:  # untouched, it must not undo a booking meanwhile
                values['status'] = status.value
            if await on_save(values):
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('unit-save')
    dialog.open()


def confirm_delete(host: ui.element, unit: UnitView, *, on_delete: Callable[[], Awaitable[bool]]) -> None:
    """Deleting an object is for mistakes only: ask first."""
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[28rem] max-w-full').mark('unit-delete-dialog'):
        ui.label(tr('units.delete_question', unit=unit.label)).classes('text-subtitle1')

        async def delete() -> None:
            if await on_delete():
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps').mark('unit-delete-cancel')
            ui.button(tr('action.delete'), on_click=delete).props('unelevated no-caps color=negative').mark(
                'unit-delete-ok'
            )
    dialog.open()


def _table(rows: list[dict], *, on_edit: Callable[[int], None], on_delete: Callable[[int], None]) -> ui.table:
    columns = [
        {'name': 'project', 'field': 'project', 'label': tr('units.project'), 'align': 'left', 'sortable': True},
        {'name': 'label', 'field': 'label', 'label': tr('units.label'), 'align': 'left', 'sortable': True},
        {'name': 'area', 'field': 'area', 'label': tr('units.area'), 'align': 'right'},
        {'name': 'price', 'field': 'price', 'label': tr('units.price'), 'align': 'right'},
        {'name': 'status', 'field': 'status', 'label': tr('units.status'), 'align': 'left'},
        {'name': 'actions', 'field': 'id', 'label': '', 'align': 'right'},
    ]
    table = ui.table(columns=columns, rows=rows, row_key='id', pagination=50).props('flat bordered dense')
    table.props.update(paging_texts())
    table.classes('w-full').mark('units-table')
    table.add_slot(
        'body-cell-status',
        """
        <q-td :props="props">
          <q-badge :color="props.row.color" :label="props.value" :data-unit-status="props.row.status_key"/>
        </q-td>""",
    )
    table.add_slot(
        'body-cell-actions',
        """
        <q-td :props="props">
          <q-btn flat dense round size="sm" icon="edit" @click="$parent.$emit('edit_unit', props.row.id)"/>
          <q-btn flat dense round size="sm" icon="delete" color="negative"
                 @click="$parent.$emit('delete_unit', props.row.id)"/>
        </q-td>""",
    )
    table.on('edit_unit', lambda e: on_edit(e.args))
    table.on('delete_unit', lambda e: on_delete(e.args))
    return table


async def build_units(screen) -> None:
    """Builds the tab's content inside the current container."""
    area = ui.context.slot.parent
    host = area.parent_slot.parent if area.parent_slot else area
    loaded = await screen.read(units.unit_catalogue)
    if loaded is None:
        return
    catalogue = loaded.units
    projects = {p.id: p.name for p in loaded.projects}
    statuses = {s.value: tr(f'unit.status.{s.value}') for s in UnitStatus}
    by_id = {u.id: u for u in catalogue}

    def done(result, message: str) -> bool:
        if result is None:  # refused: the domain's reason is already on screen
            return False
        ui.notify(tr(message), type='positive')
        return True

    async def add(values: dict) -> bool:
        return done(await screen.call(units.add_unit, **values), 'units.saved')

    def open_new() -> None:
        edit_unit(host, title=tr('units.new'), projects=projects, on_save=add)

    def open_edit(unit_id: int) -> None:
        unit = by_id.get(unit_id)
        if unit is None:
            return

        async def save(values: dict) -> bool:
            return done(await screen.call(units.edit_unit, unit_id=unit.id, **values), 'units.saved')

        edit_unit(host, title=tr('units.edit_title', unit=unit.label), projects=projects, unit=unit, on_save=save)

    def open_delete(unit_id: int) -> None:
        unit = by_id.get(unit_id)
        if unit is None:
            return

        async def delete() -> bool:
            return done(await screen.call(units.delete_unit, unit_id=unit.id), 'units.deleted')

        confirm_delete(host, unit, on_delete=delete)

    def rows(project_id: int | None, status: str | None) -> list[dict]:
        return [
            {
                'id': u.id,
                'project': u.project_name or tr('units.no_project'),
                'label': u.label,
                'area': format_number(u.area) if u.area else '—',
                'price': format_money(u.price) if u.price else '—',
                'status': statuses.get(u.status, u.status),
                'status_key': u.status,
                'color': STATUS_COLORS.get(u.status, 'grey'),
            }
            for u in catalogue
            if (project_id is None or u.project_id == project_id) and (not status or u.status == status)
        ]

    ui.label(tr('units.hint')).classes('text-caption text-grey-7')
    with ui.row().classes('w-full items-center gap-2'):
        project_filter = ui.select(projects, label=tr('units.all_projects'), clearable=True)
        project_filter.props('outlined dense').classes('w-64').mark('units-filter-project')
        status_filter = ui.select(statuses, label=tr('units.all_statuses'), clearable=True)
        status_filter.props('outlined dense').classes('w-48').mark('units-filter-status')
        ui.space()
        ui.button(tr('units.new'), icon='add', on_click=open_new).props('unelevated no-caps').mark('unit-new')
    table = _table(rows(None, None), on_edit=open_edit, on_delete=open_delete)
    empty = ui.label(tr('units.none')).classes('text-grey-7').mark('units-none')

    def refilter() -> None:
        """Filtering the loaded catalogue in place: an account's objects are a few thousand at most."""
        table.rows = rows(project_filter.value, status_filter.value)
        table.update()
        empty.set_visibility(not table.rows)

    project_filter.on_value_change(refilter)
    status_filter.on_value_change(refilter)
    empty.set_visibility(not table.rows)
