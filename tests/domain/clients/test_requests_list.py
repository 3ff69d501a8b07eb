"""The requests list: every incoming contact of the clients a user may see, with the screens' filters."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.domain.attribution import check_attribution
from app.domain.clients import leads, requests_list
from app.domain.clients.requests_list import RequestFilter
from app.domain.models import Channel, Project, Request
from tests.factories import make_client, make_user


def _ids(db, model, *names) -> list[int]:
    with db.read() as session:
        rows = {row.name: row.id for row in session.exec(select(model))}
    return [rows[name] for name in names]


def _lead(db, actor, phone: str, channel: str, touch_type: str = 'request', **fields):
    with db.write() as session:
        return leads.receive_lead(
            session,
            actor=actor,
            name=fields.pop('name', 'Лид'),
            phone=phone,
            channel=channel,
            touch_type=touch_type,
            **fields,
        )


def _list(db, actor, **filters) -> requests_list.RequestPage:
    paging = {key: filters.pop(key) for key in ('offset', 'limit', 'sort', 'descending') if key in filters}
    with db.read() as session:
        return requests_list.list_requests(session, actor=actor, flt=RequestFilter(**filters), **paging)


def _set_received(db, request_id: int, moment: datetime) -> None:
    with db.write() as session:
        request = session.get(Request, request_id)
        request.created_at = moment
        session.add(request)


@pytest.fixture
def team(db):
    """Anna and Boris (managers who see everyone), Hidden (sees only her own), Olga (head), the site integration."""
    return {
        'anna': make_user(db, 'anna', name='Анна'),
        'boris': make_user(db, 'boris', name='Борис'),
        'hidden': make_user(db, 'hidden', name='Скрытая', can_see_others=False),
        'olga': make_user(db, 'olga', role='head'),
    }


def test_a_client_entered_by_hand_has_its_first_request_as_manual(db, team):
    anna = team['anna']
    client = make_client(db, anna, name='Ручной Клиент', phone='+79120000001', touch_type='request')

    assert [(r.source, r.touch_type, r.channel.name) for r in client.requests] == [('manual', 'request', 'Сайт')]
    page = _list(db, anna)
    assert page.total == 1
    assert page.items[0].client_name == 'Ручной Клиент'
    assert page.items[0].responsible.name == 'Анна'
    assert page.items[0].author.name == 'Анна'


def test_every_request_of_a_returning_client_is_listed_newest_first_with_the_exact_total(db, team):
    anna = team['anna']
    client = make_client(db, anna, phone='+79120000001')
    first = _lead(db, anna, '8 912 000-00-01', 'Авито')
    second = _lead(db, anna, '+7 912 000 00 01', 'ЦИАН', touch_type='call')

    page = _list(db, anna)
    assert page.total == 3
    assert [item.id for item in page.items[:2]] == [second.request_id, first.request_id]
    assert {item.client_id for item in page.items} == {client.id}
    assert [(i.source, i.touch_type) for i in page.items] == [
        ('integration', 'call'),
        ('integration', 'request'),
        ('manual', 'call'),
    ]
    paged = _list(db, anna, limit=2, offset=2)
    assert paged.total == 3
    assert len(paged.items) == 1


def test_filters_narrow_by_channel_project_touch_type_source_responsible_and_search(db, team):
    anna, boris = team['anna'], team['boris']
    with db.write() as session:
        session.add(Project(name='Северный', abbreviation='СЕВ'))
    make_client(db, anna, name='Иванов Иван', phone='+79120000001', touch_type='request')  # manual, Сайт
    make_client(db, boris, name='Петров Пётр', phone='+79130000002', touch_type='request')  # manual, Сайт
    _lead(db, anna, '+79120000001', 'Авито', touch_type='call')
    _lead(db, anna, '+79130000002', 'ЦИАН', project='СЕВ')
    avito, cian = _ids(db, Channel, 'Авито', 'ЦИАН')
    [north] = _ids(db, Project, 'Северный')

    assert _list(db, anna).total == 4
    assert _list(db, anna, channel_ids=[avito]).total == 1
    assert _list(db, anna, channel_ids=[avito, cian]).total == 2
    assert [i.client_name for i in _list(db, anna, project_ids=[north]).items] == ['Петров Пётр']
    assert [i.channel.name for i in _list(db, anna, touch_type='call').items] == ['Авито']
    assert _list(db, anna, touch_type='request').total == 3
    assert _list(db, anna, source='manual').total == 2
    assert _list(db, anna, source='integration').total == 2
    assert _list(db, anna, source='import').total == 0
    assert {i.client_name for i in _list(db, anna, responsible_ids=[boris.id]).items} == {'Петров Пётр'}
    assert _list(db, anna, responsible_ids=[boris.id]).total == 2
    assert {i.client_name for i in _list(db, anna, search='иванов').items} == {'Иванов Иван'}
    assert {i.client_name for i in _list(db, anna, search='913 000').items} == {'Петров Пётр'}
    assert _list(db, anna, search='8 913 000-00-02').total == 2
    assert _list(db, anna, channel_ids=[avito], search='Петров').total == 0


def test_the_period_is_to_the_minute_on_when_the_request_came_in(db, team):
    anna = team['anna']
    make_client(db, anna, phone='+79120000001')
    early = _lead(db, anna, '+79120000001', 'Авито')
    late = _lead(db, anna, '+79120000001', 'ЦИАН')
    _set_received(db, early.request_id, datetime(2025, 3, 1, 9, 30, 15, tzinfo=UTC))
    _set_received(db, late.request_id, datetime(2025, 3, 2, 18, 0, 40, tzinfo=UTC))

    march = _list(
        db,
        anna,
        created_from=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        created_to=datetime(2025, 3, 2, 18, 0, tzinfo=UTC),
    )
    assert {i.id for i in march.items} == {early.request_id, late.request_id}
    first_day = _list(db, anna, created_to=datetime(2025, 3, 1, 23, 59, tzinfo=UTC))
    assert [i.id for i in first_day.items] == [early.request_id]
    assert (
        _list(
            db, anna, created_from=datetime(2025, 3, 1, 9, 31, tzinfo=UTC), created_to=datetime(2025, 3, 2, tzinfo=UTC)
        ).total
        == 0
    )


def test_a_manager_who_may_not_see_others_gets_only_the_requests_of_her_own_clients(db, team):
    anna, hidden, olga = team['anna'], team['hidden'], team['olga']
    make_client(db, anna, name='Клиент Анны', phone='+79120000001')
    own = make_client(db, hidden, name='Свой Клиент', phone='+79120000002')
    _lead(db, anna, '+79120000001', 'Авито')
    _lead(db, anna, '+79120000002', 'Авито')

    mine = _list(db, hidden)
    assert mine.total == 2
    assert {i.client_id for i in mine.items} == {own.id}
    # asking for a colleague's clients or searching their phone finds nothing either
    anna_only = _list(db, hidden, responsible_ids=[anna.id])
    assert (anna_only.total, anna_only.items) == (0, [])
    assert _list(db, hidden, search='+79120000001').total == 0
    assert _list(db, olga).total == 4
    assert _list(db, anna).total == 4


def test_a_deactivated_user_sees_no_requests(db, team):
    anna = team['anna']
    make_client(db, anna, phone='+79120000001')
    assert _list(db, replace(anna, active=False)).total == 0


def test_sorting_by_client_name_and_the_filter_is_remembered_per_user(db, team):
    anna, boris = team['anna'], team['boris']
    make_client(db, anna, name='Яковлев', phone='+79120000001')
    make_client(db, anna, name='Андреев', phone='+79120000002')
    assert [i.client_name for i in _list(db, anna, sort='client', descending=False).items] == ['Андреев', 'Яковлев']

    [avito] = _ids(db, Channel, 'Авито')
    chosen = RequestFilter(channel_ids=[avito], touch_type='call', search='Андр')
    with db.write() as session:
        requests_list.save_request_filter(session, actor=anna, flt=chosen)
    with db.read() as session:
        assert requests_list.load_request_filter(session, actor=anna) == chosen
        assert requests_list.load_request_filter(session, actor=boris) == RequestFilter()


def test_a_utm_filter_with_a_nul_character_finds_what_was_stored_without_it(db, team):
    """A lead's tags are stored without NUL characters; the filter reads the same (PostgreSQL refused the query)."""
    attribution = check_attribution({'utm_source': 'yandex', 'utm_campaign': 'spring'})
    _lead(db, team['olga'], '+79161110001', 'Сайт', attribution=attribution)
    found = _list(db, team['olga'], utm_source='yan\x00dex', utm_campaign='spring')
    assert found.total == 1
