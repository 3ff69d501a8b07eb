"""Login sessions as tabs live them: a deactivation or a logout anywhere ends every open tab of that user."""

from datetime import timedelta

from nicegui import Client
from sqlmodel import update

from app.domain.models import LoginSession, User, utcnow
from tests.factories import make_user
from tests.ui.test_board import eventually, log_in, sent_to_login, tabs_of


async def test_a_user_deactivated_from_another_process_is_sent_to_login_and_hears_nothing_more(user, db):
    anna = make_user(db, 'anna')
    await log_in(user, 'anna')
    assert tabs_of(anna.id)
    with db.write() as session:  # what `python -m app user deactivate` does in its own process: no event here
        session.exec(update(User).where(User.id == anna.id).values(active=False))

    await eventually(lambda: not tabs_of(anna.id), tries=80)  # within 4 s: the watch looks every 2 s
    assert await sent_to_login(user)


async def test_a_session_ended_elsewhere_closes_the_tab(user, db):
    anna = make_user(db, 'anna')
    await log_in(user, 'anna')
    with db.write() as session:
        session.exec(
            update(LoginSession)
            .where(LoginSession.user_id == anna.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    await eventually(lambda: not tabs_of(anna.id), tries=80)  # within 4 s: the watch looks every 2 s
    assert await sent_to_login(user)


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
    assert await sent_to_login(user)


async def test_a_wrong_password_sends_the_form_back_with_the_login_kept_and_says_why(user, db):
    make_user(db, 'anna')
    response = await user.http_client.post('/login', data={'login': 'anna', 'password': 'wrong'})
    assert response.status_code == 303
    page = (await user.http_client.get(response.headers['location'])).text
    assert 'Неверный логин или пароль' in page
    assert 'name="login" autocomplete="username" value="anna"' in page
    assert 'voronka_session' not in user.http_client.cookies


async def test_a_login_form_posted_from_another_site_is_refused(user, db):
    make_user(db, 'anna')
    response = await user.http_client.post(
        '/login', data={'login': 'anna', 'password': 'secret-pass'}, headers={'Origin': 'http://evil.example'}
    )
    assert response.status_code == 403
    assert 'voronka_session' not in user.http_client.cookies


async def test_requests_without_a_login_build_no_page_and_leave_nothing_behind(user, db):
    before = len(Client.instances)
    for path in ('/', '/table', '/deals', '/reports', '/settings', '/import', '/requests', '/login'):
        response = await user.http_client.get(path)
        assert response.status_code in (200, 303), path
        assert len(Client.instances) == before, path
    assert (await user.http_client.get('/')).headers['location'] == '/login'


async def test_an_unknown_address_gets_a_small_page_and_leaves_nothing_behind(user, db):
    before = len(Client.instances)
    for number in range(20):
        response = await user.http_client.get(f'/wp-admin/{number}.php')
        assert response.status_code == 404
    assert len(Client.instances) == before


async def test_crafted_login_queries_and_forms_get_a_plain_answer_never_a_500(user, db):
    for wait in ('%C2%B2', '9' * 5000, '99999'):
        response = await user.http_client.get(f'/login?error=locked&wait={wait}')
        assert response.status_code == 200
        assert 'Слишком много' not in response.text  # only a wait the login itself sent is shown
    fields = '&'.join(f'f{n}={n}' for n in range(20))
    response = await user.http_client.post(
        '/login', content=fields, headers={'content-type': 'application/x-www-form-urlencoded'}
    )
    assert response.status_code == 303 and 'error=refused' in response.headers['location']
