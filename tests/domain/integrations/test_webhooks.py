"""Only admins register, change, read and resend webhooks; bad input is refused with a sentence; the secret is
shown when it is made and never listed."""

import pytest
from sqlmodel import select

from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from app.domain.integrations import webhooks
from app.domain.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_client, make_user


def test_a_head_or_a_manager_may_do_nothing_with_webhooks(db, admin, endpoint):
    endpoint_id, _ = endpoint
    make_client(db, admin)
    with db.read() as session:
        delivery_id = session.exec(select(WebhookDelivery.id)).first()
    for login, role in (('olga', 'head'), ('anna', 'manager')):
        actor = make_user(db, login, role)
        calls = [
            (webhooks.list_endpoints, {}),
            (webhooks.create_endpoint, {'url': 'https://example.com/h', 'events': ['client.created']}),
            (webhooks.edit_endpoint, {'endpoint_id': endpoint_id, 'active': False}),
            (webhooks.regenerate_secret, {'endpoint_id': endpoint_id}),
            (webhooks.delete_endpoint, {'endpoint_id': endpoint_id}),
            (webhooks.recent_deliveries, {'endpoint_id': endpoint_id}),
            (webhooks.resend_delivery, {'delivery_id': delivery_id}),
        ]
        for service, arguments in calls:
            with pytest.raises(PermissionDenied), db.write() as session:
                service(session, actor=actor, **arguments)
        with db.read() as session:
            assert webhooks.failing_endpoints(session, actor=actor) == 0
    with db.read() as session:
        assert session.get(WebhookEndpoint, endpoint_id).active


def test_the_secret_is_shown_once_and_a_new_one_replaces_it(db, admin, endpoint):
    endpoint_id, secret = endpoint
    with db.read() as session:
        listed = webhooks.list_endpoints(session, actor=admin)
    assert secret.startswith('whsec_') and secret not in repr(listed)
    with db.write() as session:
        renewed = webhooks.regenerate_secret(session, actor=admin, endpoint_id=endpoint_id)
    with db.read() as session:
        assert renewed != secret and session.get(WebhookEndpoint, endpoint_id).secret == renewed


@pytest.mark.parametrize(
    ('url', 'events', 'key'),
    [
        ('ftp://example.com/x', ['client.created'], 'error.webhook_url'),
        ('file:///etc/passwd', ['client.created'], 'error.webhook_url'),
        ('https://user:pw@example.com/x', ['client.created'], 'error.webhook_url'),
        ('https://example.com:99999/x', ['client.created'], 'error.webhook_url'),
        ('https://example.com/' + 'x' * 2000, ['client.created'], 'error.too_long'),
        ('https://example.com/x', [], 'error.webhook_no_events'),
        ('https://example.com/x', ['client.deleted'], 'error.webhook_event'),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_changes_nothing(db, admin, url, events, key):
    with pytest.raises(InvalidInput) as refusal, db.write() as session:
        webhooks.create_endpoint(session, actor=admin, url=url, events=events)
    assert refusal.value.key == key and refusal.value.message('ru') != key
    with db.read() as session:
        assert session.exec(select(WebhookEndpoint)).all() == []


def test_an_endpoint_is_edited_disabled_and_deleted_with_its_deliveries(db, admin, endpoint, receiver):
    endpoint_id, _ = endpoint
    make_client(db, admin)
    with db.write() as session:
        edited = webhooks.edit_endpoint(
            session, actor=admin, endpoint_id=endpoint_id, url=receiver.url('/v2'), events=['deal.paid'], active=False
        )
    assert (edited.url, edited.events, edited.active, edited.pending) == (receiver.url('/v2'), ['deal.paid'], False, 2)
    with db.read() as session:
        recent = webhooks.recent_deliveries(session, actor=admin, endpoint_id=endpoint_id)
    assert [d.event for d in recent] == ['request.created', 'client.created']
    with db.write() as session:
        webhooks.delete_endpoint(session, actor=admin, endpoint_id=endpoint_id)
    with db.read() as session:
        assert session.exec(select(WebhookDelivery)).all() == []
    with pytest.raises(NotFound), db.read() as session:
        webhooks.recent_deliveries(session, actor=admin, endpoint_id=endpoint_id)


@pytest.mark.parametrize(
    'address',
    ['::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::a00:1', '2002:7f00:1::1', '2002:c0a8:101::1', '::ffff:10.0.0.1'],
    ids=['ipv4-compatible', 'nat64-loopback', 'nat64-private', '6to4-loopback', '6to4-private', 'ipv4-mapped'],
)
def test_an_ipv6_address_that_carries_an_inside_ipv4_one_is_refused(monkeypatch, address):
    """`is_global` took these for public: a NAT64 or 6to4 gateway would have called the inside address for us."""
    monkeypatch.delenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE', raising=False)
    with pytest.raises(InvalidInput) as refused:
        webhooks.check_destination(address, 443)
    assert refused.value.key == 'error.webhook_private'


def test_an_ipv6_address_that_carries_a_public_ipv4_one_is_a_public_receiver(monkeypatch):
    monkeypatch.delenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE', raising=False)
    webhooks.check_destination('64:ff9b::808:808', 443)  # NAT64 to 8.8.8.8
