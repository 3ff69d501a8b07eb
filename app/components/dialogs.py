"""Small questions the board asks: which reason, which stage, what booking. Each resolves to a value or None."""

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from app.domain.deals.units import UnitView
from app.domain.views import ClientPage, RefView, StageView

from .locale import format_date, format_money, format_number, tr


async def answer(dialog: ui.dialog) -> Any:
    """Open the dialog, wait for its answer, delete it. A closed tab deletes its dialogs itself: then the answer is
    None and there is nothing left to delete (deleting again raised `list.remove(x)` into the server log)."""
    result = await dialog
    if dialog.is_deleted:
        return None
    dialog.delete()
    return result


def _buttons(dialog: ui.dialog, on_ok, ok_label: str | None = None) -> ui.button:
    with ui.row().classes('w-full justify-end q-mt-md'):
        ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
        return ui.button(ok_label or tr('action.ok'), on_click=on_ok).mark('dialog-ok')


async def pick_reason(stage: StageView) -> int | None:
    """The closing reason a failure or trash stage needs; None when the user cancels."""
    with ui.dialog() as dialog, ui.card().classes('w-96'):
        ui.label(tr('reason.title', stage=stage.name)).classes('text-h6')
        choice = ui.radio({r.id: r.name for r in stage.reasons}).mark('reason-choice')
        if not stage.reasons:  # an admin removed them all: say so instead of a form that cannot be sent
            ui.label(tr('reason.none')).classes('text-negative')
        _buttons(dialog, lambda: dialog.submit(choice.value) if choice.value else ui.notify(tr('reason.pick')))
    return await answer(dialog)


LoadUnits = Callable[[int | None], Awaitable[list[UnitView] | None]]


def unit_option(unit: UnitView, *, with_project: bool = False) -> str:
    """How a free object reads in the booking dialog: «кв. 45 · 54.3 м² · 7 500 000 ₽»."""
    parts = [f'{unit.project_abbreviation} {unit.label}' if with_project and unit.project_abbreviation else unit.label]
    if unit.area:
        parts.append(tr('booking.area', area=format_number(unit.area)))
    if unit.price:
        parts.append(format_money(unit.price))
    return ' · '.join(parts)


async def ask_booking(
    projects: list[RefView], project_id: int | None, *, load_units: LoadUnits | None = None
) -> dict | None:
    """The property object and amount of a booking: a free object of the chosen project (its price fills the
    amount), or, when none is chosen, an object typed by hand. `load_units` gives the free objects of a project
    (of all projects for None)."""
    free: dict[int, UnitView] = {}
    with ui.dialog() as dialog, ui.card().classes('w-96'):
        ui.label(tr('booking.title')).classes('text-h6')
        project = (
            ui.select({p.id: p.name for p in projects}, value=project_id, label=tr('booking.project'), clearable=True)
            .classes('w-full')
            .mark('booking-project')
        )
        choice = ui.select({}, label=tr('booking.object'), clearable=True).classes('w-full').mark('booking-object')
        choice.set_visibility(load_units is not None)
        unit = ui.input(tr('booking.unit')).classes('w-full').mark('booking-unit')
        amount = ui.number(tr('booking.amount'), min=0, format='%.0f').classes('w-full').mark('booking-amount')

        async def load() -> None:
            if load_units is None:
                return
            units = await load_units(project.value) or []
            free.clear()
            free.update((u.id, u) for u in units)
            choice.set_options({u.id: unit_option(u, with_project=project.value is None) for u in units}, value=None)
            if units:
                choice.props(remove='hint')
            else:
                choice.props(f'hint="{tr("booking.no_free_units")}"')

        def chosen() -> None:
            picked = free.get(choice.value)
            unit.set_visibility(picked is None)
            if picked is not None and picked.price:
                amount.value = picked.price

        project.on_value_change(load)
        choice.on_value_change(chosen)

        def submit() -> None:
            if not amount.value or amount.value <= 0:
                amount.props('error error-message="' + tr('error.amount') + '"')
                return
            picked = free.get(choice.value)
            dialog.submit(
                {
                    'project_id': project.value,
                    'unit': picked.label if picked else unit.value or '',
                    'amount': amount.value,
                    'unit_id': picked.id if picked else None,
                }
            )

        _buttons(dialog, submit, tr('booking.title'))
    await load()
    return await answer(dialog)


async def ask_move(client_name: str, stages: list[StageView], current_stage_id: int) -> tuple[int, int | None] | None:
    """The click path of a drag: the target stage, and its reason when it needs one."""
    targets = [s for s in stages if s.id != current_stage_id]
    with ui.dialog() as dialog, ui.card().classes('w-96'):
        ui.label(tr('move.title', client=client_name)).classes('text-h6')
        stage = ui.select({s.id: s.name for s in targets}, label=tr('move.stage')).classes('w-full').mark('move-stage')
        reason = ui.select({}, label=tr('reason.pick')).classes('w-full').mark('move-reason')
        reason.set_visibility(False)

        def stage_chosen() -> None:
            chosen = next((s for s in targets if s.id == stage.value), None)
            needs = bool(chosen and chosen.needs_reason)
            reason.set_options({r.id: r.name for r in chosen.reasons} if needs else {}, value=None)
            reason.set_visibility(needs)

        stage.on_value_change(stage_chosen)

        def submit() -> None:
            chosen = next((s for s in targets if s.id == stage.value), None)
            if chosen is None:
                return
            if chosen.needs_reason and not reason.value:
                ui.notify(tr('reason.pick'))
                return
            dialog.submit((chosen.id, reason.value))

        _buttons(dialog, submit)
    return await answer(dialog)


async def browse_clients(
    stage: StageView,
    *,
    load_page: Callable[[int], Awaitable[ClientPage | None]],
    on_open: Callable[[int], Awaitable[None]],
) -> None:
    """The clients of a closing stage, page by page, each with its closing reason; a click opens one."""
    reasons = {r.id: r.name for r in stage.reasons}
    with ui.dialog() as dialog, ui.card().classes('w-[34rem]'):
        title = ui.label(stage.name).classes('text-h6')
        with ui.scroll_area().classes('h-96'):
            listing = ui.list().props('dense separator').classes('w-full')
            more = (
                ui.button(tr('board.more'), on_click=lambda: show_more()).props('flat dense no-caps').classes('w-full')
            )
        shown = {'count': 0}

        async def open_client(client_id: int) -> None:
            dialog.close()
            await on_open(client_id)

        async def show_more() -> None:
            page = await load_page(shown['count'])
            if page is None:
                return
            title.set_text(f'{stage.name} · {format_number(page.total)}')
            with listing:
                for card in page.items:
                    with (
                        ui.item(on_click=lambda c=card.id: open_client(c))
                        .props('clickable')
                        .mark(f'browse-client-{card.id}')
                    ):
                        with ui.item_section():
                            ui.item_label(card.name)
                            caption = [card.responsible.name, format_date(card.created_at)]
                            if card.closing_reason_id in reasons:
                                caption.insert(0, reasons[card.closing_reason_id])
                            ui.item_label(' · '.join(caption)).props('caption')
            shown['count'] += len(page.items)
            more.set_visibility(shown['count'] < page.total)

        await show_more()
    dialog.on_value_change(lambda e: dialog.delete() if not e.value else None)
    dialog.open()


def side_dialog(host: ui.element) -> ui.dialog:
    """A dialog beside an area, not in it: a saved change redraws the area, and the dialog must outlive that; it
    is deleted once closed."""
    with host:
        dialog = ui.dialog()
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())
    return dialog


def confirm_beside(
    host: ui.element, question: str, *, ok_label: str, marker: str, on_ok: Callable[[], Awaitable[bool]]
) -> None:
    """Ask before a change that takes something from everyone; the dialog closes once `on_ok` says it was done."""
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[28rem] max-w-full'):
        ui.label(question).classes('text-subtitle1')

        async def ok() -> None:
            if await on_ok():
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(ok_label, on_click=ok).props('unelevated no-caps color=negative').mark(marker)
    dialog.open()
