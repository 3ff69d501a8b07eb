"""Deactivating and bringing back users through the API: admins only, and the user is out at once; how long
a verified token is believed."""

from time import monotonic

from sqlalchemy import update
from sqlmodel import select

from app.domain import memo
from app.domain.account import users
from app.domain.models import ApiToken, AuditEntry, User
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


def test_a_token_changed_by_another_process_is_believed_for_at_most_ten_seconds(client, db, monkeypatch):
    """What a second server or the CLI does to a user reaches this process's trust in its tokens by the clock:
    the API documents 10 s."""
    anna = make_user(db, 'anna')
    anna_token = bearer(db, 'anna')
    assert client.get('/clients', headers=anna_token).status_code == 200
    with db.engine.begin() as connection:  # as another process would: not through this process's sessions
        connection.execute(update(User).where(User.id == anna.id).values(active=False))

    assert client.get('/clients', headers=anna_token).status_code == 200
    later = monotonic() + users.TOKEN_TRUST_S + 0.1
    monkeypatch.setattr(memo, 'monotonic', lambda: later)
    assert client.get('/clients', headers=anna_token).status_code == 401


def test_a_revoked_token_stops_at_once_in_this_process(client, db):
    anna = make_user(db, 'anna')
    anna_token = bearer(db, 'anna')
    assert client.get('/clients', headers=anna_token).status_code == 200
    with db.write() as session:
        [mine] = users.my_tokens(session, actor=anna)
        users.revoke_my_token(session, actor=anna, token_id=mine.id)
    assert client.get('/clients', headers=anna_token).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, db):
    make_user(db, 'anna')
    anna_token = bearer(db, 'anna')
    lead = {'name': 'Лид', 'phone': '+79120000001'}
    assert client.post('/leads', json=lead, headers=anna_token).status_code == 201
    with db.read() as session:
        first = session.exec(select(ApiToken.last_used_at)).one()
    memo.forget_everything()  # even asking the database again does not rewrite it within the minute
    assert client.post('/leads', json={**lead, 'phone': '+79120000002'}, headers=anna_token).status_code == 201
    with db.read() as session:
        assert session.exec(select(ApiToken.last_used_at)).one() == first
