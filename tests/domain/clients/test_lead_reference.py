"""What a lead looks up alike (channels, projects, the first stage) is read once per few seconds: a change made
in Settings is seen by the very next lead, one made by another process within REFERENCE_TRUST_S."""

from time import monotonic

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from app.domain import memo
from app.domain.account import admin_lists
from app.domain.clients import clients, leads
from app.domain.models import Channel, Client, ClientPhone, CreationMethod, Request
from app.domain.phones import normalize_phone
from tests.factories import make_client, make_user


def _lead(db, actor, phone: str, **fields):
    with db.write() as session:
        return leads.receive_lead(session, actor=actor, name='Лид', phone=phone, **fields)


def _request_channel(db, client_id: int) -> str:
    with db.read() as session:
        request = session.exec(select(Request).where(Request.client_id == client_id)).one()
        return session.get(Channel, request.channel_id).name


def test_a_channel_added_in_settings_is_known_to_the_next_lead(db):
    admin = make_user(db, 'admin', role='admin')
    _lead(db, admin, '+79120000001', channel='Сайт')  # the reference is read and believed now
    with db.write() as session:
        admin_lists.add_channel(session, actor=admin, name='Авито')

    created = _lead(db, admin, '+79120000002', channel='авито')

    assert _request_channel(db, created.client_id) == 'Авито'


def test_a_channel_renamed_by_another_process_is_seen_within_the_trust_period(db, monkeypatch):
    admin = make_user(db, 'admin', role='admin')
    _lead(db, admin, '+79120000001', channel='Сайт')
    with db.engine.begin() as connection:  # as another server process would: not through this process's sessions
        connection.execute(update(Channel).where(Channel.name == 'Сайт').values(name='Сайт компании'))

    believed = _lead(db, admin, '+79120000002', channel='Сайт компании')
    later = monotonic() + leads.REFERENCE_TRUST_S + 0.1
    monkeypatch.setattr(memo, 'monotonic', lambda: later)
    seen = _lead(db, admin, '+79120000003', channel='Сайт компании')

    assert _request_channel(db, seen.client_id) == 'Сайт компании'
    with db.read() as session:
        note = session.exec(select(Request.comment).where(Request.client_id == believed.client_id)).one()
    assert 'не найден' in note  # still kept, under the default channel, with the name it came with


def test_a_number_taken_meanwhile_writes_nothing_and_leaves_the_transaction_usable(db):
    """The last word on duplicates is the unique number: a client whose number another transaction committed
    between the check and the insert is not written at all."""
    manager = make_user(db, 'anna')
    make_client(db, manager, phone='+79120000001')
    with db.write() as session:
        before = session.exec(select(func.count()).select_from(Client)).one()
        with pytest.raises(clients.PhoneTaken):
            clients.insert_client(
                session,
                actor=manager,
                name='Второй',
                phones=[normalize_phone('+79120000002'), normalize_phone('+79120000001')],
                responsible_id=manager.id,
                channel_id=session.exec(select(Channel.id)).first(),
                creation_method=CreationMethod.integration,
                touch_type='request',
            )
        assert session.exec(select(func.count()).select_from(Client)).one() == before
        assert session.exec(select(ClientPhone).where(ClientPhone.number == '+79120000002')).first() is None
    assert _lead(db, manager, '+79120000002').status == 'created'
