"""The HTTP border of a real server, as a browser, a proxy and an attacker meet it: the login cookie, https behind
a proxy, the headers, throttling by source, oversized bodies, and a deactivation from the command line."""

import http.client
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import pytest

from tests.e2e.conftest import logged_in_page, running_app
from tests.servers import app_env


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _send(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """One request without following redirects: (status, headers, body)."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _log_in(url: str, login: str, password: str = 'voronka', **headers: str):
    form = urllib.parse.urlencode({'login': login, 'password': password}).encode()
    return _send(url + '/login', data=form, headers={'Content-Type': 'application/x-www-form-urlencoded', **headers})


def _session_cookie(headers) -> SimpleCookie:
    cookie = SimpleCookie()
    for value in headers.get_all('set-cookie') or []:
        if value.startswith('voronka_session='):
            cookie.load(value)
    return cookie


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp('border')
    with running_app(data_dir) as (url, _):
        yield url, data_dir


def test_each_login_issues_a_fresh_cookie_and_an_old_copy_opens_nothing(server):
    url, _ = server
    status, headers, _ = _log_in(url, 'manager3')
    assert status == 303 and headers['location'] == '/'
    first = _session_cookie(headers)['voronka_session']
    assert first['httponly'] and first['samesite'].lower() == 'lax' and not first['secure']

    cookie = f'voronka_session={first.value}'
    assert _send(url + '/', headers={'Cookie': cookie})[0] == 200
    status, headers, _ = _log_in(url, 'manager3', Cookie=cookie)
    second = _session_cookie(headers)['voronka_session'].value
    assert second != first.value
    assert _send(url + '/', headers={'Cookie': cookie})[0] == 303  # the copy taken before is worth nothing

    status, headers, _ = _send(url + '/logout', data=b'', headers={'Cookie': f'voronka_session={second}'})
    assert status == 303 and headers['location'] == '/login'
    assert _send(url + '/', headers={'Cookie': f'voronka_session={second}'})[0] == 303


def test_the_cookie_is_secure_when_a_trusted_proxy_says_the_browser_came_over_https(server):
    url, _ = server
    _, headers, _ = _log_in(url, 'manager4', **{'X-Forwarded-Proto': 'https'})
    assert _session_cookie(headers)['voronka_session']['secure']


def test_pages_refuse_framing_and_sniffing_and_carry_a_policy(server):
    url, _ = server
    status, headers, _ = _send(url + '/login')
    assert status == 200
    assert headers['x-frame-options'] == 'DENY'
    assert headers['x-content-type-options'] == 'nosniff'
    assert "frame-ancestors 'none'" in headers['content-security-policy']
    status, headers, _ = _send(url + '/')
    assert status == 303 and headers['location'] == '/login'  # nobody logged in: no page is built


def test_an_attacker_guessing_a_password_is_slowed_while_the_owner_gets_in(server):
    url, _ = server
    attacker = {'X-Forwarded-For': '203.0.113.66'}
    for _ in range(5):
        status, headers, _ = _log_in(url, 'manager5', 'guess', **attacker)
        assert status == 303 and 'error=refused' in headers['location']
    status, headers, _ = _log_in(url, 'manager5', **attacker)
    assert 'error=locked' in headers['location'] and 'wait=' in headers['location']
    status, headers, _ = _log_in(url, 'manager5', **{'X-Forwarded-For': '192.0.2.55'})
    assert status == 303 and headers['location'] == '/'


def test_an_oversized_body_is_refused_before_it_is_sent_in_the_callers_language(server):
    url, _ = server
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=10)
    connection.putrequest('POST', '/api/v1/leads')
    for name, value in (('Content-Type', 'application/json'), ('Content-Length', str(50 * 1024 * 1024))):
        connection.putheader(name, value)
    connection.endheaders()  # the 50 MB never leave: the answer comes on the headers alone
    response = connection.getresponse()
    assert response.status == 413
    assert 'больше' in json.loads(response.read())['detail']
    connection.close()


def test_a_user_deactivated_from_the_command_line_loses_the_open_tab_within_seconds(server, browser):
    url, data_dir = server
    page = logged_in_page(browser, url, 'manager6')
    csp_problems = []
    page.on('console', lambda message: csp_problems.append(message.text) if 'Content Security' in message.text else 0)
    page.reload()
    page.wait_for_selector('.vk-board')
    subprocess.run(
        [sys.executable, '-m', 'app', 'user', 'deactivate', 'manager6'], env=app_env(data_dir), check=True, timeout=60
    )
    started = time.monotonic()
    page.wait_for_url('**/login**', timeout=6000)
    assert time.monotonic() - started < 6
    assert csp_problems == []  # the board ran under the content security policy without a refusal
    page.context.close()
