"""Accounts: passwords checked slowly and locked after repeated failures, API tokens stored hashed."""

from datetime import timedelta

import pytest
from passlib.context import CryptContext
from sqlmodel import select

from app.domain.account import users
from app.domain.errors import InvalidInput, LoginLocked, LoginRefused
from app.domain.models import ApiToken, User, utcnow
from tests.factories import PASSWORD
from tests.factories import make_user as make_user_with_real_hash

# the real argon2 check with the cheapest parameters: verifying costs what the stored hash says
_CHEAP_HASH = CryptContext(schemes=['argon2'], argon2__memory_cost=1024, argon2__rounds=1).hash(PASSWORD)


def make_user(db, login: str, **kwargs):
    """A user whose password checks are fast, for tests that log in many times."""
    actor = make_user_with_real_hash(db, login, **kwargs)
    with db.write() as session:
        session.get(User, actor.id).password_hash = _CHEAP_HASH
    return actor


def _login(db, login: str, password: str):
    with db.write() as session:
        return users.authenticate(session, login=login, password=password)


def _deactivate(db, login: str) -> None:
    with db.write() as session:
        users.deactivate_user(session, login=login)


def test_user_logs_in_with_the_right_password(db):
    anna = make_user_with_real_hash(db, 'anna')
    assert _login(db, 'anna', PASSWORD).id == anna.id


def test_login_is_case_insensitive_and_ignores_spaces(db):
    anna = make_user(db, 'anna')
    assert _login(db, ' Anna ', PASSWORD).id == anna.id


def test_wrong_password_is_refused_with_a_readable_message(db):
    make_user(db, 'anna')
    with pytest.raises(LoginRefused) as refused:
        _login(db, 'anna', 'not-the-password')
    assert refused.value.message('ru') == 'Неверный логин или пароль'


def test_unknown_login_is_refused_like_a_wrong_password(db):
    with pytest.raises(LoginRefused) as refused:
        _login(db, 'nobody', PASSWORD)
    assert type(refused.value) is LoginRefused


def test_created_user_gets_an_argon2_hash_not_the_password(db):
    with db.write() as session:
        user = users.create_user(session, login='Vera', name='Вера', role='manager', password='s3cret-пароль')
    assert user.login == 'vera'
    assert user.password_hash.startswith('$argon2')
    assert 's3cret' not in user.password_hash
    assert _login(db, 'vera', 's3cret-пароль').id == user.id


def test_taken_login_and_unknown_role_are_refused(db):
    make_user(db, 'anna')
    with pytest.raises(InvalidInput), db.write() as session:
        users.create_user(session, login='ANNA', name='Анна', role='manager', password='', password_hash='x')
    with pytest.raises(InvalidInput), db.write() as session:
        users.create_user(session, login='boss', name='Босс', role='owner', password='', password_hash='x')


def _browser_login(db, login: str, password: str):
    return users.log_in(db, login=login, password=password, hours=12)


def test_account_is_locked_after_five_failed_logins(db):
    make_user(db, 'anna')
    for _ in range(users.MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused) as refused:
            _browser_login(db, 'anna', 'guess')
        assert type(refused.value) is LoginRefused

    with pytest.raises(LoginLocked) as locked:
        _browser_login(db, 'anna', PASSWORD)
    assert 'Слишком много неудачных попыток' in locked.value.message('ru')
    with pytest.raises(LoginLocked):
        _login(db, 'anna', PASSWORD)


def test_failed_checks_count_even_though_the_refusal_rolls_back_the_transaction(db):
    make_user(db, 'anna')
    for _ in range(users.MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            _login(db, 'anna', 'guess')
    with pytest.raises(LoginLocked):
        _login(db, 'anna', PASSWORD)


def test_lock_expires_and_a_right_password_then_resets_the_count(db):
    anna = make_user(db, 'anna')
    with db.write() as session:
        user = session.get(User, anna.id)
        user.failed_logins = users.MAX_FAILED_LOGINS
        user.locked_until = utcnow() - timedelta(seconds=1)

    key, actor = _browser_login(db, 'anna', PASSWORD)

    assert actor.id == anna.id
    with db.read() as session:
        assert users.actor_for_session(session, key).id == anna.id
        user = session.get(User, anna.id)
        assert (user.failed_logins, user.locked_until) == (0, None)


def test_deactivated_user_cannot_log_in(db):
    make_user(db, 'anna')
    _deactivate(db, 'anna')
    with pytest.raises(LoginRefused):
        _login(db, 'anna', PASSWORD)
    with pytest.raises(LoginRefused):
        _browser_login(db, 'anna', PASSWORD)


def test_deactivating_a_user_ends_their_browser_sessions(db):
    make_user(db, 'anna')
    key, _ = _browser_login(db, 'anna', PASSWORD)
    _deactivate(db, 'anna')
    with db.read() as session:
        assert users.actor_for_session(session, key) is None


def test_token_identifies_its_owner(db):
    anna = make_user(db, 'anna', role='head')
    with db.write() as session:
        token = users.create_token(session, login='anna', label='Сайт')
    with db.read() as session:
        actor = users.actor_for_token(session, token)
        stored = session.exec(select(ApiToken.token_hash)).one()
    assert actor.id == anna.id
    assert actor.role == 'head'
    assert token not in stored


@pytest.mark.parametrize('token', ['', 'vk_unknown', 'Bearer something'])
def test_unknown_token_belongs_to_nobody(db, token):
    make_user(db, 'anna')
    with db.write() as session:
        users.create_token(session, login='anna')
    with db.read() as session:
        assert users.actor_for_token(session, token) is None


def test_token_of_a_deactivated_user_stops_working(db):
    make_user(db, 'anna')
    with db.write() as session:
        token = users.create_token(session, login='anna')
    _deactivate(db, 'anna')
    with db.read() as session:
        assert users.actor_for_token(session, token) is None


def test_deactivated_user_is_no_longer_an_actor(db):
    anna = make_user(db, 'anna')
    _deactivate(db, 'anna')
    with db.read() as session:
        assert users.actor_by_id(session, anna.id) is None
