"""/login and /logout: plain HTML form posts, because only an HTTP answer can set or drop the login cookie.

Every login issues a fresh session key (a cookie copied before the login opens nothing after it) and ends the
one the browser brought; logout ends the session in the database, so every tab and every copy of the cookie
is logged out at once."""

from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from nicegui import app, run, ui

from app.borders import (
    LOCALE_COOKIE,
    SESSION_COOKIE,
    clear_session_cookie,
    client_address,
    form_post_allowed,
    set_session_cookie,
)
from app.components.locale import remember_locale, tr
from app.config import load_settings
from app.domain.account import users
from app.domain.db import get_database
from app.domain.errors import LoginLocked, LoginRefused
from app.i18n import DEFAULT_LOCALE, LOCALES, translate

FORM_LIMIT = 4096  # a login form is two short fields; anything longer is not one
LOGIN_MAX = 64


def _locale_of(request: Request) -> str:
    """The login page's language: the one last chosen or used in this browser; Russian until then."""
    chosen = request.cookies.get(LOCALE_COOKIE, '')
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def _remember_language(response, locale: str) -> None:
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite='lax')


async def _form(request: Request) -> dict[str, str]:
    """The posted fields, read only up to FORM_LIMIT bytes."""
    body = b''
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            return {}
    fields = parse_qs(body.decode('utf-8', errors='replace'), max_num_fields=8)
    return {name: values[0] for name, values in fields.items()}


def _back_to_form(**query: str) -> RedirectResponse:
    return RedirectResponse('/login?' + urlencode(query), status_code=303)


def _end_session(key: str) -> None:
    with get_database().write() as session:
        users.end_session(session, key=key)


def register() -> None:
    # the page first: ui.page drops every route of its path, the POST too
    @ui.page('/login')
    def login_page(request: Request, error: str = '', wait: str = '', login: str = '', expired: str = '') -> None:
        remember_locale(ui.context.client, _locale_of(request))
        if expired:
            ui.notify(tr('login.expired'), type='warning')
        message = ''
        if error == 'locked' and wait.isdigit():
            message = tr('error.login_locked', seconds=int(wait))
        elif error:
            message = tr('error.login')
        with ui.card().classes('absolute-center w-80 q-pa-lg'):
            ui.label(tr('login.title')).classes('text-h6 q-mb-md')
            with ui.element('form').props('method=post action=/login').classes('column w-full gap-2'):
                # a login sent back after a refusal: the cursor goes to the password
                focus = ('', 'autofocus') if login else ('autofocus', '')
                name = ui.input(tr('login.login'), value=login[:LOGIN_MAX])
                name.props(f'name=login autocomplete=username outlined dense {focus[0]}')
                name.classes('w-full').mark('login')
                password = ui.input(tr('login.password'), password=True)
                password.props(f'name=password autocomplete=current-password outlined dense {focus[1]}')
                password.classes('w-full').mark('password')
                ui.label(message).classes('text-negative text-caption').mark('login-error')
                ui.button(tr('login.submit')).props('type=submit').classes('w-full q-mt-sm').mark('login-submit')
            with (
                ui.element('form')
                .props('method=post action=/login/language')
                .classes('row justify-center w-full q-mt-sm')
            ):
                for code, label in (('ru', 'Русский'), ('en', 'English')):
                    ui.button(label).props(f'type=submit name=locale value={code} flat dense no-caps size=sm').mark(
                        f'login-locale-{code}'
                    )

    @app.post('/login', include_in_schema=False)
    async def log_in(request: Request):
        settings = load_settings()
        if not form_post_allowed(request, settings):
            return PlainTextResponse(translate('error.foreign_origin', _locale_of(request)), status_code=403)
        form = await _form(request)
        login = form.get('login', '').strip()[:LOGIN_MAX]
        try:
            key, actor = await run.io_bound(
                users.log_in,
                get_database(),
                login=login,
                password=form.get('password', '')[:1024],
                hours=settings.session_hours,
                address=client_address(request.scope, settings),
            )
        except LoginLocked as locked:
            return _back_to_form(error='locked', wait=str(locked.params['seconds']), login=login)
        except LoginRefused:
            return _back_to_form(error='refused', login=login)
        previous = request.cookies.get(SESSION_COOKIE)
        if previous:  # the key this browser had before is dropped, not left usable beside the new one
            await run.io_bound(_end_session, previous)
        response = RedirectResponse('/', status_code=303)
        set_session_cookie(response, request, settings, key)
        _remember_language(response, actor.locale)
        return response

    @app.post('/login/language', include_in_schema=False)
    async def choose_language(request: Request):
        """The login page's language switch (a form post too: no script, works before any login)."""
        settings = load_settings()
        if not form_post_allowed(request, settings):
            return PlainTextResponse(translate('error.foreign_origin', _locale_of(request)), status_code=403)
        locale = (await _form(request)).get('locale', '')
        response = RedirectResponse('/login', status_code=303)
        if locale in LOCALES:
            _remember_language(response, locale)
        return response

    @app.post('/logout', include_in_schema=False)
    async def log_out(request: Request):
        settings = load_settings()
        if not form_post_allowed(request, settings):
            return PlainTextResponse(translate('error.foreign_origin', _locale_of(request)), status_code=403)
        key = request.cookies.get(SESSION_COOKIE)
        if key:
            await run.io_bound(_end_session, key)
        response = RedirectResponse('/login', status_code=303)
        clear_session_cookie(response, request, settings)
        return response
