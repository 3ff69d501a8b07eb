"""Documents through the API: permissions, limits at the border, downloads that never run in our origin, the
OpenAPI document, and the S3 store against a real local S3-compatible server (moto)."""

import contextlib
import http.client
import json
import socket
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from app.config import load_settings
from app.domain.documents import storage
from app.domain.integrations import forms
from app.main import api_stack, upload_limits
from tests.factories import bearer, empty_file_store, make_client, make_user
from tests.servers import free_port

PDF = b'%PDF-1.4\n%%EOF\n'
HTML = b'<!doctype html><html><body><script>fetch("/api/v1/clients")</script></body></html>'


@pytest.fixture(autouse=True)
def fresh_files(db):
    empty_file_store()
    yield
    empty_file_store()


def _served() -> TestClient:
    """The API at its place behind the borders the server puts in front of it (body limits, security headers)."""
    return TestClient(Starlette(routes=[Mount('/api/v1', app=api_stack(load_settings(), upload_limits()))]))


@pytest.fixture
def bordered():
    with _served() as test_client:
        yield test_client


@pytest.fixture
def people(db):
    owner = make_user(db, 'olga', name='Ольга')
    make_user(db, 'reader')
    make_user(db, 'stranger', can_see_others=False)
    client = make_client(db, owner)
    return client.id


def upload(http, client_id: int, login: str, data: bytes = PDF, name: str = 'Договор брони.pdf', db=None):
    return http.post(
        f'/api/v1/clients/{client_id}/documents', files={'file': (name, data, 'text/html')}, headers=bearer(db, login)
    )


def test_upload_list_download_and_delete_with_the_clients_permissions(bordered, db, people):
    client_id = people
    made = upload(bordered, client_id, 'olga', db=db)
    assert made.status_code == 201, made.text
    document = made.json()
    assert (document['name'], document['content_type'], document['uploaded_by']) == (
        'Договор брони.pdf',
        'application/pdf',
        'Ольга',
    )
    refused = upload(bordered, client_id, 'reader', db=db)
    assert refused.status_code == 403 and refused.json()['code'] == 'error.forbidden_client'
    assert upload(bordered, client_id, 'stranger', db=db).status_code == 404
    listed = bordered.get(f'/api/v1/clients/{client_id}/documents', headers=bearer(db, 'reader'))
    assert [d['id'] for d in listed.json()] == [document['id']]
    content = bordered.get(f'/api/v1/documents/{document["id"]}/content', headers=bearer(db, 'reader'))
    assert content.content == PDF
    assert content.headers['content-disposition'].startswith('attachment;')
    assert "filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80" in content.headers['content-disposition']
    for path in (f'/api/v1/documents/{document["id"]}', f'/api/v1/documents/{document["id"]}/content'):
        assert bordered.get(path, headers=bearer(db, 'stranger')).status_code == 404
    assert bordered.get(f'/api/v1/clients/{client_id}/documents', headers=bearer(db, 'stranger')).status_code == 404
    assert bordered.delete(f'/api/v1/documents/{document["id"]}', headers=bearer(db, 'reader')).status_code == 403
    renamed = bordered.patch(
        f'/api/v1/documents/{document["id"]}', json={'name': 'Бронь.pdf'}, headers=bearer(db, 'olga')
    )
    assert renamed.json()['name'] == 'Бронь.pdf'
    assert bordered.delete(f'/api/v1/documents/{document["id"]}', headers=bearer(db, 'olga')).status_code == 204
    assert bordered.get(f'/api/v1/documents/{document["id"]}', headers=bearer(db, 'olga')).status_code == 404
    assert bordered.get('/api/v1/documents/999999/content', headers=bearer(db, 'olga')).status_code == 404


def test_an_uploaded_html_page_is_served_as_an_attachment_that_cannot_run(bordered, db, people):
    made = upload(bordered, people, 'olga', HTML, 'page.html', db=db).json()
    assert made['content_type'] == 'text/plain'  # sniffed from the bytes, the browser's text/html is not believed
    content = bordered.get(f'/api/v1/documents/{made["id"]}/content', headers=bearer(db, 'olga'))
    assert content.headers['content-type'].startswith('text/plain')
    assert content.headers['content-disposition'].startswith('attachment;')
    assert content.headers['x-content-type-options'] == 'nosniff'
    policy = content.headers['content-security-policy']
    assert "default-src 'none'" in policy and 'sandbox' in policy


def test_a_file_over_the_limit_is_refused_at_the_border_before_it_is_read(bordered, db, people, monkeypatch):
    monkeypatch.setenv('VORONKA_FILE_MAX_MB', '1')
    with _served() as small:
        refused = upload(small, people, 'olga', b'x' * (2 * 1024 * 1024), 'big.txt', db=db)
        assert refused.status_code == 413 and refused.json()['code'] == 'error.body_too_large'
        # just over the file limit but within the form's slack: the domain's own check answers
        over = upload(small, people, 'olga', b'x' * (1024 * 1024 + 10), 'big.txt', db=db)
        assert over.status_code == 413 and over.json()['code'] == 'documents.error.too_large'
        assert 'больше 1 МБ' in over.json()['detail']
    assert list(storage.file_store().root.glob('??/*')) == []
    # any other route of the clients keeps the small limit of a form
    bulky = bordered.post('/api/v1/clients', content=b'x' * (2 * 1024 * 1024), headers=bearer(db, 'olga'))
    assert bulky.status_code == 413


@pytest.fixture
def over_http(monkeypatch):
    """The same stack served by uvicorn on a port of its own: a chunked body arrives in pieces, as from a caller."""
    monkeypatch.setenv('VORONKA_FILE_MAX_MB', '1')
    uploads = {**upload_limits(), '/api/v1/import': 1024 * 1024}
    app = Starlette(routes=[Mount('/api/v1', app=api_stack(load_settings(), uploads))])
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=free_port(), lifespan='off', log_level='error'))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    yield server.config.port
    server.should_exit = True
    thread.join()


def _post_chunked(port: int, path: str, headers: dict, pieces) -> tuple[int, dict]:
    """A POST whose body goes out chunked, without a Content-Length; the answer may come before it is all sent."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    try:
        # the server may answer and stop reading before the body is all sent: its answer is there to read
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request('POST', path, body=iter(pieces), headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_a_413_on_every_route(over_http, db, people):
    """Without a Content-Length the border found out mid-body and raised: the API's error middleware answered 500
    first (documents, the import, the forms) or FastAPI's body parsing «not JSON» (leads)."""
    boss = make_user(db, 'boss', role='admin')  # who may import
    with db.write() as session:
        form = forms.create_form_endpoint(session, actor=boss, name='Сайт').token
    auth = {**bearer(db, 'boss'), 'Accept-Language': 'en'}
    megabyte = [b'x' * (64 * 1024)] * 24
    boundary = 'b0undary'
    multipart = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'.encode(),
        *megabyte,
        f'\r\n--{boundary}--\r\n'.encode(),
    ]
    posts = [
        (f'/api/v1/clients/{people}/documents', f'multipart/form-data; boundary={boundary}', multipart),
        ('/api/v1/import', 'text/csv', megabyte),
        (f'/api/v1/forms/{form}', 'application/x-www-form-urlencoded', megabyte),
        ('/api/v1/leads', 'application/json', megabyte),
    ]
    refusal = 'The request is larger than 1 MB and was refused'
    for path, kind, pieces in posts:
        answer = _post_chunked(over_http, path, {**auth, 'Content-Type': kind}, pieces)
        assert answer == (413, {'detail': refusal, 'code': 'error.body_too_large'}), path
    lead = json.dumps({'name': 'Иван', 'phone': '+79120000001'}).encode()
    json_kind = {**auth, 'Content-Type': 'application/json'}
    small = _post_chunked(over_http, '/api/v1/leads', json_kind, [lead[:9], lead[9:]])
    assert small[0] == 201
    assert list(storage.file_store().root.glob('??/*')) == []


def test_a_body_without_a_file_is_a_readable_refusal(bordered, db, people):
    refused = bordered.post(f'/api/v1/clients/{people}/documents', data={'name': 'x'}, headers=bearer(db, 'olga'))
    assert refused.status_code == 422 and 'file' in refused.json()['detail']


def test_the_openapi_document_describes_the_documents_routes(bordered):
    paths = bordered.get('/api/v1/openapi.json').json()['paths']
    upload_body = paths['/clients/{client_id}/documents']['post']['requestBody']['content']
    assert upload_body['multipart/form-data']['schema']['properties']['file']['format'] == 'binary'
    assert {'get', 'patch', 'delete'} <= set(paths['/documents/{document_id}'])
    assert 'get' in paths['/documents/{document_id}/content'] and 'post' in paths['/deals/{deal_id}/documents']


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3(monkeypatch):
    """A real S3-compatible server on this machine (moto's), and the app pointed at one of its buckets."""
    boto3 = pytest.importorskip('boto3')
    server_module = pytest.importorskip('moto.server')
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address='127.0.0.1', port=port, verbose=False)
    server.start()
    endpoint = f'http://127.0.0.1:{port}'
    for name, value in (('AWS_ACCESS_KEY_ID', 'test'), ('AWS_SECRET_ACCESS_KEY', 'test')):
        monkeypatch.setenv(name, value)
    bucket = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1')
    bucket.create_bucket(Bucket='voronka')
    monkeypatch.setenv('VORONKA_FILES_URL', f's3://voronka/docs?endpoint={endpoint}&region=us-east-1')
    yield bucket
    server.stop()


def test_documents_live_in_an_s3_store_when_one_is_configured(bordered, db, people, s3):
    first = upload(bordered, people, 'olga', db=db).json()
    second = upload(bordered, people, 'olga', name='копия.pdf', db=db).json()
    keys = [item['Key'] for item in s3.list_objects_v2(Bucket='voronka').get('Contents', [])]
    assert len(keys) == 1 and keys[0].startswith('docs/')  # one blob for the same bytes
    assert s3.get_object(Bucket='voronka', Key=keys[0])['Body'].read() == PDF
    assert list(storage.file_store().temp_dir.glob('*')) == []  # the spooled copy went once the object was in
    content = bordered.get(f'/api/v1/documents/{first["id"]}/content', headers=bearer(db, 'olga'))
    assert content.content == PDF
    bordered.delete(f'/api/v1/documents/{first["id"]}', headers=bearer(db, 'olga'))
    assert s3.list_objects_v2(Bucket='voronka').get('KeyCount') == 1
    bordered.delete(f'/api/v1/documents/{second["id"]}', headers=bearer(db, 'olga'))
    assert s3.list_objects_v2(Bucket='voronka').get('KeyCount') == 0
