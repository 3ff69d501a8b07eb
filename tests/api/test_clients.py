"""The JSON API as an integration sees it: status codes, readable errors, the same rules as the screens."""

import pytest

from app.domain.account import users
from tests.factories import bearer, make_client, make_user, stages


def token_for(db, actor) -> dict:
    return bearer(db, actor_login(db, actor))


def actor_login(db, actor) -> str:
    from app.domain.models import User

    with db.read() as session:
        return session.get(User, actor.id).login


@pytest.fixture
def team(db):
    admin = make_user(db, 'admin', role='admin', name='Ольга Админова')
    anna = make_user(db, 'anna', name='Анна Менеджерова')
    boris = make_user(db, 'boris', name='Борис Менеджеров')
    hidden = make_user(db, 'hidden', name='Скрытный Менеджер', can_see_others=False)
    return {
        'admin': (admin, token_for(db, admin)),
        'anna': (anna, token_for(db, anna)),
        'boris': (boris, token_for(db, boris)),
        'hidden': (hidden, token_for(db, hidden)),
    }


def test_requests_without_a_valid_token_are_refused(client, team):
    assert client.get('/clients').status_code == 401
    response = client.get('/clients', headers={'Authorization': 'Bearer nonsense'})
    assert response.status_code == 401
    assert response.json()['detail'] == 'Нужен действительный токен доступа'


def test_token_of_a_deactivated_user_stops_working(client, db, team):
    _, headers = team['boris']
    assert client.get('/stages', headers=headers).status_code == 200
    with db.write() as session:
        users.deactivate_user(session, login='boris')
    assert client.get('/stages', headers=headers).status_code == 401


def test_one_person_in_three_spellings_is_one_client_with_three_requests(client, team):
    _, headers = team['admin']
    answers = [
        client.post('/leads', json={'name': 'Пётр Лидов', 'phone': phone, 'channel': 'Сайт'}, headers=headers)
        for phone in ('8 (912) 345-67-89', '+7-912-345-67-89', '9123456789')
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()['status'] for a in answers] == ['created', 'attached', 'attached']
    client_id = answers[0].json()['client_id']
    assert {a.json()['client_id'] for a in answers} == {client_id}
    detail = client.get(f'/clients/{client_id}', headers=headers).json()
    assert len(detail['requests']) == 3
    assert detail['creation_method'] == 'integration'
    assert detail['phones'] == [{'number': '+79123456789', 'extension': ''}]


def test_lead_with_an_impossible_phone_is_refused_in_russian(client, team):
    _, headers = team['admin']
    response = client.post('/leads', json={'name': 'X', 'phone': '123'}, headers=headers)
    assert response.status_code == 422
    assert 'не может существовать' in response.json()['detail']
    english = client.post('/leads', json={'name': 'X', 'phone': 'abc'}, headers={**headers, 'Accept-Language': 'en'})
    assert english.json()['detail'] == '“abc” does not look like a phone number'


def test_lead_for_a_closed_client_brings_it_back_to_work(client, db, team):
    anna, headers = team['anna']
    trash = stages(db)['Не лид (корзина)']
    created = make_client(db, anna, phone='+79120000001')
    moved = client.post(
        f'/clients/{created.id}/move', json={'stage_id': trash.id, 'reason_id': trash.reasons[0].id}, headers=headers
    )
    assert moved.status_code == 200
    client.post('/leads', json={'name': 'Снова', 'phone': '89120000001', 'channel': 'Авито'}, headers=headers)
    detail = client.get(f'/clients/{created.id}', headers=headers).json()
    assert detail['stage_id'] == stages(db)['Не разобрано'].id
    assert 'Возвращён в работу из «Не лид (корзина)»: новое обращение' in [e['text'] for e in detail['feed']]


def test_lead_for_a_client_the_caller_cannot_see_is_attached_without_details(client, db, team):
    anna, _ = team['anna']
    _, hidden_headers = team['hidden']
    created = make_client(db, anna, phone='+79120000002')
    response = client.post('/leads', json={'name': 'Кто-то', 'phone': '+79120000002'}, headers=hidden_headers)
    assert response.status_code == 201
    assert response.json() == {'status': 'attached', 'client_id': None, 'request_id': None}
    detail = client.get(f'/clients/{created.id}', headers=team['anna'][1]).json()
    assert [r['source'] for r in detail['requests']] == ['integration', 'manual']


def test_list_filters_by_stage_search_and_scope(client, db, team):
    anna, headers = team['anna']
    boris, _ = team['boris']
    make_client(db, anna, name='Иванов Иван', phone='+79121111111')
    make_client(db, boris, name='Петрова Мария', phone='+79122222222')
    first = stages(db)['Не разобрано'].id
    everything = client.get('/clients', params={'stage_id': first}, headers=headers).json()
    assert everything['total'] == 2
    own = client.get('/clients', params={'scope': 'own'}, headers=headers).json()
    assert [c['name'] for c in own['items']] == ['Иванов Иван']
    assert client.get('/clients', params={'q': 'иван'}, headers=headers).json()['total'] == 1
    assert client.get('/clients', params={'q': '2222'}, headers=headers).json()['items'][0]['name'] == 'Петрова Мария'


def test_colleagues_client_is_readable_but_not_movable_for_a_default_manager(client, db, team):
    boris, _ = team['boris']
    _, headers = team['anna']
    theirs = make_client(db, boris)
    read = client.get(f'/clients/{theirs.id}', headers=headers)
    assert read.status_code == 200
    assert read.json()['can_act'] is False
    moved = client.post(
        f'/clients/{theirs.id}/move', json={'stage_id': stages(db)['Назначение встречи'].id}, headers=headers
    )
    assert moved.status_code == 403
    assert 'Борис Менеджеров' in moved.json()['detail']
    assert (
        client.post(
            f'/clients/{theirs.id}/assign', json={'responsible_id': team['anna'][0].id}, headers=headers
        ).status_code
        == 403
    )
    assert (
        client.post(
            f'/clients/{theirs.id}/tasks', json={'title': 'x', 'due_at': '2030-01-01T10:00:00Z'}, headers=headers
        ).status_code
        == 403
    )


def test_a_client_the_caller_may_not_see_is_not_found(client, db, team):
    anna, _ = team['anna']
    _, headers = team['hidden']
    theirs = make_client(db, anna)
    assert client.get(f'/clients/{theirs.id}', headers=headers).status_code == 404
    assert client.post(f'/clients/{theirs.id}/comments', json={'text': 'hi'}, headers=headers).status_code == 404
    assert client.get('/clients', headers=headers).json()['total'] == 0


def test_move_to_a_failure_stage_needs_its_reason(client, db, team):
    anna, headers = team['anna']
    created = make_client(db, anna)
    failure = stages(db)['Бронь не поставлена']
    missing = client.post(f'/clients/{created.id}/move', json={'stage_id': failure.id}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()['detail'] == 'Для этапа «Бронь не поставлена» нужно выбрать причину'
    ok = client.post(
        f'/clients/{created.id}/move',
        json={'stage_id': failure.id, 'reason_id': failure.reasons[1].id},
        headers=headers,
    )
    assert ok.status_code == 200
    assert ok.json()['closing_reason_id'] == failure.reasons[1].id
    back = client.post(
        f'/clients/{created.id}/move', json={'stage_id': stages(db)['Вывод на бронь'].id}, headers=headers
    )
    assert back.status_code == 422
    assert 'не разрешён' in back.json()['detail']
    assert client.post(f'/clients/{created.id}/reopen', json={}, headers=headers).status_code == 200


def test_duplicate_phone_is_409_naming_the_existing_client_when_visible(client, db, team):
    anna, headers = team['anna']
    existing = make_client(db, anna, name='Первый', phone='+79123330000')
    response = client.post('/clients', json={'name': 'Второй', 'phones': ['8 912 333-00-00']}, headers=headers)
    assert response.status_code == 409
    assert response.json()['client_id'] == existing.id
    hidden = client.post('/clients', json={'name': 'Второй', 'phones': ['89123330000']}, headers=team['hidden'][1])
    assert hidden.status_code == 409
    assert hidden.json()['client_id'] is None
    assert 'Анна Менеджерова' in hidden.json()['detail']


def test_stale_update_is_409_and_changes_nothing(client, db, team):
    anna, headers = team['anna']
    created = make_client(db, anna, name='Старое Имя')
    first = client.patch(
        f'/clients/{created.id}', json={'version': created.version, 'situation': 'Ждёт звонка'}, headers=headers
    )
    assert first.status_code == 200
    second = client.patch(
        f'/clients/{created.id}', json={'version': created.version, 'name': 'Новое Имя'}, headers=headers
    )
    assert second.status_code == 409
    assert client.get(f'/clients/{created.id}', headers=headers).json()['name'] == 'Старое Имя'


def test_assigning_to_an_inactive_user_is_refused(client, db, team):
    anna, headers = team['anna']
    boris, _ = team['boris']
    created = make_client(db, anna)
    with db.write() as session:
        users.deactivate_user(session, login='boris')
    response = client.post(f'/clients/{created.id}/assign', json={'responsible_id': boris.id}, headers=headers)
    assert response.status_code == 422
    assert 'деактивирован' in response.json()['detail']


def test_comments_and_tasks_through_the_api(client, db, team):
    anna, headers = team['anna']
    created = make_client(db, anna)
    comment = client.post(f'/clients/{created.id}/comments', json={'text': 'Перезвонить после 18:00'}, headers=headers)
    assert comment.status_code == 201
    task = client.post(
        f'/clients/{created.id}/tasks',
        json={'title': 'Позвонить', 'due_at': '2020-01-01T10:00:00+03:00'},
        headers=headers,
    )
    assert task.status_code == 201
    assert task.json()['overdue'] is True
    assert task.json()['assignee_id'] == anna.id
    done = client.post(f'/clients/{created.id}/tasks/{task.json()["id"]}/done', headers=headers)
    assert done.status_code == 200 and done.json()['done'] is True
    feed = [e['text'] for e in client.get(f'/clients/{created.id}', headers=headers).json()['feed']]
    assert feed[:3] == ['Задача выполнена: Позвонить', 'Задача: Позвонить', 'Перезвонить после 18:00']


def test_reference_endpoints_list_stages_with_reasons_users_channels_projects(client, team):
    _, headers = team['anna']
    stage_list = client.get('/stages', headers=headers).json()
    assert [s['name'] for s in stage_list][:3] == ['Не разобрано', 'Назначение встречи', 'Вывод на бронь']
    trash = next(s for s in stage_list if s['kind'] == 'trash')
    assert 'Битый номер' in [r['name'] for r in trash['reasons']]
    assert len(client.get('/stages', params={'board': 'deals'}, headers=headers).json()) == 6
    assert 'Анна Менеджерова' in [u['name'] for u in client.get('/users', headers=headers).json()]
    assert client.get('/channels', headers=headers).json()[0]['name'] == 'Сайт'
    assert client.get('/projects', headers=headers).status_code == 200


def test_booking_creates_a_deal_and_moves_the_client(client, db, team):
    anna, headers = team['anna']
    created = make_client(db, anna)
    booked = client.post(f'/clients/{created.id}/book', json={'unit': 'кв. 45', 'amount': 7500000}, headers=headers)
    assert booked.status_code == 200
    assert booked.json()['stage_id'] == stages(db)['Бронь поставлена'].id
    assert booked.json()['deals'][0]['unit'] == 'кв. 45'


def test_openapi_docs_are_served(client):
    schema = client.get('/openapi.json').json()
    assert '/leads' in schema['paths']
    assert client.get('/docs').status_code == 200
