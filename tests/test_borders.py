"""The HTTP border's decisions: whose word about the caller's address and scheme counts, which origins are ours,
and the headers every response carries."""

from dataclasses import replace

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from app.borders import BodyLimit, SecurityHeaders, came_over_https, client_address, origin_allowed, own_hosts
from app.config import load_settings


@pytest.fixture
def settings():
    return replace(
        load_settings(), trusted_proxies=frozenset({'127.0.0.1'}), allowed_origins=frozenset({'https://crm.example.ru'})
    )


def _scope(peer: str, **headers: str) -> dict:
    return {
        'type': 'http',
        'scheme': 'http',
        'client': (peer, 40000),
        'headers': [(name.replace('_', '-').encode(), value.encode()) for name, value in headers.items()],
    }


def test_forwarded_headers_count_only_from_a_trusted_proxy(settings):
    through_proxy = _scope('127.0.0.1', x_forwarded_for='198.51.100.7, 203.0.113.5', x_forwarded_proto='https')
    direct = _scope('203.0.113.5', x_forwarded_for='10.0.0.1', x_forwarded_proto='https')
    assert client_address(through_proxy, settings) == '203.0.113.5'  # the hop the proxy saw, not the forged left
    assert came_over_https(through_proxy, settings)
    assert client_address(direct, settings) == '203.0.113.5'
    assert not came_over_https(direct, settings)


def test_an_origin_is_ours_by_the_host_it_came_to_or_by_the_list(settings):
    assert origin_allowed('http://crm.local:8080', _scope('10.0.0.7', host='crm.local:8080'), settings)
    assert origin_allowed('https://crm.example.ru/', _scope('10.0.0.7', host='elsewhere'), settings)
    assert not origin_allowed('http://evil.example', _scope('10.0.0.7', host='crm.local:8080'), settings)
    assert not origin_allowed('null', _scope('10.0.0.7', host='crm.local:8080'), settings)
    forwarded = dict(host='127.0.0.1:8080', x_forwarded_host='crm.example.org')
    assert origin_allowed('https://crm.example.org', _scope('127.0.0.1', **forwarded), settings)
    assert not origin_allowed('https://crm.example.org', _scope('10.0.0.9', **forwarded), settings)


def test_every_response_refuses_framing_and_sniffing_and_carries_the_policy(settings):
    app = FastAPI()

    @app.get('/page')
    def page():
        return {'ok': True}

    app.add_middleware(SecurityHeaders, settings=settings)
    response = TestClient(app).get('/page', headers={'host': 'crm.local'})
    assert response.headers['x-frame-options'] == 'DENY'
    assert response.headers['x-content-type-options'] == 'nosniff'
    policy = response.headers['content-security-policy']
    for part in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", 'ws://crm.local', 'wss://crm.local'):
        assert part in policy


def _echo_app(limits: dict[str, int]) -> TestClient:
    app = FastAPI()

    @app.post('/{path:path}')
    async def echo(request: Request):
        return {'size': len(await request.body())}

    app.add_middleware(BodyLimit, default=1000, larger=limits)
    return TestClient(app)


def test_a_body_over_its_limit_is_refused_before_it_is_read_in_the_callers_language():
    client = _echo_app({'/upload': 5000})
    assert client.post('/json', content=b'x' * 1000).json() == {'size': 1000}
    refused = client.post('/json', content=b'x' * 1001, headers={'accept-language': 'en'})
    assert refused.status_code == 413
    assert refused.json()['code'] == 'error.body_too_large' and 'larger than' in refused.json()['detail']
    assert client.post('/upload', content=b'x' * 4000).json() == {'size': 4000}


def test_a_body_without_a_length_is_cut_off_as_soon_as_it_grows_past_the_limit():
    def chunks():
        for _ in range(100):
            yield b'x' * 100

    refused = _echo_app({}).post('/json', content=chunks())
    assert refused.status_code == 413
    assert 'больше' in refused.json()['detail']


def test_a_forged_forwarded_line_before_the_proxys_own_cannot_choose_the_address(settings):
    scope = _scope('127.0.0.1')
    scope['headers'] = [(b'x-forwarded-for', b'6.6.6.6'), (b'x-forwarded-for', b'203.0.113.9')]
    assert client_address(scope, settings) == '203.0.113.9'


def test_a_host_header_that_is_no_host_never_reaches_the_policy_or_the_origin_rule(settings):
    scope = _scope('10.0.0.7', host='evil.example"; script-src *')
    assert own_hosts(scope, settings) == set()
    assert not origin_allowed('http://evil.example"; script-src *', scope, settings)
