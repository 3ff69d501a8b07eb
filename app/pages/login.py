"""/login and /logout: a plain HTML page and form posts, because only an HTTP answer can set or drop the login cookie.

Every login issues a fresh session key (a cookie copied before the login opens nothing after it) and ends the
one the browser brought; logout ends the session in the database, so every tab and every copy of the cookie
is logged out at once."""

import re
from html import escape
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from nicegui import app, run

from app.borders import (
    LOCALE_COOKIE,
    SESSION_COOKIE,
    clear_session_cookie,
    client_address,
    form_post_allowed,
    set_session_cookie,
)
from app.config import Settings, load_settings
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
    try:
        fields = parse_qs(body.decode('utf-8', errors='replace'), max_num_fields=8)
    except ValueError:  # more fields than any of our forms has
        return {}
    return {name: values[0] for name, values in fields.items()}


def _back_to_form(**query: str) -> RedirectResponse:
    return RedirectResponse('/login?' + urlencode(query), status_code=303)


def _login_html(locale: str, *, error: str, wait: str, login: str, expired: str) -> str:
    """The login page as plain HTML: no script and no per-request state on the server, so a crawler or a
    scanner hitting it costs nothing that stays; the fields post to /login like any form."""

    def text(key: str, **params) -> str:
        return escape(translate(key, locale, **params))

    if error == 'locked' and re.fullmatch('[0-9]{1,4}', wait):  # a wait this page itself sent, no more
        message = text('error.login_locked', seconds=int(wait))
    elif error:
        message = text('error.login')
    else:
        message = text('login.expired') if expired else ''
    login = escape(login[:LOGIN_MAX], quote=True)
    focus = ('', ' autofocus') if login else (' autofocus', '')
    languages = ''.join(
        f'<button type="submit" name="locale" value="{code}" class="link" data-testid="login-locale-{code}">{label}'
        '</button>'
        for code, label in (('ru', 'Русский'), ('en', 'English'))
    )
    return LOGIN_PAGE.format(
        lang=locale,
        title=text('login.title'),
        login_label=text('login.login'),
        password_label=text('login.password'),
        submit=text('login.submit'),
        login=login,
        focus_login=focus[0],
        focus_password=focus[1],
        message=message,
        languages=languages,
    )


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Воронка</title><link rel="icon" href="data:,">
<style>
body {{ margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: #f4f6f9; font-family: Roboto, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1d1d1d; }}
.card {{ width: 320px; box-sizing: border-box; padding: 24px; background: #fff; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0,0,0,.2), 0 2px 2px rgba(0,0,0,.14), 0 3px 1px -2px rgba(0,0,0,.12); }}
h1 {{ font-size: 20px; font-weight: 500; margin: 0 0 20px; }}
label {{ display: block; font-size: 12px; color: #666; margin: 0 0 4px; }}
input {{ width: 100%; box-sizing: border-box; height: 40px; padding: 0 12px; margin: 0 0 12px; font: inherit;
  font-size: 15px; border: 1px solid #c2c2c2; border-radius: 4px; outline: none; }}
input:focus {{ border: 2px solid #5898d4; padding: 0 11px; }}
.error {{ min-height: 18px; font-size: 13px; color: #c10015; margin: 0 0 8px; }}
.submit {{ width: 100%; height: 36px; border: 0; border-radius: 4px; background: #5898d4; color: #fff; font: inherit;
  font-size: 14px; font-weight: 500; letter-spacing: .05em; text-transform: uppercase; cursor: pointer;
  box-shadow: 0 1px 3px rgba(0,0,0,.2); }}
.submit:hover {{ background: #4a88c4; }}
.languages {{ display: flex; justify-content: center; gap: 12px; margin: 16px 0 0; }}
.link {{ border: 0; background: none; color: #5898d4; font: inherit; font-size: 12px; cursor: pointer; padding: 4px; }}
</style></head>
<body><main class="card">
<h1>{title}</h1>
<form method="post" action="/login">
<label for="login">{login_label}</label>
<input id="login" name="login" autocomplete="username" value="{login}" maxlength="64" required{focus_login}>
<label for="password">{password_label}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{focus_password}>
<p class="error" role="alert" data-testid="login-error">{message}</p>
<button type="submit" class="submit" data-testid="login-submit">{submit}</button>
</form>
<form method="post" action="/login/language" class="languages">{languages}</form>
</main></body></html>
"""


def _end_session(key: str) -> None:
    with get_database().write() as session:
        users.end_session(session, key=key)


def _from_our_pages(handler):
    """A form post of the login area is refused when another site's page sent it (login CSRF, forced logout);
    the handler gets the settings it was checked with."""

    async def guarded(request: Request):
        settings = load_settings()
        if not form_post_allowed(request, settings):
            return PlainTextResponse(translate('error.foreign_origin', _locale_of(request)), status_code=403)
        return await handler(request, settings)

    guarded.__name__, guarded.__doc__ = handler.__name__, handler.__doc__
    return guarded


def register() -> None:
    @app.get('/login', include_in_schema=False)
    def login_page(request: Request, error: str = '', wait: str = '', login: str = '', expired: str = ''):
        return HTMLResponse(_login_html(_locale_of(request), error=error, wait=wait, login=login, expired=expired))

    @app.post('/login', include_in_schema=False)
    @_from_our_pages
    async def log_in(request: Request, settings: Settings):
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
    @_from_our_pages
    async def choose_language(request: Request, settings: Settings):
        """The login page's language switch (a form post too: no script, works before any login)."""
        locale = (await _form(request)).get('locale', '')
        response = RedirectResponse('/login', status_code=303)
        if locale in LOCALES:
            _remember_language(response, locale)
        return response

    @app.post('/logout', include_in_schema=False)
    @_from_our_pages
    async def log_out(request: Request, settings: Settings):
        key = request.cookies.get(SESSION_COOKIE)
        if key:
            await run.io_bound(_end_session, key)
        response = RedirectResponse('/login', status_code=303)
        clear_session_cookie(response, request, settings)
        return response
