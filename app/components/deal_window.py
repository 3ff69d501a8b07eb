"""The deal window (fields, its own feed, a way to the client) and the small filter of the deals board."""

from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import background_tasks, ui

from app.domain.deals.deal_board import DealDetail, DealFilter
from app.domain.views import FormChoices, StageView

from .dialogs import answer
from .documents_panel import DocumentActions, DocumentsPanel
from .filter_panel import filter_dialog_footer, number_or_none
from .locale import current_locale, format_datetime, format_money, tr


class DealWindow:
    """A dialog over the deals board; `show(detail)` re-renders it with fresh data (after an action or a live
    change), keeping a comment the user is typing."""

    def __init__(
        self,
        *,
        stages: list[StageView],
        on_open_client: Callable[[int], Awaitable[None]],
        on_move: Callable[[int], Awaitable[None]],
        on_reopen: Callable[[int], Awaitable[None]],
        on_comment: Callable[[int, str], Awaitable[DealDetail | None]],
        documents_of: Callable[[int], DocumentActions] | None = None,
        file_max_mb: int = 25,
    ) -> None:
        self.stages = {s.id: s for s in stages}
        self.on_open_client = on_open_client
        self.on_move = on_move
        self.on_reopen = on_reopen
        self.on_comment = on_comment
        self.documents_of = documents_of  # the «Документы» tab's actions for a deal
        self.file_max_mb = file_max_mb
        self.documents_panel: DocumentsPanel | None = None
        self.tab = 'feed'
        self.detail: DealDetail | None = None
        self.comment_box: ui.textarea | None = None
        self.dialog = ui.dialog().mark('deal-window')
        with self.dialog, ui.card().classes('vk-window q-pa-none'):
            self.body = ui.column().classes('w-full gap-0')

    @property
    def deal_id(self) -> int | None:
        return self.detail.id if self.detail and self.dialog.value else None

    def open(self, detail: DealDetail) -> None:
        self.comment_box = None
        self.tab = 'feed'
        self.show(detail)
        self.dialog.open()

    def show(self, detail: DealDetail, changed_by: str = '') -> None:
        if self.documents_panel is not None and not self.documents_panel.is_deleted and self.documents_panel.busy:
            return  # never re-render under files on their way; the panel shows them once they are in
        typed = self.comment_box.value if self.comment_box is not None else ''
        self.detail = detail
        self.body.clear()
        with self.body:
            self._render(detail, changed_by)
        self.comment_box.value = typed

    def _render(self, d: DealDetail, changed_by: str) -> None:
        stage = self.stages.get(d.stage_id)
        with ui.row().classes('vk-window-head w-full items-center no-wrap q-px-md q-py-sm'):
            ui.icon('handshake', size='sm').classes('text-grey-7')
            ui.label(f'{tr("deals.title")}: {d.client_name}').classes('text-h6 ellipsis col').mark('deal-window-name')
            if stage:
                ui.badge(stage.name, color=stage.color).classes('q-pa-xs').mark('deal-window-stage')
            if d.closing_reason:
                ui.label(d.closing_reason.name).classes('text-caption text-grey-8')
            ui.button(icon='close', on_click=self.dialog.close).props('flat round dense').mark('deal-window-close')
        if changed_by:
            ui.label(tr('client.changed_by', who=changed_by)).classes('vk-banner w-full q-px-md q-py-xs')
        if not d.can_act:
            ui.label(tr('deals.readonly', responsible=d.responsible.name)).classes(
                'vk-readonly w-full q-px-md q-py-xs'
            ).mark('deal-window-readonly')
        with ui.row().classes('w-full no-wrap items-stretch q-pa-md gap-4 vk-window-body'):
            with ui.column().classes('vk-window-fields gap-2'):
                self._render_fields(d, stage)
            with ui.column().classes('col gap-1'):
                if self.documents_of is None:
                    self._render_feed(d)
                else:
                    self._render_tabs(d)

    def _render_tabs(self, d: DealDetail) -> None:
        with (
            ui.tabs(on_change=lambda e: setattr(self, 'tab', e.value))
            .classes('w-full')
            .props('dense align=left no-caps') as tabs
        ):
            feed_tab = ui.tab('feed', tr('deals.feed'))
            documents_tab = ui.tab('documents', tr('documents.tab')).mark('deal-tab-documents')
        with ui.tab_panels(tabs, value=self.tab).classes('w-full'):
            with ui.tab_panel(feed_tab).classes('q-pa-none'):
                self._render_feed(d)
            with ui.tab_panel(documents_tab).classes('q-pa-none'):
                self.documents_panel = DocumentsPanel(
                    actions=self.documents_of(d.id), can_attach=d.can_act, file_max_mb=self.file_max_mb
                )
                background_tasks.create(self.documents_panel.load(), name='load-deal-documents')

    def _render_fields(self, d: DealDetail, stage: StageView | None) -> None:
        rows = [
            ('deals.client', d.client_name),
            ('deals.phones', ', '.join(d.client_phones) or '—'),
            ('deals.object', d.label or '—'),
            ('deals.amount', format_money(d.amount)),
            ('deals.stage', stage.name if stage else '—'),
            ('deals.reason', d.closing_reason.name if d.closing_reason else ''),
            ('deals.responsible', d.responsible.name),
            ('deals.creator', d.creator.name if d.creator else '—'),
            ('deals.created', format_datetime(d.created_at)),
            ('deals.stage_changed', format_datetime(d.stage_changed_at)),
            ('deals.task', f'{format_datetime(d.task.due_at)} {d.task.title}' if d.task else '—'),
        ]
        with ui.grid(columns='auto 1fr').classes('w-full gap-x-4 gap-y-1 items-baseline'):
            for key, value in rows:
                if value:
                    ui.label(tr(key)).classes('text-caption text-grey-7')
                    ui.label(value).classes('vk-prewrap').mark(f'deal-field-{key.removeprefix("deals.")}')
        with ui.row().classes('w-full q-mt-sm gap-2'):
            ui.button(tr('deals.open_client'), icon='person', on_click=lambda: self._open_client(d.client_id)).props(
                'outline no-caps'
            ).mark('deal-open-client')
            if d.can_act and stage is not None:
                if stage.is_closing:
                    ui.button(tr('client.reopen'), icon='replay', on_click=lambda: self.on_reopen(d.id)).props(
                        'outline no-caps'
                    ).mark('deal-window-reopen')
                else:
                    ui.button(tr('card.move'), icon='east', on_click=lambda: self.on_move(d.id)).props(
                        'outline no-caps'
                    ).mark('deal-window-move')

    async def _open_client(self, client_id: int) -> None:
        self.dialog.close()
        await self.on_open_client(client_id)

    def _render_feed(self, d: DealDetail) -> None:
        ui.label(tr('deals.feed')).classes('text-subtitle2')
        with ui.row().classes('w-full no-wrap items-end gap-2'):
            box = ui.textarea(tr('client.comment')).classes('col').props('dense outlined autogrow')
            box.mark('deal-comment-box')
            self.comment_box = box

            async def send() -> None:
                text = (box.value or '').strip()
                if not text:
                    return
                fresh = await self.on_comment(d.id, text)
                if fresh is not None:
                    box.value = ''
                    self.show(fresh)

            ui.button(icon='send', on_click=send).props('round dense').mark('deal-comment-send')
        locale = current_locale()
        with ui.scroll_area().classes('w-full vk-feed'):
            if not d.feed:
                ui.label(tr('deals.feed_empty')).classes('text-grey-6 q-pa-sm')
            for entry in d.feed:
                with ui.column().classes(f'vk-feed-item vk-feed-{entry.kind} w-full gap-0'):
                    ui.label(f'{format_datetime(entry.created_at)} · {entry.author_name or "—"}').classes(
                        'text-caption text-grey-7'
                    )
                    ui.label(entry.text_for(locale)).classes('vk-prewrap')


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _several(options: dict, chosen: list[int], label_key: str, name: str) -> ui.select:
    select = ui.select(options, value=list(chosen), label=tr(label_key), multiple=True)
    return select.props('outlined dense use-chips clearable').classes('col').mark(f'deal-filter-{name}')


class DealFilterBar:
    """The deals filter: a button that says how many conditions are on, a reset, and a small dialog."""

    def __init__(
        self, flt: DealFilter, *, choices: FormChoices, on_change: Callable[[DealFilter], Awaitable[None]]
    ) -> None:
        self.flt = flt
        self.choices = choices
        self.on_change = on_change
        self.button = ui.button(tr('filter.button'), icon='filter_alt', on_click=self.open).props('no-caps')
        self.button.mark('deal-filter-button')
        self.reset_button = ui.button(tr('filter.reset'), icon='filter_alt_off', on_click=self.reset).props(
            'flat dense no-caps'
        )
        self.reset_button.mark('deal-filter-reset')
        self.show(flt)

    def _active(self, flt: DealFilter) -> int:
        return sum(
            1
            for on in (
                flt.responsible_ids,
                flt.project_ids,
                flt.created_from or flt.created_to,
                flt.amount_min is not None or flt.amount_max is not None,
                flt.search,
            )
            if on
        )

    def show(self, flt: DealFilter) -> None:
        self.flt = flt
        active = self._active(flt)
        self.button.props(f'color={"orange-8" if active else "primary"} {"unelevated" if active else "outline"}')
        self.button.text = f'{tr("filter.button")} ({active})' if active else tr('filter.button')
        self.reset_button.set_visibility(active > 0)

    async def reset(self) -> None:
        await self.on_change(DealFilter(own_only=self.flt.own_only))

    async def open(self) -> None:
        f, c = self.flt, self.choices
        with ui.dialog() as dialog, ui.card().classes('vk-filter-dialog'):
            ui.label(tr('deals.filter_title')).classes('text-h6')
            search = ui.input(tr('deals.filter_search'), value=f.search).classes('w-full')
            search.props('outlined dense clearable').mark('deal-filter-search')
            with ui.row().classes('w-full no-wrap gap-2'):
                responsible = _several(
                    {u.id: u.name for u in c.everyone}, f.responsible_ids, 'deals.filter_responsible', 'responsible'
                )
                projects = _several(
                    {p.id: p.name for p in c.projects}, f.project_ids, 'deals.filter_project', 'project'
                )
            with ui.row().classes('w-full no-wrap gap-2'):
                created_from = ui.input(
                    tr('deals.filter_created_from'), value=f.created_from.isoformat() if f.created_from else ''
                )
                created_from.props('outlined dense type=date stack-label').classes('col')
                created_to = ui.input(
                    tr('deals.filter_created_to'), value=f.created_to.isoformat() if f.created_to else ''
                )
                created_to.props('outlined dense type=date stack-label').classes('col')
                amount_min = ui.number(tr('deals.filter_amount_from'), value=f.amount_min, min=0)
                amount_min.props('outlined dense').classes('col').mark('deal-filter-amount-min')
                amount_max = ui.number(tr('deals.filter_amount_to'), value=f.amount_max, min=0)
                amount_max.props('outlined dense').classes('col')

            def collected() -> DealFilter:
                return DealFilter(
                    own_only=f.own_only,
                    search=(search.value or '').strip(),
                    responsible_ids=list(responsible.value or []),
                    project_ids=list(projects.value or []),
                    created_from=_day(created_from.value),
                    created_to=_day(created_to.value),
                    amount_min=number_or_none(amount_min.value),
                    amount_max=number_or_none(amount_max.value),
                )

            filter_dialog_footer(
                dialog, reset=lambda: DealFilter(own_only=f.own_only), collect=collected, apply_mark='deal-filter-apply'
            )
        result = await answer(dialog)
        if result is not None:
            await self.on_change(result)
