"""POST /api/v1/forms/{token}: what Tilda (or any site builder) posts, form-encoded, multipart or JSON."""

from sqlmodel import func, select

from app.domain.integrations import forms
from app.domain.models import Client, Request
from tests.factories import make_user

TILDA = {
    'Name': 'Иван Петров',
    'Phone': '+7 (912) 345-67-89',
    'Email': 'ivan@example.ru',
    'tranid': '1234567:8901234',
    'formid': 'form123456',
    'utm_source': 'yandex',
    'utm_medium': 'cpc',
    'utm_campaign': 'spring',
}


def _endpoint(db) -> str:
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        return forms.create_form_endpoint(session, actor=admin, name='Tilda').token


def _requests(db) -> list[Request]:
    with db.read() as session:
        return list(session.exec(select(Request)))


def test_tildas_form_encoded_post_and_its_retry_make_one_lead_with_its_utm_tags(client, db):
    token = _endpoint(db)
    answer = client.post(f'/forms/{token}', data=TILDA)
    assert answer.status_code == 200
    assert answer.json() == {'status': 'created'}
    again = client.post(f'/forms/{token}', data=TILDA)
    assert (again.status_code, again.json()) == (200, {'status': 'created'})
    [request] = _requests(db)
    assert (request.utm_source, request.utm_campaign, request.comment) == ('yandex', 'spring', 'Email: ivan@example.ru')


def test_tildas_test_post_is_answered_200_without_a_lead(client, db):
    token = _endpoint(db)
    answer = client.post(f'/forms/{token}', data={'test': 'test'})
    assert (answer.status_code, answer.json()) == (200, {'status': 'test'})
    assert _requests(db) == []


def test_multipart_and_json_posts_are_taken_too(client, db):
    token = _endpoint(db)
    multipart = client.post(
        f'/forms/{token}', data={**TILDA, 'tranid': 'm1'}, files={'upload': ('a.txt', b'file', 'text/plain')}
    )
    assert multipart.json() == {'status': 'created'}
    as_json = client.post(f'/forms/{token}', json={**TILDA, 'tranid': 'j1', 'Phone': '+79120000002', 'rooms': [1, 2]})
    assert as_json.json() == {'status': 'created'}
    assert sorted(r.comment for r in _requests(db)) == ['Email: ivan@example.ru', 'Email: ivan@example.ru\nrooms: 1, 2']
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 2


def test_an_unknown_endpoint_is_404_and_bad_posts_are_refused_with_a_reason(client, db):
    token = _endpoint(db)
    assert client.post('/forms/vf_unknown', data={'test': 'test'}).status_code == 404
    no_phone = client.post(f'/forms/{token}', data={'Name': 'Без телефона'})
    assert no_phone.status_code == 422 and no_phone.json()['detail']
    too_large = client.post(f'/forms/{token}', data={'Phone': '+79120000001', 'big': 'x' * (forms.BODY_MAX_BYTES + 1)})
    assert too_large.status_code == 413 and too_large.json()['code'] == 'forms.error.too_large'
    not_object = client.post(f'/forms/{token}', json=['Phone', '+79120000001'])
    assert not_object.status_code == 422
    changed = client.post(f'/forms/{token}', data={**TILDA, 'Name': 'Другой'})
    assert client.post(f'/forms/{token}', data={**TILDA, 'Name': 'Третий'}).status_code == 409
    assert changed.status_code == 200
    assert len(_requests(db)) == 1


def test_a_deeply_nested_json_post_is_refused_and_a_strangers_is_not_even_read(client, db):
    """30,000 levels of lists made the decoder (and the flattening) raise RecursionError: a 500."""
    token = _endpoint(db)
    json_headers = {'Content-Type': 'application/json', 'Accept-Language': 'en'}
    for depth in (30_000, 7):
        body = '{"Phone": "+79120000001", "quiz": ' + '[' * depth + ']' * depth + '}'
        deep = client.post(f'/forms/{token}', content=body, headers=json_headers)
        assert deep.status_code == 422
        assert deep.json() == {
            'detail': 'The form’s fields nest deeper than 5 levels: send them as a flat JSON object',
            'code': 'forms.error.too_deep',
        }
        assert client.post('/forms/vf_unknown', content=body, headers=json_headers).status_code == 404
    assert _requests(db) == []
    nested = client.post(f'/forms/{token}', json={'Phone': '+79120000001', 'quiz': [['a', 'b'], {'c': 1}]})
    assert nested.json() == {'status': 'created'}
    assert [r.comment for r in _requests(db)] == ['quiz: a, b, {"c": 1}']
