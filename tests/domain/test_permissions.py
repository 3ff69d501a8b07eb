"""SPEC §2: roles and switches decide who sees and who acts; the domain refuses the rest."""

import dataclasses
from datetime import timedelta

import pytest

from app.domain import permissions
from app.domain.account import users
from app.domain.clients import clients, feed, tasks
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from app.domain.models import User, utcnow
from app.domain.permissions import Actor
from tests.factories import make_client, make_user, stages


@pytest.fixture
def team(db):
    """Two managers with the default switches and a head of sales; Anna has one client."""
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Орлов')
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    client = make_client(db, anna, name='Петров Пётр', phone='+79123456789')
    return dataclasses.make_dataclass('Team', ['anna', 'boris', 'head', 'client'])(anna, boris, head, client)


def _reread(db, actor: Actor) -> Actor:
    with db.read() as session:
        return Actor.of(session.get(User, actor.id))


def _deactivate(db, actor: Actor) -> Actor:
    with db.write() as session:
        users.deactivate_user(session, login=session.get(User, actor.id).login)
    return _reread(db, actor)


def _visible_ids(db, actor: Actor, **filters) -> list[int]:
    with db.read() as session:
        return [card.id for card in clients.list_clients(session, actor=actor, **filters).items]


def test_new_manager_sees_everyone_but_acts_only_on_own_clients(db):
    with db.write() as session:
        user = users.create_user(
            session, login='Vera', name='Вера', role='manager', password='', password_hash='not-used'
        )
        actor = Actor.of(user)
    assert actor.can_see_others is True
    assert actor.can_act_on_others is False
    assert not (actor.can_export or actor.can_import or actor.can_bulk)


def test_manager_sees_colleagues_client_read_only(db, team):
    with db.read() as session:
        detail = clients.get_client(session, actor=team.boris, client_id=team.client.id)
        card = clients.list_clients(session, actor=team.boris).items[0]
    assert detail.name == 'Петров Пётр'
    assert detail.can_act is False
    assert card.id == team.client.id
    assert card.can_act is False


def test_manager_may_act_on_own_client(db, team):
    with db.read() as session:
        assert clients.get_client(session, actor=team.anna, client_id=team.client.id).can_act is True


def test_manager_cannot_move_colleagues_client(db, team):
    meeting = stages(db)['Назначение встречи']
    with pytest.raises(PermissionDenied) as refused, db.write() as session:
        clients.move_client(session, actor=team.boris, client_id=team.client.id, stage_id=meeting.id)
    assert 'Анна Смирнова' in refused.value.message('ru')


def test_manager_cannot_reassign_colleagues_client_to_themselves(db, team):
    with pytest.raises(PermissionDenied), db.write() as session:
        clients.assign_client(session, actor=team.boris, client_id=team.client.id, responsible_id=team.boris.id)


def test_manager_cannot_edit_colleagues_client(db, team):
    with pytest.raises(PermissionDenied), db.write() as session:
        clients.update_client(session, actor=team.boris, client_id=team.client.id, changes={'situation': 'Моё'})


def test_manager_cannot_add_task_to_colleagues_client(db, team):
    with pytest.raises(PermissionDenied), db.write() as session:
        tasks.add_task(
            session, actor=team.boris, client_id=team.client.id, title='Перезвонить', due_at=utcnow() + timedelta(1)
        )


def test_manager_may_still_comment_on_a_colleagues_client_they_see(db, team):
    with db.write() as session:
        entry = feed.add_comment(session, actor=team.boris, client_id=team.client.id, text='Звонил мне на мобильный')
    assert entry.author_id == team.boris.id


def test_manager_allowed_to_act_on_others_may_move_colleagues_client(db, team):
    helper = make_user(db, 'vera', can_act_on_others=True)
    meeting = stages(db)['Назначение встречи']
    with db.write() as session:
        detail = clients.move_client(session, actor=helper, client_id=team.client.id, stage_id=meeting.id)
    assert detail.stage_id == meeting.id


@pytest.mark.parametrize('role', ['head', 'admin'])
def test_head_and_admin_act_on_every_client(db, team, role):
    boss = make_user(db, 'boss', role=role)
    with db.write() as session:
        detail = clients.assign_client(session, actor=boss, client_id=team.client.id, responsible_id=team.boris.id)
    assert detail.responsible.id == team.boris.id
    assert detail.can_act is True


def test_manager_limited_to_own_clients_does_not_find_colleagues_client(db, team):
    private = make_user(db, 'vera', can_see_others=False)
    meeting = stages(db)['Назначение встречи']

    with pytest.raises(NotFound), db.read() as session:
        clients.get_client(session, actor=private, client_id=team.client.id)
    with pytest.raises(NotFound), db.write() as session:
        clients.move_client(session, actor=private, client_id=team.client.id, stage_id=meeting.id)
    with db.read() as session:
        assert clients.get_card(session, actor=private, client_id=team.client.id) is None


def test_manager_limited_to_own_clients_sees_only_own_in_lists_counts_and_search(db, team):
    private = make_user(db, 'vera', can_see_others=False)
    own = make_client(db, private, name='Петрова Вера', phone='+79120000002')
    first = stages(db)['Не разобрано']

    assert _visible_ids(db, private) == [own.id]
    assert _visible_ids(db, private, search='Петров') == [own.id]
    assert _visible_ids(db, private, search='3456789') == []
    with db.read() as session:
        assert clients.count_by_stage(session, actor=private) == {first.id: 1}
        assert clients.count_by_stage(session, actor=team.boris) == {first.id: 2}


def test_mine_toggle_shows_only_own_clients(db, team):
    own = make_client(db, team.boris, name='Сидоров', phone='+79120000002')
    assert _visible_ids(db, team.boris, own_only=True) == [own.id]
    assert set(_visible_ids(db, team.boris)) == {own.id, team.client.id}


def test_deactivated_user_sees_and_does_nothing(db, team):
    anna = _deactivate(db, team.anna)

    assert _visible_ids(db, anna) == []
    with db.read() as session:
        assert clients.count_by_stage(session, actor=anna) == {}
    with pytest.raises(NotFound), db.read() as session:
        clients.get_client(session, actor=anna, client_id=team.client.id)
    with pytest.raises(PermissionDenied):
        make_client(db, anna, phone='+79120000002')


def test_deactivated_users_clients_stay_and_can_be_reassigned(db, team):
    _deactivate(db, team.anna)
    with db.write() as session:
        detail = clients.assign_client(session, actor=team.head, client_id=team.client.id, responsible_id=team.boris.id)
    assert detail.responsible.id == team.boris.id


def test_inactive_user_cannot_be_made_responsible(db, team):
    boris = _deactivate(db, team.boris)

    with pytest.raises(InvalidInput) as refused, db.write() as session:
        clients.assign_client(session, actor=team.head, client_id=team.client.id, responsible_id=boris.id)
    assert 'Борис Орлов' in refused.value.message('ru')
    with pytest.raises(InvalidInput):
        make_client(db, team.head, phone='+79120000002', responsible_id=boris.id)
    with db.read() as session:
        assert clients.get_client(session, actor=team.head, client_id=team.client.id).responsible.id == team.anna.id


def test_manager_cannot_create_a_client_on_a_colleagues_name(db, team):
    with pytest.raises(PermissionDenied):
        make_client(db, team.boris, phone='+79120000002', responsible_id=team.anna.id)


def test_head_may_create_a_client_for_a_manager(db, team):
    client = make_client(db, team.head, phone='+79120000002', responsible_id=team.boris.id)
    assert client.responsible.id == team.boris.id
    assert client.creator.id == team.head.id


def test_only_its_author_may_edit_or_delete_a_comment(db, team):
    with db.write() as session:
        comment = feed.add_comment(session, actor=team.anna, client_id=team.client.id, text='Просил перезвонить')

    for intruder in (team.boris, team.head):
        with pytest.raises(PermissionDenied), db.write() as session:
            feed.edit_comment(session, actor=intruder, comment_id=comment.id, text='Не звонить')
        with pytest.raises(PermissionDenied), db.write() as session:
            feed.delete_comment(session, actor=intruder, comment_id=comment.id)

    with db.write() as session:
        edited = feed.edit_comment(session, actor=team.anna, comment_id=comment.id, text='Просил перезвонить вечером')
    assert edited.edited_at is not None
    with db.write() as session:
        feed.delete_comment(session, actor=team.anna, comment_id=comment.id)
    with db.read() as session:
        remaining = clients.get_client(session, actor=team.anna, client_id=team.client.id).feed
    assert all(entry.kind != 'comment' for entry in remaining)


def test_creator_can_never_be_changed(db, team):
    with pytest.raises(InvalidInput), db.write() as session:
        clients.update_client(session, actor=team.head, client_id=team.client.id, changes={'creator_id': team.head.id})
    with db.read() as session:
        assert clients.get_client(session, actor=team.head, client_id=team.client.id).creator.id == team.anna.id


def test_assignee_may_complete_a_task_on_a_colleagues_client(db, team):
    with db.write() as session:
        task = tasks.add_task(
            session,
            actor=team.head,
            client_id=team.client.id,
            title='Показать квартиру',
            due_at=utcnow() + timedelta(days=1),
            assignee_id=team.boris.id,
        )
    with db.write() as session:
        done = tasks.complete_task(session, actor=team.boris, client_id=team.client.id, task_id=task.id)
    assert done.done is True


def test_bulk_export_and_import_follow_the_switches(db):
    manager = make_user(db, 'anna')
    trusted = make_user(db, 'boris', can_bulk=True, can_export=True, can_import=True)
    head = make_user(db, 'olga', role='head')
    checks = (permissions.ensure_may_bulk, permissions.ensure_may_export, permissions.ensure_may_import)

    for check in checks:
        with pytest.raises(PermissionDenied):
            check(manager)
        check(trusted)
        check(head)


def test_only_admin_manages_settings(db):
    head = make_user(db, 'olga', role='head')
    admin = make_user(db, 'root', role='admin')
    with pytest.raises(PermissionDenied):
        permissions.ensure_admin(head)
    permissions.ensure_admin(admin)
