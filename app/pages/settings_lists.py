"""Settings: the reference lists (sales channels and the utm_source rules that choose them, projects, tags,
agencies with realtors, custom client fields).
Each list edits inline; every change goes through `app.domain.admin_lists` and redraws all open pages."""

from nicegui import ui

from app.components.locale import tr
from app.domain.account import admin_lists
from app.domain.account.admin_lists import FIELD_KINDS
from app.domain.integrations import channel_rules


def _section(key: str, marker: str) -> ui.expansion:
    return (
        ui.expansion(tr(key), value=True)
        .classes('w-full vk-list-section')
        .props('dense header-class=text-subtitle1')
        .mark(marker)
    )


def _input(label: str, value: str = '', marker: str | None = None) -> ui.input:
    element = ui.input(label, value=value).props('outlined dense')
    return element.mark(marker) if marker else element


def _button(icon: str, tip: str, on_click, marker: str, **props) -> ui.button:
    button = ui.button(icon=icon, on_click=on_click).props('flat dense round').tooltip(tr(tip)).mark(marker)
    if props.get('disable'):
        button.props('disable')
    return button


def reorder_and_remove(move, remove, *, index: int, count: int, marker: str, remove_action: str) -> None:
    """Up, down and remove for an item of an ordered list; `marker` has a {} for the action's name."""
    _button('arrow_upward', 'lists.up', lambda: move(index - 1), marker.format('up'), disable=index == 0)
    _button('arrow_downward', 'lists.down', lambda: move(index + 1), marker.format('down'), disable=index == count - 1)
    _button('delete', 'lists.remove', remove, marker.format(remove_action)).props('color=negative')


async def build_lists(screen) -> None:
    """Builds the tab's content inside the current container."""
    lists = await screen.read(admin_lists.reference_lists)
    rules = await screen.read(channel_rules.channel_rules)
    if lists is None or rules is None:
        return

    async def call(service, **arguments) -> None:
        if await screen.call(service, **arguments) is not None:
            ui.notify(tr('lists.saved'), type='positive')

    _channels(lists.channels, call)
    _channel_rules(rules, lists.channels, call)
    _projects(lists.projects, call)
    _tags(lists.tags, call)
    _agencies(lists.agencies, call)
    _custom_fields(lists.custom_fields, call)


def _channels(channels, call) -> None:
    active = [c for c in channels if c.active]
    with _section('lists.channels', 'lists-channels'):
        ui.label(tr('lists.channels_hint')).classes('text-caption text-grey-7')
        for index, channel in enumerate(channels):
            with ui.row().classes('items-center no-wrap gap-1'):
                name = _input(tr('lists.name'), channel.name, f'channel-name-{channel.id}')
                _button(
                    'save',
                    'lists.save',
                    lambda c=channel, n=name: call(admin_lists.rename_channel, channel_id=c.id, name=n.value),
                    f'channel-save-{channel.id}',
                )
                if not channel.active:
                    ui.label(tr('lists.inactive')).classes('text-caption text-grey-7')
                    continue
                if index == 0:
                    ui.badge(tr('lists.default')).mark(f'channel-default-{channel.id}')
                else:
                    _button(
                        'star',
                        'lists.make_default',
                        lambda c=channel: call(admin_lists.make_default_channel, channel_id=c.id),
                        f'channel-make-default-{channel.id}',
                    )
                reorder_and_remove(
                    lambda position, c=channel: call(admin_lists.move_channel, channel_id=c.id, position=position),
                    lambda c=channel: call(admin_lists.remove_channel, channel_id=c.id),
                    index=index,
                    count=len(active),
                    marker=f'channel-{{}}-{channel.id}',
                    remove_action='remove',
                )
        with ui.row().classes('items-center gap-1'):
            new = _input(tr('lists.name'), marker='channel-new-name')
            ui.button(
                tr('lists.add'), icon='add', on_click=lambda: call(admin_lists.add_channel, name=new.value)
            ).props('unelevated no-caps').mark('channel-add')


def _channel_rules(rules, channels, call) -> None:
    """utm_source → channel, for the leads that name no channel."""
    active = {c.id: c.name for c in channels if c.active}
    with _section('rules.title', 'lists-channel-rules'):
        ui.label(tr('rules.hint')).classes('text-caption text-grey-7')
        for rule in rules:
            with ui.row().classes('items-center no-wrap gap-1').mark(f'channel-rule-{rule.id}'):
                ui.label(f'utm_source {tr("rules.match." + rule.match)} «{rule.pattern}» → {rule.channel_name}')
                _button(
                    'delete',
                    'lists.remove',
                    lambda r=rule: call(channel_rules.remove_channel_rule, rule_id=r.id),
                    f'channel-rule-remove-{rule.id}',
                ).props('color=negative')
        if not rules:
            ui.label(tr('rules.empty')).classes('text-grey-7')
        with ui.row().classes('items-center no-wrap gap-1'):
            ui.label('utm_source')
            match = (
                ui.select({m: tr(f'rules.match.{m}') for m in channel_rules.MATCHES}, value='exact')
                .props('outlined dense')
                .classes('w-40')
                .mark('channel-rule-match')
            )
            pattern = _input(tr('rules.pattern'), marker='channel-rule-pattern')
            ui.label('→')
            channel = (
                ui.select(active, value=next(iter(active), None), label=tr('rules.channel'))
                .props('outlined dense')
                .classes('w-56')
                .mark('channel-rule-channel')
            )
            ui.button(
                tr('lists.add'),
                icon='add',
                on_click=lambda: call(
                    channel_rules.set_channel_rule, match=match.value, pattern=pattern.value, channel_id=channel.value
                ),
            ).props('unelevated no-caps').mark('channel-rule-add')


def _projects(projects, call) -> None:
    with _section('lists.projects', 'lists-projects'):
        for project in projects:
            with ui.row().classes('items-center no-wrap gap-1'):
                name = _input(tr('lists.name'), project.name, f'project-name-{project.id}')
                abbreviation = _input(tr('lists.abbreviation'), project.abbreviation, f'project-abbr-{project.id}')
                abbreviation.props(f'maxlength={admin_lists.ABBREVIATION_MAX}')
                _button(
                    'save',
                    'lists.save',
                    lambda p=project, n=name, a=abbreviation: call(
                        admin_lists.edit_project, project_id=p.id, name=n.value, abbreviation=a.value
                    ),
                    f'project-save-{project.id}',
                )
                _button(
                    'toggle_off' if project.active else 'toggle_on',
                    'lists.deactivate' if project.active else 'lists.activate',
                    lambda p=project: call(admin_lists.set_project_active, project_id=p.id, active=not p.active),
                    f'project-toggle-{project.id}',
                )
                if not project.active:
                    ui.label(tr('lists.inactive')).classes('text-caption text-grey-7')
        with ui.row().classes('items-center gap-1'):
            new_name = _input(tr('lists.name'), marker='project-new-name')
            new_abbreviation = _input(tr('lists.abbreviation'), marker='project-new-abbr')
            ui.button(
                tr('lists.add'),
                icon='add',
                on_click=lambda: call(
                    admin_lists.add_project, name=new_name.value, abbreviation=new_abbreviation.value
                ),
            ).props('unelevated no-caps').mark('project-add')


def _color_input(value: str, marker: str) -> ui.color_input:
    return ui.color_input(tr('lists.color'), value=value).props('outlined dense').classes('w-40').mark(marker)


def _tags(tags, call) -> None:
    with _section('lists.tags', 'lists-tags'):
        for tag in tags:
            with ui.row().classes('items-center no-wrap gap-1'):
                name = _input(tr('lists.name'), tag.name, f'tag-name-{tag.id}')
                color = _color_input(tag.color, f'tag-color-{tag.id}')
                _button(
                    'save',
                    'lists.save',
                    lambda t=tag, n=name, c=color: call(admin_lists.edit_tag, tag_id=t.id, name=n.value, color=c.value),
                    f'tag-save-{tag.id}',
                )
                _button(
                    'delete',
                    'lists.remove',
                    lambda t=tag: call(admin_lists.delete_tag, tag_id=t.id),
                    f'tag-delete-{tag.id}',
                ).props('color=negative')
        with ui.row().classes('items-center gap-1'):
            new_name = _input(tr('lists.name'), marker='tag-new-name')
            new_color = _color_input('#1976d2', 'tag-new-color')
            ui.button(
                tr('lists.add'),
                icon='add',
                on_click=lambda: call(admin_lists.add_tag, name=new_name.value, color=new_color.value),
            ).props('unelevated no-caps').mark('tag-add')


def _agencies(agencies, call) -> None:
    with _section('lists.agencies', 'lists-agencies'):
        for agency in agencies:
            with ui.card().classes('w-full q-pa-sm gap-1').props('flat bordered'):
                with ui.row().classes('items-center no-wrap gap-1'):
                    name = _input(tr('lists.agency'), agency.name, f'agency-name-{agency.id}')
                    _button(
                        'save',
                        'lists.save',
                        lambda a=agency, n=name: call(admin_lists.rename_agency, agency_id=a.id, name=n.value),
                        f'agency-save-{agency.id}',
                    )
                for realtor in agency.realtors:
                    with ui.row().classes('items-center no-wrap gap-1 q-pl-lg'):
                        realtor_name = _input(tr('lists.realtor'), realtor.name, f'realtor-name-{realtor.id}')
                        phone = _input(tr('lists.phone'), realtor.phone, f'realtor-phone-{realtor.id}')
                        _button(
                            'save',
                            'lists.save',
                            lambda r=realtor, n=realtor_name, p=phone: call(
                                admin_lists.edit_realtor, realtor_id=r.id, name=n.value, phone=p.value
                            ),
                            f'realtor-save-{realtor.id}',
                        )
                        _button(
                            'delete',
                            'lists.remove',
                            lambda r=realtor: call(admin_lists.remove_realtor, realtor_id=r.id),
                            f'realtor-remove-{realtor.id}',
                        ).props('color=negative')
                with ui.row().classes('items-center no-wrap gap-1 q-pl-lg'):
                    new_realtor = _input(tr('lists.realtor'), marker=f'realtor-new-name-{agency.id}')
                    new_phone = _input(tr('lists.phone'), marker=f'realtor-new-phone-{agency.id}')
                    ui.button(
                        tr('lists.add_realtor'),
                        icon='person_add',
                        on_click=lambda a=agency, n=new_realtor, p=new_phone: call(
                            admin_lists.add_realtor, agency_id=a.id, name=n.value, phone=p.value
                        ),
                    ).props('flat no-caps').mark(f'realtor-add-{agency.id}')
        with ui.row().classes('items-center gap-1'):
            new_agency = _input(tr('lists.agency'), marker='agency-new-name')
            ui.button(
                tr('lists.add'), icon='add', on_click=lambda: call(admin_lists.add_agency, name=new_agency.value)
            ).props('unelevated no-caps').mark('agency-add')


def _split_options(text: str | None) -> list[str]:
    return [part.strip() for part in (text or '').split(',') if part.strip()]


def _custom_fields(fields, call) -> None:
    kinds = {kind: tr(f'lists.kind.{kind}') for kind in FIELD_KINDS}
    with _section('lists.custom_fields', 'lists-fields'):
        for index, field in enumerate(fields):
            with ui.row().classes('items-center no-wrap gap-1'):
                name = _input(tr('lists.name'), field.name, f'field-name-{field.id}')
                ui.label(kinds.get(field.kind, field.kind)).classes('text-caption text-grey-8 q-px-sm')
                options = None
                if field.kind == 'list':
                    options = _input(tr('lists.options'), ', '.join(field.options), f'field-options-{field.id}')
                _button(
                    'save',
                    'lists.save',
                    lambda f=field, n=name, o=options: call(
                        admin_lists.edit_custom_field,
                        field_id=f.id,
                        name=n.value,
                        options=_split_options(o.value) if o is not None else None,
                    ),
                    f'field-save-{field.id}',
                )
                reorder_and_remove(
                    lambda position, f=field: call(admin_lists.move_custom_field, field_id=f.id, position=position),
                    lambda f=field: call(admin_lists.delete_custom_field, field_id=f.id),
                    index=index,
                    count=len(fields),
                    marker=f'field-{{}}-{field.id}',
                    remove_action='delete',
                )
        with ui.row().classes('items-center gap-1'):
            new_name = _input(tr('lists.name'), marker='field-new-name')
            new_kind = ui.select(kinds, label=tr('lists.kind'), value='text').props('outlined dense').classes('w-32')
            new_kind.mark('field-new-kind')
            new_options = _input(tr('lists.options'), marker='field-new-options')
            new_options.bind_visibility_from(new_kind, 'value', backward=lambda kind: kind == 'list')
            ui.button(
                tr('lists.add'),
                icon='add',
                on_click=lambda: call(
                    admin_lists.add_custom_field,
                    name=new_name.value,
                    kind=new_kind.value,
                    options=_split_options(new_options.value),
                ),
            ).props('unelevated no-caps').mark('field-add')
