"""The reader's language and time zone: every text and date on screen goes through here."""

from datetime import datetime

from nicegui import app, context

from app.domain.account_time import ACCOUNT_TZ as TIMEZONE
from app.i18n import DEFAULT_LOCALE, translate

_client_locales: dict[str, str] = {}


def remember_locale(client, locale: str) -> None:
    """Live updates run outside any request: they find the tab's language by its client."""
    _client_locales[client.id] = locale
    client.on_delete(lambda: _client_locales.pop(client.id, None))


def current_locale() -> str:
    try:
        return app.storage.user.get('locale', DEFAULT_LOCALE)
    except RuntimeError:  # no request in a live update: the language the tab was built in
        try:
            return _client_locales.get(context.client.id, DEFAULT_LOCALE)
        except RuntimeError:
            return DEFAULT_LOCALE


def tr(key: str, **params) -> str:
    return translate(key, current_locale(), **params)


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(TIMEZONE)


def format_date(moment: datetime | None) -> str:
    return local_time(moment).strftime('%d.%m.%Y') if moment else ''


def format_datetime(moment: datetime | None) -> str:
    return local_time(moment).strftime('%d.%m.%Y %H:%M') if moment else ''
