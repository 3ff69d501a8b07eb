"""A receiver, an admin, and webhook endpoints on local addresses (allowed for the tests)."""

import pytest

from app.domain.integrations import webhooks
from app.domain.integrations.delivery import DeliveryWorker
from tests.factories import make_user

from .receiver import Receiver


@pytest.fixture(autouse=True)
def local_receivers(monkeypatch):
    monkeypatch.setenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE', '1')


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def admin(db):
    return make_user(db, 'admin', 'admin')


@pytest.fixture
def endpoint(db, admin, receiver):
    """An endpoint that wants every event; (its id, its secret)."""
    with db.write() as session:
        created = webhooks.create_endpoint(session, actor=admin, url=receiver.url(), events=list(webhooks.EVENT_KINDS))
    return created.endpoint.id, created.secret


@pytest.fixture
def worker(db):
    """A worker with quick retries, stopped after the test."""
    started = []

    def start(**options) -> DeliveryWorker:
        options = {'first_retry_s': 0.2, 'poll_s': 0.1, 'timeout_s': 2, **options}
        w = DeliveryWorker(db, **options)
        w.start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
