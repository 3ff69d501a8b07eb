"""Changing a custom field writes the field, its old and its new value to the feed."""

from app.domain.account import admin_lists
from app.domain.clients import clients
from tests.factories import make_client, make_user


def test_a_changed_custom_field_is_shown_as_name_old_new(db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with db.write() as session:
        area = admin_lists.add_custom_field(session, actor=admin, name='Площадь', kind='number')
        mortgage = admin_lists.add_custom_field(session, actor=admin, name='Ипотека', kind='bool')
        moved_in = admin_lists.add_custom_field(session, actor=admin, name='Дата въезда', kind='date')
    with db.write() as session:
        clients.update_client(session, actor=anna, client_id=client.id, changes={'custom': {str(area): 50}})
    with db.write() as session:
        detail = clients.update_client(
            session,
            actor=anna,
            client_id=client.id,
            changes={'custom': {str(area): 62.5, str(mortgage): True, str(moved_in): '2026-09-01'}},
        )
    assert detail.feed[1].text == 'Изменено: Доп. поля: Площадь: — → 50'
    assert detail.feed[0].text == (
        'Изменено: Доп. поля: Площадь: 50 → 62.5; Доп. поля: Ипотека: — → Да; Доп. поля: Дата въезда: — → 01.09.2026'
    )
