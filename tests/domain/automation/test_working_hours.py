"""Working minutes: counted only inside the account's working days and hours, across a weekend and across a
daylight-saving change (Europe/Berlin has one; Moscow has none)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.domain.account.working_hours import WorkingHours, set_working_hours, working_hours
from app.domain.errors import InvalidInput, PermissionDenied
from tests.factories import make_user

BERLIN = ZoneInfo('Europe/Berlin')
WEEKDAYS = WorkingHours(frozenset(range(5)), time(9), time(18), BERLIN)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_minutes_inside_the_working_day_are_plain_minutes():
    assert WEEKDAYS.add_working_minutes(local(2024, 5, 14, 10, 0), 15) == local(2024, 5, 14, 10, 15)


def test_what_is_left_at_the_end_of_friday_goes_on_on_monday_morning():
    assert WEEKDAYS.add_working_minutes(local(2024, 5, 17, 17, 50), 30) == local(2024, 5, 20, 9, 20)


def test_a_lead_arriving_on_saturday_is_due_on_monday_after_the_opening():
    assert WEEKDAYS.add_working_minutes(local(2024, 5, 18, 12, 0), 15) == local(2024, 5, 20, 9, 15)


def test_a_night_lead_waits_for_the_morning_of_the_same_day():
    assert WEEKDAYS.add_working_minutes(local(2024, 5, 14, 3, 0), 30) == local(2024, 5, 14, 9, 30)


def test_the_clocks_going_forward_over_a_weekend_keep_the_wall_clock_opening():
    # Berlin springs forward on Sunday 31 March 2024: Friday 17:45 + 30 working minutes is Monday 9:15 local,
    # which is 7:15 UTC (summer time) where the Friday was 16:45 UTC (winter time)
    due = WEEKDAYS.add_working_minutes(local(2024, 3, 29, 17, 45), 30)
    assert due == local(2024, 4, 1, 9, 15)
    assert due.astimezone(UTC) == datetime(2024, 4, 1, 7, 15, tzinfo=UTC)


def test_a_round_the_clock_day_on_which_the_clocks_change_counts_real_minutes():
    always = WorkingHours(frozenset(range(7)), time(0), time(23, 59), BERLIN)
    # 1:30 local + 60 minutes on the night of the change: 2:00 does not exist, so it is 3:30 summer time
    assert always.add_working_minutes(local(2024, 3, 31, 1, 30), 60) == local(2024, 3, 31, 3, 30)


def test_the_admin_sets_the_working_hours_and_bad_ones_are_refused(db):
    admin = make_user(db, 'admin', role='admin')
    manager = make_user(db, 'anna')
    with db.write() as session:
        set_working_hours(
            session, actor=admin, days=[0, 1, 2, 3, 4, 5], start='10:00', end='19:00', zone='Europe/Berlin'
        )
    with db.read() as session:
        hours = working_hours(session)
    assert (sorted(hours.days), hours.start, hours.end, hours.zone) == ([0, 1, 2, 3, 4, 5], time(10), time(19), BERLIN)
    for bad in ({'days': []}, {'start': '19:00', 'end': '10:00'}, {'zone': 'Марс/Олимп'}, {'start': '25:99'}):
        values = {'days': [0], 'start': '09:00', 'end': '18:00', 'zone': '', **bad}
        with db.write() as session, pytest.raises(InvalidInput):
            set_working_hours(session, actor=admin, **values)
    with db.write() as session, pytest.raises(PermissionDenied):
        set_working_hours(session, actor=manager, days=[0], start='09:00', end='18:00')
