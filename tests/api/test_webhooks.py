"""Webhooks through the API: an admin registers, changes, reads and deletes endpoints and sends a delivery again;
a head or a manager is refused everything; bad input is a 422 with a sentence, and nothing changes."""

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.domain.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.factories import bearer, make_client, make_user

HOOK = 'http://127.0.0.1:9/hook'


@pytest.fixture(autouse=True)
def local_receivers(monkeypatch):
    monkeypatch.setenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE', '1')


@pytest.fixture
def admin(db):
    return make_user(db, 'root', role='admin')


def _endpoints(db) -> list[WebhookEndpoint]:
    with db.read() as session:
        return list(session.exec(select(WebhookEndpoint)))


def test_an_admin_registers_changes_and_deletes_an_endpoint_and_sees_its_secret_only_when_it_is_made(client, db, admin):
    token = bearer(db, 'root')

    created = client.post('/webhooks', json={'url': HOOK, 'events': ['client.created']}, headers=token)

    assert created.status_code == 201
    secret, endpoint_id = created.json()['secret'], created.json()['endpoint']['id']
    assert secret.startswith('whsec_')
    listed = client.get('/webhooks', headers=token)
    assert listed.status_code == 200
    assert [e['url'] for e in listed.json()] == [HOOK] and secret not in listed.text

    changed = client.patch(
        f'/webhooks/{endpoint_id}', json={'events': ['deal.paid', 'client.created'], 'active': False}, headers=token
    )
    assert changed.status_code == 200
    assert changed.json()['events'] == ['client.created', 'deal.paid'] and changed.json()['active'] is False
    assert changed.json()['url'] == HOOK  # what was not given stays

    renewed = client.post(f'/webhooks/{endpoint_id}/secret', headers=token)
    assert renewed.status_code == 200
    assert renewed.json()['secret'] != secret and _endpoints(db)[0].secret == renewed.json()['secret']

    assert client.delete(f'/webhooks/{endpoint_id}', headers=token).status_code == 204
    assert _endpoints(db) == []
    assert client.delete(f'/webhooks/{endpoint_id}', headers=token).status_code == 404


def test_an_admin_reads_an_endpoints_deliveries_and_sends_one_again(client, db, admin):
    token = bearer(db, 'root')
    endpoint_id = client.post('/webhooks', json={'url': HOOK, 'events': ['client.created']}, headers=token).json()[
        'endpoint'
    ]['id']
    created = make_client(db, admin)
    with db.write() as session:  # as if it went out and the receiver lost it
        session.execute(update(WebhookDelivery).values(status=DeliveryStatus.delivered, attempts=3))

    deliveries = client.get(f'/webhooks/{endpoint_id}/deliveries', headers=token)

    assert deliveries.status_code == 200
    [delivery] = deliveries.json()
    assert (delivery['event'], delivery['client_id'], delivery['status']) == ('client.created', created.id, 'delivered')
    resent = client.post(f'/webhooks/deliveries/{delivery["id"]}/resend', headers=token)
    assert resent.status_code == 200 and resent.json() == {'id': delivery['id']}
    [again] = client.get(f'/webhooks/{endpoint_id}/deliveries', headers=token).json()
    assert (again['uid'], again['status'], again['attempts']) == (delivery['uid'], 'pending', 0)
    assert client.post('/webhooks/deliveries/999999/resend', headers=token).status_code == 404
    assert client.get('/webhooks/999999/deliveries', headers=token).status_code == 404


@pytest.mark.parametrize(('login', 'role'), [('olga', 'head'), ('anna', 'manager')])
def test_a_head_or_a_manager_is_refused_every_webhook_route(client, db, admin, login, role):
    token = bearer(db, 'root')
    endpoint_id = client.post('/webhooks', json={'url': HOOK, 'events': ['client.created']}, headers=token).json()[
        'endpoint'
    ]['id']
    make_client(db, admin)
    with db.read() as session:
        delivery_id = session.exec(select(WebhookDelivery.id)).one()
    make_user(db, login, role=role)
    theirs = bearer(db, login)
    calls = [
        ('GET', '/webhooks', None),
        ('POST', '/webhooks', {'url': HOOK, 'events': ['deal.paid']}),
        ('PATCH', f'/webhooks/{endpoint_id}', {'active': False}),
        ('DELETE', f'/webhooks/{endpoint_id}', None),
        ('POST', f'/webhooks/{endpoint_id}/secret', None),
        ('GET', f'/webhooks/{endpoint_id}/deliveries', None),
        ('POST', f'/webhooks/deliveries/{delivery_id}/resend', None),
    ]
    before = [(e.id, e.url, e.secret, e.active, e.events) for e in _endpoints(db)]
    for method, path, body in calls:
        response = client.request(method, path, json=body, headers=theirs)
        assert response.status_code == 403, (method, path)
        assert response.json()['code'] == 'error.forbidden' and response.json()['detail']
        assert 'whsec_' not in response.text
    assert [(e.id, e.url, e.secret, e.active, e.events) for e in _endpoints(db)] == before


def test_bad_input_is_a_422_that_says_why_and_registers_nothing(client, db, admin, monkeypatch):
    token = bearer(db, 'root')
    unknown = client.post('/webhooks', json={'url': HOOK, 'events': ['client.exploded']}, headers=token)
    assert unknown.status_code == 422 and unknown.json()['code'] == 'error.invalid'
    assert 'events' in unknown.json()['detail']
    no_events = client.post('/webhooks', json={'url': HOOK, 'events': []}, headers=token)
    assert no_events.status_code == 422
    not_a_url = client.post('/webhooks', json={'url': 'ftp://a.b/c', 'events': ['deal.paid']}, headers=token)
    assert not_a_url.status_code == 422 and not_a_url.json()['code'] == 'error.webhook_url'
    monkeypatch.delenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE')
    inside = client.post('/webhooks', json={'url': HOOK, 'events': ['deal.paid']}, headers=token)
    assert inside.status_code == 422 and inside.json()['code'] == 'error.webhook_private'
    assert '127.0.0.1' in inside.json()['detail'] and 'внутренней сети' in inside.json()['detail']
    assert _endpoints(db) == []
