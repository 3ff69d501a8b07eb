"""Settings → «Автоматизация»: the rules of each stage as "when … then …" with selects, the account's working
hours, and the rules' log. Every change goes through `app.domain.automation`, which refuses non-admins."""

from nicegui import ui

from app.components.dialogs import side_dialog
from app.components.locale import format_datetime, paging_texts, tr
from app.domain.account import working_hours
from app.domain.automation import rules
from app.domain.automation.actions import automation_setup
from app.domain.automation.rules import HEADS, RESPONSIBLE, RuleInput, RuleView
from app.domain.clients import speed_to_lead
from app.domain.clients.speed_to_lead import THRESHOLD_MAX
from app.domain.limits import RULE_MINUTES_MAX, RULE_NAME_MAX, TASK_TITLE_MAX
from app.domain.models import RuleAction, RuleTrigger, TaskType

WEEKDAYS = range(7)


def describe_rule(rule: RuleView, stages: dict[int, str], users: dict[int, str]) -> str:
    """The rule as a sentence: «Когда … → …»."""
    if rule.trigger == RuleTrigger.waiting:
        when = tr('automation.when.waiting_text', minutes=rule.wait_minutes)
        if rule.untouched_only:
            when += ' ' + tr('automation.untouched_only').lower()
    elif rule.trigger in rules.TASK_TRIGGERS:
        kind = tr(f'task.type.{rule.task_type}') if rule.task_type else tr('automation.any_task')
        when = tr(f'automation.when.{rule.trigger}_text', type=kind.lower())
    else:
        when = tr(f'automation.when.{rule.trigger}')
    params = rule.params
    if rule.action == RuleAction.move:
        then = tr('automation.then.move_text', stage=stages.get(params.get('stage_id'), '—'))
    elif rule.action == RuleAction.task:
        who = params.get('assignee')
        then = tr(
            'automation.then.task_text',
            title=params.get('title', ''),
            minutes=params.get('due_minutes', 0),
            user=tr('automation.responsible') if who == RESPONSIBLE else users.get(who, '—'),
        )
    elif rule.action == RuleAction.notify:
        who = params.get('recipient')
        named = {HEADS: tr('automation.heads'), RESPONSIBLE: tr('automation.responsible')}
        then = tr('automation.then.notify_text', user=named.get(who) or users.get(who, '—'))
    else:
        then = tr('automation.then.reassign')
    return f'{when} → {then}'


def edit_rule(host: ui.element, screen, *, rule: RuleView | None) -> None:
    """The rule's dialog: the when and the then as selects; it closes only once the domain accepts the rule."""
    stages = {s.id: s.name for s in screen.stage_list}
    reasons = {r.id: f'{s.name}: {r.name}' for s in screen.stage_list for r in s.reasons}
    users = {u.id: u.name for u in screen.choices.users}
    task_types = {t.value: tr(f'task.type.{t.value}') for t in TaskType}
    params = dict(rule.params) if rule else {}
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[34rem] max-w-full').mark('rule-dialog'):
        ui.label(tr('automation.edit' if rule else 'automation.add')).classes('text-h6')
        name = ui.input(tr('automation.name'), value=rule.name if rule else '')
        name.props(f'outlined dense maxlength={RULE_NAME_MAX}').classes('w-full').mark('rule-name')
        stage = ui.select(stages, value=rule.stage_id if rule else next(iter(stages)), label=tr('automation.stage'))
        stage.props('outlined dense').classes('w-full').mark('rule-stage')
        ui.label(tr('automation.when')).classes('text-subtitle2 q-mt-sm')
        trigger = ui.select(
            {t.value: tr(f'automation.when.{t.value}') for t in RuleTrigger},
            value=rule.trigger if rule else RuleTrigger.entered,
        )
        trigger.props('outlined dense').classes('w-full').mark('rule-trigger')
        task_type = ui.select(
            {'': tr('automation.any_task'), **task_types}, value=(rule.task_type if rule else '') or ''
        )
        task_type.props('outlined dense').classes('w-full').mark('rule-task-type')
        task_type.bind_visibility_from(trigger, 'value', lambda v: v in rules.TASK_TRIGGERS)
        wait = ui.number(tr('automation.wait_minutes'), value=rule.wait_minutes if rule else 30, min=1)
        wait.props(f'outlined dense max={RULE_MINUTES_MAX}').classes('w-full').mark('rule-wait')
        wait.bind_visibility_from(trigger, 'value', lambda v: v == RuleTrigger.waiting)
        untouched = ui.checkbox(tr('automation.untouched_only'), value=rule.untouched_only if rule else True)
        untouched.mark('rule-untouched').bind_visibility_from(trigger, 'value', lambda v: v == RuleTrigger.waiting)
        ui.label(tr('automation.then')).classes('text-subtitle2 q-mt-sm')
        action = ui.select(
            {a.value: tr(f'automation.then.{a.value}') for a in RuleAction},
            value=rule.action if rule else RuleAction.task,
        )
        action.props('outlined dense').classes('w-full').mark('rule-action')
        target = ui.select(stages, value=params.get('stage_id'), label=tr('automation.target_stage'))
        target.props('outlined dense').classes('w-full').mark('rule-target')
        target.bind_visibility_from(action, 'value', lambda v: v == RuleAction.move)
        reason = ui.select(reasons, value=params.get('reason_id'), label=tr('automation.reason'))
        reason.props('outlined dense clearable').classes('w-full').mark('rule-reason')
        reason.bind_visibility_from(action, 'value', lambda v: v == RuleAction.move)
        with ui.column().classes('w-full gap-2') as task_box:
            new_type = ui.select(task_types, value=params.get('task_type', TaskType.call), label=tr('task.type'))
            new_type.props('outlined dense').classes('w-full').mark('rule-new-task-type')
            title = ui.input(tr('task.title'), value=params.get('title', ''))
            title.props(f'outlined dense maxlength={TASK_TITLE_MAX}').classes('w-full').mark('rule-title')
            due = ui.number(tr('automation.due_minutes'), value=params.get('due_minutes', 15), min=0)
            due.props(f'outlined dense max={RULE_MINUTES_MAX}').classes('w-full').mark('rule-due')
            assignee = ui.select(
                {RESPONSIBLE: tr('automation.responsible'), **users},
                value=params.get('assignee', RESPONSIBLE),
                label=tr('task.assignee'),
            )
            assignee.props('outlined dense').classes('w-full').mark('rule-assignee')
        task_box.bind_visibility_from(action, 'value', lambda v: v == RuleAction.task)
        recipient = ui.select(
            {HEADS: tr('automation.heads'), RESPONSIBLE: tr('automation.responsible'), **users},
            value=params.get('recipient', HEADS),
            label=tr('automation.recipient'),
        )
        recipient.props('outlined dense').classes('w-full').mark('rule-recipient')
        recipient.bind_visibility_from(action, 'value', lambda v: v == RuleAction.notify)

        async def save() -> None:
            chosen = {
                RuleAction.move: {'stage_id': target.value, 'reason_id': reason.value},
                RuleAction.task: {
                    'task_type': new_type.value,
                    'title': title.value or '',
                    'due_minutes': int(due.value or 0),
                    'assignee': assignee.value,
                },
                RuleAction.notify: {'recipient': recipient.value},
            }.get(action.value, {})
            if trigger.value == RuleTrigger.waiting:
                chosen['untouched_only'] = untouched.value
            values = RuleInput(
                name=name.value or '',
                stage_id=stage.value,
                trigger=trigger.value,
                task_type=task_type.value or None,
                wait_minutes=int(wait.value) if wait.value is not None else None,
                action=action.value,
                params=chosen,
                active=rule.active if rule else True,
            )
            if rule is None:
                saved = await screen.call(rules.create_rule, values=values)
            else:
                saved = await screen.call(rules.update_rule, rule_id=rule.id, values=values)
            if saved is not None:
                dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('rule-save')
    dialog.open()


def _build_hours(screen, hours: dict, zones: list[str]) -> None:
    with ui.card().classes('w-full').props('flat bordered').mark('working-hours'):
        ui.label(tr('automation.hours')).classes('text-subtitle1')
        with ui.row().classes('items-center gap-3'):
            days = {
                day: ui.checkbox(tr(f'automation.day.{day}'), value=day in hours['days']).mark(f'hours-day-{day}')
                for day in WEEKDAYS
            }
            start = ui.input(tr('automation.hours_from'), value=hours['start']).props('outlined dense mask="##:##"')
            start.classes('w-24').mark('hours-start')
            end = ui.input(tr('automation.hours_to'), value=hours['end']).props('outlined dense mask="##:##"')
            end.classes('w-24').mark('hours-end')
            zone = ui.select(
                {'': tr('automation.zone_default'), **{z: z for z in zones}},
                value=hours['zone'],
                label=tr('automation.zone'),
                with_input=True,
            )
            zone.props('outlined dense').classes('w-64').mark('hours-zone')

            async def save() -> None:
                await screen.call(
                    working_hours.set_working_hours,
                    days=[day for day, box in days.items() if box.value],
                    start=start.value or '',
                    end=end.value or '',
                    zone=zone.value or '',
                )

            ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('hours-save')


def _build_waiting_clock(screen, warn: int, alarm: int) -> None:
    with ui.card().classes('w-full').props('flat bordered').mark('waiting-clock'):
        ui.label(tr('speed.clock')).classes('text-subtitle1')
        ui.label(tr('speed.clock_note')).classes('text-caption text-grey-8')
        with ui.row().classes('items-center gap-3'):
            amber = ui.number(tr('speed.warn'), value=warn, min=1, max=THRESHOLD_MAX, precision=0)
            amber.props('outlined dense').classes('w-40').mark('waiting-warn')
            red = ui.number(tr('speed.alarm'), value=alarm, min=1, max=THRESHOLD_MAX, precision=0)
            red.props('outlined dense').classes('w-40').mark('waiting-alarm')

            async def save() -> None:
                await screen.call(
                    speed_to_lead.set_waiting_thresholds,
                    warn=int(amber.value) if amber.value is not None else 0,
                    alarm=int(red.value) if red.value is not None else 0,
                )

            ui.button(tr('action.save'), on_click=save).props('unelevated no-caps').mark('waiting-save')


def _build_rules(screen, host: ui.element, all_rules: list[RuleView]) -> None:
    stages = {s.id: s.name for s in screen.stage_list}
    users = {u.id: u.name for u in screen.choices.everyone}
    with ui.row().classes('items-center w-full'):
        ui.label(tr('automation.rules')).classes('text-subtitle1')
        ui.space()
        ui.button(tr('automation.add'), icon='add', on_click=lambda: edit_rule(host, screen, rule=None)).props(
            'unelevated no-caps'
        ).mark('rule-add')
    if not all_rules:
        ui.label(tr('automation.none')).classes('text-grey-7').mark('rules-empty')
    for stage in screen.stage_list:
        of_stage = [rule for rule in all_rules if rule.stage_id == stage.id]
        if not of_stage:
            continue
        with ui.card().classes('w-full gap-1').props('flat bordered').mark(f'rules-stage-{stage.id}'):
            ui.label(stage.name).classes('text-subtitle2')
            for rule in of_stage:
                with ui.row().classes('items-center w-full no-wrap gap-2').mark(f'rule-{rule.id}'):
                    ui.switch(
                        value=rule.active,
                        on_change=lambda e, r=rule: screen.call(rules.set_rule_active, rule_id=r.id, active=e.value),
                    ).mark(f'rule-switch-{rule.id}')
                    with ui.column().classes('gap-0 grow'):
                        ui.label(rule.name).classes('text-body2 text-weight-medium')
                        ui.label(describe_rule(rule, stages, users)).classes('text-caption text-grey-8')
                    ui.button(icon='edit', on_click=lambda r=rule: edit_rule(host, screen, rule=r)).props(
                        'flat dense round'
                    ).mark(f'rule-edit-{rule.id}')
                    ui.button(icon='delete', on_click=lambda r=rule: _confirm_delete(host, screen, r)).props(
                        'flat dense round color=negative'
                    ).mark(f'rule-delete-{rule.id}')


def _confirm_delete(host: ui.element, screen, rule: RuleView) -> None:
    dialog = side_dialog(host)
    with dialog, ui.card().classes('w-[28rem] max-w-full').mark('rule-delete-dialog'):
        ui.label(tr('automation.delete_question', name=rule.name)).classes('text-subtitle1')

        async def delete() -> None:
            await screen.call(rules.delete_rule, rule_id=rule.id)
            dialog.close()

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=dialog.close).props('flat no-caps')
            ui.button(tr('action.delete'), on_click=delete).props('unelevated no-caps color=negative').mark(
                'rule-delete-ok'
            )
    dialog.open()


def _build_log(entries) -> None:
    ui.label(tr('automation.log')).classes('text-subtitle1 q-mt-md')
    columns = [
        {'name': 'at', 'field': 'at', 'label': tr('audit.when'), 'align': 'left'},
        {'name': 'rule', 'field': 'rule', 'label': tr('automation.rule'), 'align': 'left'},
        {'name': 'client', 'field': 'client', 'label': tr('automation.client'), 'align': 'left'},
        {'name': 'what', 'field': 'what', 'label': tr('audit.what'), 'align': 'left'},
    ]
    rows = [
        {
            'id': n,
            'at': format_datetime(e.at),
            'rule': e.rule_name,
            'client': e.client_name or '—',
            'what': ('' if e.done else '⚠ ') + e.text,
        }
        for n, e in enumerate(entries)
    ]
    table = ui.table(columns=columns, rows=rows, row_key='id', pagination=25).props('flat bordered dense')
    table.props.update(paging_texts())
    table.classes('w-full').mark('automation-log')


async def build_automation(screen) -> None:
    setup = await screen.read(automation_setup)
    if setup is None:
        return
    zones = working_hours.known_zones()
    host = ui.column().classes('w-full gap-2')
    with host:
        _build_hours(screen, setup.hours, zones)
        _build_waiting_clock(screen, *setup.waiting)
        _build_rules(screen, host, setup.rules)
        _build_log(setup.log)
