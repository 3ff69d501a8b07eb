"""Counts, numbers, money and dates in the reader's language (Babel), and the table's paging in English."""

from datetime import UTC, datetime

import pytest
from nicegui import ElementFilter
from nicegui.testing import User

from app.components import locale
from tests.factories import make_client, make_user
from tests.ui.test_board import log_in


@pytest.fixture
def reader(monkeypatch):
    def read_in(language: str) -> None:
        monkeypatch.setattr(locale, 'current_locale', lambda: language)

    return read_in


def test_counts_take_the_russian_plural_forms(reader):
    reader('ru')
    forms = {n: locale.count('count.clients', n) for n in (1, 2, 5, 11, 21, 22, 112, 1234)}
    assert forms == {
        1: '1 клиент',
        2: '2 клиента',
        5: '5 клиентов',
        11: '11 клиентов',
        21: '21 клиент',
        22: '22 клиента',
        112: '112 клиентов',
        1234: '1\xa0234 клиента',
    }
    reader('en')
    assert [locale.count('count.clients', n) for n in (1, 2, 1234)] == ['1 client', '2 clients', '1,234 clients']


def test_numbers_and_money_are_grouped_by_thousands(reader):
    reader('ru')
    assert locale.format_money(12_500_000) == '12\xa0500\xa0000\xa0₽'
    assert (locale.format_number(54.3), locale.format_number(12_500), locale.format_share(0.125)) == (
        '54,3',
        '12\xa0500',
        '12,5%',
    )
    reader('en')
    assert locale.format_money(12_500_000) == '12,500,000\xa0RUB'
    assert (locale.format_number(54.3), locale.format_share(0.125)) == ('54.3', '12.5%')


def test_dates_in_both_languages(reader):
    moment = datetime(2026, 3, 1, 9, 5, tzinfo=UTC)  # 12:05 in the account's zone (Moscow)
    reader('ru')
    assert (locale.format_date(moment), locale.format_datetime(moment)) == ('01.03.2026', '01.03.2026 12:05')
    reader('en')
    assert (locale.format_date(moment), locale.format_datetime(moment)) == (
        '1\xa0Mar\xa02026',
        '1\xa0Mar\xa02026, 12:05',
    )


async def test_a_users_client_count_reads_right_in_the_settings(user: User, db):
    make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    for number in range(2):
        make_client(db, anna, name=f'Клиент {number}', phone=f'+7912000001{number}')
    await log_in(user, 'admin')
    await user.open('/settings')
    await user.should_see(marker=f'user-clients-{anna.id}', retries=100)
    await user.should_see('2 клиента')


async def test_the_table_pages_in_english(user: User, db):
    anna = make_user(db, 'anna')
    make_client(db, anna)
    await log_in(user, 'anna')
    user.find(marker='locale-en').click()
    await user.should_see('Mine', retries=50)
    await user.open('/table')
    await user.should_see(marker='table-ready', retries=100)
    with user:
        [table] = list(ElementFilter(marker='clients-table'))
        props = table.props
    assert props['rows-per-page-label'] == 'Rows per page'
    assert props[':pagination-label'] == (
        "(first, last, total) => `${first.toLocaleString('en-GB')}–${last.toLocaleString('en-GB')} "
        "of ${total.toLocaleString('en-GB')}`"
    )
    assert props[':selected-rows-label'] == "(count) => `Rows selected: ${count.toLocaleString('en-GB')}`"
