"""The account's time zone: dates are stored in UTC and shown, exported and imported in this zone."""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

from .models import as_utc

ACCOUNT_TZ = ZoneInfo(os.environ.get('VORONKA_TZ', 'Europe/Moscow'))


def in_account_zone(moment: datetime) -> datetime:
    """A stored moment on the account's clock. One at the very edge of the calendar (a year-9999 due time saved
    before dates were bounded) cannot be shifted: it is shown as stored, in UTC, rather than break the screen."""
    try:
        return as_utc(moment).astimezone(ACCOUNT_TZ)
    except OverflowError:
        return moment


def to_local_naive(moment: datetime | None) -> datetime | None:
    """A stored moment as a spreadsheet shows it: the account's wall-clock time, without a zone."""
    return None if moment is None else in_account_zone(moment).replace(tzinfo=None)


def from_local_naive(moment: datetime) -> datetime:
    """A wall-clock time read from a spreadsheet, taken in the account's zone, as aware UTC."""
    return as_utc(moment if moment.tzinfo else moment.replace(tzinfo=ACCOUNT_TZ))
