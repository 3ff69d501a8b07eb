"""Settings: export schemas — the account's named, ordered column lists for Excel exports.
An admin composes a schema in a dialog; every change goes through `app.domain.export_schemas` and redraws all open
pages."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.components.dialogs import confirm_beside, side_dialog
from app.components.locale import tr
from app.domain.excel import export_schemas
from app.domain.excel.export_schemas import NAME_MAX, SchemaView

from .settings_lists import reorder_and_remove

SaveSchema = Callable[[str, list[str]], Awaitable[bool]]


def edit_schema(
    host: ui.element,
    *,
    title: str,
    choices: list[tuple[str, str]],
    name: str = '',
    fields: list[str] | None = None,
    on_save: SaveSchema,
) -> None:
    """The dialog composing a schema: its name and chosen fields in order. It closes only once `on_save` succeeds,
    so a refused name or field list can be corrected in place."""
    labels = dict(choices)
    chosen = [key for key in fields or [] if key in labels]
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[34rem] max-w-full').mark('schema-dialog'):
        ui.label(title).classes('text-h6')
        name_input = ui.input(tr('export.schemas.name'), value=name).props(f'outlined dense maxlength={NAME_MAX}')
        name_input.classes('w-full').mark('schema-name')
        ui.label(tr('export.schemas.fields')).classes('text-subtitle2 q-mt-sm')
        listing = ui.column().classes('w-full gap-0 max-h-80 overflow-auto no-wrap').mark('schema-fields')
        adder = ui.select({}, label=tr('export.schemas.add_field'), with_input=True)
        adder.props('outlined dense options-dense').classes('w-full').mark('schema-field-choice')

        def redraw() -> None:
            listing.clear()
            with listing:
                if not chosen:
                    ui.label(tr('export.schemas.no_fields')).classes('text-caption text-grey-7')
                for index, key in enumerate(chosen):
                    with ui.row().classes('w-full items-center no-wrap gap-1').mark(f'schema-row-{key}'):
                        ui.label(f'{index + 1}. {labels[key]}').classes('grow')
                        reorder_and_remove(
                            lambda position, i=index: move(i, position),
                            lambda k=key: remove(k),
                            index=index,
                            count=len(chosen),
                            marker=f'schema-field-{{}}-{key}',
                            remove_action='remove',
                        )
            adder.set_options({key: label for key, label in choices if key not in chosen}, value=None)

        def move(index: int, position: int) -> None:
            chosen.insert(position, chosen.pop(index))
            redraw()

        def remove(key: str) -> None:
            chosen.remove(key)
            redraw()

        def add(event) -> None:
            if event.value is None or event.value in chosen:  # also the reset right after an addition
                return
            chosen.append(event.value)
            redraw()

        adder.on_value_change(add)
        redraw()

        async def save() -> None:
            if await on_save(name_input.value or '', list(chosen)):
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('schema-save')
    dialog.open()


def confirm_delete(host: ui.element, schema: SchemaView, *, on_delete: Callable[[], Awaitable[bool]]) -> None:
    """Deleting a schema takes it from everyone's exports: ask first."""
    question = tr('export.schemas.delete_question', name=schema.name)
    confirm_beside(host, question, ok_label=tr('action.delete'), marker='schema-delete-ok', on_ok=on_delete)


def _schema_line(schema: SchemaView, *, on_edit: Callable[[], None], on_delete: Callable[[], None]) -> None:
    with ui.card().props('flat bordered').classes('w-full q-pa-sm gap-1').mark(f'schema-{schema.id}'):
        with ui.row().classes('w-full items-center no-wrap gap-1'):
            ui.label(schema.name).classes('text-subtitle1').mark(f'schema-title-{schema.id}')
            ui.space()
            ui.button(icon='edit', on_click=on_edit).props('flat dense round').tooltip(tr('action.edit')).mark(
                f'schema-edit-{schema.id}'
            )
            ui.button(icon='delete', on_click=on_delete).props('flat dense round color=negative').tooltip(
                tr('action.delete')
            ).mark(f'schema-delete-{schema.id}')
        with ui.row().classes('gap-1').mark(f'schema-fields-{schema.id}'):
            for label in schema.labels:
                ui.chip(label).props('dense square outline color=grey-8')


async def build_export(screen) -> None:
    """Builds the tab's content inside the current container."""
    area = ui.context.slot.parent
    host = area.parent_slot.parent if area.parent_slot else area
    schemas = await screen.read(export_schemas.export_schemas)
    choices = await screen.read(export_schemas.schema_fields_choice)
    if schemas is None or choices is None:
        return

    def done(result, message: str) -> bool:
        if result is None:  # refused: the domain's reason is already on screen
            return False
        ui.notify(tr(message), type='positive')
        return True

    async def add(name: str, fields: list[str]) -> bool:
        result = await screen.call(export_schemas.add_export_schema, name=name, fields=fields)
        return done(result, 'export.schemas.saved')

    def open_new() -> None:
        edit_schema(host, title=tr('export.schemas.new'), choices=choices, on_save=add)

    def open_edit(schema: SchemaView) -> None:
        async def save(name: str, fields: list[str]) -> bool:
            result = await screen.call(export_schemas.edit_export_schema, schema_id=schema.id, name=name, fields=fields)
            return done(result, 'export.schemas.saved')

        edit_schema(
            host,
            title=tr('export.schemas.edit_title', name=schema.name),
            choices=choices,
            name=schema.name,
            fields=schema.fields,
            on_save=save,
        )

    def open_delete(schema: SchemaView) -> None:
        async def delete() -> bool:
            result = await screen.call(export_schemas.delete_export_schema, schema_id=schema.id)
            return done(result, 'export.schemas.deleted')

        confirm_delete(host, schema, on_delete=delete)

    ui.label(tr('export.schemas.hint')).classes('text-caption text-grey-7')
    ui.button(tr('export.schemas.new'), icon='add', on_click=open_new).props('unelevated no-caps').mark('schema-new')
    with ui.column().classes('w-full gap-2').mark('schemas-list'):
        if not schemas:
            ui.label(tr('export.schemas.none')).classes('text-grey-7')
        for schema in schemas:
            _schema_line(schema, on_edit=lambda s=schema: open_edit(s), on_delete=lambda s=schema: open_delete(s))
