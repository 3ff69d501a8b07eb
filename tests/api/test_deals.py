"""Booking a catalogue object through the API: free objects are listed, the booked one drops out."""

from app.domain.account import admin_lists
from app.domain.deals import units
from tests.factories import bearer, make_client, make_user


def test_an_integration_books_a_free_unit_by_id(client, db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    headers = bearer(db, 'anna')
    with db.write() as session:
        project_id = admin_lists.add_project(session, actor=admin, name='ЖК Северный парк', abbreviation='СП')
        unit_id = units.add_unit(session, actor=admin, project_id=project_id, label='кв. 45', price=7_500_000)
    buyer = make_client(db, anna)
    other = make_client(db, anna, name='Петров Пётр', phone='+79120000002')

    free = client.get('/units/free', params={'project_id': project_id}, headers=headers)
    assert [(u['id'], u['label'], u['price']) for u in free.json()] == [(unit_id, 'кв. 45', 7_500_000)]

    booked = client.post(f'/clients/{buyer.id}/book', json={'unit_id': unit_id}, headers=headers)
    assert booked.status_code == 200, booked.text
    [deal] = booked.json()['deals']
    assert (deal['unit_id'], deal['unit'], deal['amount'], deal['project']['id']) == (
        unit_id,
        'кв. 45',
        7_500_000,
        project_id,
    )
    assert client.get('/units/free', headers=headers).json() == []

    again = client.post(f'/clients/{other.id}/book', json={'unit_id': unit_id}, headers=headers)
    assert again.status_code == 422
    assert 'кв. 45' in again.text
