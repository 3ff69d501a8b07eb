"""API tokens of one's own, and the audit log of account changes."""

import pytest

from app.domain.account import audit, users
from app.domain.errors import NotFound, PermissionDenied
from app.domain.events import AccountChanged, SessionEnded, bus
from tests.factories import make_user


def test_a_token_is_shown_once_stored_hashed_listed_and_revoked(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        token = users.create_my_token(session, actor=admin, label='Сайт')
    with db.write() as session:
        assert users.actor_for_token(session, token, touch=True).id == admin.id
    with db.read() as session:
        listed = users.my_tokens(session, actor=admin)
    assert [t.label for t in listed] == ['Сайт']
    assert listed[0].last_used_at is not None
    with db.write() as session:
        users.revoke_my_token(session, actor=admin, token_id=listed[0].id)
    with db.read() as session:
        assert users.actor_for_token(session, token) is None


def test_nobody_revokes_someone_elses_token(db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    with db.write() as session:
        users.create_my_token(session, actor=admin, label='Телефония')
    with db.read() as session:
        token_id = users.my_tokens(session, actor=admin)[0].id
    with db.write() as session, pytest.raises(NotFound):
        users.revoke_my_token(session, actor=anna, token_id=token_id)


def test_settings_changes_are_audited_and_announced_and_only_admins_read_the_log(db):
    admin = make_user(db, 'admin', role='admin', name='Ольга Админ')
    anna = make_user(db, 'anna')
    heard = []
    bus.subscribe(heard.append)
    with db.write() as session:
        users.create_my_token(session, actor=admin, label='Сайт')
    assert AccountChanged(area='tokens', actor_id=admin.id) in heard
    with db.read() as session:
        log = audit.audit_log(session, actor=admin)
        assert (log[0].actor_name, log[0].area, log[0].details) == ('Ольга Админ', 'tokens', {'label': 'Сайт'})
        with pytest.raises(PermissionDenied):
            audit.audit_log(session, actor=anna)


def test_deactivation_ends_every_session_of_the_user_at_once(db):
    anna = make_user(db, 'anna')
    with db.write() as session:
        first = users.open_session(session, actor=anna, hours=1)
        second = users.open_session(session, actor=anna, hours=1)
    ended = []
    bus.subscribe(lambda event: ended.append(event) if isinstance(event, SessionEnded) else None)
    with db.write() as session:
        users.deactivate_user(session, login='anna')
    assert {e.session_key for e in ended} == {users.session_event_key(first), users.session_event_key(second)}
    with db.read() as session:
        assert users.actor_for_session(session, first) is None
