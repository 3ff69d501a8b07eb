"""The reader's language and time zone: every text and date on screen goes through here."""

from datetime import datetime

from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from nicegui import context

from app.domain.account_time import ACCOUNT_TZ as TIMEZONE  # noqa: F401 (the components take the zone from here)
from app.domain.account_time import in_account_zone
from app.i18n import DEFAULT_LOCALE, plural, translate

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


def count(key: str, number: int) -> str:
    """«1 клиент», «2 клиента», «5 клиентов»: the noun of `key` (app/i18n.py, `key.one` …) in the right form."""
    return plural(key, number, current_locale())


def format_number(value: float | None) -> str:
    """12 500 000 in Russian, 12,500,000 in English; at most two decimals, none when whole."""
    return '' if value is None else format_decimal(value, format='#,##0.##', locale=current_locale())


def format_money(amount: float | None) -> str:
    """Roubles in whole units, grouped by thousands: «12 500 000 ₽», «12,500,000 RUB»."""
    if amount is None:
        return ''
    return format_currency(amount, 'RUB', format='#,##0\xa0¤', currency_digits=False, locale=current_locale())


def format_share(share: float | None) -> str:
    """A fraction as a percentage with one decimal: «12,5 %», «12.5%»."""
    return '—' if share is None else format_percent(share, format='#,##0.0%', locale=current_locale())


# the order of day and month differs between the languages; Babel names the months
_DATE = {'ru': 'dd.MM.yyyy', 'en': 'd\xa0MMM\xa0yyyy'}  # a date never breaks across lines
_TIME = {'ru': ' HH:mm', 'en': ', HH:mm'}


def format_date(moment: datetime | None) -> str:
    locale = current_locale()
    return babel_datetime(local_time(moment), _DATE[locale], locale=locale) if moment else ''


def format_datetime(moment: datetime | None) -> str:
    locale = current_locale()
    return babel_datetime(local_time(moment), _DATE[locale] + _TIME[locale], locale=locale) if moment else ''


def paging_texts() -> dict[str, str]:
    """The props that word a table's paging in the reader's language (Quasar takes them from the app's one
    language pack, Russian), with the numbers grouped the reader's way."""
    tag = 'ru-RU' if current_locale() == 'ru' else 'en-GB'

    def number(name: str) -> str:
        return f"${{{name}.toLocaleString('{tag}')}}"

    shown = tr('table.paging', first=number('first'), last=number('last'), total=number('total'))
    selected = tr('table.rows_selected', count=number('count'))
    return {
        'rows-per-page-label': tr('table.rows_per_page'),
        ':pagination-label': f'(first, last, total) => `{shown}`',
        ':selected-rows-label': f'(count) => `{selected}`',
    }
