"""Site form endpoints: an admin makes them (the secret shown once, kept hashed), maps the fields and revokes them;
a Tilda-shaped post becomes a lead with its attribution, once per tranid."""

import pytest
from sqlmodel import select

from app.domain.account import admin_lists, admin_users
from app.domain.account.users import token_digest
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from app.domain.integrations import forms
from app.domain.models import Channel, Client, FormEndpoint, Project, Request
from tests.factories import make_user

TILDA = [
    ('Name', 'Иван Петров'),
    ('Phone', '+7 (912) 345-67-89'),
    ('Email', 'ivan@example.ru'),
    ('Какая квартира', 'Двушка'),
    ('tranid', '1234567:8901234'),
    ('formid', 'form123456'),
    ('utm_source', 'yandex'),
    ('utm_medium', 'cpc'),
    ('utm_campaign', 'spring'),
    ('COOKIES', '_ym_uid=1; roistat_visit=777; tildauid=2'),
]


@pytest.fixture
def endpoint(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        created = forms.create_form_endpoint(session, actor=admin, name='Сайт ЖК «Лес»')
    return admin, created


def _post(db, token: str, fields=TILDA):
    with db.write() as session:
        return forms.receive_form_post(session, endpoint_token=token, fields=fields)


def test_a_tilda_post_becomes_a_lead_with_its_attribution_and_the_other_fields_in_the_comment(db, endpoint):
    admin, created = endpoint
    answer = _post(db, created.token)
    assert (answer.status_code, answer.body) == (200, {'status': 'created'})
    with db.read() as session:
        [request] = session.exec(select(Request)).all()
        client = session.get(Client, request.client_id)
    assert client.name == 'Иван Петров'
    assert (request.utm_source, request.utm_medium, request.utm_campaign) == ('yandex', 'cpc', 'spring')
    assert request.roistat_visit == '777'
    assert request.extra == {'formid': 'form123456'}
    assert request.comment == 'Email: ivan@example.ru\nКакая квартира: Двушка'
    assert client.responsible_id == admin.id  # the endpoint's user, by the default lead distribution


def test_the_same_tranid_again_is_answered_the_same_and_makes_no_second_request(db, endpoint):
    _, created = endpoint
    first = _post(db, created.token)
    again = _post(db, created.token)
    assert again.body == first.body and again.replayed
    assert len(_requests(db)) == 1
    other = [(k, v) for k, v in TILDA if k != 'tranid'] + [('tranid', '1234567:0000001')]
    assert _post(db, created.token, other).body == {'status': 'attached'}
    assert len(_requests(db)) == 2


def _requests(db) -> list[Request]:
    with db.read() as session:
        return list(session.exec(select(Request)))


def test_the_test_post_is_answered_without_a_lead(db, endpoint):
    _, created = endpoint
    assert _post(db, created.token, [('test', 'test')]).body == {'status': 'test'}
    assert _requests(db) == []


def test_an_unknown_or_revoked_endpoint_is_not_found_and_only_its_hash_is_kept(db, endpoint):
    admin, created = endpoint
    with db.read() as session:
        row = session.get(FormEndpoint, created.id)
    assert row.token_hash == token_digest(created.token) and created.token not in row.token_hash
    with pytest.raises(NotFound):
        _post(db, created.token + 'x')
    with db.write() as session:
        forms.revoke_form_endpoint(session, actor=admin, endpoint_id=created.id)
    with pytest.raises(NotFound):
        _post(db, created.token, [('test', 'test')])


def test_the_mapping_names_the_phone_name_project_and_comment_fields_and_the_default_channel(db, endpoint):
    admin, created = endpoint
    anna = make_user(db, 'anna')
    with db.read() as session:
        avito = session.exec(select(Channel.id).where(Channel.name == 'Авито')).one()
    with db.write() as session:
        project = session.get(Project, admin_lists.add_project(session, actor=admin, name='ЖК Лес', abbreviation='Л'))
        forms.update_form_endpoint(
            session,
            actor=admin,
            endpoint_id=created.id,
            name='Квиз',
            user_id=anna.id,
            channel_id=avito,
            mapping={'phone': 'tel', 'name': 'fio', 'project': 'jk', 'comment': 'msg'},
        )
    answer = _post(
        db, created.token, [('TEL', '89123456789'), ('fio', 'Анна'), ('jk', project.name), ('msg', 'Звоните')]
    )
    assert answer.body == {'status': 'created'}
    with db.read() as session:
        [request] = session.exec(select(Request)).all()
        client = session.get(Client, request.client_id)
        [item] = forms.form_endpoints(session, actor=admin)
    assert (client.name, client.responsible_id, request.project_id) == ('Анна', anna.id, project.id)
    assert (request.channel_id, request.comment) == (avito, 'Звоните')
    assert (item.name, item.user_name, item.channel_name, item.mapping['phone']) == ('Квиз', 'Anna', 'Авито', 'tel')
    assert item.last_used_at is not None


def test_refusals_change_nothing(db, endpoint):
    admin, created = endpoint
    manager = make_user(db, 'anna')
    with pytest.raises(PermissionDenied), db.write() as session:
        forms.create_form_endpoint(session, actor=manager, name='Мой сайт')
    with pytest.raises(PermissionDenied), db.read() as session:
        forms.form_endpoints(session, actor=manager)
    with pytest.raises(InvalidInput), db.write() as session:
        forms.create_form_endpoint(session, actor=admin, name='   ')
    with pytest.raises(InvalidInput), db.write() as session:
        forms.update_form_endpoint(
            session, actor=admin, endpoint_id=created.id, name='X', user_id=admin.id, channel_id=None, mapping={}
        )
    with pytest.raises(InvalidInput):  # no phone in the post
        _post(db, created.token, [('Name', 'Без телефона')])
    with pytest.raises(InvalidInput):
        _post(db, created.token, [(f'f{n}', 'x') for n in range(forms.FIELDS_MAX + 1)])
    with pytest.raises(InvalidInput):
        _post(db, created.token, [('Phone', '+79120000001'), ('utm_source', 'x' * 300)])
    assert _requests(db) == []


def test_a_form_whose_user_is_deactivated_keeps_its_leads_coming_to_an_admin_and_is_flagged(db, endpoint):
    """The leads of such a form were refused with 403, and nobody was told."""
    admin, created = endpoint
    seller = make_user(db, 'seller', name='Олег Продавцов')
    with db.write() as session:
        [item] = forms.form_endpoints(session, actor=admin)
        forms.update_form_endpoint(
            session,
            actor=admin,
            endpoint_id=item.id,
            name=item.name,
            user_id=seller.id,
            channel_id=None,
            mapping=item.mapping,
        )
    assert _post(db, created.token).body == {'status': 'created'}
    with db.write() as session:
        admin_users.deactivate(session, actor=admin, user_id=seller.id)
    assert _post(db, created.token, [('Name', 'Пётр'), ('Phone', '+79120000005')]).body == {'status': 'created'}
    with db.read() as session:
        [item] = forms.form_endpoints(session, actor=admin)
        responsible = {c.name: c.responsible_id for c in session.exec(select(Client))}
    assert responsible == {'Иван Петров': seller.id, 'Пётр': admin.id}
    assert (item.user_name, item.user_active) == ('Олег Продавцов', False)
