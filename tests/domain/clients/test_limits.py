"""The client services refuse what is over the limits, write nothing then, and never lose a lead to a bad character;
rows stored before the limits are kept and shown, and a save asks to shorten what is over."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import func, select

from app.domain.account import admin_lists
from app.domain.clients import clients, feed, leads, tasks
from app.domain.clients.filters import ClientFilter, load_filter
from app.domain.clients.requests_list import RequestFilter
from app.domain.errors import InvalidInput
from app.domain.limits import COMMENT_MAX, PHONES_MAX, SITUATION_MAX
from app.domain.models import Client, ClientPhone, FeedEntry, Request, Task, UserPreference
from tests.factories import make_client, make_user

PHONES = [f'+7912000{n:04d}' for n in range(20)]


def _count(db, model) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _stored(db, client_id: int) -> Client:
    with db.read() as session:
        return session.get(Client, client_id)


def _update(db, actor, client_id: int, **changes):
    with db.write() as session:
        return clients.update_client(session, actor=actor, client_id=client_id, changes=changes)


def _give_phones(db, client_id: int, count: int) -> None:
    """Numbers a client got before the limit existed."""
    with db.write() as session:
        for position, number in enumerate(PHONES[1:count], start=1):
            session.add(ClientPhone(client_id=client_id, number=number, position=position))


@pytest.fixture
def anna(db):
    return make_user(db, 'anna')


def test_a_new_client_with_a_situation_over_the_limit_is_refused_and_nothing_is_written(db, anna):
    with pytest.raises(InvalidInput) as refused:
        make_client(db, anna, situation='я' * (SITUATION_MAX + 1))
    assert refused.value.message('ru') == '«Ситуация» длиннее 10000 символов: сократите'
    assert (_count(db, Client), _count(db, Request), _count(db, FeedEntry)) == (0, 0, 0)


@pytest.mark.parametrize('field, limit', [('name', 300), ('email', 254), ('situation', 10_000)])
def test_a_client_text_at_its_limit_is_saved_and_one_over_it_is_refused(db, anna, field, limit):
    client = make_client(db, anna)
    _update(db, anna, client.id, **{field: 'a' * limit})
    assert getattr(_stored(db, client.id), field) == 'a' * limit
    with pytest.raises(InvalidInput):
        _update(db, anna, client.id, **{field: 'b' * (limit + 1)})
    assert getattr(_stored(db, client.id), field) == 'a' * limit


def test_nul_characters_never_reach_the_database(db, anna):
    client = make_client(db, anna, name='Ива\x00нов', email='a\x00@b.ru', situation='Ищет\x00 двушку')
    stored = _stored(db, client.id)
    assert (stored.name, stored.name_folded, stored.email, stored.situation) == (
        'Иванов',
        'иванов',
        'a@b.ru',
        'Ищет двушку',
    )
    with db.read() as session:
        assert session.exec(select(Request.name)).one() == 'Иванов'


def test_a_stored_over_long_situation_is_kept_and_shown_other_fields_still_save_and_saving_it_asks_to_shorten(db, anna):
    client = make_client(db, anna)
    with db.write() as session:
        session.get(Client, client.id).situation = 'я' * (SITUATION_MAX + 5)
    _update(db, anna, client.id, name='Новое Имя')
    with db.read() as session:
        assert len(clients.get_client(session, actor=anna, client_id=client.id).situation) == SITUATION_MAX + 5
    with pytest.raises(InvalidInput) as refused:
        _update(db, anna, client.id, situation='я' * (SITUATION_MAX + 5))
    assert refused.value.key == 'error.too_long'


def test_a_client_gets_at_most_ten_phones(db, anna):
    make_client(db, anna, phone=PHONES[0])
    with db.write() as session:
        clients.create_client(session, actor=anna, name='Десять', phones=PHONES[10:20])
    with pytest.raises(InvalidInput) as refused:
        with db.write() as session:
            clients.create_client(
                session, actor=anna, name='Одиннадцать', phones=[f'+7913000{n:04d}' for n in range(11)]
            )
    assert refused.value.key == 'error.too_many_phones'
    with pytest.raises(InvalidInput):
        with db.write() as session:
            clients.create_client(session, actor=anna, name='Пять тысяч', phones=[f'+7914{n:06d}' for n in range(5000)])
    assert _count(db, Client) == 2


def test_an_edit_cannot_give_a_client_an_eleventh_phone(db, anna):
    client = make_client(db, anna, phone=PHONES[0])
    _update(db, anna, client.id, phones=PHONES[:PHONES_MAX])
    with pytest.raises(InvalidInput):
        _update(db, anna, client.id, phones=PHONES[: PHONES_MAX + 1])
    assert _count(db, ClientPhone) == PHONES_MAX


def test_a_client_with_more_phones_from_before_keeps_them_may_drop_some_but_gets_no_new_one(db, anna):
    client = make_client(db, anna, phone=PHONES[0])
    _give_phones(db, client.id, 12)
    _update(db, anna, client.id, name='Всё ещё двенадцать', phones=PHONES[:12])
    _update(db, anna, client.id, phones=PHONES[:11])
    assert _count(db, ClientPhone) == 11
    with pytest.raises(InvalidInput):
        _update(db, anna, client.id, phones=[*PHONES[:10], PHONES[15]])
    assert _count(db, ClientPhone) == 11


def test_a_comment_over_the_limit_is_refused_and_one_at_it_is_kept(db, anna):
    client = make_client(db, anna)
    with db.write() as session:
        entry = feed.add_comment(session, actor=anna, client_id=client.id, text='к' * COMMENT_MAX)
    with pytest.raises(InvalidInput) as refused:
        with db.write() as session:
            feed.edit_comment(session, actor=anna, comment_id=entry.id, text='к' * (COMMENT_MAX + 1))
    assert refused.value.message('en') == '“Comment” is longer than 20000 characters: please shorten it'
    with db.write() as session:
        assert feed.add_comment(session, actor=anna, client_id=client.id, text='При\x00вет').text == 'Привет'


def test_a_task_title_over_the_limit_or_a_due_time_outside_the_crms_years_is_refused(db, anna):
    client = make_client(db, anna)
    soon = datetime.now(UTC) + timedelta(days=1)
    for title, due_at in (
        ('з' * 301, soon),
        ('Перезвонить', datetime(9999, 12, 31, 23, 59, 59)),
        ('Перезвонить', datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))),
    ):
        with pytest.raises(InvalidInput):
            with db.write() as session:
                tasks.add_task(session, actor=anna, client_id=client.id, title=title, due_at=due_at)
    assert _count(db, Task) == 0
    assert _stored(db, client.id).next_due_at is None


def test_a_lead_with_nul_characters_is_stored_without_them_and_never_lost(db, anna):
    with db.write() as session:
        result = leads.receive_lead(
            session,
            actor=anna,
            name='Пётр\x00 Лидов',
            phone='+7 912 345-67-89\x00',
            comment='Перезвонить\x00',
            channel='Са\x00йт?',
        )
    assert result.status == 'created'
    with db.read() as session:
        request = session.exec(select(Request)).one()
        client = session.get(Client, result.client_id)
    assert '\x00' not in request.name + request.phone + request.comment + client.name
    assert client.name == 'Пётр Лидов'


def test_a_lead_with_a_name_or_comment_over_the_limit_is_refused(db, anna):
    for fields in ({'name': 'и' * 301}, {'comment': 'к' * (COMMENT_MAX + 1)}):
        with pytest.raises(InvalidInput):
            with db.write() as session:
                leads.receive_lead(session, actor=anna, phone='+79123456789', **{'name': 'Лид', **fields})
    assert _count(db, Client) == 0


def test_a_custom_text_or_date_its_limits_refuse_is_not_saved(db, anna):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        note = admin_lists.add_custom_field(session, actor=admin, name='Заметка', kind='text')
        moved_in = admin_lists.add_custom_field(session, actor=admin, name='Дата заезда', kind='date')
    client = make_client(db, anna, custom={str(note): 'Тихий\x00 район', str(moved_in): '2030-05-01'})
    assert _stored(db, client.id).custom == {str(note): 'Тихий район', str(moved_in): '2030-05-01'}
    for value in ({str(note): 'т' * 2001}, {str(moved_in): '9999-12-31'}, {str(moved_in): '0001-01-01'}):
        with pytest.raises(InvalidInput) as refused:
            _update(db, anna, client.id, custom=value)
        assert refused.value.key in ('error.too_long', 'error.date_range')
    assert _stored(db, client.id).custom == {str(note): 'Тихий район', str(moved_in): '2030-05-01'}


def test_filters_refuse_dates_outside_the_crms_years_and_clean_their_search(db, anna):
    make_client(db, anna, name='Иванов')
    with pytest.raises(InvalidInput):
        ClientFilter(created_from=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))))
    with pytest.raises(InvalidInput):
        RequestFilter(created_to=datetime(9999, 12, 31))
    with db.read() as session:
        page = clients.list_clients(session, actor=anna, flt=ClientFilter(search='Ива\x00нов'))
    assert [c.name for c in page.items] == ['Иванов']


def test_a_filter_saved_with_a_date_before_the_limits_starts_clean_instead_of_breaking_the_board(db, anna):
    with db.write() as session:
        session.add(
            UserPreference(user_id=anna.id, key='client_filter', value={'value': {'created_from': '9999-01-01T00:00'}})
        )
    with db.read() as session:
        assert load_filter(session, actor=anna) == ClientFilter()
