"""The ground's limits: one rule per kind of input, refusing with a message in the user's language."""

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from app.domain import limits
from app.domain.account_time import in_account_zone, to_local_naive
from app.domain.errors import InvalidInput


def test_a_text_loses_its_nul_characters_and_surrounding_spaces():
    assert limits.check_text('  Ива\x00нов \n', 300, 'field.name') == 'Иванов'
    assert limits.check_text(None, 300, 'field.name') == ''
    assert limits.clean_text('a\x00b\x00') == 'ab'


def test_a_one_line_text_has_its_runs_of_spaces_collapsed_before_it_is_measured():
    assert limits.check_text('Пётр' + ' ' * 500 + 'Иванов', 12, 'field.name', one_line=True) == 'Пётр Иванов'


def test_a_text_over_its_limit_is_refused_naming_the_field_and_the_limit_in_both_languages():
    assert limits.check_text('я' * 300, 300, 'field.name') == 'я' * 300
    with pytest.raises(InvalidInput) as refused:
        limits.check_text('я' * 301, 300, 'field.name')
    assert refused.value.key == 'error.too_long'
    assert refused.value.message('ru') == '«Имя» длиннее 300 символов: сократите'
    assert refused.value.message('en') == '“Name” is longer than 300 characters: please shorten it'


@pytest.mark.parametrize(
    'moment',
    [datetime(1900, 1, 1), datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2025, 5, 1, tzinfo=UTC)],
)
def test_moments_within_the_crms_years_are_accepted(moment):
    assert limits.check_moment(moment) is moment


@pytest.mark.parametrize(
    'moment',
    [
        datetime(9999, 12, 31, 23, 59, 59),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2201, 1, 1, tzinfo=UTC),
    ],
)
def test_moments_outside_the_crms_years_are_refused_before_any_conversion_could_overflow(moment):
    with pytest.raises(InvalidInput) as refused:
        limits.check_moment(moment)
    assert refused.value.key == 'error.date_range'
    assert '1900–2200' in refused.value.message('ru')


def test_days_outside_the_crms_years_are_refused():
    assert limits.check_day(date(2200, 12, 31)) == date(2200, 12, 31)
    with pytest.raises(InvalidInput):
        limits.check_day(date(1, 1, 1))


@pytest.mark.parametrize('amount', [0, 7_500_000.5, 10**12])
def test_money_from_nothing_to_a_thousand_billion_is_accepted(amount):
    assert limits.check_money(amount, 'deals.amount') == amount


@pytest.mark.parametrize('amount', [1e308, 10**12 + 1, -1, math.nan, math.inf, -math.inf])
def test_absurd_money_is_refused(amount):
    with pytest.raises(InvalidInput) as refused:
        limits.check_money(amount, 'deals.amount')
    assert refused.value.message('ru') == '«Сумма»: сумма должна быть от 0 до 1 000 000 000 000 ₽'


def test_a_client_gets_ten_phones_and_one_holding_more_from_before_keeps_them():
    limits.check_phone_count(10)
    with pytest.raises(InvalidInput) as refused:
        limits.check_phone_count(11)
    assert refused.value.message('en') == 'A client may have at most 10 phones'
    limits.check_phone_count(12, held=12)
    with pytest.raises(InvalidInput):
        limits.check_phone_count(13, held=12)


def test_a_search_is_cut_to_what_could_match_and_loses_its_nul_characters():
    assert limits.search_text('Ив\x00ан') == 'Иван'
    assert len(limits.search_text('я' * 5000)) == limits.SEARCH_MAX


class _Bounded(BaseModel):
    ids: list[limits.Id] = []
    count: limits.Count | None = None
    amount: limits.Money | None = None
    at: limits.Moment | None = None
    search: limits.SearchText = ''


@pytest.mark.parametrize(
    'values',
    [{'ids': [0]}, {'ids': [2**31]}, {'ids': [2**63]}, {'count': -1}, {'amount': 1e308}, {'amount': math.nan}],
)
def test_the_bounded_types_refuse_what_the_columns_cannot_hold(values):
    with pytest.raises(ValidationError):
        _Bounded(**values)


def test_the_bounded_types_accept_the_extremes_and_clean_the_search():
    model = _Bounded(ids=[1, 2**31 - 1], count=0, amount=10**12, at='2200-12-31T23:59:59+03:00', search='а\x00б')
    assert (model.ids, model.search) == ([1, 2**31 - 1], 'аб')
    with pytest.raises(InvalidInput):
        _Bounded(at='9999-12-31T23:59:59')


def test_a_stored_moment_at_the_edge_of_the_calendar_is_shown_as_stored_instead_of_overflowing():
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert in_account_zone(far) == far
    assert to_local_naive(far) == far.replace(tzinfo=None)
    assert in_account_zone(datetime(2025, 1, 1, tzinfo=UTC)).hour == 3  # Moscow, as usual
