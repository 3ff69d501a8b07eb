"""POST /leads with attribution and safe retries; GET /requests filtered by utm tags."""

import asyncio
import json

import httpx
from sqlmodel import func, select

from app.api import api
from app.domain.models import Request
from tests.factories import bearer, make_user

LEAD = {'name': 'Иванов Иван', 'phone': '8 (912) 345-67-89'}
YANDEX = {'utm_source': 'yandex', 'utm_medium': 'cpc', 'utm_campaign': 'spring_sale'}


def _requests(db) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(Request)).one()


def test_a_lead_with_attribution_is_stored_listed_and_filtered(client, db):
    make_user(db, 'site', role='admin')
    headers = bearer(db, 'site')
    body = {**LEAD, **YANDEX, 'roistat_visit': '123', 'landing_url': 'https://les.ru/?utm_source=yandex'}
    answer = client.post('/leads', json={**body, 'extra': {'yclid': '9'}}, headers=headers)
    assert answer.status_code == 201
    client.post('/leads', json={'name': 'Другой', 'phone': '+79120000002', 'utm_source': 'google'}, headers=headers)
    listed = client.get('/requests', params={'utm_source': 'yandex'}, headers=headers).json()
    assert listed['total'] == 1
    assert listed['items'][0]['attribution'] == {
        **dict.fromkeys(('utm_content', 'utm_term', 'referrer', 'calltouch_session_id', 'comagic_visitor_id'), ''),
        **YANDEX,
        'roistat_visit': '123',
        'landing_url': 'https://les.ru/?utm_source=yandex',
        'extra': {'yclid': '9'},
    }
    assert client.get('/requests', params={'utm_medium': 'cpc', 'utm_campaign': 'x'}, headers=headers).json() == {
        'total': 0,
        'items': [],
    }
    one = client.get(f'/clients/{answer.json()["client_id"]}', headers=headers).json()
    assert one['requests'][0]['attribution']['utm_campaign'] == 'spring_sale'


def test_todays_callers_without_attribution_keep_working(client, db):
    make_user(db, 'site', role='admin')
    answer = client.post('/leads', json=LEAD, headers=bearer(db, 'site'))
    assert answer.status_code == 201 and answer.json()['status'] == 'created'


def test_attribution_out_of_bounds_is_a_422_in_the_callers_language(client, db):
    make_user(db, 'site', role='admin')
    headers = bearer(db, 'site')
    too_long = client.post('/leads', json={**LEAD, 'utm_source': 'x' * 201}, headers=headers)
    assert too_long.status_code == 422 and 'utm_source' in too_long.json()['detail']
    big = client.post(
        '/leads', json={**LEAD, 'extra': {'blob': 'x' * 5000}}, headers={**headers, 'Accept-Language': 'en'}
    )
    assert big.status_code == 422
    assert big.json()['code'] == 'attribution.error.extra_size'
    assert big.json()['detail'] == 'extra is at most 4096 bytes as JSON: shorten it'
    not_object = client.post('/leads', json={**LEAD, 'extra': [1, 2]}, headers=headers)
    assert not_object.status_code == 422
    assert _requests(db) == 0


def test_a_deeply_nested_extra_is_refused_so_the_request_stays_readable(client, db):
    """300 levels of lists were taken, and then GET /requests and the client answered 500 for good."""
    make_user(db, 'site', role='admin')
    headers = {**bearer(db, 'site'), 'Accept-Language': 'en'}
    body = json.dumps(LEAD)[:-1] + ', "extra": {"a": ' + '[' * 300 + ']' * 300 + '}}'
    deep = client.post('/leads', content=body, headers={**headers, 'Content-Type': 'application/json'})
    assert deep.status_code == 422
    assert deep.json() == {
        'detail': 'extra nests objects and lists at most 5 levels deep',
        'code': 'attribution.error.extra_depth',
    }
    assert _requests(db) == 0
    five = {'a': {'b': [{'c': [1, 2]}]}}
    taken = client.post('/leads', json={**LEAD, 'extra': five}, headers=headers)
    assert taken.status_code == 201
    listed = client.get('/requests', headers=headers)
    assert listed.status_code == 200 and [r['attribution']['extra'] for r in listed.json()['items']] == [five]
    assert client.get(f'/clients/{taken.json()["client_id"]}', headers=headers).status_code == 200


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer_and_no_second_request(client, db):
    make_user(db, 'site', role='admin')
    headers = {**bearer(db, 'site'), 'Idempotency-Key': 'order-77'}
    first = client.post('/leads', json={**LEAD, **YANDEX}, headers=headers)
    again = client.post('/leads', json={**YANDEX, **LEAD}, headers=headers)  # the same body, another key order
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers.get('Idempotent-Replayed') == 'true' and 'Idempotent-Replayed' not in first.headers
    assert _requests(db) == 1
    by_body = client.post('/leads', json={**LEAD, 'external_id': 'order-78'}, headers=bearer(db, 'site'))
    assert by_body.status_code == 201
    assert _requests(db) == 2


def test_the_same_key_with_another_body_is_a_409_and_another_token_has_its_own_keys(client, db):
    make_user(db, 'site', role='admin')
    headers = bearer(db, 'site')
    client.post('/leads', json={**LEAD, 'external_id': 'k1'}, headers=headers)
    changed = client.post('/leads', json={**LEAD, 'comment': 'другое', 'external_id': 'k1'}, headers=headers)
    assert changed.status_code == 409
    assert changed.json()['code'] == 'error.idempotency_mismatch'
    other_token = client.post(
        '/leads', json={**LEAD, 'comment': 'другое', 'external_id': 'k1'}, headers=bearer(db, 'site')
    )
    assert other_token.status_code == 201 and other_token.json()['status'] == 'attached'
    assert _requests(db) == 2
    assert client.post('/leads', json={**LEAD, 'external_id': 'k' * 201}, headers=headers).status_code == 422


def test_concurrent_retries_over_http_make_one_request(db):
    make_user(db, 'site', role='admin')
    headers = {**bearer(db, 'site'), 'Idempotency-Key': 'net-blip'}

    async def retries() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url='http://test') as http:
            return await asyncio.gather(*(http.post('/leads', json=LEAD, headers=headers) for _ in range(30)))

    answers = asyncio.run(retries())
    assert {a.status_code for a in answers} == {201}
    assert len({a.text for a in answers}) == 1
    assert sum(a.headers.get('Idempotent-Replayed') != 'true' for a in answers) == 1
    assert _requests(db) == 1
