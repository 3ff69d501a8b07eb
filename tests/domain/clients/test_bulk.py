"""Bulk actions (SPEC §3 «Таблица клиентов»): permissions re-checked per client inside one transaction;
every permitted client changes and the rest are counted with a reason, or nothing changes at all."""

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from app.domain.clients import bulk, clients, tasks
from app.domain.clients.bulk import BulkResult, Selection
from app.domain.clients.filters import ClientFilter
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.events import ClientChanged, ClientsChanged, bus
from app.domain.models import Client, ClientTag, FeedEntry, FeedKind, Tag, Task, User, utcnow
from app.domain.permissions import Actor
from tests.factories import make_client, make_user, stages


@pytest.fixture
def team(db):
    """A head of sales, two managers with the default switches and Vera to hand clients to.
    Anna has three clients, Boris two."""
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Орлов')
    vera = make_user(db, 'vera', name='Вера Новикова')
    annas = [make_client(db, anna, name=f'Клиент Анны {n}', phone=f'+7912000000{n}').id for n in range(3)]
    boriss = [make_client(db, boris, name=f'Клиент Бориса {n}', phone=f'+7912000001{n}').id for n in range(2)]
    fields = ['head', 'anna', 'boris', 'vera', 'annas', 'boriss']
    return dataclasses.make_dataclass('Team', fields)(head, anna, boris, vera, annas, boriss)


@pytest.fixture
def heard():
    received = []
    unsubscribe = bus.subscribe(received.append)
    yield received
    unsubscribe()


def _snapshot(db) -> dict:
    """Everything a bulk action may touch, per client: to prove that nothing changed."""
    with db.read() as session:
        rows = session.exec(select(Client.id, Client.responsible_id, Client.stage_id, Client.version)).all()
        feed = dict(session.exec(select(FeedEntry.client_id, func.count()).group_by(FeedEntry.client_id)).all())
        tags = session.exec(select(ClientTag.client_id, ClientTag.tag_id)).all()
        task_rows = session.exec(select(Task.id, Task.assignee_id)).all()
    return {
        'clients': {row[0]: tuple(row[1:]) for row in rows},
        'feed': feed,
        'tags': sorted(tuple(row) for row in tags),
        'tasks': sorted(tuple(row) for row in task_rows),
    }


def _clients(db, ids) -> dict[int, Client]:
    with db.read() as session:
        return {client.id: client for client in session.exec(select(Client).where(Client.id.in_(ids)))}


def _feed(db, client_id: int, kind: str) -> list[FeedEntry]:
    with db.read() as session:
        return list(session.exec(select(FeedEntry).where(FeedEntry.client_id == client_id, FeedEntry.kind == kind)))


def _assign(db, actor: Actor, responsible_id: int, ids=(), flt: ClientFilter | None = None) -> BulkResult:
    with db.write() as session:
        return bulk.bulk_assign(
            session, actor=actor, selection=Selection(client_ids=list(ids), flt=flt), responsible_id=responsible_id
        )


# bulk_assign


def test_head_hands_chosen_clients_to_a_colleague(db, team):
    chosen = [team.annas[0], team.boriss[1]]
    result = _assign(db, team.head, team.vera.id, chosen)

    assert result == BulkResult(changed=2, skipped=0, skipped_why={})
    responsible = {cid: c.responsible_id for cid, c in _clients(db, team.annas + team.boriss).items()}
    assert responsible == {
        team.annas[0]: team.vera.id,
        team.annas[1]: team.anna.id,
        team.annas[2]: team.anna.id,
        team.boriss[0]: team.boris.id,
        team.boriss[1]: team.vera.id,
    }


def test_head_hands_all_clients_matching_the_filter_to_a_colleague(db, team, monkeypatch):
    monkeypatch.setattr(bulk, 'CHUNK', 2)  # the chunked statements must cover every client, not just the first chunk
    extra = [make_client(db, team.anna, name=f'Ещё клиент {n}', phone=f'+7912000002{n}').id for n in range(4)]
    closed = make_client(db, team.anna, name='Закрытый', phone='+79120000030').id
    with db.write() as session:
        session.execute(update(Client).where(Client.id == closed).values(stage_id=stages(db)['Не лид (корзина)'].id))
    flt = ClientFilter(responsible_ids=[team.anna.id])
    with db.read() as session:
        matching = clients.list_clients(session, actor=team.head, flt=flt).total
    assert matching == 7

    result = _assign(db, team.head, team.vera.id, flt=flt)

    assert (result.changed, result.skipped) == (7, 0)
    after = _clients(db, team.annas + extra + [closed])
    assert {after[cid].responsible_id for cid in team.annas + extra} == {team.vera.id}
    assert after[closed].responsible_id == team.anna.id  # the filter's default stages: working only
    with db.read() as session:
        assert clients.list_clients(session, actor=team.head, flt=flt).total == 0


def test_the_filter_of_a_selection_wins_over_ticked_ids(db, team):
    result = _assign(db, team.head, team.vera.id, ids=team.boriss, flt=ClientFilter(responsible_ids=[team.anna.id]))
    assert result.changed == 3
    assert {c.responsible_id for c in _clients(db, team.boriss).values()} == {team.boris.id}


def test_manager_with_bulk_right_changes_own_clients_and_skips_colleagues_ones(db, team):
    anna = make_user(db, 'anna2', name='Анна Вторая', can_bulk=True)
    own = [make_client(db, anna, name=f'Свой {n}', phone=f'+7912000003{n}').id for n in range(2)]
    feed_before = _snapshot(db)['feed']

    result = _assign(db, anna, team.vera.id, own + [team.boriss[0]])

    assert result == BulkResult(changed=2, skipped=1, skipped_why={'bulk.why_forbidden': 1})
    after = _clients(db, own + [team.boriss[0]])
    assert [after[cid].responsible_id for cid in own] == [team.vera.id, team.vera.id]
    assert after[team.boriss[0]].responsible_id == team.boris.id
    assert _snapshot(db)['feed'][team.boriss[0]] == feed_before[team.boriss[0]]
    assert 'чужие клиенты: 1' in result.summary('ru')
    assert 'Clients changed: 2.' in result.summary('en')


def test_manager_with_bulk_right_selecting_all_by_filter_changes_only_own_clients(db, team):
    anna = make_user(db, 'anna2', name='Анна Вторая', can_bulk=True)
    own = make_client(db, anna, name='Свой', phone='+79120000030').id

    result = _assign(db, anna, team.vera.id, flt=ClientFilter())

    assert result == BulkResult(changed=1, skipped=5, skipped_why={'bulk.why_forbidden': 5})
    assert _clients(db, [own])[own].responsible_id == team.vera.id


def test_clients_hidden_from_the_actor_or_gone_are_skipped_as_not_found(db, team):
    private = make_user(db, 'hidden', name='Скрытный', can_see_others=False, can_bulk=True)
    own = make_client(db, private, name='Свой', phone='+79120000030').id

    result = _assign(db, private, team.vera.id, [own, team.annas[0], 999_999])

    assert result == BulkResult(changed=1, skipped=2, skipped_why={'bulk.why_not_found': 2})
    assert _clients(db, [team.annas[0]])[team.annas[0]].responsible_id == team.anna.id


def test_clients_already_with_the_target_are_skipped_without_a_feed_entry(db, team):
    result = _assign(db, team.head, team.anna.id, [team.annas[0], team.boriss[0]])

    assert result == BulkResult(changed=1, skipped=1, skipped_why={'bulk.why_already': 1})
    assert _feed(db, team.annas[0], FeedKind.responsible) == []
    assert len(_feed(db, team.boriss[0], FeedKind.responsible)) == 1


def test_manager_without_bulk_right_is_refused_and_nothing_changes(db, team, heard):
    before = _snapshot(db)
    with pytest.raises(PermissionDenied):
        _assign(db, team.anna, team.vera.id, team.annas)
    with pytest.raises(PermissionDenied):
        _assign(db, team.anna, team.vera.id, flt=ClientFilter(own_only=True))
    assert _snapshot(db) == before
    assert heard == []


def test_inactive_target_is_refused_and_nothing_changes(db, team, heard):
    with db.write() as session:
        session.get(User, team.vera.id).active = False
    before = _snapshot(db)

    with pytest.raises(InvalidInput) as refused:
        _assign(db, team.head, team.vera.id, team.annas)
    assert 'Вера Новикова' in refused.value.message('ru')
    with pytest.raises(InvalidInput):
        _assign(db, team.head, 999_999, team.annas)
    assert _snapshot(db) == before
    assert heard == []


def test_deactivated_head_cannot_run_bulk_actions(db, team):
    inactive = dataclasses.replace(team.head, active=False)
    with pytest.raises(PermissionDenied):
        _assign(db, inactive, team.vera.id, team.annas)


def test_open_tasks_of_the_previous_responsible_follow_the_client(db, team):
    client = team.annas[0]
    now = utcnow()
    with db.write() as session:
        open_task = tasks.add_task(
            session, actor=team.anna, client_id=client, title='Звонок', due_at=now + timedelta(1)
        )
        overdue = tasks.add_task(session, actor=team.anna, client_id=client, title='Показ', due_at=now - timedelta(1))
        done = tasks.add_task(session, actor=team.anna, client_id=client, title='Встреча', due_at=now - timedelta(2))
        tasks.complete_task(session, actor=team.anna, client_id=client, task_id=done.id)
        borises = tasks.add_task(
            session,
            actor=team.head,
            client_id=client,
            title='Договор',
            due_at=now + timedelta(2),
            assignee_id=team.boris.id,
        )

    _assign(db, team.head, team.vera.id, [client])

    with db.read() as session:
        assignee = {task.id: task.assignee_id for task in session.exec(select(Task))}
    assert assignee == {
        open_task.id: team.vera.id,
        overdue.id: team.vera.id,
        done.id: team.anna.id,  # history stays as it was
        borises.id: team.boris.id,  # a colleague's own task on the client is theirs still
    }


def test_each_changed_client_gets_exactly_one_feed_entry_and_a_new_version(db, team):
    before = _clients(db, team.annas + team.boriss)
    feed_before = _snapshot(db)['feed']

    _assign(db, team.head, team.vera.id, team.annas + [team.boriss[0]])

    after = _clients(db, team.annas + team.boriss)
    feed_after = _snapshot(db)['feed']
    for cid in team.annas + [team.boriss[0]]:
        [entry] = _feed(db, cid, FeedKind.responsible)
        assert entry.author_id == team.head.id
        assert 'Вера Новикова' in entry.text
        assert entry.data['params']['target'] == 'Вера Новикова'
        assert feed_after[cid] == feed_before[cid] + 1
        assert after[cid].version == before[cid].version + 1
        assert after[cid].last_activity_at >= before[cid].last_activity_at
    assert _feed(db, team.annas[0], FeedKind.responsible)[0].data['params']['source'] == 'Анна Смирнова'
    assert _feed(db, team.boriss[0], FeedKind.responsible)[0].data['params']['source'] == 'Борис Орлов'
    untouched = team.boriss[1]
    assert (after[untouched].version, feed_after[untouched]) == (before[untouched].version, feed_before[untouched])


def test_a_bulk_action_is_announced_once_after_commit(db, team, heard):
    with db.write() as session:
        bulk.bulk_assign(
            session, actor=team.head, selection=Selection(client_ids=team.annas), responsible_id=team.vera.id
        )
        assert heard == []  # not before the commit

    assert heard == [ClientsChanged(actor_id=team.head.id, what='assigned', count=3, client_ids=tuple(team.annas))]
    assert not any(isinstance(event, ClientChanged) for event in heard)


def test_a_bulk_action_that_changes_nothing_is_not_announced(db, team, heard):
    result = _assign(db, team.head, team.anna.id, team.annas)
    assert result.changed == 0
    assert heard == []


def test_bulk_action_followed_by_a_failure_in_the_same_transaction_leaves_nothing_changed(db, team, heard):
    before = _snapshot(db)
    with pytest.raises(RuntimeError), db.write() as session:
        result = bulk.bulk_assign(
            session, actor=team.head, selection=Selection(flt=ClientFilter()), responsible_id=team.vera.id
        )
        assert result.changed == 5
        raise RuntimeError('the connection dropped')

    assert _snapshot(db) == before
    assert heard == []


def test_bulk_action_failing_midway_leaves_nothing_changed(db, team, heard, monkeypatch):
    """Responsible and tasks are already updated when writing the feed fails: all of it is undone."""
    with db.write() as session:
        tasks.add_task(session, actor=team.anna, client_id=team.annas[0], title='Звонок', due_at=utcnow())
    before = _snapshot(db)
    heard.clear()

    def broken_record(*_args, **_kwargs):
        raise RuntimeError('disk full')

    monkeypatch.setattr(bulk, '_record', broken_record)
    with pytest.raises(RuntimeError):
        _assign(db, team.head, team.vera.id, flt=ClientFilter())

    assert _snapshot(db) == before
    assert heard == []


# bulk_move


def _move(db, actor: Actor, stage_id: int, ids, reason_id: int | None = None) -> BulkResult:
    with db.write() as session:
        return bulk.bulk_move(
            session, actor=actor, selection=Selection(client_ids=list(ids)), stage_id=stage_id, reason_id=reason_id
        )


def test_bulk_move_to_a_working_stage_moves_and_records_each_client(db, team, heard):
    meeting = stages(db)['Назначение встречи']
    result = _move(db, team.head, meeting.id, team.annas)

    assert result == BulkResult(changed=3, skipped=0, skipped_why={})
    assert {c.stage_id for c in _clients(db, team.annas).values()} == {meeting.id}
    for cid in team.annas:
        [entry] = _feed(db, cid, FeedKind.stage)
        assert entry.data['params'] == {'source': 'Не разобрано', 'target': 'Назначение встречи'}
    assert heard == [ClientsChanged(actor_id=team.head.id, what='moved', count=3, client_ids=tuple(team.annas))]


def test_bulk_move_to_a_failure_stage_needs_a_reason_and_nothing_changes_without_it(db, team):
    failure = stages(db)['Бронь не поставлена']
    trash = stages(db)['Не лид (корзина)']
    before = _snapshot(db)

    with pytest.raises(InvalidInput) as refused:
        _move(db, team.head, failure.id, team.annas)
    assert refused.value.key == 'error.reason_required'
    with pytest.raises(InvalidInput):
        _move(db, team.head, failure.id, team.annas, reason_id=trash.reasons[0].id)  # another stage's reason
    assert _snapshot(db) == before

    reason = failure.reasons[1]
    result = _move(db, team.head, failure.id, team.annas, reason_id=reason.id)
    assert result.changed == 3
    after = _clients(db, team.annas)
    assert {(c.stage_id, c.closing_reason_id) for c in after.values()} == {(failure.id, reason.id)}
    [entry] = _feed(db, team.annas[0], FeedKind.stage)
    assert entry.data['params']['reason'] == reason.name


def test_bulk_move_refuses_a_stage_of_the_deals_board(db, team):
    deal_stage = next(iter(stages(db, 'deals').values()))
    with pytest.raises(InvalidInput):
        _move(db, team.head, deal_stage.id, team.annas)


def test_bulk_move_skips_clients_whose_move_is_not_allowed_from_where_they_are(db, team):
    board = stages(db)
    trash = board['Не лид (корзина)']
    success = board['Бронь поставлена']
    _move(db, team.head, trash.id, [team.annas[0]], reason_id=trash.reasons[0].id)
    _move(db, team.head, success.id, [team.annas[1]])
    meeting = board['Назначение встречи']
    _move(db, team.head, meeting.id, [team.boriss[0]])

    result = _move(db, team.head, meeting.id, team.annas + team.boriss)

    assert result == BulkResult(changed=2, skipped=3, skipped_why={'bulk.why_transition': 2, 'bulk.why_already': 1})
    after = _clients(db, team.annas + team.boriss)
    assert after[team.annas[0]].stage_id == trash.id  # closed clients come back only by reopening
    assert after[team.annas[1]].stage_id == success.id
    assert after[team.annas[2]].stage_id == meeting.id
    assert after[team.boriss[1]].stage_id == meeting.id
    assert len(_feed(db, team.annas[0], FeedKind.stage)) == 1  # the closing only


def test_bulk_move_by_a_manager_skips_colleagues_clients(db, team):
    anna = make_user(db, 'anna2', name='Анна Вторая', can_bulk=True)
    own = make_client(db, anna, name='Свой', phone='+79120000030').id
    meeting = stages(db)['Назначение встречи']

    result = _move(db, anna, meeting.id, [own, *team.boriss])

    assert result == BulkResult(changed=1, skipped=2, skipped_why={'bulk.why_forbidden': 2})
    assert {c.stage_id for c in _clients(db, team.boriss).values()} == {stages(db)['Не разобрано'].id}


def test_bulk_move_without_bulk_right_is_refused(db, team):
    before = _snapshot(db)
    with pytest.raises(PermissionDenied):
        _move(db, team.anna, stages(db)['Назначение встречи'].id, team.annas)
    assert _snapshot(db) == before


# bulk_tags


@pytest.fixture
def tags(db):
    with db.write() as session:
        hot, vip = Tag(name='Горячий'), Tag(name='VIP')
        session.add_all([hot, vip])
        session.flush()
        return hot.id, vip.id


def _tags(db, actor: Actor, ids, add=(), remove=()) -> BulkResult:
    with db.write() as session:
        return bulk.bulk_tags(
            session, actor=actor, selection=Selection(client_ids=list(ids)), add_tag_ids=add, remove_tag_ids=remove
        )


def _tag_ids(db, client_id: int) -> set[int]:
    with db.read() as session:
        return set(session.exec(select(ClientTag.tag_id).where(ClientTag.client_id == client_id)))


def test_bulk_tags_add_to_clients_lacking_them_and_skip_those_having_them(db, team, tags, heard):
    hot, vip = tags
    _tags(db, team.head, [team.annas[0]], add=[hot])
    heard.clear()

    result = _tags(db, team.head, team.annas, add=[hot])

    assert result == BulkResult(changed=2, skipped=1, skipped_why={'bulk.why_already': 1})
    assert [_tag_ids(db, cid) for cid in team.annas] == [{hot}, {hot}, {hot}]
    assert len(_feed(db, team.annas[0], FeedKind.fields)) == 1  # from the first action only
    [entry] = _feed(db, team.annas[1], FeedKind.fields)
    assert entry.data['params'] == {'added': 'Горячий', 'removed': '—'}
    assert heard == [ClientsChanged(actor_id=team.head.id, what='edited', count=2, client_ids=tuple(team.annas[1:]))]


def test_bulk_tags_remove_and_add_in_one_action(db, team, tags):
    hot, vip = tags
    _tags(db, team.head, team.annas[:2], add=[hot])

    result = _tags(db, team.head, team.annas, add=[vip], remove=[hot])

    assert result.changed == 3
    assert [_tag_ids(db, cid) for cid in team.annas] == [{vip}, {vip}, {vip}]
    [_, entry] = sorted(_feed(db, team.annas[0], FeedKind.fields), key=lambda e: e.id)
    assert entry.data['params'] == {'added': 'VIP', 'removed': 'Горячий'}
    [entry] = _feed(db, team.annas[2], FeedKind.fields)
    assert entry.data['params'] == {'added': 'VIP', 'removed': '—'}


def test_bulk_tags_removing_a_tag_nobody_has_changes_nothing(db, team, tags, heard):
    hot, _vip = tags
    before = _snapshot(db)
    result = _tags(db, team.head, team.annas, remove=[hot])
    assert result == BulkResult(changed=0, skipped=3, skipped_why={'bulk.why_already': 3})
    assert _snapshot(db) == before
    assert heard == []


def test_bulk_tags_with_an_unknown_tag_is_refused_and_nothing_changes(db, team, tags):
    hot, _vip = tags
    before = _snapshot(db)
    with pytest.raises(InvalidInput):
        _tags(db, team.head, team.annas, add=[hot, 999_999])
    assert _snapshot(db) == before


def test_bulk_tags_by_a_manager_skip_colleagues_clients(db, team, tags):
    hot, _vip = tags
    anna = make_user(db, 'anna2', name='Анна Вторая', can_bulk=True)
    own = make_client(db, anna, name='Свой', phone='+79120000030').id

    result = _tags(db, anna, [own, team.boriss[0]], add=[hot])

    assert result == BulkResult(changed=1, skipped=1, skipped_why={'bulk.why_forbidden': 1})
    assert _tag_ids(db, own) == {hot}
    assert _tag_ids(db, team.boriss[0]) == set()


# hand_over_all_clients: the "manager on leave" path of the table


def _hand_over(db, actor: Actor, user_id: int, to_user_id: int) -> BulkResult:
    with db.write() as session:
        return bulk.hand_over_all_clients(session, actor=actor, user_id=user_id, to_user_id=to_user_id)


def _close(db, client_id: int) -> None:
    failure = stages(db)['Бронь не поставлена']
    with db.write() as session:
        row = session.get(Client, client_id)
        row.stage_id, row.closing_reason_id = failure.id, failure.reasons[0].id


def test_the_head_hands_over_every_client_of_a_manager_on_leave_closed_ones_included(db, team, heard):
    _close(db, team.annas[0])
    with db.read() as session:  # what the table's default working-stages filter alone would have selected
        working = clients.list_clients(session, actor=team.head, flt=ClientFilter(responsible_ids=[team.anna.id]))
    assert working.total == 2
    result = _hand_over(db, team.head, team.anna.id, team.vera.id)
    assert (result.changed, result.skipped) == (3, 0)
    assert {c.responsible_id for c in _clients(db, team.annas).values()} == {team.vera.id}
    assert {c.responsible_id for c in _clients(db, team.boriss).values()} == {team.boris.id}
    assert [event.count for event in heard if isinstance(event, ClientsChanged)] == [3]


def test_the_hand_over_dialog_states_each_users_clients_split_by_working_and_closed(db, team):
    _close(db, team.annas[0])
    with db.read() as session:
        sources = {s.name: (s.working, s.closed, s.total) for s in bulk.hand_over_sources(session, actor=team.head)}
    assert sources == {'Анна Смирнова': (2, 1, 3), 'Борис Орлов': (2, 0, 2)}


@pytest.mark.parametrize('switches', [{}, {'can_bulk': True}, {'can_act_on_others': True}])
def test_a_manager_lacking_bulk_or_colleagues_rights_cannot_hand_over_and_nothing_changes(db, team, heard, switches):
    someone = make_user(db, 'someone', **switches)
    before = _snapshot(db)
    with pytest.raises(PermissionDenied):
        _hand_over(db, someone, team.anna.id, team.vera.id)
    with pytest.raises(PermissionDenied), db.read() as session:
        bulk.hand_over_sources(session, actor=someone)
    assert _snapshot(db) == before
    assert heard == []


def test_a_manager_with_bulk_and_colleagues_rights_may_hand_over(db, team):
    someone = make_user(db, 'someone', can_bulk=True, can_act_on_others=True)
    assert _hand_over(db, someone, team.boris.id, team.vera.id).changed == 2


def test_handing_over_to_the_same_user_or_an_unknown_one_is_refused(db, team):
    before = _snapshot(db)
    with pytest.raises(InvalidInput):
        _hand_over(db, team.head, team.anna.id, team.anna.id)
    with pytest.raises(InvalidInput):
        _hand_over(db, team.head, team.anna.id, 9999)
    assert _snapshot(db) == before
