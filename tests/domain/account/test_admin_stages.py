"""The admin's funnel setup: stages, the transitions matrix and closing reasons, all refused for non-admins."""

import pytest
from sqlmodel import select

from app.domain.account import admin_stages, audit
from app.domain.clients import clients
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.events import AccountChanged, bus
from app.domain.models import ClosingReason, StageChange, StageTransition
from tests.factories import make_client, make_user, stages


def _do(db, service, actor, **arguments):
    with db.write() as session:
        return service(session, actor=actor, **arguments)


def _order(db) -> list[tuple[str, int]]:
    return [(s.name, s.position) for s in stages(db).values()]


def _transitions(db) -> set[tuple[int, int]]:
    with db.read() as session:
        return {(t.from_stage_id, t.to_stage_id) for t in session.exec(select(StageTransition))}


def test_admin_renames_and_recolours_a_stage_and_the_change_is_audited(db):
    admin = make_user(db, 'admin', role='admin')
    heard = []
    bus.subscribe(heard.append)
    stage = stages(db)['Назначение встречи']
    _do(db, admin_stages.update_stage, admin, stage_id=stage.id, name='  Встреча  назначена ', color='#FF0000')
    renamed = stages(db)['Встреча назначена']
    assert (renamed.id, renamed.color) == (stage.id, '#ff0000')
    assert AccountChanged(area='stages', actor_id=admin.id) in heard
    with db.read() as session:
        entry = audit.audit_log(session, actor=admin)[0]
    assert (entry.area, entry.action, entry.details['name']) == ('stages', 'update_stage', 'Встреча назначена')


def test_bad_names_and_colours_are_refused(db):
    admin = make_user(db, 'admin', role='admin')
    stage = stages(db)['Назначение встречи']
    for arguments in ({'name': ' '}, {'name': 'не разобрано'}, {'color': 'red'}):
        with pytest.raises(InvalidInput):
            _do(db, admin_stages.update_stage, admin, stage_id=stage.id, **arguments)
    assert stages(db)['Назначение встречи'].color == stage.color


def test_working_stages_move_up_and_down_and_closing_ones_stay_last(db):
    admin = make_user(db, 'admin', role='admin')
    by_name = stages(db)
    _do(db, admin_stages.move_stage, admin, stage_id=by_name['Вывод на бронь'].id, offset=-1)
    _do(db, admin_stages.move_stage, admin, stage_id=by_name['Вывод на бронь'].id, offset=-1)
    _do(db, admin_stages.move_stage, admin, stage_id=by_name['Вывод на бронь'].id, offset=-1)
    _do(db, admin_stages.move_stage, admin, stage_id=by_name['Назначение встречи'].id, offset=1)
    assert _order(db) == [
        ('Вывод на бронь', 0),
        ('Не разобрано', 1),
        ('Назначение встречи', 2),
        ('Бронь поставлена', 3),
        ('Бронь не поставлена', 4),
        ('Не лид (корзина)', 5),
    ]
    with pytest.raises(InvalidInput):
        _do(db, admin_stages.move_stage, admin, stage_id=by_name['Бронь поставлена'].id, offset=-1)


def test_a_new_stage_comes_after_the_working_ones_with_the_default_transitions(db):
    admin = make_user(db, 'admin', role='admin')
    _do(db, admin_stages.add_stage, admin, name='Повторный звонок', color='#123456')
    by_name = stages(db)
    assert [name for name, _ in _order(db)][3] == 'Повторный звонок'
    assert [position for _, position in _order(db)] == list(range(7))
    new = by_name['Повторный звонок']
    allowed = _transitions(db)
    for other in by_name.values():
        if other.id == new.id:
            continue
        assert (new.id, other.id) in allowed
        assert ((other.id, new.id) in allowed) == (other.kind == 'working')
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=new.id)


def test_a_stage_with_clients_cannot_be_removed_and_the_message_says_how_many(db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    make_client(db, anna, phone='+79120000001')
    make_client(db, anna, phone='+79120000002')
    stage = stages(db)['Не разобрано']
    with pytest.raises(InvalidInput) as refused:
        _do(db, admin_stages.remove_stage, admin, stage_id=stage.id)
    assert refused.value.message('ru') == ('На этапе «Не разобрано» клиентов: 2 — сначала перенесите их на другой этап')
    assert 'Не разобрано' in stages(db)


def test_removing_an_empty_stage_drops_its_transitions_and_keeps_positions_contiguous(db):
    admin = make_user(db, 'admin', role='admin')
    stage = stages(db)['Назначение встречи']
    _do(db, admin_stages.remove_stage, admin, stage_id=stage.id)
    assert 'Назначение встречи' not in stages(db)
    assert [position for _, position in _order(db)] == list(range(5))
    assert not any(stage.id in pair for pair in _transitions(db))


def test_the_only_working_stage_and_closing_stages_cannot_be_removed(db):
    admin = make_user(db, 'admin', role='admin')
    by_name = stages(db)
    with pytest.raises(InvalidInput):
        _do(db, admin_stages.remove_stage, admin, stage_id=by_name['Бронь поставлена'].id)
    _do(db, admin_stages.remove_stage, admin, stage_id=by_name['Назначение встречи'].id)
    _do(db, admin_stages.remove_stage, admin, stage_id=by_name['Вывод на бронь'].id)
    with pytest.raises(InvalidInput) as refused:
        _do(db, admin_stages.remove_stage, admin, stage_id=by_name['Не разобрано'].id)
    assert refused.value.key == 'error.stage_last_working'


def test_the_matrix_decides_which_moves_are_allowed(db):
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    by_name = stages(db)
    source, target = by_name['Не разобрано'], by_name['Вывод на бронь']
    _do(db, admin_stages.set_transition, admin, from_stage_id=source.id, to_stage_id=target.id, allowed=False)
    with db.write() as session, pytest.raises(InvalidInput):
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=target.id)
    _do(db, admin_stages.set_transition, admin, from_stage_id=source.id, to_stage_id=target.id, allowed=True)
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=target.id)
    with pytest.raises(InvalidInput):
        _do(db, admin_stages.set_transition, admin, from_stage_id=source.id, to_stage_id=source.id, allowed=True)


def test_reasons_are_added_renamed_reordered_and_deactivated_but_kept(db):
    admin = make_user(db, 'admin', role='admin')
    trash = stages(db)['Не лид (корзина)']
    setup = _do(db, admin_stages.add_reason, admin, stage_id=trash.id, name='Реклама')
    added = next(r for s in setup.stages if s.id == trash.id for r in s.reasons if r.name == 'Реклама')
    _do(db, admin_stages.rename_reason, admin, reason_id=added.id, name='Реклама услуг')
    _do(db, admin_stages.move_reason, admin, reason_id=added.id, offset=-1)
    names = [r.name for r in stages(db)['Не лид (корзина)'].reasons]
    assert names[-2] == 'Реклама услуг'
    _do(db, admin_stages.deactivate_reason, admin, reason_id=added.id)
    assert 'Реклама услуг' not in [r.name for r in stages(db)['Не лид (корзина)'].reasons]
    with db.read() as session:
        kept = session.get(ClosingReason, added.id)
        assert (kept.name, kept.active) == ('Реклама услуг', False)
    with pytest.raises(InvalidInput):
        _do(db, admin_stages.add_reason, admin, stage_id=stages(db)['Не разобрано'].id, name='Нет')
    with pytest.raises(InvalidInput):
        _do(db, admin_stages.add_reason, admin, stage_id=trash.id, name='спам')


def test_a_non_admin_is_refused_everything_and_nothing_changes(db):
    make_user(db, 'admin', role='admin')
    head = make_user(db, 'head', role='head')
    before, transitions = _order(db), _transitions(db)
    by_name = stages(db)
    stage, trash = by_name['Назначение встречи'], by_name['Не лид (корзина)']
    attempts = [
        (admin_stages.funnel_setup, {}),
        (admin_stages.update_stage, {'stage_id': stage.id, 'name': 'Взлом'}),
        (admin_stages.move_stage, {'stage_id': stage.id, 'offset': -1}),
        (admin_stages.add_stage, {'name': 'Взлом'}),
        (admin_stages.remove_stage, {'stage_id': stage.id}),
        (admin_stages.set_transition, {'from_stage_id': stage.id, 'to_stage_id': trash.id, 'allowed': False}),
        (admin_stages.add_reason, {'stage_id': trash.id, 'name': 'Взлом'}),
        (admin_stages.deactivate_reason, {'reason_id': trash.reasons[0].id}),
    ]
    for service, arguments in attempts:
        with pytest.raises(PermissionDenied):
            _do(db, service, head, **arguments)
    assert _order(db) == before
    assert _transitions(db) == transitions
    assert [r.name for r in stages(db)['Не лид (корзина)'].reasons] == [r.name for r in trash.reasons]


def test_a_stage_clients_have_passed_through_can_still_be_removed_once_empty(db):
    admin = make_user(db, 'admin', role='admin')
    by = stages(db)
    client = make_client(db, admin)
    with db.write() as session:
        clients.move_client(session, actor=admin, client_id=client.id, stage_id=by['Назначение встречи'].id)
        clients.move_client(session, actor=admin, client_id=client.id, stage_id=by['Вывод на бронь'].id)
    with db.write() as session:
        admin_stages.remove_stage(session, actor=admin, stage_id=by['Назначение встречи'].id)
    with db.read() as session:
        history = session.exec(
            select(StageChange.from_stage_id, StageChange.to_stage_id).order_by(StageChange.id)
        ).all()
    assert history == [(None, by['Не разобрано'].id), (None, by['Вывод на бронь'].id)]
