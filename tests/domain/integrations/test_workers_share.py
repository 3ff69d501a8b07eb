"""Two workers (two engines, as two app processes have) share one outbox: every delivery is sent exactly once
and both take part. On PostgreSQL (TEST_DATABASE_URL) they claim with FOR UPDATE SKIP LOCKED; on SQLite the
writer lock and the lease do the same."""

from collections import Counter

from sqlmodel import func, select

from app.domain.clients import leads
from app.domain.db import Database
from app.domain.integrations.delivery import DeliveryWorker
from app.domain.models import WebhookDelivery

CLIENTS = 150


class CountingWorker(DeliveryWorker):
    """A worker that counts what it claimed."""

    claimed = 0

    def _claim(self):
        taken = super()._claim()
        self.claimed += len(taken)
        return taken


def test_two_workers_never_send_the_same_delivery_twice(db, admin, endpoint, receiver):
    with db.write() as session:
        for n in range(CLIENTS):
            leads.receive_lead(session, actor=admin, name=f'Клиент {n}', phone=f'+7912{n:07d}')
    second = Database(db.url)
    workers = [CountingWorker(database, concurrency=4, poll_s=0.05) for database in (db, second)]
    try:
        for worker in workers:
            worker.start()
        arrived = receiver.wait_for(CLIENTS * 2, timeout=60)
    finally:
        for worker in workers:
            worker.stop()
        second.dispose()
    sent = Counter(r.headers['X-Voronka-Delivery'] for r in receiver.received)
    assert len(arrived) == CLIENTS * 2
    assert set(sent.values()) == {1}
    assert all(worker.claimed > 0 for worker in workers), [w.claimed for w in workers]
    with db.read() as session:
        assert session.exec(select(func.count()).where(WebhookDelivery.status == 'delivered')).one() == CLIENTS * 2
