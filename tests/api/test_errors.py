"""What a refusal looks like to an integration: the status and body the OpenAPI document promises, in the caller's
language, and a stale write's 409 that brings the fresh record."""

from urllib.parse import urlsplit

import pytest
import schemathesis

from app.api import api
from tests.factories import bearer, make_client, make_user, stages

DOCUMENTED = ('401', '403', '404', '409', '422')
DOCUMENT = schemathesis.openapi.from_asgi('/openapi.json', api)


def error_body(response) -> dict:
    """The body, after checking that the OpenAPI document names this status for the operation and the body fits the
    schema it gives."""
    request = response.request
    operation = DOCUMENT.find_operation_by_path(request.method, urlsplit(str(request.url)).path)
    assert str(response.status_code) in operation.responses.status_codes, (operation.label, response.status_code)
    operation.validate_response(response)
    return response.json()


@pytest.fixture
def anna(db):
    return make_user(db, 'anna', name='Анна Менеджерова')


@pytest.fixture
def headers(db, anna):
    return bearer(db, 'anna')


def test_every_operation_documents_its_refusals_as_the_one_error_body():
    document = api.openapi()
    assert 'HTTPValidationError' not in document['components']['schemas']
    for path, operations in document['paths'].items():
        for method, operation in operations.items():
            for code in DOCUMENTED:
                content = operation['responses'].get(code, {}).get('content', {})
                schema = content.get('application/json', {}).get('schema')
                assert schema == {'$ref': '#/components/schemas/ErrorOut'}, (method, path, code)


def test_the_import_documents_its_size_limit():
    operation = api.openapi()['paths']['/import']['post']
    assert operation['responses']['413']['content']['application/json']['schema']['$ref'].endswith('/ErrorOut')


def test_a_request_without_a_token_is_refused_with_the_error_body(client):
    response = client.get('/clients')
    assert response.status_code == 401
    assert error_body(response)['code'] == 'error.token'


def test_a_malformed_body_is_refused_with_the_error_body_naming_the_fields_in_russian(client, headers):
    response = client.post('/clients', json={'name': 'я' * 301}, headers=headers)
    assert response.status_code == 422
    body = error_body(response)
    assert body['code'] == 'error.invalid'
    assert body['detail'] == '«name» длиннее 300 символов: сократите; «phones»: обязательное поле'


@pytest.mark.parametrize(
    ('params', 'detail'),
    [
        ({'limit': 0}, '“limit” must be at least 1'),
        ({'limit': 501}, '“limit” must be at most 500'),
        ({'limit': 'ten'}, '“limit” must be a whole number'),
        ({'deals_sum_min': 'much'}, '“deals_sum_min” must be a finite number'),
        ({'descending': 'maybe'}, '“descending” must be true or false'),
        (
            {'created_from': 'yesterday'},
            '“created_from” must be an ISO 8601 date and time, e.g. 2025-03-01T10:00:00+03:00',
        ),
        ({'scope': 'mine'}, "“scope” must be one of 'all', 'own'"),
    ],
)
def test_a_bad_query_is_explained_in_english_when_asked(client, headers, params, detail):
    response = client.get('/clients', params=params, headers={**headers, 'Accept-Language': 'en'})
    assert response.status_code == 422
    assert error_body(response)['detail'] == detail


def test_a_body_that_is_not_json_is_refused_with_the_error_body(client, headers):
    for content in (b'{"name": ', b'\xff\xfe{}'):
        response = client.post(
            '/clients',
            content=content,
            headers={**headers, 'Content-Type': 'application/json', 'Accept-Language': 'en'},
        )
        assert response.status_code in (400, 422), content
        assert error_body(response)['detail'] == 'The request body is not valid JSON'


@pytest.mark.parametrize('action', ['', '/move', '/reopen', '/assign', '/book'])
def test_a_stale_write_is_refused_with_the_client_as_it_is_now(client, db, anna, headers, action):
    created = make_client(db, anna, name='Старое Имя')
    path = f'/clients/{created.id}'
    saved = client.patch(path, json={'version': created.version, 'situation': 'Ждёт звонка'}, headers=headers)
    assert saved.status_code == 200
    body = {
        '': {'name': 'Новое Имя'},
        '/move': {'stage_id': stages(db)['Назначение встречи'].id},
        '/reopen': {},
        '/assign': {'responsible_id': anna.id},
        '/book': {'unit': 'кв. 45', 'amount': 7_500_000},
    }[action]

    response = client.request(
        'PATCH' if action == '' else 'POST', path + action, json={**body, 'version': created.version}, headers=headers
    )

    assert response.status_code == 409
    refusal = error_body(response)
    assert refusal['code'] == 'error.stale'
    assert refusal['current'] == client.get(path, headers=headers).json() == saved.json()


def test_a_patch_without_version_overwrites_what_was_saved_since(client, db, anna, headers):
    created = make_client(db, anna, name='Старое Имя')
    path = f'/clients/{created.id}'
    client.patch(path, json={'version': created.version, 'name': 'Имя Коллеги'}, headers=headers)
    response = client.patch(path, json={'name': 'Моё Имя'}, headers=headers)
    assert response.status_code == 200
    assert response.json()['name'] == 'Моё Имя'
