"""The deals kanban: moves by the clients' rules, the object following its deal, visibility, column sums."""

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.clients import bulk, clients
from app.domain.clients.bulk import Selection
from app.domain.deals import deal_board, deals, units
from app.domain.deals.deal_board import DealFilter
from app.domain.errors import InvalidInput, NotFound, PermissionDenied, StaleUpdate
from app.domain.events import DealChanged, bus
from app.domain.models import Deal, FeedEntry, Project, PropertyUnit, StageChange, UnitStatus
from tests.factories import make_client, make_user, stages


@pytest.fixture
def team(db):
    """Anna and Boris (managers with the default switches), a head, a project with two free objects."""
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Орлов')
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    admin = make_user(db, 'root', role='admin')
    with db.write() as session:
        project = Project(name='ЖК Северный парк', abbreviation='СП')
        session.add(project)
        session.flush()
        project_id = project.id
        unit_ids = [
            units.add_unit(session, actor=admin, project_id=project_id, label=label, price=price)
            for label, price in (('кв. 45', 7_500_000), ('кв. 46', 5_000_000))
        ]
    return dataclasses.make_dataclass('Team', ['anna', 'boris', 'head', 'project_id', 'unit_ids'])(
        anna, boris, head, project_id, unit_ids
    )


def _book(db, actor, phone: str, name: str = 'Петров Пётр', unit_id=None, project_id=None, amount=None) -> int:
    client = make_client(db, actor, name=name, phone=phone)
    with db.write() as session:
        deals.book_client(
            session,
            actor=actor,
            client_id=client.id,
            project_id=project_id,
            unit_id=unit_id,
            unit='' if unit_id else 'кв. 1',
            amount=amount if amount is not None or unit_id else 1_000_000,
        )
        return session.exec(select(Deal.id).where(Deal.client_id == client.id)).one()


def _move(db, actor, deal_id: int, stage, reason=None, **extra):
    with db.write() as session:
        return deal_board.move_deal(
            session,
            actor=actor,
            deal_id=deal_id,
            stage_id=stage.id,
            reason_id=reason.id if reason else None,
            **extra,
        )


def _unit_status(db, unit_id: int) -> str:
    with db.read() as session:
        return session.get(PropertyUnit, unit_id).status


def _column(db, actor, stage, flt=None):
    with db.read() as session:
        return deal_board.deal_column(session, actor=actor, stage_id=stage.id, flt=flt)


def test_a_deal_moves_along_its_board_and_leaves_history_and_a_feed_line(db, team):
    board = stages(db, 'deals')
    deal_id = _book(db, team.anna, '+79120000001', unit_id=team.unit_ids[0])
    moved = _move(db, team.anna, deal_id, board['Подготовка договора'])
    assert moved.stage_id == board['Подготовка договора'].id
    assert moved.version == 2
    with db.read() as session:
        history = session.exec(select(StageChange).where(StageChange.deal_id == deal_id).order_by(StageChange.id)).all()
        assert [(h.from_stage_id, h.to_stage_id) for h in history][-1] == (
            board['Бронь поставлена'].id,
            board['Подготовка договора'].id,
        )
        assert history[-2].seconds is not None  # the stay in «Бронь поставлена» got its length
        entry = session.exec(select(FeedEntry).where(FeedEntry.deal_id == deal_id, FeedEntry.kind == 'stage')).one()
        assert entry.text == 'Сделка СП кв. 45: Бронь поставлена → Подготовка договора'
    with db.read() as session:
        detail = deal_board.get_deal(session, actor=team.anna, deal_id=deal_id)
    assert [e.text for e in detail.feed] == [
        'Сделка СП кв. 45: Бронь поставлена → Подготовка договора',
        'Бронь: СП кв. 45, 7 500 000',
    ]


def test_moving_a_deal_announces_it_after_commit(db, team):
    deal_id = _book(db, team.anna, '+79120000001')
    heard = []
    bus.subscribe(heard.append)
    _move(db, team.anna, deal_id, stages(db, 'deals')['Договор подписан'])
    [event] = [e for e in heard if isinstance(e, DealChanged)]  # the booking's 'created' came before we listened
    assert (event.deal_id, event.what, event.actor_id) == (deal_id, 'moved', team.anna.id)
    assert event.previous_stage_id == stages(db, 'deals')['Бронь поставлена'].id
    assert event.to_dict()['stage_id'] == stages(db, 'deals')['Договор подписан'].id


def test_payment_sells_the_object(db, team):
    deal_id = _book(db, team.anna, '+79120000001', unit_id=team.unit_ids[0])
    assert _unit_status(db, team.unit_ids[0]) == UnitStatus.booked
    _move(db, team.anna, deal_id, stages(db, 'deals')['Оплата получена'])
    assert _unit_status(db, team.unit_ids[0]) == UnitStatus.sold


def test_cancelling_the_booking_needs_a_reason_and_frees_the_object(db, team):
    cancelled = stages(db, 'deals')['Бронь снята']
    deal_id = _book(db, team.anna, '+79120000001', unit_id=team.unit_ids[0])
    with pytest.raises(InvalidInput) as refused:
        _move(db, team.anna, deal_id, cancelled)
    assert refused.value.message('ru') == 'Для этапа «Бронь снята» нужно выбрать причину'
    assert _unit_status(db, team.unit_ids[0]) == UnitStatus.booked
    moved = _move(db, team.anna, deal_id, cancelled, cancelled.reasons[1])
    assert moved.closing_reason.name == 'Не одобрена ипотека'
    assert _unit_status(db, team.unit_ids[0]) == UnitStatus.free
    with db.read() as session:
        assert (
            session.exec(select(FeedEntry.text).where(FeedEntry.deal_id == deal_id, FeedEntry.kind == 'stage'))
            .one()
            .endswith('(причина: Не одобрена ипотека)')
        )


def test_a_reopened_deal_books_its_object_again_and_is_refused_if_someone_took_it(db, team):
    cancelled = stages(db, 'deals')['Бронь снята']
    first = _book(db, team.anna, '+79120000001', unit_id=team.unit_ids[0])
    second = _book(db, team.anna, '+79120000002', name='Сидоров', unit_id=team.unit_ids[1])
    _move(db, team.anna, first, cancelled, cancelled.reasons[0])
    _move(db, team.anna, second, cancelled, cancelled.reasons[0])
    with db.write() as session:
        reopened = deal_board.reopen_deal(session, actor=team.anna, deal_id=first)
    assert reopened.stage_id == stages(db, 'deals')['Бронь поставлена'].id
    assert reopened.closing_reason is None
    assert _unit_status(db, team.unit_ids[0]) == UnitStatus.booked
    # the second object went to somebody else meanwhile: two deals never share one object
    _book(db, team.boris, '+79120000003', name='Другой', unit_id=team.unit_ids[1])
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        deal_board.reopen_deal(session, actor=team.anna, deal_id=second)
    assert 'кв.' in refused.value.message('ru') or 'свобод' in refused.value.message('ru')
    with db.read() as session:
        assert session.get(Deal, second).stage_id == cancelled.id
    assert _unit_status(db, team.unit_ids[1]) == UnitStatus.booked


def test_closed_deals_leave_only_by_reopening_and_working_ones_by_allowed_transitions(db, team):
    board = stages(db, 'deals')
    deal_id = _book(db, team.anna, '+79120000001')
    _move(db, team.anna, deal_id, board['Оплата получена'])
    with pytest.raises(InvalidInput) as refused:
        _move(db, team.anna, deal_id, board['Договор подписан'])
    assert 'не разрешён' in refused.value.message('ru')
    with pytest.raises(InvalidInput):
        _move(db, team.anna, deal_id, board['Оплата получена'])
    with pytest.raises(InvalidInput):  # a clients stage is not a deals stage
        _move(db, team.anna, deal_id, stages(db)['Назначение встречи'])
    with db.write() as session:
        deal_board.reopen_deal(session, actor=team.anna, deal_id=deal_id, stage_id=board['Договор подписан'].id)
    with db.write() as session, pytest.raises(InvalidInput):
        deal_board.reopen_deal(session, actor=team.anna, deal_id=deal_id)


def test_a_stale_move_is_refused(db, team):
    board = stages(db, 'deals')
    deal_id = _book(db, team.anna, '+79120000001')
    _move(db, team.anna, deal_id, board['Подготовка договора'], expected_version=1)
    with pytest.raises(StaleUpdate):
        _move(db, team.anna, deal_id, board['Договор подписан'], expected_version=1)


def test_manager_cannot_move_a_colleagues_deal(db, team):
    deal_id = _book(db, team.boris, '+79120000001')
    with pytest.raises(PermissionDenied) as refused:
        _move(db, team.anna, deal_id, stages(db, 'deals')['Подготовка договора'])
    assert 'только ответственный — Борис Орлов' in refused.value.message('ru')
    _move(db, team.head, deal_id, stages(db, 'deals')['Подготовка договора'])
    with db.write() as session:  # seeing is enough to comment
        detail = deal_board.add_deal_comment(session, actor=team.anna, deal_id=deal_id, text='Документы у юриста')
    assert detail.feed[0].text == 'Документы у юриста'
    assert detail.can_act is False


def test_manager_who_cannot_see_others_gets_only_own_deals(db, team):
    carl = make_user(db, 'carl', can_see_others=False)
    theirs = _book(db, team.boris, '+79120000001')
    mine = _book(db, carl, '+79120000002', name='Свой')
    first = stages(db, 'deals')['Бронь поставлена']
    assert [c.id for c in _column(db, carl, first).items] == [mine]
    assert [c.id for c in _column(db, team.anna, first).items] == [mine, theirs]
    with db.read() as session, pytest.raises(NotFound):
        deal_board.get_deal(session, actor=carl, deal_id=theirs)
    with pytest.raises(NotFound):
        _move(db, carl, theirs, stages(db, 'deals')['Подготовка договора'])


def test_columns_have_exact_counts_and_sums_through_the_filter(db, team):
    board = stages(db, 'deals')
    first, second, third = (
        _book(db, team.anna, '+79120000001', name='Первый', amount=1_000_000),
        _book(db, team.anna, '+79120000002', name='Второй', unit_id=team.unit_ids[0], project_id=team.project_id),
        _book(db, team.boris, '+79120000003', name='Третий', amount=2_500_000),
    )
    _move(db, team.anna, first, board['Подготовка договора'])
    column = _column(db, team.head, board['Бронь поставлена'])
    assert (column.total, column.amount) == (2, 10_000_000)
    assert [c.id for c in column.items] == [third, second]
    assert column.items[1].label == 'СП кв. 45'
    with db.read() as session:
        totals = deal_board.deal_totals(session, actor=team.head)
        assert totals[board['Подготовка договора'].id] == (1, 1_000_000)
        assert deal_board.deal_totals(session, actor=team.head, flt=DealFilter(own_only=True)) == {}
        assert deal_board.deal_totals(session, actor=team.anna, flt=DealFilter(own_only=True)) == {
            board['Бронь поставлена'].id: (1, 7_500_000),
            board['Подготовка договора'].id: (1, 1_000_000),
        }
    assert _column(db, team.head, board['Бронь поставлена'], DealFilter(amount_min=3_000_000)).total == 1
    assert _column(db, team.head, board['Бронь поставлена'], DealFilter(search='трет')).items[0].id == third
    assert _column(db, team.head, board['Бронь поставлена'], DealFilter(search='0000003')).items[0].id == third
    assert _column(db, team.head, board['Бронь поставлена'], DealFilter(project_ids=[team.project_id])).total == 1
    assert _column(db, team.head, board['Бронь поставлена'], DealFilter(responsible_ids=[team.boris.id])).total == 1
    with db.read() as session:
        created = session.get(Deal, third).created_at
    day = created.date()
    assert _column(db, team.head, board['Бронь поставлена'], DealFilter(created_to=day - timedelta(days=2))).total == 0


def test_the_deals_search_finds_a_number_typed_from_its_start_as_the_clients_search_does(db, team):
    first = stages(db, 'deals')['Бронь поставлена']
    fyodor = _book(db, team.anna, '+79343451234', name='Фёдор Афанасьев')
    _book(db, team.anna, '+74959343450', name='Другой')
    middle = _book(db, team.anna, '+74958934000', name='Середина')

    def found(text: str) -> set[int]:
        return {c.id for c in _column(db, team.head, first, DealFilter(search=text)).items}

    for text in ('8 934 345', '+7 934 345', '+7 (934) 345-12', '8(934)345-1234', '89343451234'):
        assert found(text) == {fyodor}, text
    assert found('3451') == {fyodor}
    assert found('8934') == {fyodor, middle}  # a leading 8 is the trunk prefix or a digit from the middle
    assert found('фёдор') == {fyodor}


def test_a_cards_shows_the_clients_nearest_open_task(db, team):
    from app.domain.clients import tasks
    from app.domain.models import utcnow

    deal_id = _book(db, team.anna, '+79120000001')
    with db.read() as session:
        client_id = session.get(Deal, deal_id).client_id
    with db.write() as session:
        tasks.add_task(
            session, actor=team.anna, client_id=client_id, title='Позже', due_at=utcnow() + timedelta(days=3)
        )
        tasks.add_task(
            session, actor=team.anna, client_id=client_id, title='Скоро', due_at=utcnow() + timedelta(days=1)
        )
    [card] = _column(db, team.anna, stages(db, 'deals')['Бронь поставлена']).items
    assert card.task.title == 'Скоро'
    assert card.client_name == 'Петров Пётр'


def test_the_deal_filter_is_remembered_per_user(db, team):
    flt = DealFilter(own_only=True, amount_min=100, search='Пётр')
    with db.write() as session:
        deal_board.save_deal_filter(session, actor=team.anna, flt=flt)
    with db.read() as session:
        assert deal_board.load_deal_filter(session, actor=team.anna) == flt
        assert deal_board.load_deal_filter(session, actor=team.boris) == DealFilter()


def test_a_clients_deals_go_with_it_when_it_is_reassigned(db, team):
    one = _book(db, team.anna, '+79120000001')
    two = _book(db, team.anna, '+79120000002', name='Сидоров')
    head = team.head
    with db.read() as session:
        client_one, client_two = session.get(Deal, one).client_id, session.get(Deal, two).client_id
    with db.write() as session:
        clients.assign_client(session, actor=head, client_id=client_one, responsible_id=team.boris.id)
        bulk.bulk_assign(
            session, actor=head, selection=Selection(client_ids=[client_two]), responsible_id=team.boris.id
        )
    with db.read() as session:
        assert {session.get(Deal, one).responsible_id, session.get(Deal, two).responsible_id} == {team.boris.id}
