"""Telephony's calls become IncomingCall events after commit: what opens the client in its responsible's tabs."""

import pytest

from app.domain.clients import leads
from app.domain.events import IncomingCall, bus
from tests.factories import make_client, make_user


@pytest.fixture
def calls():
    heard: list[IncomingCall] = []
    unsubscribe = bus.subscribe(lambda event: heard.append(event) if isinstance(event, IncomingCall) else None)
    yield heard
    unsubscribe()


def test_a_call_of_a_known_client_names_its_responsible_after_commit(db, calls):
    anna = make_user(db, 'anna')
    telephony = make_user(db, 'telephony', role='admin')
    client = make_client(db, anna, phone='+79120000001')
    with db.write() as session:
        result = leads.receive_lead(session, actor=telephony, name='', phone='8 912 000 00 01', touch_type='call')
        assert calls == []  # nothing before the commit
    assert calls == [
        IncomingCall(client_id=client.id, responsible_id=anna.id, request_id=result.request_id, phone='+79120000001')
    ]


def test_a_call_from_a_new_number_names_the_new_clients_responsible(db, calls):
    anna = make_user(db, 'anna')
    telephony = make_user(db, 'telephony', role='admin')
    with db.write() as session:
        leads.set_lead_distribution(session, mode='fixed', user_id=anna.id)
    with db.write() as session:
        result = leads.receive_lead(session, actor=telephony, name='Новый', phone='+79135554433', touch_type='call')
    assert [(c.client_id, c.responsible_id, c.phone) for c in calls] == [(result.client_id, anna.id, '+79135554433')]


def test_requests_and_rolled_back_calls_announce_no_call(db, calls):
    anna = make_user(db, 'anna')
    with db.write() as session:
        leads.receive_lead(session, actor=anna, name='Заявка', phone='+79120000001', touch_type='request')
    with pytest.raises(RuntimeError), db.write() as session:
        leads.receive_lead(session, actor=anna, name='Звонок', phone='+79120000002', touch_type='call')
        raise RuntimeError('the request failed after the service ran')
    assert calls == []
