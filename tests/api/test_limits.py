"""No input breaks the API: an oversized text, an absurd number or date is a 422 naming the problem, nothing is
written, and a bad character never costs a lead."""

import json

import pytest
from sqlmodel import func, select

from app.domain.limits import INT_MAX, SITUATION_MAX
from app.domain.models import Client, ClientPhone, Deal, Request, Task
from tests.factories import bearer, make_client, make_user


@pytest.fixture
def anna(db):
    return make_user(db, 'anna', name='Анна Менеджерова')


@pytest.fixture
def headers(db, anna):
    return bearer(db, 'anna')


def _count(db, model) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_50_mb_situation_is_refused_and_nothing_is_written(client, db, headers):
    body = {'name': 'Большой', 'phones': ['+79120000001'], 'situation': 'я' * (50 * 1024 * 1024)}
    response = client.post('/clients', json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()['code'] == 'error.invalid'
    assert 'situation' in response.json()['detail']
    assert (_count(db, Client), _count(db, Request)) == (0, 0)


def test_a_patch_over_a_texts_limit_is_refused_and_the_client_is_unchanged(client, db, anna, headers):
    created = make_client(db, anna, name='Иванов')
    response = client.patch(f'/clients/{created.id}', json={'situation': 'я' * (SITUATION_MAX + 1)}, headers=headers)
    assert response.status_code == 422
    with db.read() as session:
        assert session.get(Client, created.id).situation == ''


def test_eleven_phones_are_refused(client, db, headers):
    phones = [f'+7912000{n:04d}' for n in range(11)]
    response = client.post('/clients', json={'name': 'Многономерный', 'phones': phones}, headers=headers)
    assert response.status_code == 422
    assert _count(db, ClientPhone) == 0


def test_a_patch_giving_a_client_an_eleventh_phone_is_refused_in_the_callers_language(client, db, anna, headers):
    created = make_client(db, anna, phone='+79120000000')
    phones = [f'+7912000{n:04d}' for n in range(11)]
    response = client.patch(
        f'/clients/{created.id}', json={'phones': phones}, headers={**headers, 'Accept-Language': 'en'}
    )
    assert response.status_code == 422
    assert response.json() == {'detail': 'A client may have at most 10 phones', 'code': 'error.too_many_phones'}
    assert _count(db, ClientPhone) == 1


@pytest.mark.parametrize('due_at', ['9999-12-31T23:59:59', '0001-01-01T00:00:00+05:00', '1899-12-31T12:00:00Z'])
def test_a_task_due_outside_the_crms_years_is_refused(client, db, anna, headers, due_at):
    created = make_client(db, anna)
    response = client.post(
        f'/clients/{created.id}/tasks', json={'title': 'Перезвонить', 'due_at': due_at}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()['code'] == 'error.date_range'
    assert _count(db, Task) == 0
    assert client.get(f'/clients/{created.id}', headers=headers).status_code == 200


@pytest.mark.parametrize('moment', ['9999-12-31T23:59:59', '0001-01-01T00:00:00+05:00'])
def test_a_filter_date_outside_the_crms_years_is_refused_not_a_500(client, headers, moment):
    for path, name in (('/clients', 'created_from'), ('/clients', 'last_comment_to'), ('/requests', 'created_to')):
        response = client.get(path, params={name: moment}, headers=headers)
        assert response.status_code == 422, (path, name)


@pytest.mark.parametrize('number', [2**63, 2**64, 2**31, 0, -1])
def test_an_id_the_columns_cannot_hold_is_refused_not_a_500(client, db, anna, headers, number):
    created = make_client(db, anna)
    answers = [
        client.get(f'/clients/{number}', headers=headers),
        client.post(f'/clients/{number}/comments', json={'text': 'Привет'}, headers=headers),
        client.post(f'/clients/{created.id}/tasks/{number}/done', headers=headers),
        client.get('/clients', params={'responsible_id': number}, headers=headers),
        client.get('/requests', params={'channel_id': number}, headers=headers),
        client.post(f'/clients/{created.id}/move', json={'stage_id': number}, headers=headers),
        client.patch(f'/clients/{created.id}', json={'project_id': number}, headers=headers),
        client.post('/clients/bulk/assign', json={'client_ids': [number], 'responsible_id': anna.id}, headers=headers),
        client.post(
            '/clients/bulk/assign',
            json={'filter': {'responsible_ids': [number]}, 'responsible_id': anna.id},
            headers=headers,
        ),
        client.post('/leads', json={'phone': '+79120000009', 'channel': number}, headers=headers),
        client.get('/units/free', params={'project_id': number}, headers=headers),
        client.get('/export', params={'schema_id': number}, headers=headers),
    ]
    assert [a.status_code for a in answers] == [422] * len(answers)


def test_the_largest_id_is_simply_not_found(client, headers):
    assert client.get(f'/clients/{INT_MAX}', headers=headers).status_code == 404


@pytest.mark.parametrize('params', [{'offset': 2**63}, {'offset': -1}, {'deals_count_min': 2**63}])
def test_a_count_the_database_cannot_take_is_refused(client, headers, params):
    assert client.get('/clients', params=params, headers=headers).status_code == 422


@pytest.mark.parametrize('amount', ['1e308', 'NaN', 'Infinity', '-5', '1000000000001'])
def test_an_absurd_booking_amount_is_refused(client, db, anna, headers, amount):
    created = make_client(db, anna)
    body = f'{{"unit": "кв. 45", "amount": {amount}}}'  # NaN and Infinity as Python's json reads them
    response = client.post(
        f'/clients/{created.id}/book', content=body, headers={**headers, 'Content-Type': 'application/json'}
    )
    assert response.status_code == 422
    assert _count(db, Deal) == 0


@pytest.mark.parametrize('params', [{'deals_sum_min': '1e308'}, {'deals_sum_max': 'nan'}, {'deals_sum_min': '-1'}])
def test_an_absurd_deals_sum_in_a_filter_is_refused(client, headers, params):
    assert client.get('/clients', params=params, headers=headers).status_code == 422


def test_a_lead_with_nul_characters_is_stored_without_them(client, db, headers):
    lead = {'name': 'Пётр\x00 Лидов', 'phone': '+7 912 345-67-89', 'comment': 'Звонил\x00', 'channel': 'Сайт\x00'}
    response = client.post('/leads', content=json.dumps(lead), headers={**headers, 'Content-Type': 'application/json'})
    assert response.status_code == 201
    with db.read() as session:
        stored = session.get(Client, response.json()['client_id'])
        request = session.exec(select(Request)).one()
    assert stored.name == 'Пётр Лидов'
    assert '\x00' not in request.name + request.comment


def test_a_search_with_a_nul_character_finds_as_without_it(client, db, anna, headers):
    make_client(db, anna, name='Иванов')
    for path in ('/clients', '/requests'):
        response = client.get(path, params={'q': 'Ива\x00нов'}, headers=headers)
        assert response.status_code == 200
        assert response.json()['total'] == 1


def test_the_openapi_document_states_the_limits(client):
    schemas = client.get('/openapi.json').json()['components']['schemas']
    assert schemas['ClientIn']['properties']['situation']['maxLength'] == SITUATION_MAX
    assert schemas['ClientIn']['properties']['phones']['maxItems'] == 10
    assert schemas['LeadIn']['properties']['comment']['maxLength'] == 20_000
    assert schemas['BookingIn']['properties']['amount']['anyOf'][0]['maximum'] == 10**12
    assert schemas['MoveIn']['properties']['stage_id']['maximum'] == INT_MAX
