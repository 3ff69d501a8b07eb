"""Documents: who may list, attach, rename and delete; the limits; the store's atomic write and its blobs."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.domain.clients import clients
from app.domain.deals import deals
from app.domain.documents import documents
from app.domain.documents.storage import file_store
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from app.domain.models import Document, FeedEntry
from app.domain.permissions import Actor
from tests.factories import make_client, make_user

PDF = b'%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 64


def attach(db, actor: Actor, data: bytes, name: str = 'Договор брони.pdf', **target) -> documents.DocumentView:
    """An upload as the API and the window make it: spooled, staged, then recorded."""
    spooled = file_store().spool([data], limit=documents.file_max_bytes())

    def run(service, write, **arguments):
        with db.write() if write else db.read() as session:
            return service(session, actor=actor, **arguments)

    return documents.attach_spooled(run, spooled, name, **target)


def as_(db, actor: Actor, service, **arguments):
    with db.write() as session:
        return service(session, actor=actor, **arguments)


@pytest.fixture
def people(db):
    owner = make_user(db, 'olga', name='Ольга')
    reader = make_user(db, 'reader')  # sees everyone, acts on own clients only (the default)
    stranger = make_user(db, 'stranger', can_see_others=False)
    colleague = make_user(db, 'colleague', can_act_on_others=True)
    head = make_user(db, 'head', role='head')
    client = make_client(db, owner)
    return owner, reader, stranger, colleague, head, client


def blobs() -> list[Path]:
    root = file_store().root
    return [p for p in root.glob('??/*') if p.is_file()]


def test_the_responsible_attaches_and_everyone_who_sees_the_client_lists_and_downloads(db, people):
    owner, reader, stranger, *_, client = people
    document = attach(db, owner, PDF, client_id=client.id)
    assert (document.name, document.content_type, document.size, document.uploaded_by) == (
        'Договор брони.pdf',
        'application/pdf',
        len(PDF),
        'Ольга',
    )
    listed = as_(db, reader, documents.list_client_documents, client_id=client.id)
    assert [d.id for d in listed] == [document.id]
    with db.read() as session:
        download = documents.open_document(session, actor=reader, document_id=document.id)
    assert b''.join(download.chunks) == PDF
    feed = as_(db, owner, clients.get_client, client_id=client.id).feed
    assert feed[0].text_for('ru') == 'Приложен документ «Договор брони.pdf»'
    assert feed[0].data['document_id'] == document.id
    assert as_(db, owner, clients.get_client, client_id=client.id).documents == 1


def test_a_manager_who_only_sees_the_client_cannot_attach_and_nothing_is_stored(db, people):
    owner, reader, *_, client = people
    with pytest.raises(PermissionDenied):
        attach(db, reader, PDF, client_id=client.id)
    assert blobs() == []
    with db.read() as session:
        assert session.query(Document).count() == 0


def test_a_client_one_cannot_see_hides_its_documents_even_by_their_ids(db, people):
    owner, _, stranger, *_, client = people
    document = attach(db, owner, PDF, client_id=client.id)
    for service, arguments in (
        (documents.list_client_documents, {'client_id': client.id}),
        (documents.get_document, {'document_id': document.id}),
        (documents.open_document, {'document_id': document.id}),
        (documents.delete_document, {'document_id': document.id}),
        (documents.rename_document, {'document_id': document.id, 'name': 'x.pdf'}),
    ):
        with pytest.raises(NotFound):
            as_(db, stranger, service, **arguments)
    with pytest.raises(NotFound):
        attach(db, stranger, PDF, client_id=client.id)
    with pytest.raises(NotFound):
        as_(db, owner, documents.get_document, document_id=document.id + 1000)


def test_who_may_delete_the_uploader_the_responsible_heads_and_admins(db, people):
    owner, reader, _, colleague, head, client = people
    by_colleague = attach(db, colleague, PDF, 'a.pdf', client_id=client.id)
    by_owner = attach(db, owner, PNG, 'b.png', client_id=client.id)
    with pytest.raises(PermissionDenied):
        as_(db, reader, documents.delete_document, document_id=by_owner.id)
    assert not as_(db, reader, documents.list_client_documents, client_id=client.id)[0].can_delete
    as_(db, colleague, documents.delete_document, document_id=by_colleague.id)  # the uploader
    as_(db, head, documents.delete_document, document_id=by_owner.id)
    assert as_(db, owner, documents.list_client_documents, client_id=client.id) == []
    assert blobs() == []
    texts = [e.text_for('ru') for e in as_(db, owner, clients.get_client, client_id=client.id).feed][:2]
    assert texts == ['Удалён документ «b.png»', 'Удалён документ «a.pdf»']


def test_rename_by_the_uploader_or_who_may_act_and_the_name_is_cleaned(db, people):
    owner, reader, *_, client = people
    document = attach(db, owner, PDF, client_id=client.id)
    with pytest.raises(PermissionDenied):
        as_(db, reader, documents.rename_document, document_id=document.id, name='x.pdf')
    renamed = as_(db, owner, documents.rename_document, document_id=document.id, name='../../etc/Паспорт\x07.pdf')
    assert renamed.name == 'Паспорт.pdf'
    with pytest.raises(InvalidInput):
        as_(db, owner, documents.rename_document, document_id=document.id, name=' / ')


def test_one_blob_for_the_same_bytes_removed_with_the_last_document(db, people):
    owner, *_, client = people
    other = make_client(db, owner, name='Петров', phone='+79120000002')
    first = attach(db, owner, PDF, client_id=client.id)
    second = attach(db, owner, PDF, 'копия.pdf', client_id=other.id)
    assert len(blobs()) == 1
    as_(db, owner, documents.delete_document, document_id=first.id)
    assert len(blobs()) == 1
    with db.read() as session:
        assert b''.join(documents.open_document(session, actor=owner, document_id=second.id).chunks) == PDF
    as_(db, owner, documents.delete_document, document_id=second.id)
    assert blobs() == []


def test_a_file_over_the_limit_is_refused_while_it_is_spooled(db, people, monkeypatch):
    owner, *_, client = people
    monkeypatch.setenv('VORONKA_FILE_MAX_MB', '1')
    with pytest.raises(InvalidInput) as refused:
        attach(db, owner, b'x' * (1024 * 1024 + 1), 'big.txt', client_id=client.id)
    assert refused.value.message('ru') == 'Файл больше 1 МБ: такой не принимается'
    assert list(file_store().temp_dir.glob('*')) == []
    with pytest.raises(InvalidInput):
        attach(db, owner, b'', 'empty.txt', client_id=client.id)
    assert blobs() == []


def test_the_account_quota_refuses_what_does_not_fit_and_admins_set_it(db, people):
    owner, reader, *_, client = people
    admin = make_user(db, 'admin', role='admin')
    limits = as_(db, admin, documents.set_document_quota, quota_mb=1)
    assert (limits.quota_mb, limits.used_bytes) == (1, 0)
    attach(db, owner, b'a' * (700 * 1024), 'one.txt', client_id=client.id)
    with pytest.raises(InvalidInput) as refused:
        attach(db, owner, b'b' * (400 * 1024), 'two.txt', client_id=client.id)
    assert 'квота 1 МБ' in refused.value.message('ru')
    assert len(blobs()) == 1  # the refused one's blob went again
    with pytest.raises(PermissionDenied):
        as_(db, owner, documents.set_document_quota, quota_mb=100)
    with pytest.raises(PermissionDenied):
        as_(db, owner, documents.document_limits)
    with pytest.raises(InvalidInput):
        as_(db, admin, documents.set_document_quota, quota_mb=0)
    assert as_(db, admin, documents.document_limits).count == 1


@pytest.mark.parametrize(
    ('data', 'name', 'kind'),
    [
        (PDF, 'скан.jpg', 'application/pdf'),
        (PNG, 'photo.pdf', 'image/png'),
        (b'\xff\xd8\xff\xe0' + b'\x00' * 20, 'a', 'image/jpeg'),
        (b'GIF89a' + b'\x00' * 20, 'a', 'image/gif'),
        (b'RIFF\x00\x00\x00\x00WEBPVP8 ', 'a', 'image/webp'),
        (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\x00' * 20, 'old.xls', 'application/vnd.ms-excel'),
        (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\x00' * 20, 'old.doc', 'application/msword'),
        ('Просто текст\n'.encode(), 'note', 'text/plain'),
        (b'<html><script>alert(1)</script></html>', 'evil.html', 'text/plain'),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>', 'x.svg', 'text/plain'),
        (b'\x00\x01\x02\x03', 'x.png', 'application/octet-stream'),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(db, people, data, name, kind):
    owner, *_, client = people
    document = attach(db, owner, data, name, client_id=client.id)
    assert document.content_type == kind
    assert document.preview == {'application/pdf': 'pdf', 'image/png': 'image', 'image/jpeg': 'image'}.get(
        kind, document.preview if kind in ('image/gif', 'image/webp') else ''
    )


def test_office_files_are_told_apart_inside_their_zip(db, people, tmp_path):
    from openpyxl import Workbook

    owner, *_, client = people
    path = tmp_path / 'book.xlsx'
    Workbook().save(path)
    document = attach(db, owner, path.read_bytes(), 'таблица', client_id=client.id)
    assert document.content_type == 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def test_a_deal_document_is_in_the_deal_and_in_its_client(db, people):
    owner, reader, stranger, *_, client = people
    with db.write() as session:
        deals.book_client(session, actor=owner, client_id=client.id, project_id=None, unit='кв. 12', amount=5e6)
        deal_id = clients.get_client(session, actor=owner, client_id=client.id).deals[0].id
    document = attach(db, owner, PDF, deal_id=deal_id)
    assert document.deal_id == deal_id and document.client_id == client.id
    assert [d.id for d in as_(db, reader, documents.list_deal_documents, deal_id=deal_id)] == [document.id]
    assert [d.id for d in as_(db, reader, documents.list_client_documents, client_id=client.id)] == [document.id]
    with db.read() as session:
        assert (
            session.get(FeedEntry, as_(db, owner, clients.get_client, client_id=client.id).feed[0].id).deal_id
            == deal_id
        )
    with pytest.raises(NotFound):
        as_(db, stranger, documents.list_deal_documents, deal_id=deal_id)
    with pytest.raises(PermissionDenied):
        attach(db, reader, PDF, deal_id=deal_id)


def test_a_killed_upload_leaves_nothing_referenced_and_its_temporary_file_is_swept(db, people, tmp_path):
    """A process killed while it writes the file: no row, no blob, only a temporary file, gone at the next start."""
    owner, *_, client = people
    store = file_store()
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from app.domain.documents.storage import LocalBlobStore
        store = LocalBlobStore(Path({str(store.root)!r}))
        def chunks():
            yield b'%PDF-1.4 ' * 1000
            os.kill(os.getpid(), signal.SIGKILL)
        store.spool(chunks(), limit=10**9)
        """
    )
    done = subprocess.run([sys.executable, '-c', script], cwd=Path(__file__).parents[3], check=False)
    assert done.returncode == -9
    left = list(store.temp_dir.glob('upload-*.part'))
    assert len(left) == 1 and blobs() == []
    with db.read() as session:
        assert session.query(Document).count() == 0
    os.utime(left[0], (0, 0))  # as old as a file of a killed upload is at the next start
    assert store.sweep() == 1
    assert list(store.temp_dir.glob('*')) == []


def test_the_export_can_count_a_clients_documents(db, people, tmp_path):
    from openpyxl import load_workbook

    from app.domain.clients.filters import ClientFilter
    from app.domain.excel import export_schemas, exporting

    owner, *_, client = people
    head = make_user(db, 'boss', role='head')
    attach(db, owner, PDF, client_id=client.id)
    attach(db, owner, PNG, 'фото.png', client_id=client.id)
    with db.write() as session:
        schema_id = export_schemas.add_export_schema(
            session,
            actor=make_user(db, 'admin', role='admin'),
            name='С документами',
            fields=['name', 'documents_count'],
        )
    target = tmp_path / 'out.xlsx'
    with db.read() as session:
        exporting.export_clients(session, actor=head, schema_id=schema_id, flt=ClientFilter(), target=target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows == [('ФИО', 'Документов'), ('Иванов Иван', 2)]
