"""The account's time zone: dates are stored in UTC and shown, exported and imported in this zone."""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

from .models import as_utc

ACCOUNT_TZ = ZoneInfo(os.environ.get('VORONKA_TZ', 'Europe/Moscow'))


def to_local_naive(moment: datetime | None) -> datetime | None:
    """A stored moment as a spreadsheet shows it: the account's wall-clock time, without a zone."""
    return None if moment is None else as_utc(moment).astimezone(ACCOUNT_TZ).replace(tzinfo=None)


def from_local_naive(moment: datetime) -> datetime:
    """A wall-clock time read from a spreadsheet, taken in the account's zone, as aware UTC."""
    return as_utc(moment if moment.tzinfo else moment.replace(tzinfo=ACCOUNT_TZ))
