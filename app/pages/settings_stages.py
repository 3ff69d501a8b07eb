"""Settings: the clients funnel — stages (name, colour, order, add, remove), the allowed-transitions matrix,
and the closing reasons of failure and trash stages. The tab redraws itself after every saved change."""

import re

from nicegui import ui

from app.components.locale import count, tr
from app.domain.account import admin_stages
from app.domain.account.admin_stages import FunnelSetup, ReasonSetup, StageSetup

_FULL_COLOR = re.compile(r'^#[0-9a-fA-F]{6}$')


async def build_stages(screen) -> None:
    """Builds the tab's content inside the current container."""
    setup: FunnelSetup | None = await screen.read(admin_stages.funnel_setup)
    if setup is None:
        return
    ui.label(tr('settings.stages.title')).classes('text-h6')
    ui.label(tr('settings.stages.hint')).classes('text-caption text-grey-7')
    with ui.column().classes('gap-1').mark('stages-list'):
        for stage in setup.stages:
            _stage_row(screen, setup, stage)
    with ui.row().classes('items-end gap-2'):
        new_name = ui.input(tr('settings.stages.new_name')).props('outlined dense').mark('stage-new-name')

        async def add() -> None:
            if await screen.call(admin_stages.add_stage, name=new_name.value or ''):
                new_name.value = ''

        new_name.on('keydown.enter', add)
        ui.button(tr('settings.stages.add'), icon='add', on_click=add).props('unelevated no-caps').mark('stage-add')
    ui.separator()
    _transitions(screen, setup)
    for stage in setup.stages:
        if stage.needs_reason:
            ui.separator()
            _reasons(screen, stage)


def _stage_row(screen, setup: FunnelSetup, stage: StageSetup) -> None:
    working = [s for s in setup.stages if s.is_working]
    with ui.row().classes('items-center gap-2 no-wrap').mark(f'stage-row-{stage.id}'):
        ui.element('div').classes('w-4 h-4 rounded-full').style(f'background: {stage.color}')
        name = (
            ui.input(tr('settings.stages.name'), value=stage.name)
            .props('outlined dense')
            .mark(f'stage-name-{stage.id}')
        )

        async def rename() -> None:
            if (name.value or '') == stage.name:
                return
            if await screen.call(admin_stages.update_stage, stage_id=stage.id, name=name.value or '') is None:
                name.value = stage.name

        name.on('keydown.enter', rename)
        name.on('blur', rename)

        async def recolour(value: str) -> None:
            if value != stage.color and _FULL_COLOR.match(value or ''):
                await screen.call(admin_stages.update_stage, stage_id=stage.id, color=value)

        ui.color_input(tr('settings.stages.color'), value=stage.color, on_change=lambda e: recolour(e.value)).props(
            'outlined dense'
        ).classes('w-36').mark(f'stage-color-{stage.id}')
        ui.label(tr(f'settings.stages.kind.{stage.kind}')).classes('text-caption text-grey-8 w-20')
        ui.label(count('count.clients', stage.clients)).classes('text-caption w-24').mark(f'stage-clients-{stage.id}')
        if stage.is_working:
            first, last = stage.id == working[0].id, stage.id == working[-1].id
            up = ui.button(
                icon='arrow_upward', on_click=lambda: screen.call(admin_stages.move_stage, stage_id=stage.id, offset=-1)
            )
            up.props('flat dense round').tooltip(tr('settings.stages.up')).mark(f'stage-up-{stage.id}')
            up.set_enabled(not first)
            down = ui.button(
                icon='arrow_downward',
                on_click=lambda: screen.call(admin_stages.move_stage, stage_id=stage.id, offset=1),
            )
            down.props('flat dense round').tooltip(tr('settings.stages.down')).mark(f'stage-down-{stage.id}')
            down.set_enabled(not last)
            remove = ui.button(
                icon='delete', on_click=lambda: screen.call(admin_stages.remove_stage, stage_id=stage.id)
            )
            remove.props('flat dense round color=negative').tooltip(tr('settings.stages.remove')).mark(
                f'stage-remove-{stage.id}'
            )


def _transitions(screen, setup: FunnelSetup) -> None:
    ui.label(tr('settings.stages.transitions')).classes('text-h6')
    ui.label(tr('settings.stages.transitions_hint')).classes('text-caption text-grey-7')
    stages = setup.stages
    with ui.grid(columns=len(stages) + 1).classes('items-center gap-1').mark('transitions-matrix'):
        ui.label(tr('settings.stages.from_to')).classes('text-caption text-grey-7')
        for target in stages:
            ui.label(target.name).classes('text-caption text-center')
        for source in stages:
            ui.label(source.name).classes('text-caption')
            for target in stages:
                if source.id == target.id:
                    ui.label('—').classes('text-center text-grey-5')
                    continue
                ui.checkbox(
                    value=setup.allows(source.id, target.id),
                    on_change=lambda e, s=source.id, t=target.id: screen.call(
                        admin_stages.set_transition, from_stage_id=s, to_stage_id=t, allowed=e.value
                    ),
                ).props('dense').classes('justify-self-center').mark(f'transition-{source.id}-{target.id}')


def _reasons(screen, stage: StageSetup) -> None:
    ui.label(tr('settings.stages.reasons', stage=stage.name)).classes('text-h6')
    with ui.column().classes('gap-1').mark(f'reasons-{stage.id}'):
        for reason in stage.reasons:
            _reason_row(screen, reason, first=reason is stage.reasons[0], last=reason is stage.reasons[-1])
    with ui.row().classes('items-end gap-2'):
        new_name = ui.input(tr('settings.stages.new_reason')).props('outlined dense').mark(f'reason-new-{stage.id}')

        async def add() -> None:
            if await screen.call(admin_stages.add_reason, stage_id=stage.id, name=new_name.value or ''):
                new_name.value = ''

        new_name.on('keydown.enter', add)
        ui.button(tr('settings.stages.add_reason'), icon='add', on_click=add).props('flat no-caps').mark(
            f'reason-add-{stage.id}'
        )


def _reason_row(screen, reason: ReasonSetup, *, first: bool, last: bool) -> None:
    with ui.row().classes('items-center gap-2 no-wrap').mark(f'reason-row-{reason.id}'):
        name = ui.input(tr('settings.stages.reason_name'), value=reason.name).props('outlined dense').classes('w-72')
        name.mark(f'reason-name-{reason.id}')
        name.set_enabled(reason.active)

        async def rename() -> None:
            if (name.value or '') == reason.name:
                return
            if await screen.call(admin_stages.rename_reason, reason_id=reason.id, name=name.value or '') is None:
                name.value = reason.name

        name.on('keydown.enter', rename)
        name.on('blur', rename)
        up = ui.button(
            icon='arrow_upward', on_click=lambda: screen.call(admin_stages.move_reason, reason_id=reason.id, offset=-1)
        )
        up.props('flat dense round').tooltip(tr('settings.stages.up')).mark(f'reason-up-{reason.id}')
        up.set_enabled(not first)
        down = ui.button(
            icon='arrow_downward', on_click=lambda: screen.call(admin_stages.move_reason, reason_id=reason.id, offset=1)
        )
        down.props('flat dense round').tooltip(tr('settings.stages.down')).mark(f'reason-down-{reason.id}')
        down.set_enabled(not last)
        if reason.active:
            ui.button(
                tr('settings.stages.deactivate'),
                on_click=lambda: screen.call(admin_stages.deactivate_reason, reason_id=reason.id),
            ).props('flat dense no-caps color=negative').mark(f'reason-deactivate-{reason.id}')
        else:
            ui.badge(tr('settings.stages.inactive'), color='grey').mark(f'reason-inactive-{reason.id}')
