"""Deactivating and bringing back users through the API: admins only, and the user is out at once."""

from app.domain.account import users
from app.domain.models import AuditEntry, User
from tests.factories import bearer, make_user


def _active(db, user_id: int) -> bool:
    with db.read() as session:
        return session.get(User, user_id).active


def test_an_admin_deactivates_a_user_whose_sessions_and_tokens_stop_at_once(client, db):
    make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    anna_token = bearer(db, 'anna')
    with db.write() as session:
        key = users.open_session(session, actor=anna, hours=8)

    response = client.post(f'/users/{anna.id}/deactivate', headers=bearer(db, 'root'))

    assert response.status_code == 200
    assert response.json()['active'] is False
    assert not _active(db, anna.id)
    with db.read() as session:
        assert users.actor_for_session(session, key) is None
    assert client.get('/clients', headers=anna_token).status_code == 401

    response = client.post(f'/users/{anna.id}/reactivate', headers=bearer(db, 'root'))
    assert response.status_code == 200 and response.json()['active'] is True
    assert client.get('/clients', headers=anna_token).status_code == 200
    with db.read() as session:
        actions = [e.action for e in session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions[-2:] == ['user deactivated', 'user reactivated']


def test_a_head_or_manager_cannot_deactivate_anyone(client, db):
    make_user(db, 'root', role='admin')
    make_user(db, 'olga', role='head')
    anna = make_user(db, 'anna')
    for login in ('olga', 'anna'):
        response = client.post(f'/users/{anna.id}/deactivate', headers=bearer(db, login))
        assert response.status_code == 403
    assert _active(db, anna.id)


def test_deactivating_an_unknown_or_absurd_id_is_a_clear_4xx(client, db):
    make_user(db, 'root', role='admin')
    token = bearer(db, 'root')
    assert client.post('/users/999999/deactivate', headers=token).status_code == 404
    assert client.post(f'/users/{2**63}/deactivate', headers=token).status_code == 422
    assert client.post('/users/0/deactivate', headers=token).status_code == 422
