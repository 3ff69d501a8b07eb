"""Deliveries to a real HTTP receiver: signed, retried after a failure, in order per client, one dead endpoint never
holding up another, given up only after the last retry, sent again on request."""

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from app.domain.clients import clients, leads
from app.domain.integrations import delivery, webhooks
from app.domain.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, utcnow
from tests.factories import make_client, stages

from .receiver import verify


def _lead(db, actor, phone='+79120000001'):
    with db.write() as session:
        return leads.receive_lead(session, actor=actor, name='Иванов Иван', phone=phone)


def _deliveries(db) -> list[WebhookDelivery]:
    with db.read() as session:
        return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _settled(db, count: int, timeout: float = 20) -> list[WebhookDelivery]:
    """The deliveries once `count` of them are no longer pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = _deliveries(db)
        if sum(d.status != DeliveryStatus.pending for d in rows) >= count:
            return rows
        time.sleep(0.05)
    return _deliveries(db)


def test_a_delivery_carries_the_signed_event_and_its_ids(db, admin, endpoint, receiver, worker):
    _, secret = endpoint
    _lead(db, admin)
    worker()
    created, request = receiver.wait_for(2)
    assert verify(secret, created.headers, created.body)
    assert not verify('whsec_other', created.headers, created.body)
    assert created.headers['X-Voronka-Event'] == 'client.created' == created.json['event']
    assert created.headers['Content-Type'].startswith('application/json')
    delivered = _settled(db, 2)
    assert {d.uid for d in delivered} == {created.headers['X-Voronka-Delivery'], request.headers['X-Voronka-Delivery']}
    assert {(d.status, d.response_code, d.attempts) for d in delivered} == {('delivered', 200, 1)}


def test_a_500_is_retried_until_the_receiver_takes_it(db, admin, endpoint, receiver, worker):
    receiver.codes['/hook'] = [500, 503]
    make_client(db, admin)  # a client created and its request
    worker()
    arrived = receiver.wait_for(4)
    first = [r for r in arrived if r.json['event'] == 'client.created']
    assert len({r.headers['X-Voronka-Delivery'] for r in first}) == 1  # the same delivery, sent again
    rows = _settled(db, 2)
    assert {d.status for d in rows} == {'delivered'}
    assert sum(d.attempts for d in rows) == 4


def test_a_clients_events_arrive_in_order_even_when_one_needs_retries(db, admin, endpoint, receiver, worker):
    receiver.codes['/hook'] = [500, 500, 500]  # the client's first event fails three times
    client = make_client(db, admin)
    meeting, booking = stages(db)['Назначение встречи'], stages(db)['Вывод на бронь']
    for stage in (meeting, booking):
        with db.write() as session:
            clients.move_client(session, actor=admin, client_id=client.id, stage_id=stage.id)
    worker()
    _settled(db, 4)
    # each delivery by its first arrival: a retried one arrives several times, and nothing of the client overtakes it
    kinds = list(dict.fromkeys((r.headers['X-Voronka-Delivery'], r.json['event']) for r in receiver.received))
    assert [kind for _, kind in kinds] == [
        'client.created',
        'request.created',
        'client.stage_changed',
        'client.stage_changed',
    ]


def test_a_dead_endpoint_never_holds_up_another(db, admin, receiver, worker):
    with db.write() as session:
        for path in ('/dead', '/alive'):
            webhooks.create_endpoint(session, actor=admin, url=receiver.url(path), events=['client.created'])
    receiver.hang.add('/dead')
    for n in range(6):
        make_client(db, admin, phone=f'+7912000010{n}')
    worker(concurrency=4, per_endpoint=2, timeout_s=5)
    alive = receiver.wait_for(6, path='/alive', timeout=10)
    assert len(alive) == 6


def test_an_unreachable_receiver_is_given_up_only_after_the_last_retry_and_flagged_after_a_day(db, admin, endpoint):
    make_client(db, admin)
    delays = (0.0, 0.0)
    for attempt in range(1, 4):
        with db.write() as session:
            (claimed, *_) = delivery.claim_due(
                session, now=utcnow(), limit=1, busy=Counter(), per_endpoint=1, lease_s=60
            )
            assert claimed.attempts == attempt
            delivery.record_outcomes(
                session, [delivery.Outcome(claimed, None, 'ConnectError')], now=utcnow(), delays=delays
            )
    first = _deliveries(db)[0]
    assert (first.status, first.attempts, first.last_error) == ('failed', 3, 'ConnectError')
    with db.write() as session:
        assert webhooks.failing_endpoints(session, actor=admin) == 0
        session.execute(update(WebhookEndpoint).values(failing_since=utcnow() - timedelta(days=1, minutes=1)))
    with db.read() as session:
        assert webhooks.failing_endpoints(session, actor=admin) == 1
        assert webhooks.list_endpoints(session, actor=admin)[0].failing


def test_the_retries_go_on_for_more_than_a_day_with_growing_pauses():
    delays = delivery.retry_delays()
    assert sum(delays) >= 24 * 3600
    assert delays[0] == delivery.RETRY_FIRST_S and max(delays) == delivery.RETRY_MAX_S
    assert list(delays) == sorted(delays)


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_lapses(db, admin, endpoint):
    make_client(db, admin)
    now = utcnow()
    with db.write() as session:
        taken = delivery.claim_due(session, now=now, limit=10, busy=Counter(), per_endpoint=10, lease_s=60)
    assert [c.kind for c in taken] == ['client.created']  # the request waits for its client's first event
    with db.write() as session:
        assert delivery.claim_due(session, now=now, limit=10, busy=Counter(), per_endpoint=10, lease_s=60) == []
    later = now + timedelta(seconds=61)  # the worker died: its claim lapses and the event goes again
    with db.write() as session:
        again = delivery.claim_due(session, now=later, limit=10, busy=Counter(), per_endpoint=10, lease_s=60)
    assert [(c.uid, c.attempts) for c in again] == [(taken[0].uid, 2)]


def test_send_again_puts_a_delivered_event_back_with_the_same_id(db, admin, endpoint, receiver, worker):
    make_client(db, admin)
    running = worker()
    receiver.wait_for(2)
    first = _settled(db, 2)[0]
    with db.write() as session:
        webhooks.resend_delivery(session, actor=admin, delivery_id=first.id)
    again = receiver.wait_for(3)
    assert again[-1].headers['X-Voronka-Delivery'] == first.uid
    assert running.running


def test_a_private_address_is_refused_unless_allowed(db, admin, monkeypatch, receiver):
    monkeypatch.delenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE')
    from app.domain.errors import InvalidInput

    with db.write() as session:
        for url in (receiver.url(), 'http://10.0.0.5/hook', 'http://[::1]/x'):
            try:
                webhooks.create_endpoint(session, actor=admin, url=url, events=['client.created'])
            except InvalidInput as refusal:
                assert 'VORONKA_WEBHOOKS_ALLOW_PRIVATE' in refusal.message('ru')
            else:
                raise AssertionError(f'{url} accepted')


def test_a_stopping_worker_gives_back_what_it_claimed_and_never_tried(db, admin, receiver, worker):
    with db.write() as session:
        webhooks.create_endpoint(session, actor=admin, url=receiver.url('/slow'), events=['client.created'])
    receiver.hang.add('/slow')
    for n in range(5):
        make_client(db, admin, phone=f'+7912000020{n}')
    running = worker(concurrency=1, per_endpoint=1, timeout_s=1)
    deadline = time.monotonic() + 10
    while not any(d.attempts for d in _deliveries(db)) and time.monotonic() < deadline:
        time.sleep(0.05)
    running.stop()
    rows = _deliveries(db)
    tried = [d for d in rows if d.attempts]
    assert 1 <= len(tried) < 5  # one at a time on the hanging endpoint: the rest waited in the worker's queue
    assert all(d.last_error for d in tried)
    untried = [d for d in rows if not d.attempts]
    assert untried and all(d.locked_until is None and d.status == DeliveryStatus.pending for d in untried)
    with db.write() as session:  # due again at once, for any worker
        again = delivery.claim_due(session, now=utcnow(), limit=10, busy=Counter(), per_endpoint=10, lease_s=60)
    assert {c.delivery_id for c in again} >= {d.id for d in untried}
