"""Safe retries: the same key gets the first answer back and writes nothing; another body under it is refused;
concurrent retries make one request; keys are kept 7 days."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.domain.errors import Conflict, InvalidInput
from app.domain.integrations import idempotency, intake
from app.domain.models import Client, IdempotencyKey, Request, utcnow
from tests.factories import make_user


def _take(actor, phone: str = '+79120000001', scope: str = 'token:a', **lead):
    return lambda session: intake.take_lead(session, actor=actor, scope=scope, name='Лид', phone=phone, **lead)


def _count(db, model) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_retry_with_the_same_key_gets_the_first_answer_and_makes_no_second_request(db):
    site = make_user(db, 'site', role='admin')
    with db.write() as session:
        first = _take(site, external_id='lead-1')(session)
    with db.write() as session:
        again = _take(site, external_id='lead-1')(session)
    assert (first.status_code, first.replayed) == (201, False)
    assert (again.status_code, again.body, again.replayed) == (201, first.body, True)
    assert _count(db, Request) == 1
    # without a key, or under another key, the same person is one more request
    with db.write() as session:
        assert _take(site)(session).body['status'] == 'attached'
        assert _take(site, idempotency_key='lead-2')(session).body['status'] == 'attached'
    assert _count(db, Request) == 3


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(db):
    site = make_user(db, 'site', role='admin')
    with db.write() as session:
        _take(site, idempotency_key='k')(session)
    with pytest.raises(Conflict) as refused, db.write() as session:
        _take(site, phone='+79120000002', idempotency_key='k')(session)
    assert refused.value.key == 'error.idempotency_mismatch'
    assert 'другими данными' in refused.value.message('ru')
    assert _count(db, Request) == 1


def test_keys_are_per_sender(db):
    site = make_user(db, 'site', role='admin')
    with db.write() as session:
        _take(site, idempotency_key='k', scope='token:a')(session)
        other = _take(site, idempotency_key='k', scope='token:b')(session)
    assert not other.replayed
    assert _count(db, Request) == 2


def test_a_header_key_and_a_different_external_id_are_refused(db):
    site = make_user(db, 'site', role='admin')
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        _take(site, idempotency_key='a', external_id='b')(session)
    assert refused.value.key == 'error.idempotency_two_keys'
    with pytest.raises(InvalidInput), db.write() as session:
        _take(site, idempotency_key='k' * 201)(session)
    with db.write() as session:  # the same key twice is one key
        assert not _take(site, idempotency_key='a', external_id='a')(session).replayed


def test_a_refused_lead_keeps_no_key_so_its_corrected_retry_is_taken(db):
    site = make_user(db, 'site', role='admin')
    with pytest.raises(InvalidInput), db.write() as session:
        _take(site, phone='не телефон', idempotency_key='k')(session)
    assert _count(db, IdempotencyKey) == 0
    with db.write() as session:
        assert _take(site, idempotency_key='k')(session).status_code == 201


def test_keys_are_kept_seven_days_then_forgotten(db):
    site = make_user(db, 'site', role='admin')
    with db.write() as session:
        _take(site, idempotency_key='old')(session)
        _take(site, phone='+79120000002', idempotency_key='recent')(session)
        old = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == 'old')).one()
        old.created_at = utcnow() - timedelta(days=idempotency.IDEMPOTENCY_DAYS, minutes=1)
        session.add(old)
    with db.write() as session:  # an expired key is free again, even before the cleanup ran
        assert not _take(site, idempotency_key='old')(session).replayed
    with db.write() as session:
        row = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == 'recent')).one()
        row.created_at = utcnow() - timedelta(days=8)
        session.add(row)
    with db.write() as session:
        assert idempotency.forget_old_keys(session) == 1
    with db.read() as session:
        assert session.exec(select(IdempotencyKey.key)).all() == ['old']


def test_concurrent_retries_with_one_key_make_one_request_in_grouped_writes(db):
    site = make_user(db, 'site', role='admin')
    futures = [db.write_grouped(_take(site, idempotency_key='burst')) for _ in range(20)]
    answers = [f.result(timeout=60) for f in futures]
    assert {a.body['request_id'] for a in answers} == {answers[0].body['request_id']}
    assert sum(not a.replayed for a in answers) == 1
    assert _count(db, Request) == 1


def test_concurrent_retries_in_separate_transactions_make_one_request(db):
    """Each retry in its own transaction at the same instant: on PostgreSQL the second insert of the key waits for
    the first transaction, then finds its answer (TEST_DATABASE_URL runs this there)."""
    site = make_user(db, 'site', role='admin')
    count = 8
    barrier = threading.Barrier(count)

    def retry(_):
        barrier.wait()
        with db.write() as session:
            return _take(site, idempotency_key='same')(session)

    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(retry, range(count)))
    assert sum(not a.replayed for a in answers) == 1
    assert len({a.body['client_id'] for a in answers}) == 1
    assert _count(db, Request) == 1
    assert _count(db, Client) == 1
