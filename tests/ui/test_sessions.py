"""Login sessions as tabs live them: a deactivation or a logout anywhere ends every open tab of that user."""

from datetime import timedelta

from sqlmodel import update

from app.domain.models import LoginSession, User, utcnow
from app.live import hub
from tests.factories import make_user
from tests.ui.test_board import log_in


def _tabs_of(user_id: int) -> list:
    return [view for view in hub.views if view.actor.id == user_id]


async def test_a_user_deactivated_from_another_process_is_sent_to_login_and_hears_nothing_more(user, db):
    anna = make_user(db, 'anna')
    await log_in(user, 'anna')
    assert _tabs_of(anna.id)
    with db.write() as session:  # what `python -m app user deactivate` does in its own process: no event here
        session.exec(update(User).where(User.id == anna.id).values(active=False))

    await user.should_see(marker='login-submit', retries=40)
    assert _tabs_of(anna.id) == []


async def test_a_session_ended_elsewhere_closes_the_tab(user, db):
    anna = make_user(db, 'anna')
    await log_in(user, 'anna')
    with db.write() as session:
        session.exec(
            update(LoginSession)
            .where(LoginSession.user_id == anna.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    await user.should_see(marker='login-submit', retries=40)
    assert _tabs_of(anna.id) == []


async def test_the_login_cookie_is_fresh_after_login_and_an_old_copy_opens_nothing(user, db):
    make_user(db, 'anna')
    await user.http_client.get('/login')
    before = user.http_client.cookies.get('voronka_session')
    await log_in(user, 'anna')
    first = user.http_client.cookies['voronka_session']
    assert first != before

    await log_in(user, 'anna')  # logging in again replaces the key and ends the one the browser brought
    second = user.http_client.cookies['voronka_session']
    assert second != first
    user.http_client.cookies.set('voronka_session', first)
    await user.open('/')
    await user.should_see(marker='login-submit')


async def test_a_wrong_password_sends_the_form_back_with_the_login_kept_and_says_why(user, db):
    make_user(db, 'anna')
    response = await user.http_client.post('/login', data={'login': 'anna', 'password': 'wrong'})
    assert response.status_code == 303
    await user.open(response.headers['location'])
    await user.should_see('Неверный логин или пароль')
    assert user.find(marker='login').elements.pop().value == 'anna'
    assert 'voronka_session' not in user.http_client.cookies


async def test_a_login_form_posted_from_another_site_is_refused(user, db):
    make_user(db, 'anna')
    response = await user.http_client.post(
        '/login', data={'login': 'anna', 'password': 'secret-pass'}, headers={'Origin': 'http://evil.example'}
    )
    assert response.status_code == 403
    assert 'voronka_session' not in user.http_client.cookies
