"""GET /api/v1/requests: the requests list for an integration, with the screen's filters and visibility."""

import asyncio

import httpx
import pytest
from sqlmodel import func, select

from app.api import api
from app.domain.models import Client, Request
from tests.factories import bearer, make_client, make_user


@pytest.fixture
def team(db):
    anna = make_user(db, 'anna', name='Анна Менеджерова')
    hidden = make_user(db, 'hidden', name='Скрытный Менеджер', can_see_others=False)
    return {'anna': (anna, bearer(db, 'anna')), 'hidden': (hidden, bearer(db, 'hidden'))}


def _channel_id(client, headers, name: str) -> int:
    return next(c['id'] for c in client.get('/channels', headers=headers).json() if c['name'] == name)


def test_requests_are_listed_with_filters_totals_and_paging(client, db, team):
    anna, headers = team['anna']
    make_client(db, anna, name='Ручной Клиент', phone='+79120000001', touch_type='request')
    for phone, channel, touch in (
        ('+79120000001', 'Авито', 'call'),
        ('+79120000002', 'Авито', 'request'),
        ('+79120000003', 'ЦИАН', 'call'),
    ):
        answer = client.post(
            '/leads', json={'name': 'Лид', 'phone': phone, 'channel': channel, 'touch_type': touch}, headers=headers
        )
        assert answer.status_code == 201

    everything = client.get('/requests', headers=headers)
    assert everything.status_code == 200
    assert everything.json()['total'] == 4
    newest = everything.json()['items'][0]
    assert (newest['channel']['name'], newest['touch_type'], newest['source']) == ('ЦИАН', 'call', 'integration')
    assert newest['responsible']['name'] == 'Анна Менеджерова'

    avito = _channel_id(client, headers, 'Авито')
    by_channel = client.get('/requests', params={'channel_id': avito}, headers=headers).json()
    assert by_channel['total'] == 2
    calls = client.get('/requests', params={'channel_id': avito, 'touch_type': 'call'}, headers=headers).json()
    assert [i['client_name'] for i in calls['items']] == ['Ручной Клиент']
    assert client.get('/requests', params={'source': 'manual'}, headers=headers).json()['total'] == 1
    assert client.get('/requests', params={'q': '9120000001'}, headers=headers).json()['total'] == 2
    page = client.get(
        '/requests', params={'limit': 3, 'offset': 3, 'sort': 'created_at', 'descending': False}, headers=headers
    )
    assert page.json()['total'] == 4
    assert [i['channel']['name'] for i in page.json()['items']] == ['ЦИАН']


def test_a_manager_who_may_not_see_others_gets_only_her_clients_requests(client, db, team):
    anna, _ = team['anna']
    hidden, hidden_headers = team['hidden']
    make_client(db, anna, name='Клиент Анны', phone='+79120000001')
    make_client(db, hidden, name='Свой Клиент', phone='+79120000002')

    answer = client.get('/requests', headers=hidden_headers).json()
    assert answer['total'] == 1
    assert [i['client_name'] for i in answer['items']] == ['Свой Клиент']
    assert client.get('/requests', params={'responsible_id': anna.id}, headers=hidden_headers).json()['total'] == 0


def test_requests_need_a_token_and_valid_parameters(client, team):
    assert client.get('/requests').status_code == 401
    _, headers = team['anna']
    bad = client.get('/requests', params={'source': 'fax'}, headers=headers)
    assert bad.status_code == 422
    assert 'source' in bad.json()['detail']


def test_a_burst_of_leads_queues_and_loses_none(db):
    """200 leads at once, a quarter of them repeat callers: every one is answered 201 after its commit,
    one client per phone, every call a request."""
    make_user(db, 'site', role='admin')
    headers = bearer(db, 'site')

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url='http://test') as http:
            posts = (
                http.post('/leads', json={'name': f'Лид {i}', 'phone': f'+7912{i % 150:07d}'}, headers=headers)
                for i in range(200)
            )
            return await asyncio.gather(*posts)

    answers = asyncio.run(burst())
    assert sorted({a.status_code for a in answers}) == [201]
    assert sorted(a.json()['status'] for a in answers).count('attached') == 50
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 150
        assert session.exec(select(func.count()).select_from(Request)).one() == 200


def test_a_flood_beyond_the_queue_is_refused_in_the_callers_language_and_writes_nothing(client, db, monkeypatch):
    """Bounded at the border: once QUEUE_MAX writes wait, a lead is answered 503 at once instead of queueing."""
    from app.domain import db as db_module

    make_user(db, 'site', role='admin')
    headers = bearer(db, 'site')
    monkeypatch.setattr(db_module, 'QUEUE_MAX', 0)
    answer = client.post('/leads', json={'name': 'Лид', 'phone': '+79120000001'}, headers=headers)
    assert answer.status_code == 503
    assert answer.json()['code'] == 'error.overloaded'
    assert 'перегружен' in answer.json()['detail']
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 0
