"""The requests list's filter: always in view above the list, every change applied (and remembered) at once."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.attribution import DIMENSIONS
from app.domain.clients.requests_list import SOURCES, TOUCH_TYPES, RequestFilter
from app.domain.views import FormChoices

from .filter_panel import _from_input, _to_input, valid_filter
from .locale import tr


class RequestFilterBar:
    """Built inside a page; `on_change` gets the whole new filter after any control changed."""

    def __init__(
        self, flt: RequestFilter, *, choices: FormChoices, on_change: Callable[[RequestFilter], Awaitable[None]]
    ) -> None:
        self.on_change = on_change
        self.quiet = False  # set while the controls are filled in, so that filling them is not a change

        def multi(options: dict, value: list[int], label: str, marker: str):
            return (
                ui.select(options, value=list(value), label=tr(label), multiple=True)
                .props('outlined dense use-chips clearable options-dense')
                .classes('w-44')
                .mark(marker)
            )

        def single(options: tuple[str, ...], prefix: str, value: str, label: str, marker: str):
            choice = {'any': tr('requests.filter.any')} | {o: tr(f'{prefix}.{o}') for o in options}
            return ui.select(choice, value=value, label=tr(label)).props('outlined dense').classes('w-36').mark(marker)

        with ui.row().classes('items-center gap-2 vk-request-filters'):
            self.search = (
                ui.input(tr('requests.filter.search'), value=flt.search)
                .props('outlined dense clearable debounce=400')
                .classes('w-48')
                .mark('requests-search')
            )
            self.created_from = (
                ui.input(tr('requests.filter.created_from'), value=_to_input(flt.created_from))
                .props('outlined dense type=datetime-local stack-label')
                .mark('requests-created-from')
            )
            self.created_to = (
                ui.input(tr('requests.filter.created_to'), value=_to_input(flt.created_to))
                .props('outlined dense type=datetime-local stack-label')
                .mark('requests-created-to')
            )
            self.channels = multi(
                {c.id: c.name for c in choices.channels},
                flt.channel_ids,
                'requests.filter.channels',
                'requests-channels',
            )
            self.projects = multi(
                {p.id: p.name for p in choices.projects},
                flt.project_ids,
                'requests.filter.projects',
                'requests-projects',
            )
            self.touch_type = single(
                TOUCH_TYPES, 'touch', flt.touch_type, 'requests.filter.touch_type', 'requests-touch-type'
            )
            self.source = single(SOURCES, 'method', flt.source, 'requests.filter.source', 'requests-source')
            self.utm = {
                name: ui.input(tr(f'requests.filter.{name}'), value=getattr(flt, name))
                .props('outlined dense clearable debounce=400')
                .classes('w-32')
                .mark(f'requests-{name}')
                for name in DIMENSIONS
            }
            self.responsible = multi(
                {u.id: u.name for u in choices.everyone},
                flt.responsible_ids,
                'requests.filter.responsible',
                'requests-responsible',
            )
            self.reset_button = (
                ui.button(tr('filter.reset'), icon='filter_alt_off', on_click=self.reset)
                .props('flat dense no-caps')
                .mark('requests-reset')
            )
        self.reset_button.set_visibility(not flt.is_default())
        for control in (
            self.search,
            self.created_from,
            self.created_to,
            self.channels,
            self.projects,
            self.touch_type,
            self.source,
            self.responsible,
            *self.utm.values(),
        ):
            control.on_value_change(self._changed)

    def collected(self) -> RequestFilter:
        return RequestFilter(
            search=(self.search.value or '').strip(),
            created_from=_from_input(self.created_from.value),
            created_to=_from_input(self.created_to.value),
            channel_ids=list(self.channels.value or []),
            project_ids=list(self.projects.value or []),
            touch_type=self.touch_type.value or 'any',
            source=self.source.value or 'any',
            responsible_ids=list(self.responsible.value or []),
            **{name: (field.value or '').strip() for name, field in self.utm.items()},
        )

    async def _changed(self) -> None:
        if self.quiet:
            return
        flt = valid_filter(self.collected)
        if flt is None:
            return
        self.reset_button.set_visibility(not flt.is_default())
        await self.on_change(flt)

    async def reset(self) -> None:
        self.quiet = True
        try:
            self.search.value = ''
            self.created_from.value = ''
            self.created_to.value = ''
            self.channels.value = []
            self.projects.value = []
            self.touch_type.value = 'any'
            self.source.value = 'any'
            self.responsible.value = []
            for field in self.utm.values():
                field.value = ''
        finally:
            self.quiet = False
        self.reset_button.set_visibility(False)
        await self.on_change(RequestFilter())
