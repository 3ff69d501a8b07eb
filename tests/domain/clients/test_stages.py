"""Stages, reasons and transitions are data; every move is checked and written to the feed."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.domain.clients import clients
from app.domain.deals import deals
from app.domain.errors import InvalidInput
from app.domain.models import FeedKind, Project, StageTransition
from tests.factories import make_client, make_user, stages


def _move(db, actor, client_id, stage, reason=None):
    with db.write() as session:
        return clients.move_client(
            session, actor=actor, client_id=client_id, stage_id=stage.id, reason_id=reason.id if reason else None
        )


def _detail(db, actor, client_id):
    with db.read() as session:
        return clients.get_client(session, actor=actor, client_id=client_id)


def test_default_board_has_the_six_stages_of_the_spec(db):
    board = list(stages(db).values())
    assert [(s.name, s.kind) for s in board] == [
        ('Не разобрано', 'working'),
        ('Назначение встречи', 'working'),
        ('Вывод на бронь', 'working'),
        ('Бронь поставлена', 'success'),
        ('Бронь не поставлена', 'failure'),
        ('Не лид (корзина)', 'trash'),
    ]
    assert 'Битый номер' in [r.name for r in stages(db)['Не лид (корзина)'].reasons]


@pytest.mark.parametrize('stage_name', ['Бронь не поставлена', 'Не лид (корзина)'])
def test_closing_as_failure_or_trash_needs_a_reason(db, stage_name):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with pytest.raises(InvalidInput) as refused:
        _move(db, manager, client.id, stages(db)[stage_name])
    assert refused.value.message('ru') == f'Для этапа «{stage_name}» нужно выбрать причину'
    assert _detail(db, manager, client.id).stage_id == stages(db)['Не разобрано'].id


def test_reason_of_another_stage_is_refused(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    board = stages(db)
    spam = board['Не лид (корзина)'].reasons[0]
    with pytest.raises(InvalidInput) as refused:
        _move(db, manager, client.id, board['Бронь не поставлена'], spam)
    assert 'Причина не относится к этапу «Бронь не поставлена»' in refused.value.message('ru')


def test_closing_with_its_own_reason_records_the_reason(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    failure = stages(db)['Бронь не поставлена']
    price = next(r for r in failure.reasons if r.name == 'Не устроила цена')

    detail = _move(db, manager, client.id, failure, price)

    assert detail.stage_id == failure.id
    assert detail.closing_reason.name == 'Не устроила цена'
    assert detail.feed[0].text == 'Этап: Не разобрано → Бронь не поставлена (причина: Не устроила цена)'


def test_closed_client_cannot_be_dragged_back_to_work(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    board = stages(db)
    _move(db, manager, client.id, board['Бронь поставлена'])

    with pytest.raises(InvalidInput) as refused:
        _move(db, manager, client.id, board['Назначение встречи'])

    assert refused.value.message('ru') == 'Переход из «Бронь поставлена» в «Назначение встречи» не разрешён'
    assert _detail(db, manager, client.id).stage_id == board['Бронь поставлена'].id


def test_transition_removed_by_the_admin_is_refused(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    board = stages(db)
    with db.write() as session:
        rule = session.exec(
            select(StageTransition).where(
                StageTransition.from_stage_id == board['Не разобрано'].id,
                StageTransition.to_stage_id == board['Вывод на бронь'].id,
            )
        ).one()
        session.delete(rule)

    with pytest.raises(InvalidInput):
        _move(db, manager, client.id, board['Вывод на бронь'])
    assert _move(db, manager, client.id, board['Назначение встречи']).stage_id == board['Назначение встречи'].id


def test_moving_to_the_current_stage_is_refused(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with pytest.raises(InvalidInput):
        _move(db, manager, client.id, stages(db)['Не разобрано'])


def test_deal_stage_is_not_a_client_stage(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with pytest.raises(InvalidInput):
        _move(db, manager, client.id, stages(db, 'deals')['Подготовка договора'])


def test_reopening_returns_a_closed_client_to_the_first_working_stage(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    board = stages(db)
    trash = board['Не лид (корзина)']
    _move(db, manager, client.id, trash, trash.reasons[1])

    with db.write() as session:
        detail = clients.reopen_client(session, actor=manager, client_id=client.id)

    assert detail.stage_id == board['Не разобрано'].id
    assert detail.closing_reason is None
    assert detail.feed[0].text == 'Этап: Не лид (корзина) → Не разобрано'


def test_reopening_into_a_chosen_working_stage(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    board = stages(db)
    _move(db, manager, client.id, board['Бронь поставлена'])
    with db.write() as session:
        detail = clients.reopen_client(session, actor=manager, client_id=client.id, stage_id=board['Вывод на бронь'].id)
    assert detail.stage_id == board['Вывод на бронь'].id


def test_client_still_in_work_cannot_be_reopened(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with pytest.raises(InvalidInput), db.write() as session:
        clients.reopen_client(session, actor=manager, client_id=client.id)


def test_every_change_is_in_the_feed_with_who_when_and_old_to_new(db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Орлов')
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    before = datetime.now(UTC)
    client = make_client(db, anna, situation='Ищет двушку')
    _move(db, anna, client.id, stages(db)['Назначение встречи'])
    with db.write() as session:
        clients.update_client(session, actor=anna, client_id=client.id, changes={'situation': 'Ищет трёшку'})
    with db.write() as session:
        clients.assign_client(session, actor=head, client_id=client.id, responsible_id=boris.id)

    entries = _detail(db, head, client.id).feed

    assert [e.kind for e in entries] == [FeedKind.responsible, FeedKind.fields, FeedKind.stage, FeedKind.created]
    assert [e.author_name for e in entries] == ['Ольга Петрова', 'Анна Смирнова', 'Анна Смирнова', 'Анна Смирнова']
    assert all(e.created_at >= before for e in entries)
    assert entries[0].text == 'Ответственный: Анна Смирнова → Борис Орлов'
    assert entries[1].text == 'Изменено: Ситуация: Ищет двушку → Ищет трёшку'
    assert entries[1].text_for('en') == 'Changed: Situation: Ищет двушку → Ищет трёшку'
    assert entries[2].text == 'Этап: Не разобрано → Назначение встречи'
    assert entries[2].text_for('en') == 'Stage: Не разобрано → Назначение встречи'


def test_saving_without_changes_writes_nothing_to_the_feed(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager, situation='Ищет двушку')
    with db.write() as session:
        detail = clients.update_client(
            session, actor=manager, client_id=client.id, changes={'situation': 'Ищет двушку'}
        )
    assert len(detail.feed) == 1
    assert detail.version == client.version


def test_booking_creates_a_deal_and_moves_the_client_to_booked(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with db.write() as session:
        project = Project(name='ЖК Северный парк', abbreviation='СП')
        session.add(project)
        session.flush()
        project_id = project.id

    with db.write() as session:
        detail = deals.book_client(
            session, actor=manager, client_id=client.id, project_id=project_id, unit='кв. 42', amount=7_500_000
        )

    assert detail.stage_id == stages(db)['Бронь поставлена'].id
    [deal] = detail.deals
    assert (deal.project.abbreviation, deal.unit, deal.amount) == ('СП', 'кв. 42', 7_500_000)
    assert deal.stage_id == stages(db, 'deals')['Бронь поставлена'].id
    assert [e.kind for e in detail.feed[:2]] == [FeedKind.stage, FeedKind.deal_created]
    assert detail.feed[1].text == 'Бронь: СП кв. 42, 7 500 000'


def test_returning_buyer_keeps_the_card_and_gets_another_deal(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    for unit in ('кв. 1', 'кв. 2'):
        with db.write() as session:
            detail = deals.book_client(
                session, actor=manager, client_id=client.id, project_id=None, unit=unit, amount=5_000_000
            )
    assert detail.id == client.id
    assert sorted(d.unit for d in detail.deals) == ['кв. 1', 'кв. 2']


@pytest.mark.parametrize('amount', [0, -1, 'много'])
def test_booking_needs_a_positive_amount(db, amount):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    with pytest.raises(InvalidInput), db.write() as session:
        deals.book_client(session, actor=manager, client_id=client.id, project_id=None, unit='кв. 1', amount=amount)
    assert _detail(db, manager, client.id).deals == []
