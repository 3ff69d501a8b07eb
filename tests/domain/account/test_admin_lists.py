"""The admin's reference lists: channels, projects, tags, agencies with realtors, custom client fields."""

import pytest
from sqlmodel import select

from app.domain.account import admin_lists, reference
from app.domain.clients import clients
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.models import AuditEntry, Channel, Client, ClientTag, CustomField, Project, Realtor, Tag
from tests.factories import make_client, make_user


def active_channel_names(db) -> list[str]:
    with db.read() as session:
        return [c.name for c in reference.channels(session) if c.active]


def lists_audit(db) -> list[str]:
    with db.read() as session:
        return [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.area == 'lists'))]


def test_admin_adds_renames_reorders_and_makes_a_channel_default(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        channel_id = admin_lists.add_channel(session, actor=admin, name='  Авито  ')
    assert active_channel_names(db)[-1] == 'Авито'
    with db.write() as session:
        admin_lists.rename_channel(session, actor=admin, channel_id=channel_id, name='Авито.Недвижимость')
        admin_lists.make_default_channel(session, actor=admin, channel_id=channel_id)
    names = active_channel_names(db)
    assert names[0] == 'Авито.Недвижимость'
    with db.read() as session:
        assert reference.default_channel(session).id == channel_id
    with db.write() as session:
        admin_lists.move_channel(session, actor=admin, channel_id=channel_id, position=1)
    assert active_channel_names(db) == [names[1], 'Авито.Недвижимость', *names[2:]]
    assert {'channel_added', 'channel_renamed', 'channel_default', 'channel_moved'} <= set(lists_audit(db))


def test_the_last_active_channel_cannot_be_removed(db):
    admin = make_user(db, 'admin', role='admin')
    with db.read() as session:
        ids = [c.id for c in reference.channels(session)]
    with db.write() as session:
        for channel_id in ids[:-1]:
            admin_lists.remove_channel(session, actor=admin, channel_id=channel_id)
    with db.write() as session, pytest.raises(InvalidInput) as refusal:
        admin_lists.remove_channel(session, actor=admin, channel_id=ids[-1])
    assert 'последний активный канал' in refusal.value.message('ru')
    with db.read() as session:
        assert [c.id for c in reference.channels(session) if c.active] == [ids[-1]]
        assert reference.default_channel(session).id == ids[-1]


def test_a_removed_channel_stays_on_its_clients_but_is_no_longer_offered(db):
    admin = make_user(db, 'admin', role='admin')
    with db.read() as session:
        first = reference.channels(session)[0]
    client = make_client(db, admin, channel_id=first.id)
    with db.write() as session:
        admin_lists.remove_channel(session, actor=admin, channel_id=first.id)
    with db.read() as session:
        assert session.get(Client, client.id).channel_id == first.id
        assert first.id not in [c.id for c in reference.form_choices(session).channels]


def test_projects_need_a_short_abbreviation_and_can_be_deactivated(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session, pytest.raises(InvalidInput):
        admin_lists.add_project(session, actor=admin, name='Северный квартал', abbreviation='')
    with db.write() as session, pytest.raises(InvalidInput):
        admin_lists.add_project(session, actor=admin, name='Северный квартал', abbreviation='С' * 17)
    with db.write() as session:
        project_id = admin_lists.add_project(session, actor=admin, name='Северный квартал', abbreviation='СК')
    with db.write() as session:
        admin_lists.edit_project(session, actor=admin, project_id=project_id, name='Северный', abbreviation='СЕВ')
        admin_lists.set_project_active(session, actor=admin, project_id=project_id, active=False)
    with db.read() as session:
        project = session.get(Project, project_id)
        assert (project.name, project.abbreviation, project.active) == ('Северный', 'СЕВ', False)
        assert project_id not in [p.id for p in reference.form_choices(session).projects]


def test_tags_are_renamed_recoloured_and_deleting_one_takes_it_off_clients(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        tag_id = admin_lists.add_tag(session, actor=admin, name='VIP', color='#ff0000')
        other_id = admin_lists.add_tag(session, actor=admin, name='Ипотека')
    with db.write() as session, pytest.raises(InvalidInput):
        admin_lists.add_tag(session, actor=admin, name='vip')
    client = make_client(db, admin)
    with db.write() as session:
        clients.update_client(session, actor=admin, client_id=client.id, changes={'tag_ids': [tag_id, other_id]})
        admin_lists.edit_tag(session, actor=admin, tag_id=tag_id, name='Важный', color='#00ff00')
    with db.read() as session:
        tag = session.get(Tag, tag_id)
        assert (tag.name, tag.color) == ('Важный', '#00ff00')
    with db.write() as session:
        admin_lists.delete_tag(session, actor=admin, tag_id=tag_id)
    with db.read() as session:
        assert session.get(Tag, tag_id) is None
        assert list(session.exec(select(ClientTag.tag_id).where(ClientTag.client_id == client.id))) == [other_id]


def test_agencies_and_their_realtors(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        agency_id = admin_lists.add_agency(session, actor=admin, name='Этажи')
        admin_lists.rename_agency(session, actor=admin, agency_id=agency_id, name='Этажи Пермь')
        realtor_id = admin_lists.add_realtor(
            session, actor=admin, agency_id=agency_id, name='Ольга Риелтор', phone='8 912 000 00 99'
        )
        admin_lists.edit_realtor(session, actor=admin, realtor_id=realtor_id, name='Ольга Петрова', phone='')
    client = make_client(db, admin, agency_id=agency_id, realtor_id=realtor_id)
    with db.read() as session:
        lists = admin_lists.reference_lists(session, actor=admin)
    assert [(a.name, [r.name for r in a.realtors]) for a in lists.agencies] == [('Этажи Пермь', ['Ольга Петрова'])]
    with db.write() as session:
        admin_lists.remove_realtor(session, actor=admin, realtor_id=realtor_id)
    with db.read() as session:
        assert session.get(Realtor, realtor_id) is None
        stored = session.get(Client, client.id)
        assert (stored.agency_id, stored.realtor_id) == (agency_id, None)


def test_a_realtor_phone_is_normalised(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        agency_id = admin_lists.add_agency(session, actor=admin, name='Этажи')
        realtor_id = admin_lists.add_realtor(
            session, actor=admin, agency_id=agency_id, name='Ольга', phone='89120000099'
        )
    with db.read() as session:
        assert session.get(Realtor, realtor_id).phone == '+79120000099'


def test_custom_fields_are_added_reordered_renamed_and_deleted_with_their_values(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session, pytest.raises(InvalidInput):
        admin_lists.add_custom_field(session, actor=admin, name='Комнат', kind='list', options=[])
    with db.write() as session:
        rooms = admin_lists.add_custom_field(session, actor=admin, name='Комнат', kind='list', options=['1', '2', '3'])
        budget = admin_lists.add_custom_field(session, actor=admin, name='Бюджет', kind='number')
        admin_lists.move_custom_field(session, actor=admin, field_id=budget, position=0)
        admin_lists.edit_custom_field(
            session, actor=admin, field_id=rooms, name='Комнаты', options=['1', '2', '3', '4+']
        )
    with db.read() as session:
        shown = reference.form_choices(session).custom_fields
    assert [(f.name, f.kind, f.options) for f in shown] == [
        ('Бюджет', 'number', []),
        ('Комнаты', 'list', ['1', '2', '3', '4+']),
    ]
    client = make_client(db, admin)
    with db.write() as session:
        custom = admin_lists.clean_custom_values(session, {str(budget): '5 000 000', str(rooms): '4+'})
        clients.update_client(session, actor=admin, client_id=client.id, changes={'custom': custom})
    with db.read() as session:
        assert session.get(Client, client.id).custom == {str(budget): 5000000, str(rooms): '4+'}
    with db.write() as session:
        admin_lists.delete_custom_field(session, actor=admin, field_id=budget)
    with db.read() as session:
        assert session.get(Client, client.id).custom == {str(rooms): '4+'}
        assert [(f.name, f.position) for f in session.exec(select(CustomField))] == [('Комнаты', 0)]


def test_custom_values_are_checked_by_their_kind(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        rooms = admin_lists.add_custom_field(session, actor=admin, name='Комнат', kind='list', options=['1', '2'])
        moved = admin_lists.add_custom_field(session, actor=admin, name='Переезд', kind='date')
    with db.read() as session, pytest.raises(InvalidInput):
        admin_lists.clean_custom_values(session, {str(rooms): '7'})
    with db.read() as session, pytest.raises(InvalidInput):
        admin_lists.clean_custom_values(session, {str(moved): 'завтра'})
    with db.read() as session:
        assert admin_lists.clean_custom_values(session, {str(moved): '2026-12-01', '999': 'x'}) == {
            str(moved): '2026-12-01'
        }


@pytest.mark.parametrize(
    ('service', 'arguments'),
    [
        (admin_lists.add_channel, {'name': 'Авито'}),
        (admin_lists.remove_channel, {'channel_id': None}),
        (admin_lists.add_project, {'name': 'Север', 'abbreviation': 'С'}),
        (admin_lists.add_tag, {'name': 'VIP'}),
        (admin_lists.add_agency, {'name': 'Этажи'}),
        (admin_lists.add_custom_field, {'name': 'Бюджет', 'kind': 'number'}),
        (admin_lists.reference_lists, {}),
    ],
)
def test_a_non_admin_is_refused_and_nothing_changes(db, service, arguments):
    head = make_user(db, 'head', role='head')
    with db.read() as session:
        channels_before = [(c.id, c.name, c.position, c.active) for c in session.exec(select(Channel))]
    if 'channel_id' in arguments:
        arguments = {'channel_id': channels_before[0][0]}
    with db.write() as session, pytest.raises(PermissionDenied):
        service(session, actor=head, **arguments)
    with db.read() as session:
        assert [(c.id, c.name, c.position, c.active) for c in session.exec(select(Channel))] == channels_before
        assert not session.exec(select(Project)).all()
        assert not session.exec(select(Tag)).all()
        assert not session.exec(select(CustomField)).all()
        assert not session.exec(select(AuditEntry)).all()
