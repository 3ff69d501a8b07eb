"""One card per client, forever: taken phones lead to the existing client, leads attach as requests."""

import pytest
from sqlmodel import func, select

from app.domain.clients import clients, leads
from app.domain.errors import DuplicatePhone
from app.domain.models import Client, FeedKind, Request
from tests.factories import make_client, make_user, stages


def _client_count(db) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(Client)).one()


def _detail(db, actor, client_id):
    with db.read() as session:
        return clients.get_client(session, actor=actor, client_id=client_id)


def test_duplicate_phone_names_the_existing_client_to_whoever_may_see_it(db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris')
    existing = make_client(db, anna, name='Петров Пётр', phone='+79123456789')

    with pytest.raises(DuplicatePhone) as refused:
        make_client(db, boris, name='Пётр', phone='8 912 345-67-89')

    assert refused.value.client_id == existing.id
    message = refused.value.message('ru')
    assert 'Петров Пётр' in message
    assert 'Анна Смирнова' in message
    assert _client_count(db) == 1


def test_duplicate_phone_names_only_the_responsible_to_a_manager_who_cannot_see_the_client(db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', can_see_others=False)
    make_client(db, anna, name='Петров Пётр', phone='+79123456789')

    with pytest.raises(DuplicatePhone) as refused:
        make_client(db, boris, name='Пётр', phone='+7 (912) 345-67-89')

    assert refused.value.client_id is None
    message = refused.value.message('ru')
    assert 'Анна Смирнова' in message
    assert 'Петров' not in message


def test_adding_a_colleagues_phone_to_own_client_is_refused(db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    make_client(db, anna, name='Петров Пётр', phone='+79123456789')
    own = make_client(db, boris, name='Сидоров Сидор', phone='+79120000002')

    with pytest.raises(DuplicatePhone), db.write() as session:
        clients.update_client(
            session, actor=boris, client_id=own.id, changes={'phones': ['+79120000002', '89123456789']}
        )

    assert [p.number for p in _detail(db, boris, own.id).phones] == ['+79120000002']


def test_one_person_writing_three_ways_is_one_client_with_three_requests(db):
    integration = make_user(db, 'site', role='admin')
    results = []
    for spelling in ('8 (912) 345-67-89', '+7-912-345-67-89', '9123456789'):
        with db.write() as session:
            results.append(leads.receive_lead(session, actor=integration, name='Иван', phone=spelling))

    assert [r.status for r in results] == ['created', 'attached', 'attached']
    assert len({r.client_id for r in results}) == 1
    assert _client_count(db) == 1
    detail = _detail(db, integration, results[0].client_id)
    assert len(detail.requests) == 3
    assert [p.number for p in detail.phones] == ['+79123456789']


def test_new_request_brings_a_closed_client_back_to_the_first_working_stage(db):
    manager = make_user(db, 'anna')
    board = stages(db)
    trash = board['Не лид (корзина)']
    client = make_client(db, manager, phone='+79123456789')
    with db.write() as session:
        clients.move_client(
            session, actor=manager, client_id=client.id, stage_id=trash.id, reason_id=trash.reasons[0].id
        )

    with db.write() as session:
        result = leads.receive_lead(session, actor=manager, name='Иван', phone='89123456789')

    detail = _detail(db, manager, client.id)
    assert result.client_id == client.id
    assert detail.stage_id == board['Не разобрано'].id
    assert detail.closing_reason_id is None
    returned = detail.feed[0]
    assert returned.kind == FeedKind.stage
    assert returned.data['key'] == 'feed.reopened_by_request'
    assert 'Не лид (корзина)' in returned.text
    assert 'новое обращение' in returned.text


def test_lead_for_a_client_the_caller_cannot_see_is_attached_without_revealing_it(db):
    anna = make_user(db, 'anna')
    integration = make_user(db, 'site', can_see_others=False)
    head = make_user(db, 'olga', role='head')
    client = make_client(db, anna, phone='+79123456789')

    with db.write() as session:
        result = leads.receive_lead(session, actor=integration, name='Иван', phone='+7 912 345 67 89')

    assert result.status == 'attached'
    assert result.client_id is None
    assert result.request_id is None
    assert [r.source for r in _detail(db, head, client.id).requests] == ['integration', 'manual']


def test_lead_with_new_phone_creates_an_integration_client_for_the_token_owner(db):
    integration = make_user(db, 'site')
    with db.write() as session:
        result = leads.receive_lead(session, actor=integration, name='Новикова Ольга', phone='+79991259999')

    detail = _detail(db, integration, result.client_id)
    assert result.status == 'created'
    assert detail.creation_method == 'integration'
    assert detail.responsible.id == integration.id
    assert detail.stage_id == stages(db)['Не разобрано'].id


def test_lead_with_unknown_channel_is_kept_with_a_note_instead_of_being_lost(db):
    integration = make_user(db, 'site')
    with db.write() as session:
        result = leads.receive_lead(session, actor=integration, name='Иван', phone='+79991259999', channel='Телеграм')

    with db.read() as session:
        request = session.exec(select(Request)).one()
    assert request.client_id == result.client_id
    assert 'Телеграм' in request.comment
