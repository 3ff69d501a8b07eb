"""The client window: every field, the feed, tasks, requests, deals and the stage actions of one client."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from nicegui import background_tasks, ui

from app.domain.clients.clients import UNDO_SECONDS
from app.domain.clients.tasks import default_due
from app.domain.deals.units import UnitView
from app.domain.integrations.calls import format_duration
from app.domain.views import ClientDetail, CustomFieldView, FormChoices, StageView

from .dialogs import answer, ask_booking, ask_move
from .documents_panel import DocumentActions, DocumentsPanel, document_url
from .locale import TIMEZONE, current_locale, format_datetime, format_money, tr

TASK_TYPES = ('call', 'meeting', 'showing', 'other')


@dataclass
class _Call:
    """An incoming call shown in the window: its outcome is a comment by the viewer written after it came in."""

    phone: str
    seen_feed: frozenset[int]  # the feed entries already there when the call came in
    resolved: bool = False


def _recording_player(url: str) -> ui.element:
    """A plain <audio> the browser plays from the provider's URL (the CSP's media-src allows http(s) hosts); the
    server never fetches it, and nothing is loaded until the user presses play."""
    player = ui.element('audio').classes('w-full')
    player.props['controls'] = True
    player.props['preload'] = 'none'
    player.props['src'] = url
    return player


class ClientActions(Protocol):
    """What the window asks of its page; each returns the fresh client, or None when it was refused."""

    async def save(self, changes: dict, version: int) -> ClientDetail | None: ...
    async def comment(self, text: str) -> ClientDetail | None: ...
    async def edit_comment(self, comment_id: int, text: str) -> ClientDetail | None: ...
    async def delete_comment(self, comment_id: int) -> ClientDetail | None: ...
    async def add_task(
        self, title: str, type: str, due_at: datetime, assignee_id: int | None = None
    ) -> ClientDetail | None: ...
    async def complete_task(self, task_id: int) -> ClientDetail | None: ...
    async def move(self, stage_id: int, reason_id: int | None) -> ClientDetail | None: ...
    async def reopen(self) -> ClientDetail | None: ...
    async def book(
        self, project_id: int | None, unit: str, amount: float, unit_id: int | None = None
    ) -> ClientDetail | None: ...
    async def free_units(self, project_id: int | None) -> list[UnitView] | None: ...
    async def assign(self, user_id: int) -> ClientDetail | None: ...
    async def undo_assign(self) -> ClientDetail | None: ...


@dataclass
class _Undo:
    """A hand-over made from this window, which its author may take back until `until` (time.monotonic)."""

    client_id: int
    target_name: str
    until: float


class ClientWindow:
    """A dialog over the board; `show(detail)` re-renders it with fresh data (after a save or a live change)."""

    def __init__(
        self,
        *,
        viewer_id: int,
        stages: list[StageView],
        choices: FormChoices,
        actions: ClientActions,
        assigns_to_others: bool = False,
        documents_of: Callable[[int], DocumentActions] | None = None,
        file_max_mb: int = 25,
    ):
        self.viewer_id = viewer_id
        self.assigns_to_others = assigns_to_others  # tasks may be set for colleagues, not only for oneself
        self.tab = 'feed'  # the side tab shown, kept while the same client is re-rendered
        self.undo: _Undo | None = None
        self.stages = {s.id: s for s in stages}
        self.stage_list = stages
        self.choices = choices
        self.actions = actions
        self.detail: ClientDetail | None = None
        self.pending: ClientDetail | None = None
        self.dirty = False
        self.call: _Call | None = None
        self.comment_box: ui.textarea | None = None
        self.documents_of = documents_of  # the «Документы» tab's actions for a client
        self.file_max_mb = file_max_mb
        self.documents_panel: DocumentsPanel | None = None
        self.dialog = ui.dialog().props('maximized=false').mark('client-window')
        with self.dialog, ui.card().classes('vk-window q-pa-none'):
            self.body = ui.column().classes('w-full gap-0 no-wrap vk-window-inner')
        self.dialog.on_value_change(lambda e: None if e.value else self._end_call())
        self.dialog.on('shake', self._refuse_close)  # Escape or a click outside while a call waits for its outcome

    @property
    def client_id(self) -> int | None:
        return self.detail.id if self.detail and self.dialog.value else None

    @property
    def in_call(self) -> bool:
        """A call's outcome is still to be written: until then the window cannot be closed."""
        return self.call is not None and not self.call.resolved

    def open(self, detail: ClientDetail) -> None:
        if self.in_call and detail.id != self.detail.id:
            self._refuse_close()
            return
        self.dirty = False
        self.tab = 'feed'
        self.show(detail)
        self.dialog.open()

    def open_call(self, detail: ClientDetail, *, phone: str) -> None:
        """An incoming call: the client's history in front of the manager, who writes the call's outcome (a comment)
        before the window may be closed. A repeated call of a client still waiting for its outcome keeps waiting."""
        if not (self.in_call and self.detail.id == detail.id):
            self.call = _Call(phone=phone, seen_feed=frozenset(e.id for e in detail.feed))
        self.dialog.props('persistent')
        self.dirty = False
        self.tab = 'feed'
        self.show(detail)
        self.dialog.open()

    def request_close(self) -> None:
        """The close button: refused while a call waits for its outcome."""
        if self.in_call:
            self._refuse_close()
        else:
            self.dialog.close()

    def _refuse_close(self) -> None:
        if not self.in_call:
            return
        ui.notify(tr('call.outcome_required'), type='warning', position='center')
        if self.comment_box is not None:
            self.comment_box.run_method('focus')

    def _end_call(self) -> None:
        self.call = None
        self.dialog.props(remove='persistent')

    def _check_call(self, detail: ClientDetail) -> None:
        """The call's outcome is in once the viewer commented after the call came in (here or in another tab)."""
        if not self.in_call or detail.id != self.detail.id:
            return
        if any(
            e.kind == 'comment' and e.author_id == self.viewer_id and e.id not in self.call.seen_feed
            for e in detail.feed
        ):
            self.call.resolved = True
            self.dialog.props(remove='persistent')

    def show(self, detail: ClientDetail, changed_by: str = '', live: bool = False) -> None:
        """Render the client. A live change never wipes what the user is typing: the window then says who
        changed the client and offers the fresh data; a save from the stale form is refused as stale."""
        if live and self.documents_panel is not None and self.documents_panel.busy:
            self.pending = detail  # never re-render under files on their way: shown once they are all in
            return
        if live and self.dirty:
            self.pending = detail
            who = changed_by or tr('client.another_tab')
            self.banner_text.set_text(tr('client.changed_by', who=who))
            self.banner.set_visibility(True)
            return
        self.dirty = False
        self.pending = None
        self.detail = detail
        self._check_call(detail)
        self.body.clear()
        with self.body:
            self._render(detail)

    def _render(self, d: ClientDetail) -> None:
        stage = self.stages.get(d.stage_id)
        with ui.row().classes('vk-window-head w-full items-center no-wrap q-px-md q-py-sm'):
            ui.label(d.name).classes('text-h6 ellipsis col').mark('window-name')
            if stage:
                ui.badge(stage.name).style(f'background: {stage.color}').classes('q-pa-xs')
            if d.closing_reason:
                ui.label(d.closing_reason.name).classes('text-caption text-grey-8')
            ui.button(icon='close', on_click=self.request_close).props('flat round dense').mark('window-close')
        if self.call is not None:
            with ui.row().classes('vk-call-banner w-full items-center no-wrap q-px-md q-py-xs').mark('call-banner'):
                ui.icon('phone_in_talk')
                ui.label(tr('call.incoming', phone=self.call.phone)).classes('text-weight-medium')
                ui.label(tr('call.outcome_saved') if self.call.resolved else tr('call.outcome_hint')).classes('col')
        with ui.row().classes('vk-banner w-full items-center no-wrap q-px-md q-py-xs') as self.banner:
            self.banner_text = ui.label('').classes('col')
            ui.button(tr('client.show_fresh'), on_click=lambda: self.show(self.pending or self.detail)).props(
                'flat dense no-caps'
            ).mark('window-show-fresh')
        self.banner.set_visibility(False)
        self._render_undo(d)
        if not d.can_act:
            ui.label(tr('client.readonly', responsible=d.responsible.name)).classes(
                'vk-readonly w-full q-px-md q-py-xs'
            ).mark('window-readonly')
        with ui.row().classes('w-full no-wrap items-stretch q-pa-md gap-4 vk-window-body'):
            fields = ui.column().classes('vk-window-fields gap-1')
            with ui.column().classes('col gap-1'):
                self.side = ui.column().classes('w-full')
                self._render_side(d)
        self.action_bar = ui.row().classes('vk-window-actions w-full q-px-md q-py-sm gap-2').mark('window-actions')
        self.action_bar.set_visibility(d.can_act)
        with fields:
            self._render_fields(d)

    def _render_fields(self, d: ClientDetail) -> None:
        readonly = not d.can_act
        c = self.choices

        def field(element):
            element.classes('w-full').props('dense outlined' + (' readonly' if readonly else ''))
            element.on_value_change(self._mark_dirty)
            return element

        name = field(ui.input(tr('client.name'), value=d.name)).mark('field-name')
        phones = (
            field(
                ui.textarea(
                    tr('client.phones'),
                    value='\n'.join(p.number + (f' доб. {p.extension}' if p.extension else '') for p in d.phones),
                )
            )
            .props('autogrow')
            .mark('field-phones')
        )
        email = field(ui.input(tr('client.email'), value=d.email))

        def reference(options, label: str, current, *, clearable: bool = True):
            return field(
                ui.select(
                    {o.id: o.name for o in options},
                    label=tr(label),
                    value=current.id if current else None,
                    clearable=clearable,
                )
            )

        project = reference(c.projects, 'client.project', d.project)
        channel = reference(c.channels, 'client.channel', d.channel, clearable=False)
        agency = reference(c.agencies, 'client.agency', d.agency)
        realtor = reference(c.realtors, 'client.realtor', d.realtor)
        situation = field(ui.textarea(tr('client.situation'), value=d.situation)).props('autogrow')
        situation.mark('field-situation')
        tags = field(
            ui.select(
                {t.id: t.name for t in c.tags}, label=tr('client.tags'), multiple=True, value=[t.id for t in d.tags]
            )
        ).props('use-chips')
        touch = field(
            ui.select(
                {'request': tr('touch.request'), 'call': tr('touch.call')},
                label=tr('client.touch_type'),
                value=d.touch_type,
            )
        )
        custom = {f.id: field(self._custom_input(f, d.custom.get(str(f.id)))) for f in c.custom_fields}
        for field_id, element in custom.items():
            element.mark(f'custom-{field_id}')
        responsible = (
            ui.select({u.id: u.name for u in c.users}, label=tr('client.responsible'), value=d.responsible.id)
            .classes('w-full')
            .props('dense outlined')
        )
        responsible.mark('field-responsible')
        if readonly:
            responsible.props('readonly')
        else:
            responsible.on_value_change(
                lambda e: self._ask_assign(responsible, e.value) if e.value != d.responsible.id else None
            )
        with ui.row().classes('text-caption text-grey-7 gap-3'):
            ui.label(f'{tr("client.creator")}: {d.creator.name if d.creator else "—"}')
            ui.label(f'{tr("client.created")}: {format_datetime(d.created_at)}')
            ui.label(tr(f'method.{d.creation_method}'))
        if readonly:
            return

        async def save() -> None:
            changes = {
                'name': name.value,
                'phones': [line for line in (phones.value or '').splitlines() if line.strip()],
                'email': email.value or '',
                'project_id': project.value,
                'channel_id': channel.value,
                'agency_id': agency.value,
                'realtor_id': realtor.value,
                'situation': situation.value or '',
                'tag_ids': list(tags.value or []),
                'touch_type': touch.value,
                'custom': self._custom_values(d, custom),
            }
            fresh = await self.actions.save(changes, d.version)
            self.dirty = False
            if fresh is not None:
                ui.notify(tr('client.saved'), type='positive')
                self.show(fresh)

        with self.action_bar:
            ui.button(tr('action.save'), icon='save', on_click=save).mark('window-save')
            stage = self.stages.get(d.stage_id)
            if stage and stage.is_closing:
                ui.button(tr('client.reopen'), icon='replay', on_click=lambda: self._run(self.actions.reopen())).props(
                    'outline'
                ).mark('window-reopen')
            else:
                ui.button(tr('card.move'), icon='east', on_click=self._ask_move).props('outline').mark('window-move')
            if stage and stage.kind in ('working', 'success'):
                ui.button(tr('client.book'), icon='key', on_click=self._ask_booking).props('outline')

    @staticmethod
    def _custom_input(f: CustomFieldView, value):
        """One input per admin-defined field, by its kind."""
        if f.kind == 'number':
            return ui.number(f.name, value=value)
        if f.kind == 'date':
            return ui.input(f.name, value=value or '').props('type=date stack-label')
        if f.kind == 'bool':
            return ui.select({True: tr('lists.yes'), False: tr('lists.no')}, label=f.name, value=value, clearable=True)
        if f.kind == 'list':
            options = list(f.options) + ([value] if value and value not in f.options else [])
            return ui.select(options, label=f.name, value=value, clearable=True)
        return ui.input(f.name, value=value or '')

    @staticmethod
    def _custom_values(d: ClientDetail, inputs: dict) -> dict:
        """Client.custom as saved: the shown fields' values (empty ones dropped); values of unknown keys are kept."""
        values = {k: v for k, v in d.custom.items() if not k.isdigit() or int(k) not in inputs}
        for field_id, element in inputs.items():
            value = element.value
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, ''):
                values[str(field_id)] = int(value) if isinstance(value, float) and value.is_integer() else value
        return values

    def _render_side(self, d: ClientDetail) -> None:
        self.side.clear()
        with self.side:
            with (
                ui.tabs(on_change=lambda e: setattr(self, 'tab', e.value))
                .classes('w-full')
                .props('dense align=left no-caps') as tabs
            ):
                feed_tab = ui.tab('feed', tr('client.feed')).mark('tab-feed')
                tasks_tab = ui.tab('tasks', f'{tr("client.tasks")} ({sum(1 for t in d.tasks if not t.done)})')
                tasks_tab.mark('tab-tasks')
                requests_tab = ui.tab('requests', f'{tr("client.requests")} ({len(d.requests)})')
                calls_tab = ui.tab('calls', f'{tr("client.calls")} ({len(d.calls)})').mark('tab-calls')
                deals_tab = ui.tab('deals', f'{tr("client.deals")} ({len(d.deals)})')
                if self.documents_of is not None:
                    documents_tab = ui.tab('documents', f'{tr("documents.tab")} ({d.documents})').mark('tab-documents')
            with ui.tab_panels(tabs, value=self.tab).classes('w-full vk-side-panels').mark('side-panels'):
                with ui.tab_panel(feed_tab).classes('q-pa-none'):
                    self._render_feed(d)
                with ui.tab_panel(tasks_tab).classes('q-pa-none'):
                    self._render_tasks(d)
                with ui.tab_panel(requests_tab).classes('q-pa-none'):
                    for r in d.requests:
                        with ui.column().classes('vk-feed-item w-full gap-0').mark(f'request-{r.id}'):
                            ui.label(
                                f'{format_datetime(r.created_at)} · {r.channel.name if r.channel else ""} · '
                                f'{tr("touch." + r.touch_type)} · {tr("method." + r.source)}'
                            ).classes('text-caption text-grey-7')
                            ui.label(' '.join(p for p in (r.name, r.phone, r.project.name if r.project else '') if p))
                            if r.comment:
                                ui.label(r.comment).classes('text-grey-8 vk-prewrap')
                with ui.tab_panel(calls_tab).classes('q-pa-none'):
                    self._render_calls(d)
                with ui.tab_panel(deals_tab).classes('q-pa-none'):
                    for deal in d.deals:
                        project = deal.project.name if deal.project else ''
                        with ui.row().classes('vk-feed-item w-full items-center no-wrap gap-2'):
                            ui.label(
                                f'{format_datetime(deal.created_at)} · {project} {deal.unit} · '
                                f'{format_money(deal.amount)}'
                            ).classes('col')
                            ui.link(tr('deals.open_deal'), f'/deals?deal={deal.id}').mark(f'open-deal-{deal.id}')
                if self.documents_of is not None:
                    with ui.tab_panel(documents_tab).classes('q-pa-none'):
                        self._render_documents(d)

    def _render_documents(self, d: ClientDetail) -> None:
        self.documents_panel = DocumentsPanel(
            actions=self.documents_of(d.id),
            can_attach=d.can_act,
            file_max_mb=self.file_max_mb,
            on_idle=lambda: self.show(self.pending) if self.pending is not None else None,
        )
        background_tasks.create(self.documents_panel.load(), name='load-documents')

    def _render_calls(self, d: ClientDetail) -> None:
        if not d.calls:
            ui.label(tr('call.none')).classes('text-grey-7 q-pa-sm')
        for call in d.calls:
            with ui.column().classes('vk-feed-item w-full gap-1').mark(f'call-{call.id}'):
                details = [format_datetime(call.started_at), tr(f'call.direction.{call.direction}')]
                if call.duration_s is not None and call.direction != 'missed':
                    details.append(format_duration(call.duration_s))
                details.append(call.user_name or call.manager)
                ui.label(' · '.join(p for p in details if p)).classes('text-caption text-grey-7')
                ui.label(call.phone)
                if call.recording_url:
                    _recording_player(call.recording_url).mark(f'call-recording-{call.id}')
                else:
                    ui.label(tr('call.no_recording')).classes('text-caption text-grey-6')

    def _render_feed(self, d: ClientDetail) -> None:
        locale = current_locale()
        recordings = {c.id: c.recording_url for c in d.calls if c.recording_url}
        with ui.row().classes('w-full no-wrap items-end gap-2'):
            box = ui.textarea(tr('client.comment')).classes('col').props('dense outlined autogrow').mark('comment-box')
            box.on_value_change(self._mark_dirty)
            self.comment_box = box
            if self.in_call:
                box.props('autofocus')
                box.props['label'] = tr('call.outcome_label')

            async def send() -> None:
                if (box.value or '').strip():
                    fresh = await self.actions.comment(box.value)
                    if fresh is not None:
                        self.show(fresh)

            ui.button(icon='send', on_click=send).props('round dense').mark('comment-send')
        with ui.scroll_area().classes('w-full vk-feed'):
            for entry in d.feed:
                with ui.column().classes(f'vk-feed-item vk-feed-{entry.kind} w-full gap-0'):
                    with ui.row().classes('w-full items-center no-wrap gap-1 text-caption text-grey-7'):
                        ui.label(f'{format_datetime(entry.created_at)} · {entry.author_name or "—"}')
                        if entry.edited_at:
                            ui.label(f'({tr("client.edited")})')
                        if entry.kind == 'comment' and entry.author_id == self.viewer_id:
                            ui.space()
                            ui.button(icon='edit', on_click=lambda e=entry: self._edit_comment(e.id, e.text)).props(
                                'flat dense round size=xs'
                            )
                            ui.button(icon='delete', on_click=lambda e=entry: self._delete_comment(e.id)).props(
                                'flat dense round size=xs'
                            ).mark(f'comment-delete-{entry.id}')
                    ui.label(entry.text_for(locale)).classes('vk-prewrap')
                    if entry.kind == 'call' and entry.data.get('call_id') in recordings:
                        _recording_player(recordings[entry.data['call_id']]).mark(f'feed-recording-{entry.id}')
                    if entry.data.get('document_id'):
                        ui.link(tr('documents.download'), document_url(entry.data['document_id'])).classes(
                            'text-caption'
                        ).mark(f'feed-document-{entry.data["document_id"]}')

    def _render_tasks(self, d: ClientDetail) -> None:
        if d.can_act:
            title = ui.input(tr('task.title')).classes('w-full').props('dense outlined').mark('task-title')
            title.on_value_change(self._mark_dirty)
            with ui.row().classes('w-full items-end no-wrap gap-2'):
                kind = ui.select({k: tr(f'task.type.{k}') for k in TASK_TYPES}, value='call').props('dense outlined')
                due = (
                    ui.input(tr('task.due'), value=default_due().strftime('%Y-%m-%dT%H:%M'))
                    .props('dense outlined type=datetime-local')
                    .mark('task-due')
                )
                assignees = {
                    u.id: u.name for u in self.choices.users if self.assigns_to_others or u.id == self.viewer_id
                }
                assignee = (
                    ui.select(
                        assignees,
                        label=tr('task.assignee'),
                        value=d.responsible.id if d.responsible.id in assignees else self.viewer_id,
                    )
                    .classes('col')
                    .props('dense outlined' + ('' if len(assignees) > 1 else ' readonly'))
                    .mark('task-assignee')
                )

                async def add() -> None:
                    if not (title.value or '').strip() or not due.value:
                        ui.notify(tr('error.task_title'))
                        return
                    moment = datetime.fromisoformat(due.value).replace(tzinfo=TIMEZONE)
                    fresh = await self.actions.add_task(title.value, kind.value, moment, assignee.value)
                    if fresh is not None:
                        self.show(fresh)

                ui.button(icon='add', on_click=add).props('round dense').mark('task-add')
        for task in d.tasks:
            with ui.row().classes('vk-feed-item w-full items-center no-wrap gap-2'):
                ui.checkbox(
                    value=task.done,
                    on_change=lambda e, t=task: (
                        self._run(self.actions.complete_task(t.id)) if e.value and not t.done else None
                    ),
                ).props('dense' + ('' if d.can_act and not task.done else ' disable')).mark(f'task-done-{task.id}')
                with ui.column().classes('col gap-0'):
                    ui.label(task.title).classes('text-strike' if task.done else '')
                    ui.label(
                        f'{format_datetime(task.due_at)} · {tr("task.type." + task.type)} · {task.assignee_name}'
                    ).classes('text-caption ' + ('text-negative' if task.overdue else 'text-grey-7'))

    def _mark_dirty(self) -> None:
        self.dirty = True

    async def _run(self, action) -> None:
        self._show_fresh(await action)

    def _show_fresh(self, fresh: ClientDetail | None) -> None:
        if fresh is not None:
            self.dirty = False
            self.show(fresh)

    async def _ask_move(self) -> None:
        answer = await ask_move(self.detail.name, self.stage_list, self.detail.stage_id)
        if answer is None:
            return
        stage = self.stages[answer[0]]
        if stage.kind == 'success':
            await self._ask_booking()
            return
        await self._run(self.actions.move(*answer))

    async def _ask_booking(self) -> None:
        booking = await ask_booking(
            self.choices.projects,
            self.detail.project.id if self.detail.project else None,
            load_units=self.actions.free_units,
        )
        if booking is not None:
            await self._run(self.actions.book(**booking))

    async def _confirm(self, text: str, ok_label: str) -> bool:
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(text).mark('confirm-text')
            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(False)).props('flat').mark(
                    'confirm-cancel'
                )
                ui.button(ok_label, on_click=lambda: dialog.submit(True)).mark('confirm-ok')
        return bool(await answer(dialog))

    async def _ask_assign(self, select: ui.select, user_id: int | None) -> None:
        """A hand-over may lock the manager out of the client: asked first, then offered back for a few seconds."""
        d = self.detail
        name = select.options.get(user_id, '') if isinstance(select.options, dict) else ''
        if user_id is None or not await self._confirm(tr('client.assign_confirm', user=name), tr('client.assign_ok')):
            if not select.is_deleted:
                select.set_value(d.responsible.id)
            return
        fresh = await self.actions.assign(user_id)
        if fresh is not None and fresh.responsible.id == user_id:
            self.undo = _Undo(client_id=d.id, target_name=name, until=time.monotonic() + UNDO_SECONDS)
        self._show_fresh(fresh)

    def _render_undo(self, d: ClientDetail) -> None:
        """«Отменить» under the head of the window while the hand-over made here may still be taken back."""
        left = self.undo.until - time.monotonic() if self.undo and self.undo.client_id == d.id else 0
        if left <= 0:
            return
        with ui.row().classes('vk-banner w-full items-center no-wrap q-px-md q-py-xs').mark('undo-bar') as bar:
            ui.label(tr('client.assigned_to', user=self.undo.target_name)).classes('col')
            ui.button(tr('client.undo'), icon='undo', on_click=self._undo_assign).props('flat dense no-caps').mark(
                'window-undo'
            )
            ui.timer(left, lambda: bar.delete() if not bar.is_deleted else None, once=True)

    async def _undo_assign(self) -> None:
        self.undo = None
        fresh = await self.actions.undo_assign()
        if fresh is not None:
            ui.notify(tr('client.assign_undone'), type='positive')
        self._show_fresh(fresh or self.detail)

    async def _delete_comment(self, comment_id: int) -> None:
        if await self._confirm(tr('client.delete_comment_confirm'), tr('action.delete')):
            await self._run(self.actions.delete_comment(comment_id))

    async def _edit_comment(self, comment_id: int, text: str) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            box = ui.textarea(tr('client.comment'), value=text).classes('w-full').props('autogrow')
            with ui.row().classes('w-full justify-end'):
                ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
                ui.button(tr('action.save'), on_click=lambda: dialog.submit(box.value))
        new_text = await answer(dialog)
        if new_text is not None:
            await self._run(self.actions.edit_comment(comment_id, new_text))
