"""Money is 0 to 10^12 roubles everywhere a deal takes it (booking, a unit's price, the filters); deal comments and
the free-text object are bounded like the client's texts."""

import math

import pytest
from pydantic import ValidationError
from sqlmodel import func, select

from app.domain.clients.filters import ClientFilter
from app.domain.deals import deal_board, deals, units
from app.domain.deals.deal_board import DealFilter
from app.domain.errors import InvalidInput
from app.domain.limits import COMMENT_MAX, MONEY_MAX
from app.domain.models import Deal, FeedEntry, PropertyUnit
from tests.factories import make_client, make_user


def _count(db, model) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _book(db, actor, client_id: int, **fields):
    with db.write() as session:
        return deals.book_client(session, actor=actor, client_id=client_id, project_id=None, **fields)


@pytest.mark.parametrize('amount', [1e308, MONEY_MAX + 1, math.inf, math.nan, '1e308'])
def test_an_absurd_booking_amount_is_refused_and_no_deal_is_made(db, amount):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with pytest.raises(InvalidInput):
        _book(db, anna, client.id, unit='кв. 1', amount=amount)
    assert _count(db, Deal) == 0


def test_a_booking_of_a_thousand_billion_is_accepted(db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    assert _book(db, anna, client.id, unit='кв. 1', amount=MONEY_MAX).deals[0].amount == MONEY_MAX


def test_a_free_text_object_over_the_columns_length_is_refused(db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with pytest.raises(InvalidInput) as refused:
        _book(db, anna, client.id, unit='кв' * 51, amount=1_000_000)
    assert refused.value.message('ru') == '«Объект» длиннее 100 символов: сократите'


def test_a_units_price_over_a_thousand_billion_is_refused(db):
    admin = make_user(db, 'boss', 'admin')
    with pytest.raises(InvalidInput) as refused:
        with db.write() as session:
            units.add_unit(session, actor=admin, project_id=None, label='кв. 1', price=1e308)
    assert refused.value.key == 'error.money_range'
    assert _count(db, PropertyUnit) == 0


def test_a_deal_comment_over_the_limit_is_refused(db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    deal_id = _book(db, anna, client.id, unit='кв. 1', amount=1_000_000).deals[0].id
    before = _count(db, FeedEntry)
    with pytest.raises(InvalidInput):
        with db.write() as session:
            deal_board.add_deal_comment(session, actor=anna, deal_id=deal_id, text='к' * (COMMENT_MAX + 1))
    assert _count(db, FeedEntry) == before


@pytest.mark.parametrize(
    'make',
    [
        lambda: DealFilter(amount_min=1e308),
        lambda: DealFilter(amount_max=math.nan),
        lambda: DealFilter(amount_min=-1),
        lambda: ClientFilter(deals_sum_max=math.inf),
        lambda: ClientFilter(deals_sum_min=MONEY_MAX + 1),
    ],
)
def test_filters_on_money_take_only_amounts_a_deal_can_have(make):
    with pytest.raises(ValidationError):
        make()


def test_a_deal_filter_day_outside_the_crms_years_is_refused_instead_of_overflowing(db):
    with pytest.raises(InvalidInput):
        DealFilter(created_to='9999-12-31')
