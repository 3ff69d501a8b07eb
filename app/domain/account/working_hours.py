"""The account's working days and hours: timed rules, automatic tasks and the speed-to-lead clock count working
minutes on this clock. Set once by an admin (Settings → «Автоматизация»); the time zone is VORONKA_TZ unless the
setting names one."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..account_time import ACCOUNT_TZ
from ..errors import InvalidInput
from ..memo import Believed
from ..models import AccountSetting, as_utc
from ..permissions import Actor, ensure_admin
from .audit import record_change

WORKING_HOURS_KEY = 'working_hours'
DEFAULT = {'days': [0, 1, 2, 3, 4], 'start': '09:00', 'end': '18:00', 'zone': ''}
SEARCH_DAYS = 400  # how far ahead a working moment is looked for: beyond a year of holidays nothing is open


@dataclass(frozen=True)
class WorkingHours:
    """Working weekdays (0 = Monday) and one daily window on the account's wall clock."""

    days: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo

    def as_setting(self) -> dict:
        return {
            'days': sorted(self.days),
            'start': self.start.strftime('%H:%M'),
            'end': self.end.strftime('%H:%M'),
            'zone': '' if self.zone == ACCOUNT_TZ else self.zone.key,
        }

    @property
    def weekly_minutes(self) -> int:
        return len(self.days) * ((self.end.hour - self.start.hour) * 60 + self.end.minute - self.start.minute)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """The day's working window as moments: a day on which the clocks change is shorter or longer in
        real minutes, and counting real minutes is what keeps "15 working minutes" honest across it."""
        return (
            datetime.combine(day, self.start, self.zone).astimezone(UTC),
            datetime.combine(day, self.end, self.zone).astimezone(UTC),
        )

    def add_working_minutes(self, moment: datetime, minutes: int) -> datetime:
        """The moment `minutes` working minutes after `moment` (the next opening when it is outside the hours)."""
        remaining = timedelta(minutes=minutes)
        moment = as_utc(moment)
        day = moment.astimezone(self.zone).date()
        for _ in range(SEARCH_DAYS):
            if day.weekday() in self.days:
                opens, closes = self._window(day)
                begin = max(moment, opens)
                if begin < closes:
                    if begin + remaining <= closes:
                        return begin + remaining
                    remaining -= closes - begin
            day += timedelta(days=1)
        return moment + remaining  # no working day at all: the clock runs round the clock

    def windows_between(self, begin: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The working windows (as moments) that overlap [begin, end), each cut to it."""
        begin, end = as_utc(begin), as_utc(end)
        found = []
        day = begin.astimezone(self.zone).date() - timedelta(days=1)  # a window may start the local day before
        while day <= end.astimezone(self.zone).date():
            if day.weekday() in self.days:
                opens, closes = self._window(day)
                if max(opens, begin) < min(closes, end):
                    found.append((max(opens, begin), min(closes, end)))
            day += timedelta(days=1)
        return found

    def working_seconds(self, begin: datetime, end: datetime) -> int:
        """How many working seconds lie between two moments (none when `end` is not later)."""
        return int(sum((closes - opens).total_seconds() for opens, closes in self.windows_between(begin, end)))


def _zone(name: str) -> ZoneInfo:
    if not name:
        return ACCOUNT_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput('automation.error.zone', zone=name) from None


def _clock(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput('automation.error.clock', value=str(value)[:16]) from None


def parse_working_hours(value: dict) -> WorkingHours:
    """The setting as stored, checked: at least one day, a window that opens before it closes, a known zone."""
    days = value.get('days')
    if not isinstance(days, list) or not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise InvalidInput('automation.error.days')
    start, end = _clock(value.get('start')), _clock(value.get('end'))
    if start >= end:
        raise InvalidInput('automation.error.window')
    return WorkingHours(frozenset(days), start, end, _zone(value.get('zone') or ''))


_believed = Believed(10, watched=(AccountSetting,))


def working_hours(session) -> WorkingHours:
    """The account's working hours (the default week of 9 to 18 until an admin sets them)."""

    def load() -> WorkingHours:
        row = session.get(AccountSetting, WORKING_HOURS_KEY)
        return parse_working_hours({**DEFAULT, **(row.value if row else {})})

    return _believed.get(WORKING_HOURS_KEY, load)


def set_working_hours(session, *, actor: Actor, days: list[int], start: str, end: str, zone: str = '') -> WorkingHours:
    """Admins set the working week once for the account; written to the audit log."""
    ensure_admin(actor)
    hours = parse_working_hours({'days': sorted(set(days)), 'start': start, 'end': end, 'zone': zone.strip()})
    row = session.get(AccountSetting, WORKING_HOURS_KEY) or AccountSetting(key=WORKING_HOURS_KEY)
    row.value = hours.as_setting()
    session.add(row)
    record_change(session, actor, 'automation', 'working_hours', **row.value)
    session.flush()
    return hours


def known_zones() -> list[str]:
    """The zones an admin may choose from, for the settings' select."""
    return sorted(available_timezones())
