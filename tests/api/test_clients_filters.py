"""`GET /api/v1/clients` with the filters of the screens, and the bulk endpoints (SPEC §3, §4)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.domain.account import users
from app.domain.clients import tasks
from app.domain.models import Client, Project, Tag, User, utcnow
from tests.factories import bearer, make_client, make_user, stages

CREATED = datetime(2024, 5, 10, 10, 30, 45, tzinfo=UTC)


@pytest.fixture
def team(db):
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Орлов')
    return {
        'head': (head, bearer(db, 'olga')),
        'anna': (anna, bearer(db, 'anna')),
        'boris': (boris, bearer(db, 'boris')),
    }


def _responsible(db, ids) -> dict[int, int]:
    with db.read() as session:
        return dict(session.exec(select(Client.id, Client.responsible_id).where(Client.id.in_(ids))).all())


def test_clients_list_combines_filters_and_gives_the_exact_total(client, db, team):
    head, headers = team['head']
    anna, _ = team['anna']
    with db.write() as session:
        project, other = Project(name='Северный', abbreviation='СЕВ'), Project(name='Южный', abbreviation='ЮГ')
        hot = Tag(name='Горячий')
        session.add_all([project, other, hot])
        session.flush()
        project_id, other_id, hot_id = project.id, other.id, hot.id

    def add(n: int, **fields) -> int:
        fields.setdefault('responsible_id', anna.id)
        fields.setdefault('project_id', project_id)
        created = make_client(db, head, name=f'Клиент {n}', phone=f'+7912000{n:04d}', **fields)
        with db.write() as session:
            session.execute(update(Client).where(Client.id == created.id).values(created_at=CREATED))
            tasks.add_task(
                session, actor=head, client_id=created.id, title='Звонок', due_at=utcnow() - timedelta(hours=1)
            )
        return created.id

    matching = [add(n, tag_ids=[hot_id]) for n in range(5)]
    add(10, tag_ids=[hot_id], project_id=other_id)  # another project
    add(11, tag_ids=[hot_id], responsible_id=head.id)  # another responsible
    add(12)  # no tag
    late = add(13, tag_ids=[hot_id])
    with db.write() as session:
        session.execute(update(Client).where(Client.id == late).values(created_at=CREATED + timedelta(minutes=1)))
    make_client(db, anna, name='Без задач', phone='+79129999999', project_id=project_id, tag_ids=[hot_id])

    params = [
        ('responsible_id', anna.id),
        ('project_id', project_id),
        ('tag_id', hot_id),
        ('tasks', 'overdue'),
        ('created_from', '2024-05-10T10:00'),
        ('created_to', '2024-05-10T10:30'),
        ('limit', 2),
    ]
    first = client.get('/clients', params=params, headers=headers)
    assert first.status_code == 200
    assert first.json()['total'] == 5
    assert len(first.json()['items']) == 2
    pages = [client.get('/clients', params=[*params, ('offset', offset)], headers=headers).json() for offset in (2, 4)]
    ids = [item['id'] for page in [first.json(), *pages] for item in page['items']]
    assert sorted(ids) == sorted(matching)

    moscow = client.get(
        '/clients',
        params=[('project_id', project_id), ('created_to', '2024-05-10T13:30:00+03:00'), ('q', 'клиент')],
        headers=headers,
    )
    assert moscow.json()['total'] == 7  # created at 10:30:45 UTC in the project, found by name


def test_clients_list_filters_by_deals_source_and_all_stages(client, db, team):
    head, headers = team['head']
    own = make_client(db, head, name='Свой', phone='+79120000001')
    booked = make_client(db, head, name='Купил', phone='+79120000002')
    booking = client.post(f'/clients/{booked.id}/book', json={'unit': 'кв. 7', 'amount': 5_000_000}, headers=headers)
    assert booking.status_code == 200

    def total(**params) -> int:
        response = client.get('/clients', params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()['total']

    assert total() == 1
    assert total(all_stages=True) == 2
    assert total(all_stages=True, deals_count_min=1) == 1
    assert total(all_stages=True, deals_count_max=0) == 1
    assert total(all_stages=True, deals_sum_min=5_000_000, deals_sum_max=5_000_000) == 1
    assert total(stage_id=stages(db)['Бронь поставлена'].id) == 1
    assert total(source='agency') == 0
    assert total(source='own') == 1
    assert client.get('/clients', params={'q': 'свой'}, headers=headers).json()['items'][0]['id'] == own.id
    assert client.get('/clients', params={'tasks': 'sometimes'}, headers=headers).status_code == 422


def test_bulk_assign_by_ids_hands_the_clients_over(client, db, team):
    head, headers = team['head']
    anna, _ = team['anna']
    boris, _ = team['boris']
    ids = [make_client(db, anna, name=f'Клиент {n}', phone=f'+791200000{n:02d}').id for n in range(3)]

    response = client.post(
        '/clients/bulk/assign', json={'client_ids': ids[:2], 'responsible_id': boris.id}, headers=headers
    )

    assert response.status_code == 200
    assert response.json() == {'changed': 2, 'skipped': 0, 'skipped_why': {}}
    assert _responsible(db, ids) == {ids[0]: boris.id, ids[1]: boris.id, ids[2]: anna.id}


def test_bulk_assign_by_filter_hands_over_all_matching(client, db, team):
    head, headers = team['head']
    anna, _ = team['anna']
    boris, _ = team['boris']
    annas = [make_client(db, anna, name=f'Клиент {n}', phone=f'+791200000{n:02d}').id for n in range(4)]
    others = [make_client(db, head, name='Свой', phone='+79120000099').id]

    response = client.post(
        '/clients/bulk/assign',
        json={'filter': {'responsible_ids': [anna.id]}, 'responsible_id': boris.id},
        headers=headers,
    )

    assert response.status_code == 200
    assert response.json()['changed'] == 4
    assert set(_responsible(db, annas).values()) == {boris.id}
    assert _responsible(db, others) == {others[0]: head.id}
    left = client.get('/clients', params={'responsible_id': anna.id}, headers=headers).json()
    assert left['total'] == 0


def test_bulk_assign_by_a_manager_with_bulk_right_reports_the_skipped(client, db, team):
    anna, _ = team['anna']
    boris, _ = team['boris']
    with db.write() as session:
        session.get(User, anna.id).can_bulk = True
    own = make_client(db, anna, name='Свой', phone='+79120000001').id
    theirs = make_client(db, boris, name='Чужой', phone='+79120000002').id

    response = client.post(
        '/clients/bulk/assign', json={'client_ids': [own, theirs], 'responsible_id': boris.id}, headers=team['anna'][1]
    )

    assert response.json() == {'changed': 1, 'skipped': 1, 'skipped_why': {'bulk.why_forbidden': 1}}
    assert _responsible(db, [own, theirs]) == {own: boris.id, theirs: boris.id}


def test_bulk_actions_by_a_manager_without_bulk_rights_are_403_and_change_nothing(client, db, team):
    anna, headers = team['anna']
    boris, _ = team['boris']
    own = make_client(db, anna, name='Свой', phone='+79120000001').id

    for path, body in (
        ('/clients/bulk/assign', {'client_ids': [own], 'responsible_id': boris.id}),
        ('/clients/bulk/assign', {'filter': {'own_only': True}, 'responsible_id': boris.id}),
        ('/clients/bulk/move', {'client_ids': [own], 'stage_id': stages(db)['Назначение встречи'].id}),
        ('/clients/bulk/tags', {'client_ids': [own], 'add_tag_ids': []}),
    ):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 403, path
        assert response.json()['code'] == 'error.forbidden'
    assert _responsible(db, [own]) == {own: anna.id}


def test_bulk_assign_to_an_inactive_user_is_422_and_changes_nothing(client, db, team):
    head, headers = team['head']
    anna, _ = team['anna']
    boris, _ = team['boris']
    ids = [make_client(db, anna, name=f'Клиент {n}', phone=f'+791200000{n:02d}').id for n in range(2)]
    with db.write() as session:
        users.deactivate_user(session, login='boris')

    response = client.post(
        '/clients/bulk/assign', json={'client_ids': ids, 'responsible_id': boris.id}, headers=headers
    )

    assert response.status_code == 422
    assert response.json()['code'] == 'error.inactive_user'
    assert 'Борис Орлов' in response.json()['detail']
    assert set(_responsible(db, ids).values()) == {anna.id}


def test_bulk_move_and_tags_endpoints(client, db, team):
    head, headers = team['head']
    ids = [make_client(db, head, name=f'Клиент {n}', phone=f'+791200000{n:02d}').id for n in range(2)]
    failure = stages(db)['Бронь не поставлена']
    with db.write() as session:
        tag = Tag(name='VIP')
        session.add(tag)
        session.flush()
        tag_id = tag.id

    missing = client.post('/clients/bulk/move', json={'client_ids': ids, 'stage_id': failure.id}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()['code'] == 'error.reason_required'
    tagged = client.post('/clients/bulk/tags', json={'client_ids': ids, 'add_tag_ids': [tag_id]}, headers=headers)
    assert tagged.json() == {'changed': 2, 'skipped': 0, 'skipped_why': {}}
    moved = client.post(
        '/clients/bulk/move',
        json={'filter': {'tag_ids': [tag_id]}, 'stage_id': failure.id, 'reason_id': failure.reasons[0].id},
        headers=headers,
    )
    assert moved.json()['changed'] == 2
    closed = client.get('/clients', params={'stage_id': failure.id, 'tag_id': tag_id}, headers=headers).json()
    assert closed['total'] == 2
