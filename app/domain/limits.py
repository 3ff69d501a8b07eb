"""Every size and range the CRM accepts, in one place: the services check them once, so the screens, the API and
the import refuse the same things, and the API's models quote the same numbers (OpenAPI documents them)."""

import math
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from .errors import InvalidInput

NAME_MAX = 300  # a client's or a request's name (the columns hold 300)
EMAIL_MAX = 254  # the longest address SMTP can deliver to
SITUATION_MAX = 10_000
COMMENT_MAX = 20_000  # a comment in a feed, a lead's comment, a note of an imported row
CUSTOM_TEXT_MAX = 2_000  # the value of a custom text field
TASK_TITLE_MAX = 300  # the column holds 300
PHONE_TEXT_MAX = 64  # a phone as typed, extension included (a request keeps it as it came, in 64)
SEARCH_MAX = NAME_MAX  # a longer search text could match no name
PHONES_MAX = 10  # per client
# telephony (app/domain/integrations/calls.py) and the desk phones it names
INTERNAL_NUMBER_MAX = 16  # digits of a PBX extension
CALL_ID_MAX = 128  # the provider's id of a call
CALL_MANAGER_MAX = 64  # an internal number or a login, as a provider reports who took the call
CALL_DURATION_MAX = 24 * 3600  # seconds: no call lasts a day
RECORDING_URL_MAX = 2048  # what every browser plays from; longer URLs are not links but payloads
# automation rules (app/domain/automation/)
RULE_NAME_MAX = 100  # the column holds 100
RULE_MINUTES_MAX = 60 * 24 * 30  # a wait or a task's due time, in working minutes: a month of them at most
YEAR_MIN, YEAR_MAX = 1900, 2200
MONEY_MAX = 10**12  # roubles: a thousand billion is beyond any deal
# levels of objects and lists in a free JSON value (a lead's `extra`, a site form's field): a deeper value is a
# payload, not data, and past ~250 levels the API could no longer send it back (serialization depth)
NESTING_MAX = 5
# Ids and counts fit the INTEGER columns, which are 32-bit on PostgreSQL: a bigger number names nothing and would
# make the driver fail (SQLite's 64-bit integers would only fail later, at 2**63)
INT_MAX = 2**31 - 1


def clean_text(value: str | None) -> str:
    """A text without NUL characters: PostgreSQL refuses to store them, and a lead must not be lost to one."""
    return (value or '').replace('\x00', '')


def nested_deeper_than(value, limit: int) -> bool:
    """Whether a JSON value holds more than `limit` levels of objects and lists, walked without recursion so that
    any depth is measured rather than raising RecursionError."""
    level = [value]
    for _ in range(limit + 1):
        level = [
            inner
            for item in level
            if isinstance(item, (dict, list))
            for inner in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True


def check_text(value: str | None, limit: int, field: str, *, one_line: bool = False) -> str:
    """A text as stored: NUL removed, trimmed (a one-line text also has its runs of spaces collapsed); refused when
    still longer than its limit, so the user is asked to shorten it. `field` is its name or a text key."""
    text = clean_text(value)
    text = ' '.join(text.split()) if one_line else text.strip()
    if len(text) > limit:
        raise InvalidInput('error.too_long', field=field, limit=limit)
    return text


def check_phone_count(count: int, *, held: int = 0) -> None:
    """A client has at most PHONES_MAX numbers; one that `held` more before the limit keeps that many."""
    if count > max(PHONES_MAX, held):
        raise InvalidInput('error.too_many_phones', limit=PHONES_MAX)


def _check_year(value: date, year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput('error.date_range', value=value.isoformat(), first=YEAR_MIN, last=YEAR_MAX)


def check_moment(value: datetime) -> datetime:
    """A moment in the years the CRM works with; the year is read on the moment's own clock, so converting an
    accepted one to UTC or to the account's zone can never overflow."""
    _check_year(value, value.year)
    return value


def check_day(value: date) -> date:
    """A calendar day in the years the CRM works with."""
    _check_year(value, value.year)
    return value


def check_money(value: float, field: str) -> float:
    """An amount of roubles from 0 to MONEY_MAX; NaN and infinities are refused. `field` is its name or a text key."""
    if not math.isfinite(value) or not 0 <= value <= MONEY_MAX:
        raise InvalidInput('error.money_range', field=field, limit=f'{MONEY_MAX:,}'.replace(',', ' '))
    return value


def search_text(value: str | None) -> str:
    """A search is a question, not data: NUL removed and cut to what could match, never refused."""
    return clean_text(value)[:SEARCH_MAX]


# The same bounds as types, for the domain's own models (filters) and the API's: pydantic checks them when the
# model is made, FastAPI answers 422 and OpenAPI shows the numbers.
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
Money = Annotated[float, Field(ge=0, le=MONEY_MAX, allow_inf_nan=False)]
Moment = Annotated[datetime, AfterValidator(check_moment), Field(description=f'years {YEAR_MIN}–{YEAR_MAX}')]
Day = Annotated[date, AfterValidator(check_day), Field(description=f'years {YEAR_MIN}–{YEAR_MAX}')]
SearchText = Annotated[str, AfterValidator(search_text)]
