"""The admin's users area: every action writes the audit log, and everything is refused for non-admins."""

import pytest
from sqlmodel import select

from app.domain.account import admin_users, login_throttle, users
from app.domain.clients import bulk
from app.domain.errors import InvalidInput, LoginRefused, PermissionDenied
from app.domain.models import AuditEntry, Client, Task, User, utcnow
from app.domain.permissions import Actor
from tests.factories import PASSWORD, make_client, make_user, stages


def _as(db, actor: Actor, service, **arguments):
    with db.write() as session:
        return service(session, actor=actor, **arguments)


def _user(db, user_id: int) -> User:
    with db.read() as session:
        return session.get(User, user_id)


def _audit(db) -> list[tuple[str, str]]:
    with db.read() as session:
        return [(e.area, e.action) for e in session.exec(select(AuditEntry).order_by(AuditEntry.id))]


def _responsible(db, client_id: int) -> int:
    with db.read() as session:
        return session.get(Client, client_id).responsible_id


def test_admin_lists_users_with_role_switches_and_client_count(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna', name='Анна', can_export=True)
    make_client(db, anna, phone='+79120000001')
    make_client(db, anna, name='Петров Пётр', phone='+79120000002')
    rows = {row.login: row for row in _as(db, admin, admin_users.list_users)}
    assert set(rows) == {'root', 'anna'}
    assert rows['anna'].clients == 2 and rows['root'].clients == 0
    assert rows['anna'].role == 'manager' and rows['anna'].can_export and not rows['anna'].can_bulk
    assert rows['anna'].active


def test_admin_adds_a_user_who_can_log_in_with_role_defaults(db):
    admin = make_user(db, 'root', role='admin')
    row = _as(db, admin, admin_users.add_user, login=' Boris ', name='Борис', role='head', password='s3cret!')
    assert row.login == 'boris' and row.role == 'head'
    assert row.can_act_on_others and row.can_bulk
    with db.write() as session:
        assert users.authenticate(session, login='boris', password='s3cret!').id == row.id
    assert _audit(db) == [('users', 'user added')]


@pytest.mark.parametrize(
    'arguments',
    [
        dict(login='boris', name='Борис', role='manager', password='12345'),
        dict(login='', name='Борис', role='manager', password='123456'),
        dict(login='boris', name='Борис', role='king', password='123456'),
        dict(login='root', name='Дубль', role='manager', password='123456'),
    ],
)
def test_a_user_with_bad_input_is_not_added(db, arguments):
    admin = make_user(db, 'root', role='admin')
    with pytest.raises(InvalidInput):
        _as(db, admin, admin_users.add_user, **arguments)
    with db.read() as session:
        assert [u.login for u in session.exec(select(User))] == ['root']
    assert _audit(db) == []


def test_admin_changes_role_switches_and_name(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    row = _as(
        db,
        admin,
        admin_users.update_user,
        user_id=anna.id,
        name='Анна Смирнова',
        role='head',
        switches={'can_see_others': True, 'can_act_on_others': True, 'can_export': False},
    )
    assert row.name == 'Анна Смирнова' and row.role == 'head'
    stored = _user(db, anna.id)
    assert stored.role == 'head' and stored.can_act_on_others and not stored.can_export
    assert _audit(db) == [('users', 'user changed')]


def test_a_new_role_without_switches_brings_its_defaults(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    _as(db, admin, admin_users.update_user, user_id=anna.id, role='head')
    stored = _user(db, anna.id)
    assert stored.can_act_on_others and stored.can_export and stored.can_import and stored.can_bulk


def test_nothing_changed_writes_no_audit_entry(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna', name='Анна')
    _as(db, admin, admin_users.update_user, user_id=anna.id, name='Анна', role='manager')
    assert _audit(db) == []


def test_admin_cannot_take_away_their_own_admin_role(db):
    admin = make_user(db, 'root', role='admin')
    with pytest.raises(InvalidInput):
        _as(db, admin, admin_users.update_user, user_id=admin.id, role='manager')
    assert _user(db, admin.id).role == 'admin'


def test_an_empty_name_is_refused(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna', name='Анна')
    with pytest.raises(InvalidInput):
        _as(db, admin, admin_users.update_user, user_id=anna.id, name='  ')
    assert _user(db, anna.id).name == 'Анна'


def test_admin_resets_a_password_and_lifts_the_lock(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    for _ in range(login_throttle.PAIR.failures):
        with pytest.raises(LoginRefused):
            users.log_in(db, login='anna', password='guess', hours=1, address='192.0.2.1')
    _as(db, admin, admin_users.reset_password, user_id=anna.id, password='new-pass')
    assert users.log_in(db, login='anna', password='new-pass', hours=1, address='192.0.2.1')[1].id == anna.id
    assert ('users', 'password reset') in _audit(db)


def test_a_short_password_is_refused(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    with pytest.raises(InvalidInput):
        _as(db, admin, admin_users.reset_password, user_id=anna.id, password='12345')
    with db.write() as session:
        assert users.authenticate(session, login='anna', password=PASSWORD).id == anna.id


def test_deactivation_logs_the_user_out_everywhere(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    with db.write() as session:
        keys = [users.open_session(session, actor=anna, hours=8) for _ in range(2)]
    row = _as(db, admin, admin_users.deactivate, user_id=anna.id)
    assert not row.active
    with db.read() as session:
        assert all(users.actor_for_session(session, key) is None for key in keys)
    assert _audit(db) == [('users', 'user deactivated')]


def test_a_reactivated_user_logs_in_again(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    _as(db, admin, admin_users.deactivate, user_id=anna.id)
    assert _as(db, admin, admin_users.reactivate, user_id=anna.id).active
    with db.write() as session:
        assert users.authenticate(session, login='anna', password=PASSWORD).id == anna.id


def test_an_admin_cannot_deactivate_themselves(db):
    admin = make_user(db, 'root', role='admin')
    with pytest.raises(InvalidInput):
        _as(db, admin, admin_users.deactivate, user_id=admin.id)
    assert _user(db, admin.id).active
    assert _audit(db) == []


def test_all_clients_in_every_stage_are_handed_over_with_their_tasks(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    working = make_client(db, anna, phone='+79120000001')
    closed = make_client(db, anna, name='Петров Пётр', phone='+79120000002')
    others = make_client(db, boris, name='Сидоров', phone='+79120000003')
    failure = stages(db)['Бронь не поставлена']
    with db.write() as session:
        row = session.get(Client, closed.id)
        row.stage_id, row.closing_reason_id = failure.id, failure.reasons[0].id
        session.add(Task(client_id=working.id, title='Позвонить', type='call', due_at=utcnow(), assignee_id=anna.id))
    _as(db, admin, admin_users.deactivate, user_id=anna.id)
    result = _as(db, admin, bulk.hand_over_clients, user_id=anna.id, to_user_id=boris.id)
    assert result.changed == 2
    assert _responsible(db, working.id) == _responsible(db, closed.id) == boris.id
    assert _responsible(db, others.id) == boris.id
    with db.read() as session:
        assert session.exec(select(Task.assignee_id)).all() == [boris.id]
    assert _audit(db)[-1] == ('users', 'clients handed over')


def test_clients_cannot_go_to_an_inactive_user(db):
    admin = make_user(db, 'root', role='admin')
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    client = make_client(db, anna)
    _as(db, admin, admin_users.deactivate, user_id=boris.id)
    with pytest.raises(InvalidInput):
        _as(db, admin, bulk.hand_over_clients, user_id=anna.id, to_user_id=boris.id)
    assert _responsible(db, client.id) == anna.id


@pytest.mark.parametrize('role', ['manager', 'head'])
def test_non_admins_are_refused_everything_and_nothing_changes(db, role):
    make_user(db, 'root', role='admin')
    someone = make_user(db, 'someone', role=role, can_bulk=True)
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    client = make_client(db, anna)
    with db.write() as session:
        key = users.open_session(session, actor=anna, hours=8)
    attempts = [
        (admin_users.list_users, {}),
        (admin_users.add_user, dict(login='eve', name='Ева', role='admin', password='123456')),
        (admin_users.update_user, dict(user_id=anna.id, role='admin', name='Захват')),
        (admin_users.update_user, dict(user_id=someone.id, role='admin')),
        (admin_users.reset_password, dict(user_id=anna.id, password='hacked!')),
        (admin_users.deactivate, dict(user_id=anna.id)),
        (admin_users.reactivate, dict(user_id=anna.id)),
        (bulk.hand_over_clients, dict(user_id=anna.id, to_user_id=boris.id)),
    ]
    for service, arguments in attempts:
        with pytest.raises(PermissionDenied):
            _as(db, someone, service, **arguments)
    stored = _user(db, anna.id)
    assert (stored.name, stored.role, stored.active) == ('Anna', 'manager', True)
    assert _user(db, someone.id).role == role
    with db.read() as session:
        assert users.actor_for_session(session, key) is not None
        assert session.exec(select(User).where(User.login == 'eve')).first() is None
    with db.write() as session:
        assert users.authenticate(session, login='anna', password=PASSWORD).id == anna.id
    assert _responsible(db, client.id) == anna.id
    assert _audit(db) == []
