"""The filter of the clients screens: a button that shows when a filter is on, removable chips, one-click reset,
and the dialog with every filter of SPEC §3."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from nicegui import ui
from pydantic import ValidationError

from app.domain.clients.filters import ClientFilter
from app.domain.errors import DomainError
from app.domain.views import FormChoices, StageView

from .dialogs import answer
from .locale import TIMEZONE, current_locale, format_datetime, format_money, local_time, tr

TASK_STATES = ('any', 'none', 'overdue', 'open')
SOURCES = ('any', 'own', 'agency')


def _to_input(moment: datetime | None) -> str:
    return local_time(moment).strftime('%Y-%m-%dT%H:%M') if moment else ''


def _from_input(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=TIMEZONE)


def number_or_none(value):
    return None if value in (None, '') else value


def valid_filter(collect):
    """The filter the fields describe, or None after telling the user a value is out of bounds (a year far in the
    future, a negative sum): the filter models bound what they take, like every way in."""
    try:
        return collect()
    except DomainError as refusal:  # the bound says which value and why
        ui.notify(refusal.message(current_locale()), type='negative', multi_line=True)
    except ValidationError:
        ui.notify(tr('filter.out_of_bounds'), type='negative', multi_line=True)
    return None


def filter_dialog_footer(dialog: ui.dialog, *, reset, collect, apply_mark: str) -> None:
    """Reset / Cancel / Apply under a filter dialog: the dialog resolves to the new filter, or None; a filter
    with a value out of bounds keeps the dialog open with a message."""

    def apply() -> None:
        flt = valid_filter(collect)
        if flt is not None:
            dialog.submit(flt)

    with ui.row().classes('w-full justify-between q-mt-sm'):
        ui.button(tr('filter.reset'), on_click=lambda: dialog.submit(reset())).props('flat no-caps')
        with ui.row().classes('gap-2'):
            ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(tr('filter.apply'), on_click=apply).mark(apply_mark)


class FilterBar:
    """Built inside a toolbar; `show(flt)` redraws the chips after the filter changed."""

    def __init__(
        self,
        flt: ClientFilter,
        *,
        stages: list[StageView],
        choices: FormChoices,
        with_stages: bool,
        on_change: Callable[[ClientFilter], Awaitable[None]],
    ) -> None:
        self.flt = flt
        self.stages = stages
        self.choices = choices
        self.with_stages = with_stages
        self.on_change = on_change
        self.button = ui.button(tr('filter.button'), icon='filter_alt', on_click=self.open).props('no-caps')
        self.button.mark('filter-button')
        self.chips = ui.row().classes('items-center gap-1 no-wrap vk-filter-chips')
        self.show(flt)

    def _names(self) -> dict[str, dict[int, str]]:
        c = self.choices
        return {
            'project_ids': {p.id: p.name for p in c.projects},
            'stage_ids': {s.id: s.name for s in self.stages},
            'creator_ids': {u.id: u.name for u in c.everyone},
            'responsible_ids': {u.id: u.name for u in c.everyone},
            'tag_ids': {t.id: t.name for t in c.tags},
        }

    def _active(self, flt: ClientFilter) -> list[tuple[str, str]]:
        """(field, chip text) for every condition that is on."""
        names = self._names()
        active = []
        if flt.created_from or flt.created_to:
            active.append(
                (
                    'created',
                    f'{tr("filter.created")}: {format_datetime(flt.created_from) or "…"} — '
                    f'{format_datetime(flt.created_to) or "…"}',
                )
            )
        if flt.source != 'any':
            active.append(('source', tr(f'filter.source.{flt.source}')))
        for field in ('project_ids', 'stage_ids', 'creator_ids', 'responsible_ids', 'tag_ids'):
            values = getattr(flt, field)
            if values and (field != 'stage_ids' or self.with_stages):
                listed = ', '.join(names[field].get(v, f'#{v}') for v in values)
                active.append((field, f'{tr("filter." + field)}: {listed}'))
        if flt.deals_count_min is not None or flt.deals_count_max is not None:
            active.append(
                (
                    'deals_count',
                    f'{tr("filter.deals_count")}: {flt.deals_count_min if flt.deals_count_min is not None else "…"}'
                    f'–{flt.deals_count_max if flt.deals_count_max is not None else "…"}',
                )
            )
        if flt.deals_sum_min is not None or flt.deals_sum_max is not None:
            low, high = (format_money(v) if v is not None else '…' for v in (flt.deals_sum_min, flt.deals_sum_max))
            active.append(('deals_sum', f'{tr("filter.deals_sum")}: {low}–{high}'))
        if flt.tasks != 'any':
            active.append(('tasks', tr(f'filter.tasks.{flt.tasks}')))
        if flt.last_comment_from or flt.last_comment_to:
            active.append(
                (
                    'last_comment',
                    f'{tr("filter.last_comment")}: {format_datetime(flt.last_comment_from) or "…"}'
                    f' — {format_datetime(flt.last_comment_to) or "…"}',
                )
            )
        if flt.search:
            active.append(('search', f'«{flt.search}»'))
        return active

    def show(self, flt: ClientFilter) -> None:
        self.flt = flt
        active = self._active(flt)
        self.button.props(f'color={"orange-8" if active else "primary"} {"unelevated" if active else "outline"}')
        self.button.text = f'{tr("filter.button")} ({len(active)})' if active else tr('filter.button')
        self.chips.clear()
        with self.chips:
            for field, text in active:
                ui.chip(
                    text, removable=True, on_value_change=lambda e, f=field: self._remove(f) if not e.value else None
                ).props('dense outline color=orange-9').classes('ellipsis vk-filter-chip')
            if active:
                ui.button(tr('filter.reset'), icon='filter_alt_off', on_click=self.reset).props(
                    'flat dense no-caps'
                ).mark('filter-reset')

    async def _remove(self, field: str) -> None:
        cleared = {
            'created': {'created_from': None, 'created_to': None},
            'source': {'source': 'any'},
            'deals_count': {'deals_count_min': None, 'deals_count_max': None},
            'deals_sum': {'deals_sum_min': None, 'deals_sum_max': None},
            'tasks': {'tasks': 'any'},
            'last_comment': {'last_comment_from': None, 'last_comment_to': None},
            'search': {'search': ''},
        }.get(field, {field: []})
        await self.on_change(self.flt.model_copy(update=cleared))

    async def reset(self) -> None:
        await self.on_change(ClientFilter(own_only=self.flt.own_only))

    async def open(self) -> None:
        f, c = self.flt, self.choices
        with ui.dialog() as dialog, ui.card().classes('vk-filter-dialog'):
            ui.label(tr('filter.title')).classes('text-h6')
            search = ui.input(tr('filter.search'), value=f.search).classes('w-full').props('outlined dense clearable')
            search.mark('filter-search')
            with ui.row().classes('w-full no-wrap gap-2'):
                created_from = (
                    ui.input(tr('filter.created_from'), value=_to_input(f.created_from))
                    .props('outlined dense type=datetime-local stack-label')
                    .classes('col')
                    .mark('filter-created-from')
                )
                created_to = (
                    ui.input(tr('filter.created_to'), value=_to_input(f.created_to))
                    .props('outlined dense type=datetime-local stack-label')
                    .classes('col')
                    .mark('filter-created-to')
                )
            source = (
                ui.toggle({s: tr(f'filter.source.{s}') for s in SOURCES}, value=f.source)
                .props('dense no-caps spread')
                .classes('w-full')
            )

            def multi(field: str, options: dict, label: str):
                return (
                    ui.select(options, value=list(getattr(f, field)), label=label, multiple=True)
                    .props('outlined dense use-chips clearable')
                    .classes('w-full')
                    .mark(f'filter-{field}')
                )

            projects = multi('project_ids', {p.id: p.name for p in c.projects}, tr('filter.project_ids'))
            stages = None
            if self.with_stages:
                stages = multi('stage_ids', {s.id: s.name for s in self.stages}, tr('filter.stage_ids'))
                ui.label(tr('filter.stages_hint')).classes('text-caption text-grey-7')
            with ui.row().classes('w-full no-wrap gap-2'):
                creators = multi('creator_ids', {u.id: u.name for u in c.everyone}, tr('filter.creator_ids'))
                responsible = multi('responsible_ids', {u.id: u.name for u in c.everyone}, tr('filter.responsible_ids'))
            with ui.row().classes('w-full no-wrap gap-2 items-center'):
                count_min = (
                    ui.number(tr('filter.deals_count_from'), value=f.deals_count_min, min=0, precision=0)
                    .props('outlined dense')
                    .classes('col')
                )
                count_max = (
                    ui.number(tr('filter.deals_count_to'), value=f.deals_count_max, min=0, precision=0)
                    .props('outlined dense')
                    .classes('col')
                )
                sum_min = (
                    ui.number(tr('filter.deals_sum_from'), value=f.deals_sum_min, min=0)
                    .props('outlined dense')
                    .classes('col')
                )
                sum_max = (
                    ui.number(tr('filter.deals_sum_to'), value=f.deals_sum_max, min=0)
                    .props('outlined dense')
                    .classes('col')
                )
            task_state = (
                ui.toggle({s: tr(f'filter.tasks.{s}') for s in TASK_STATES}, value=f.tasks)
                .props('dense no-caps spread')
                .classes('w-full')
                .mark('filter-tasks')
            )
            tags = multi('tag_ids', {t.id: t.name for t in c.tags}, tr('filter.tag_ids'))
            with ui.row().classes('w-full no-wrap gap-2'):
                comment_from = (
                    ui.input(tr('filter.last_comment_from'), value=_to_input(f.last_comment_from))
                    .props('outlined dense type=datetime-local stack-label')
                    .classes('col')
                )
                comment_to = (
                    ui.input(tr('filter.last_comment_to'), value=_to_input(f.last_comment_to))
                    .props('outlined dense type=datetime-local stack-label')
                    .classes('col')
                )

            def collected() -> ClientFilter:
                return ClientFilter(
                    search=(search.value or '').strip(),
                    created_from=_from_input(created_from.value),
                    created_to=_from_input(created_to.value),
                    source=source.value,
                    project_ids=list(projects.value or []),
                    stage_ids=list(stages.value or []) if stages else f.stage_ids,
                    creator_ids=list(creators.value or []),
                    responsible_ids=list(responsible.value or []),
                    deals_count_min=number_or_none(count_min.value),
                    deals_count_max=number_or_none(count_max.value),
                    deals_sum_min=number_or_none(sum_min.value),
                    deals_sum_max=number_or_none(sum_max.value),
                    tasks=task_state.value,
                    tag_ids=list(tags.value or []),
                    last_comment_from=_from_input(comment_from.value),
                    last_comment_to=_from_input(comment_to.value),
                    own_only=f.own_only,
                )

            filter_dialog_footer(
                dialog, reset=lambda: ClientFilter(own_only=f.own_only), collect=collected, apply_mark='filter-apply'
            )
        result = await answer(dialog)
        if result is not None:
            await self.on_change(result)
