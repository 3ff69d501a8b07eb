"""Who becomes responsible for a new client from an integration: the token's owner, a fixed user, or in turn."""

from app.domain.clients import leads
from app.domain.clients.clients import find_client_by_phone
from app.domain.models import Client
from tests.factories import make_user


def responsible_of_new_lead(db, actor, phone: str) -> int:
    with db.write() as session:
        leads.receive_lead(session, actor=actor, name='Лид', phone=phone)
    with db.read() as session:
        return find_client_by_phone(session, phone).responsible_id


def test_by_default_the_tokens_owner_is_responsible(db):
    admin = make_user(db, 'admin', role='admin')
    assert responsible_of_new_lead(db, admin, '+79121110001') == admin.id


def test_a_fixed_user_gets_every_new_lead(db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    with db.write() as session:
        leads.set_lead_distribution(session, mode='fixed', user_id=anna.id)
    assert responsible_of_new_lead(db, admin, '+79121110002') == anna.id


def test_round_robin_takes_active_managers_in_turn(db):
    admin = make_user(db, 'admin', role='admin')
    anna, boris = make_user(db, 'anna'), make_user(db, 'boris')
    make_user(db, 'gone', active=False)
    with db.write() as session:
        leads.set_lead_distribution(session, mode='round_robin')
    got = [responsible_of_new_lead(db, admin, f'+7912111000{n}') for n in range(3, 7)]
    assert got == [anna.id, boris.id, anna.id, boris.id]
    with db.read() as session:
        assert session.query(Client).count() == 4
