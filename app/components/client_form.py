"""The "+ Клиент" form: a new client, or the way to the existing one when the phone is taken."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from app.domain.attribution import DIMENSIONS
from app.domain.errors import DomainError, DuplicatePhone
from app.domain.views import ClientDetail, FormChoices

from .dialogs import answer
from .locale import current_locale, tr


async def ask_new_client(
    choices: FormChoices,
    *,
    responsible_id: int,
    may_choose_responsible: bool,
    create: Callable[[dict], Awaitable[tuple[ClientDetail | None, DomainError | None]]],
    on_open_existing: Callable[[int], Awaitable[None]],
) -> ClientDetail | None:
    """Show the form until the client is created or the user gives up; a refusal is shown in the form."""
    with ui.dialog() as dialog, ui.card().classes('w-[30rem]'):
        ui.label(tr('client.new')).classes('text-h6')
        name = ui.input(tr('client.name')).classes('w-full').props('outlined dense autofocus').mark('new-name')
        # the same field as in the client window: several numbers, one per line
        phones = ui.textarea(tr('client.phones')).classes('w-full').props('outlined dense autogrow').mark('new-phone')
        email = ui.input(tr('client.email')).classes('w-full').props('outlined dense')
        with ui.row().classes('w-full no-wrap gap-2'):
            project = (
                ui.select({p.id: p.name for p in choices.projects}, label=tr('client.project'), clearable=True)
                .classes('col')
                .props('outlined dense')
            )
            channel = (
                ui.select(
                    {c.id: c.name for c in choices.channels},
                    label=tr('client.channel'),
                    value=choices.channels[0].id if choices.channels else None,
                )
                .classes('col')
                .props('outlined dense')
            )
        touch = ui.toggle({'call': tr('touch.call'), 'request': tr('touch.request')}, value='call').props(
            'dense no-caps'
        )
        with ui.row().classes('w-full no-wrap gap-2'):
            agency = (
                ui.select({a.id: a.name for a in choices.agencies}, label=tr('client.agency'), clearable=True)
                .classes('col')
                .props('outlined dense')
            )
            realtor = (
                ui.select({r.id: r.name for r in choices.realtors}, label=tr('client.realtor'), clearable=True)
                .classes('col')
                .props('outlined dense')
            )
        tags = (
            ui.select({t.id: t.name for t in choices.tags}, label=tr('client.tags'), multiple=True)
            .classes('w-full')
            .props('outlined dense use-chips')
        )
        responsible = (
            ui.select({u.id: u.name for u in choices.users}, label=tr('client.responsible'), value=responsible_id)
            .classes('w-full')
            .props('outlined dense')
        )
        responsible.set_visibility(may_choose_responsible)
        situation = ui.textarea(tr('client.situation')).classes('w-full').props('outlined dense autogrow')
        # folded: most hand entries are calls with a channel only; a manager copying an ad's tags opens it
        with ui.expansion(tr('attribution.title')).classes('w-full').props('dense').mark('new-attribution'):
            with ui.row().classes('w-full no-wrap gap-2'):
                marks = {
                    name: ui.input(name).classes('col').props('outlined dense').mark(f'new-{name}')
                    for name in DIMENSIONS
                }
        problem = ui.label('').classes('text-negative').mark('new-problem')
        duplicate = {'client_id': None}

        async def open_existing() -> None:
            dialog.submit(None)
            await on_open_existing(duplicate['client_id'])

        existing = ui.button(tr('action.open_existing'), icon='person_search', on_click=open_existing)
        existing.props('outline no-caps')
        existing.mark('open-existing')
        existing.set_visibility(False)

        async def submit() -> None:
            created, error = await create(
                {
                    'name': name.value or '',
                    'phones': [line for line in (phones.value or '').splitlines() if line.strip()],
                    'agency_id': agency.value,
                    'realtor_id': realtor.value,
                    'tag_ids': list(tags.value or []),
                    'responsible_id': responsible.value,
                    'email': email.value or '',
                    'project_id': project.value,
                    'channel_id': channel.value,
                    'touch_type': touch.value,
                    'situation': situation.value or '',
                    'attribution': {name: field.value or '' for name, field in marks.items()},
                }
            )
            if error is not None:
                problem.set_text(error.message(current_locale()))
                duplicate['client_id'] = error.client_id if isinstance(error, DuplicatePhone) else None
                existing.set_visibility(duplicate['client_id'] is not None)
                return
            dialog.submit(created)

        with ui.row().classes('w-full justify-end'):
            ui.button(tr('action.cancel'), on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(tr('action.create'), on_click=submit).mark('new-create')
    return await answer(dialog)
