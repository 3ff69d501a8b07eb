"""/login: password check off the event loop, failures throttled here (a websocket event bypasses HTTP limits)."""

import asyncio

from nicegui import app, run, ui

from app.components.locale import current_locale, tr
from app.config import load_settings
from app.domain.account import users
from app.domain.db import get_database
from app.domain.errors import DomainError

from .session import SESSION_KEY


def _login(login: str, password: str, hours: int) -> tuple[str, str]:
    key, actor = users.log_in(get_database(), login=login, password=password, hours=hours)
    return key, actor.locale


def register() -> None:
    @ui.page('/login')
    def login_page(expired: str = '') -> None:
        if expired:
            ui.notify(tr('login.expired'), type='warning')
        failures = {'count': 0}
        with ui.card().classes('absolute-center w-80 q-pa-lg'):
            ui.label(tr('login.title')).classes('text-h6 q-mb-md')
            login = ui.input(tr('login.login')).props('autocomplete=username autofocus outlined dense')
            login.classes('w-full').mark('login')
            password = ui.input(tr('login.password'), password=True).props(
                'autocomplete=current-password outlined dense'
            )
            password.classes('w-full').mark('password')
            error = ui.label('').classes('text-negative text-caption').mark('login-error')

            async def submit() -> None:
                button.disable()
                error.set_text('')
                try:
                    key, locale = await run.io_bound(
                        _login, login.value or '', password.value or '', load_settings().session_hours
                    )
                except DomainError as refusal:
                    failures['count'] += 1
                    error.set_text(refusal.message(current_locale()))
                    # each failure in this tab costs a growing pause before the next try
                    await asyncio.sleep(min(0.5 * 2 ** failures['count'], 8))
                    button.enable()
                    return
                app.storage.user[SESSION_KEY] = key
                app.storage.user['locale'] = locale
                ui.navigate.to('/')

            password.on('keydown.enter', submit)
            button = ui.button(tr('login.submit'), on_click=submit).classes('w-full q-mt-sm').mark('login-submit')
