"""POST /api/v1/calls as telephony uses it: calls logged once per provider id, refusals in the caller's language,
recordings only in the answers of those who may see the client."""

from sqlmodel import func, select

from app.domain.models import Call, Client, Request, Task
from tests.factories import bearer, make_client, make_user

RECORDING = 'https://records.example-pbx.ru/2024/05/call-77.mp3'


def count(db, model, *where) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_call_is_logged_once_and_completed_by_its_repost(client, db):
    anna = make_user(db, 'anna')
    make_user(db, 'telephony', role='admin')
    headers = bearer(db, 'telephony')
    known = make_client(db, anna, phone='+79120000001')
    report = {'call_id': 'pbx-1', 'direction': 'incoming', 'phone': '8 912 000 00 01', 'manager': 'anna'}

    first = client.post('/calls', json=report, headers=headers)
    assert first.status_code == 200
    assert first.json() == {'status': 'logged', 'call_id': first.json()['call_id'], 'client_id': known.id}
    assert client.post('/calls', json=report, headers=headers).json()['status'] == 'unchanged'
    done = client.post('/calls', json={**report, 'duration': 95, 'recording_url': RECORDING}, headers=headers)
    assert done.json()['status'] == 'completed'

    assert count(db, Call) == 1
    assert count(db, Request, Request.source == 'integration') == 1
    detail = client.get(f'/clients/{known.id}', headers=bearer(db, 'anna')).json()
    assert [(c['direction'], c['duration_s'], c['recording_url']) for c in detail['calls']] == [
        ('incoming', 95, RECORDING)
    ]
    assert any(entry['kind'] == 'call' for entry in detail['feed'])


def test_missed_calls_make_tasks_and_new_clients(client, db):
    anna = make_user(db, 'anna')
    headers = bearer(db, 'anna')
    make_client(db, anna, phone='+79120000001')
    assert (
        client.post(
            '/calls', json={'call_id': 'm-1', 'direction': 'missed', 'phone': '+79120000001'}, headers=headers
        ).json()['status']
        == 'logged'
    )
    assert count(db, Task, Task.assignee_id == anna.id, Task.done == False) == 1  # noqa: E712
    unknown = client.post(
        '/calls', json={'call_id': 'm-2', 'direction': 'missed', 'phone': '+79135554433'}, headers=headers
    )
    assert unknown.json()['status'] == 'logged'
    with db.read() as session:
        new_client = session.get(Client, unknown.json()['client_id'])
    assert new_client.touch_type == 'call'


def test_the_recording_is_not_shown_to_a_user_who_may_not_see_the_client(client, db):
    anna = make_user(db, 'anna')
    make_user(db, 'loner', can_see_others=False)
    known = make_client(db, anna, phone='+79120000001')
    posted = client.post(
        '/calls',
        json={'call_id': 'r-1', 'direction': 'incoming', 'phone': '+79120000001', 'recording_url': RECORDING},
        headers=bearer(db, 'loner'),
    )
    assert posted.json() == {'status': 'logged', 'call_id': None, 'client_id': None}  # the call is never lost
    loner = bearer(db, 'loner')
    assert client.get(f'/clients/{known.id}', headers=loner).status_code == 404
    assert RECORDING not in client.get('/requests', headers=loner).text
    assert RECORDING not in client.get('/clients', headers=loner).text


def test_bad_reports_are_refused_in_the_callers_language(client, db):
    make_user(db, 'anna')
    headers = bearer(db, 'anna')
    base = {'call_id': 'b-1', 'direction': 'incoming', 'phone': '+79120000001'}
    bad_url = client.post('/calls', json={**base, 'recording_url': 'javascript:alert(1)'}, headers=headers)
    assert bad_url.status_code == 422
    assert (bad_url.json()['code'], bad_url.json()['detail']) == (
        'error.recording_url',
        'Ссылка на запись должна быть полным адресом http:// или https://',
    )
    english = client.post(
        '/calls', json={**base, 'direction': 'sideways'}, headers={**headers, 'Accept-Language': 'en'}
    )
    assert english.status_code == 422 and 'direction' in english.json()['detail']
    too_long = client.post('/calls', json={**base, 'duration': 10**9}, headers=headers)
    assert too_long.status_code == 422 and 'duration' in too_long.json()['detail']
    no_id = client.post('/calls', json={**base, 'call_id': '  '}, headers=headers)
    assert no_id.status_code == 422 and no_id.json()['code'] == 'error.call_id_required'
    assert client.post('/calls', json=base).status_code == 401
    assert count(db, Call) == 0


def test_a_contradicting_repost_is_a_conflict(client, db):
    anna = make_user(db, 'anna')
    headers = bearer(db, 'anna')
    make_client(db, anna, phone='+79120000001')
    client.post('/calls', json={'call_id': 'x-1', 'direction': 'incoming', 'phone': '+79120000001'}, headers=headers)
    clash = client.post(
        '/calls', json={'call_id': 'x-1', 'direction': 'outgoing', 'phone': '+79120000001'}, headers=headers
    )
    assert clash.status_code == 409 and clash.json()['code'] == 'error.call_mismatch'
