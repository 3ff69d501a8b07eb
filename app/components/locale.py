"""The reader's language and time zone: every text and date on screen goes through here."""

from datetime import datetime

from nicegui import context

from app.domain.account_time import ACCOUNT_TZ as TIMEZONE  # noqa: F401 (the components take the zone from here)
from app.domain.account_time import in_account_zone
from app.i18n import DEFAULT_LOCALE, translate

_client_locales: dict[str, str] = {}


def remember_locale(client, locale: str) -> None:
    """Live updates run outside any request: they find the tab's language by its client."""
    if client.id not in _client_locales:
        client.on_delete(lambda: _client_locales.pop(client.id, None))
    _client_locales[client.id] = locale


def current_locale() -> str:
    """The language the current tab was built in (its user's, or the login page's)."""
    try:
        return _client_locales.get(context.client.id, DEFAULT_LOCALE)
    except RuntimeError:  # outside any tab
        return DEFAULT_LOCALE


def tr(key: str, **params) -> str:
    return translate(key, current_locale(), **params)


def local_time(moment: datetime) -> datetime:
    return in_account_zone(moment)  # a stored year-9999 moment is shown as stored, never an OverflowError


def format_date(moment: datetime | None) -> str:
    return local_time(moment).strftime('%d.%m.%Y') if moment else ''


def format_datetime(moment: datetime | None) -> str:
    return local_time(moment).strftime('%d.%m.%Y %H:%M') if moment else ''
