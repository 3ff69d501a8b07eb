"""Accounts: passwords checked slowly, wrong guesses throttled by their source, API tokens stored hashed."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from passlib.context import CryptContext
from sqlmodel import select

from app.domain.account import login_throttle, users
from app.domain.errors import InvalidInput, LoginLocked, LoginRefused
from app.domain.models import ApiToken, LoginThrottle, User, utcnow
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


def _browser_login(db, login: str, password: str, address: str = '10.0.0.1'):
    return users.log_in(db, login=login, password=password, hours=12, address=address)


def _fail(db, login: str, times: int, address: str) -> None:
    for _ in range(times):
        with pytest.raises(LoginRefused) as refused:
            _browser_login(db, login, 'guess', address)
        assert type(refused.value) is LoginRefused


def test_five_wrong_passwords_make_that_address_wait_for_that_login_and_say_when(db):
    make_user(db, 'anna')
    _fail(db, 'anna', login_throttle.PAIR.failures, address='203.0.113.9')

    with pytest.raises(LoginLocked) as locked:
        _browser_login(db, 'anna', PASSWORD, address='203.0.113.9')
    assert 'Слишком много неудачных попыток' in locked.value.message('ru')
    assert locked.value.params['seconds'] > 0


def test_the_owner_still_logs_in_from_their_own_browser_while_an_attacker_is_slowed(db):
    anna = make_user(db, 'anna')
    _fail(db, 'anna', login_throttle.PAIR.failures, address='203.0.113.9')
    with pytest.raises(LoginLocked):
        _browser_login(db, 'anna', PASSWORD, address='203.0.113.9')

    key, actor = _browser_login(db, 'anna', PASSWORD, address='192.0.2.10')
    assert actor.id == anna.id
    with db.read() as session:
        assert users.actor_for_session(session, key).id == anna.id


def test_each_further_failure_doubles_the_wait(db):
    make_user(db, 'anna')
    _fail(db, 'anna', login_throttle.PAIR.failures, address='203.0.113.9')
    with db.write() as session:  # the wait is over: one more wrong guess
        session.get(LoginThrottle, 'pair:anna|203.0.113.9').locked_until = utcnow() - timedelta(seconds=1)
    _fail(db, 'anna', 1, address='203.0.113.9')
    with db.read() as session:
        row = session.get(LoginThrottle, 'pair:anna|203.0.113.9')
        wait = (row.locked_until - utcnow()).total_seconds()
    assert 100 < wait <= 2 * login_throttle.PAIR.first_wait_seconds


def test_an_address_guessing_at_many_logins_waits_for_all_of_them(db):
    make_user(db, 'anna')
    for number in range(login_throttle.ADDRESS.failures):
        _fail(db, f'guess{number}', 1, address='203.0.113.9')
    with pytest.raises(LoginLocked):
        _browser_login(db, 'anna', PASSWORD, address='203.0.113.9')
    assert _browser_login(db, 'anna', PASSWORD, address='192.0.2.10')[1].name == 'Anna'


def test_a_spread_attack_reaches_the_accounts_ceiling_far_above_what_a_person_types(db):
    make_user(db, 'anna')
    assert login_throttle.ACCOUNT.failures >= 100
    for number in range(login_throttle.ACCOUNT.failures):
        _fail(db, 'anna', 1, address=f'198.51.{number // 250}.{number % 250}')
    with pytest.raises(LoginLocked):
        _browser_login(db, 'anna', PASSWORD, address='192.0.2.10')


def test_concurrent_wrong_guesses_each_count(db):
    make_user(db, 'anna')
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: _attempt(db), range(login_throttle.PAIR.failures)))
    assert outcomes == ['refused'] * login_throttle.PAIR.failures
    with db.read() as session:
        assert session.get(LoginThrottle, 'pair:anna|203.0.113.9').failures == login_throttle.PAIR.failures


def _attempt(db) -> str:
    try:
        _browser_login(db, 'anna', 'guess', '203.0.113.9')
    except LoginRefused:
        return 'refused'
    return 'in'


def test_a_right_password_starts_that_logins_count_from_this_address_over(db):
    make_user(db, 'anna')
    _fail(db, 'anna', login_throttle.PAIR.failures - 1, address='203.0.113.9')
    _browser_login(db, 'anna', PASSWORD, address='203.0.113.9')
    _fail(db, 'anna', login_throttle.PAIR.failures - 1, address='203.0.113.9')
    assert _browser_login(db, 'anna', PASSWORD, address='203.0.113.9')[1].name == 'Anna'


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
