"""«Настроить вид»: the dialog where a user (or an admin, for anyone) chooses how the board shows clients."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.clients.view_settings import CARD_PARTS, ViewSettings
from app.domain.views import RefView

from .dialogs import answer
from .locale import tr

SORTS = ('newest', 'oldest', 'nearest_task', 'last_activity')
TASK_DISPLAYS = ('hidden', 'nearest', 'all', 'counter')


async def edit_view_settings(
    *,
    user_id: int,
    users: list[RefView] | None,
    load: Callable[[int], Awaitable[ViewSettings | None]],
    save: Callable[[int, ViewSettings], Awaitable[bool]],
) -> None:
    """Show the settings of `user_id`; `users` (admins only) lets one pick whose settings to edit."""
    settings = await load(user_id)
    if settings is None:
        return
    with ui.dialog() as dialog, ui.card().classes('w-[30rem]'):
        ui.label(tr('view.title')).classes('text-h6')
        whose = None
        if users:
            whose = (
                ui.select({u.id: u.name for u in users}, value=user_id, label=tr('view.for_user'))
                .classes('w-full')
                .props('outlined dense')
                .mark('view-user')
            )
        sort = (
            ui.select({s: tr(f'view.sort.{s}') for s in SORTS}, value=settings.sort, label=tr('view.sort'))
            .classes('w-full')
            .props('outlined dense')
            .mark('view-sort')
        )
        overdue_first = ui.switch(tr('view.overdue_first'), value=settings.overdue_first).mark('view-overdue-first')
        tasks_first = ui.switch(tr('view.tasks_first'), value=settings.tasks_first).mark('view-tasks-first')
        ui.label(tr('view.task_display')).classes('text-caption text-grey-8 q-mt-sm')
        task_display = (
            ui.toggle({t: tr(f'view.task_display.{t}') for t in TASK_DISPLAYS}, value=settings.task_display)
            .props('dense no-caps spread')
            .classes('w-full')
            .mark('view-task-display')
        )
        ui.label(tr('view.parts')).classes('text-caption text-grey-8 q-mt-sm')
        parts = {
            part: ui.checkbox(tr(f'part.{part}'), value=part in settings.parts).props('dense').mark(f'view-part-{part}')
            for part in CARD_PARTS
        }

        def show(values: ViewSettings) -> None:
            sort.value, overdue_first.value, tasks_first.value = values.sort, values.overdue_first, values.tasks_first
            task_display.value = values.task_display
            for part, box in parts.items():
                box.value = part in values.parts

        async def switch_user() -> None:
            loaded = await load(whose.value)
            if loaded is not None:
                show(loaded)

        if whose is not None:
            whose.on_value_change(switch_user)

        async def submit() -> None:
            chosen = ViewSettings(
                sort=sort.value,
                overdue_first=overdue_first.value,
                tasks_first=tasks_first.value,
                task_display=task_display.value,
                parts=[part for part, box in parts.items() if box.value],
            )
            if await save(whose.value if whose is not None else user_id, chosen):
                dialog.submit(True)

        with ui.row().classes('w-full justify-end q-mt-sm'):
            ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(tr('action.save'), on_click=submit).mark('view-save')
    await answer(dialog)
