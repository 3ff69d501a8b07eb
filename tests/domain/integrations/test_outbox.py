"""The outbox is written in the transaction of the change: what rolls back is never sent, and the payload is the
client at commit with its first and latest request and all its deals."""

import json

import pytest
from sqlmodel import select

from app.domain.clients import bulk, clients, leads
from app.domain.clients.bulk import Selection
from app.domain.deals import deal_board, deals
from app.domain.integrations import calls, webhooks
from app.domain.models import Deal, OutboxEvent, WebhookDelivery
from tests.factories import make_client, make_user, stages


def _events(db) -> list[dict]:
    with db.read() as session:
        return [json.loads(e.body) for e in session.exec(select(OutboxEvent).order_by(OutboxEvent.id))]


def _kinds(db) -> list[str]:
    return [e['event'] for e in _events(db)]


def _lead(db, actor, phone='+79120000001', **fields):
    with db.write() as session:
        return leads.receive_lead(session, actor=actor, name='Иванов Иван', phone=phone, **fields)


def test_without_endpoints_nothing_is_written(db, admin):
    _lead(db, admin)
    assert _events(db) == []


def test_a_new_lead_is_a_client_created_and_a_request_created_with_the_client_as_at_commit(db, admin, endpoint):
    _lead(db, admin, channel='Сайт', comment='Хочет двушку')
    created, request = _events(db)
    assert (created['event'], request['event']) == ('client.created', 'request.created')
    client = created['client']
    assert client['phones'] == ['+79120000001']
    assert client['stage']['name'] == 'Не разобрано'
    assert client['responsible']['login'] == 'admin'
    assert client['first_request']['id'] == client['latest_request']['id'] == request['request_id']
    assert client['first_request']['channel']['name'] == 'Сайт'
    assert client['first_request']['comment'] == 'Хочет двушку'
    assert client['deals'] == []
    with db.read() as session:
        deliveries = session.exec(select(WebhookDelivery)).all()
    assert {(d.endpoint_id, d.status) for d in deliveries} == {(endpoint[0], 'pending')}
    assert len(deliveries) == 2


def test_a_call_from_telephony_is_a_request_and_a_call_logged_and_its_recording_follows(db, admin, endpoint):
    report = {'call_id': 'c-1', 'direction': 'incoming', 'phone': '+79120000001'}
    with db.write() as session:
        calls.log_call(session, actor=admin, **report)
    with db.write() as session:
        calls.log_call(session, actor=admin, **report, duration_s=75, recording_url='https://pbx.example.ru/c-1.mp3')
    events = _events(db)
    assert [e['event'] for e in events] == ['client.created', 'request.created', 'call.logged', 'call.logged']
    logged, completed = events[2]['call'], events[3]['call']
    assert (logged['direction'], logged['provider_call_id'], logged['recording_url']) == ('incoming', 'c-1', '')
    assert (completed['duration_s'], completed['recording_url']) == (75, 'https://pbx.example.ru/c-1.mp3')
    assert logged['request_id'] == events[1]['request_id']


def test_a_change_that_rolls_back_writes_nothing(db, admin, endpoint):
    with pytest.raises(RuntimeError), db.write() as session:
        leads.receive_lead(session, actor=admin, name='Иванов', phone='+79120000001')
        raise RuntimeError('the caller gives up')
    assert _events(db) == []


def test_a_refused_write_in_a_group_sends_nothing_and_its_neighbours_are_sent(db, admin, endpoint):
    def good(session):
        return leads.receive_lead(session, actor=admin, name='Иванов', phone='+79120000002')

    def bad(session):
        leads.receive_lead(session, actor=admin, name='Петров', phone='+79120000003')
        raise ValueError('refused after its writes')

    futures = [db.write_grouped(work) for work in (good, bad, good)]
    outcomes = []
    for future in futures:
        try:
            outcomes.append(future.result(timeout=10).status)
        except ValueError:
            outcomes.append('refused')
    assert outcomes == ['created', 'refused', 'attached']
    phones = {e['client']['phones'][0] for e in _events(db)}
    assert phones == {'+79120000002'}


def test_every_deal_of_the_client_travels_with_every_event(db, admin, endpoint):
    client = make_client(db, admin)
    with db.write() as session:
        deals.book_client(session, actor=admin, client_id=client.id, project_id=None, unit='кв. 1', amount=5_000_000)
    with db.write() as session:
        deals.book_client(session, actor=admin, client_id=client.id, project_id=None, unit='кв. 2', amount=7_000_000)
    with db.read() as session:
        first_deal, second_deal = session.exec(select(Deal.id).order_by(Deal.id)).all()
    paid = stages(db, 'deals')['Оплата получена']
    with db.write() as session:
        deal_board.move_deal(session, actor=admin, deal_id=first_deal, stage_id=paid.id)
    events = _events(db)
    assert [e['event'] for e in events][-2:] == ['deal.stage_changed', 'deal.paid']
    last = events[-1]
    assert last['deal']['id'] == first_deal and last['deal']['stage']['name'] == 'Оплата получена'
    assert [(d['unit'], d['amount'], d['stage']['name']) for d in last['client']['deals']] == [
        ('кв. 1', 5_000_000, 'Оплата получена'),
        ('кв. 2', 7_000_000, 'Бронь поставлена'),
    ]
    assert last['client']['stage']['name'] == 'Бронь поставлена'
    assert 'deal.created' in [e['event'] for e in events]
    assert second_deal in {e['deal']['id'] for e in events if e['event'] == 'deal.created'}


def test_a_cancelled_booking_is_a_deal_cancelled(db, admin, endpoint):
    client = make_client(db, admin)
    with db.write() as session:
        deals.book_client(session, actor=admin, client_id=client.id, project_id=None, unit='кв. 1', amount=1_000_000)
        deal_id = session.exec(select(Deal.id)).one()
    cancelled = stages(db, 'deals')['Бронь снята']
    with db.write() as session:
        deal_board.move_deal(
            session, actor=admin, deal_id=deal_id, stage_id=cancelled.id, reason_id=cancelled.reasons[0].id
        )
    assert _kinds(db)[-2:] == ['deal.stage_changed', 'deal.cancelled']


def test_closing_with_a_reason_is_a_stage_change_and_a_closing_with_the_reason(db, admin, endpoint):
    client = make_client(db, admin)
    lost = stages(db)['Бронь не поставлена']
    with db.write() as session:
        clients.move_client(session, actor=admin, client_id=client.id, stage_id=lost.id, reason_id=lost.reasons[1].id)
    closed = _events(db)[-1]
    assert closed['event'] == 'client.closed'
    assert closed['client']['closing_reason']['name'] == lost.reasons[1].name
    assert closed['previous_stage_id'] == stages(db)['Не разобрано'].id


def test_a_bulk_move_tells_each_client_and_a_bulk_hand_over_each_reassignment(db, admin, endpoint):
    boris = make_user(db, 'boris')
    ids = [make_client(db, admin, phone=f'+7912000001{n}').id for n in range(3)]
    meeting = stages(db)['Назначение встречи']
    with db.write() as session:
        bulk.bulk_move(session, actor=admin, selection=Selection(client_ids=ids), stage_id=meeting.id)
    with db.write() as session:
        bulk.bulk_assign(session, actor=admin, selection=Selection(client_ids=ids), responsible_id=boris.id)
    events = [e for e in _events(db) if e['event'] in ('client.stage_changed', 'client.closed', 'client.reassigned')]
    assert sorted((e['event'], e['client']['id']) for e in events) == sorted(
        [('client.stage_changed', i) for i in ids] + [('client.reassigned', i) for i in ids]
    )
    assert {e['client']['responsible']['login'] for e in events if e['event'] == 'client.reassigned'} == {'boris'}


def test_each_endpoint_gets_only_the_events_it_wants_and_a_disabled_one_none(db, admin, receiver):
    with db.write() as session:
        deals_only = webhooks.create_endpoint(
            session, actor=admin, url=receiver.url('/deals'), events=['deal.created']
        ).endpoint
        off = webhooks.create_endpoint(
            session, actor=admin, url=receiver.url('/off'), events=['client.created'], active=False
        ).endpoint
    client = make_client(db, admin)
    with db.write() as session:
        deals.book_client(session, actor=admin, client_id=client.id, project_id=None, unit='кв. 1', amount=1_000_000)
    with db.read() as session:
        rows = session.exec(select(WebhookDelivery.endpoint_id, OutboxEvent.kind).join(OutboxEvent)).all()
    assert rows == [(deals_only.id, 'deal.created')]
    assert off.id not in {r[0] for r in rows}
