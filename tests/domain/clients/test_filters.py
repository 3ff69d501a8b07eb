"""SPEC §3 «Фильтр»: every filter on its edges, empty choices meaning no condition, filters combined,
the Mine/All scope, visibility that no filter widens, and the filter remembered per user."""

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.domain.clients import clients, feed, filters, tasks
from app.domain.clients.filters import ClientFilter
from app.domain.deals import deals
from app.domain.models import Agency, Client, Deal, Project, Stage, Tag, User, utcnow
from app.domain.permissions import Actor
from tests.factories import make_client, make_user, stages

MOMENT = datetime(2024, 5, 10, 10, 30, 45, tzinfo=UTC)


@pytest.fixture
def team(db):
    """Two managers with the default switches and a head of sales."""
    anna = make_user(db, 'anna', name='Анна Смирнова')
    boris = make_user(db, 'boris', name='Борис Орлов')
    head = make_user(db, 'olga', role='head', name='Ольга Петрова')
    return dataclasses.make_dataclass('Team', ['anna', 'boris', 'head'])(anna, boris, head)


_phones = iter(range(1, 10_000))


def _client(db, actor: Actor, name: str = 'Иванов Иван', phone: str | None = None, **fields) -> int:
    return make_client(db, actor, name=name, phone=phone or f'+7912{next(_phones):07d}', **fields).id


def _set(db, client_id: int, **values) -> None:
    """Put a client row into a state the services would only reach over time (dates, stages)."""
    with db.write() as session:
        session.execute(update(Client).where(Client.id == client_id).values(**values))


def _add(db, *rows) -> list[int]:
    with db.write() as session:
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def _deal(db, client_id: int, amount: float) -> None:
    with db.write() as session:
        client = session.get(Client, client_id)
        deal_stage = session.exec(select(Stage).where(Stage.board == 'deals').order_by(Stage.position)).first()
        session.add(
            Deal(client_id=client_id, amount=amount, stage_id=deal_stage.id, responsible_id=client.responsible_id)
        )


def _found(db, actor: Actor, **values) -> set[int]:
    """The ids of one page holding every match; the exact total must agree with it."""
    with db.read() as session:
        page = clients.list_clients(session, actor=actor, flt=ClientFilter(**values), limit=500)
    assert page.total == len(page.items)
    return {card.id for card in page.items}


# created-at interval, to the minute


def test_created_at_bounds_include_the_whole_boundary_minute(db, team):
    inside = _client(db, team.anna)
    _set(db, inside, created_at=MOMENT)
    minute = MOMENT.replace(second=0)

    assert _found(db, team.anna, created_to=minute) == {inside}
    assert _found(db, team.anna, created_from=minute) == {inside}
    assert _found(db, team.anna, created_from=minute, created_to=minute) == {inside}
    assert _found(db, team.anna, created_to=minute - timedelta(minutes=1)) == set()
    assert _found(db, team.anna, created_from=minute + timedelta(minutes=1)) == set()


def test_created_at_bounds_ignore_the_seconds_they_were_given_with(db, team):
    inside = _client(db, team.anna)
    _set(db, inside, created_at=MOMENT)

    assert _found(db, team.anna, created_from=MOMENT.replace(second=59)) == {inside}
    assert _found(db, team.anna, created_to=MOMENT.replace(second=1)) == {inside}


def test_created_at_bounds_in_another_time_zone_mean_the_same_moment(db, team):
    inside = _client(db, team.anna)
    _set(db, inside, created_at=MOMENT)
    moscow = timezone(timedelta(hours=3))

    assert _found(db, team.anna, created_to=datetime(2024, 5, 10, 13, 30, tzinfo=moscow)) == {inside}
    assert _found(db, team.anna, created_to=datetime(2024, 5, 10, 13, 29, tzinfo=moscow)) == set()
    assert _found(db, team.anna, created_from=datetime(2024, 5, 10, 13, 31, tzinfo=moscow)) == set()
    # naive bounds are UTC
    assert _found(db, team.anna, created_from=datetime(2024, 5, 10, 10, 30)) == {inside}


def test_created_at_interval_keeps_clients_on_both_edges_and_drops_those_just_outside(db, team):
    ids = {}
    for label, moment in {
        'before': datetime(2024, 5, 1, 8, 59, 59, tzinfo=UTC),
        'first': datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC),
        'last': datetime(2024, 5, 31, 18, 0, 59, 999000, tzinfo=UTC),
        'after': datetime(2024, 5, 31, 18, 1, 0, tzinfo=UTC),
    }.items():
        ids[label] = _client(db, team.anna)
        _set(db, ids[label], created_at=moment)

    found = _found(db, team.anna, created_from=datetime(2024, 5, 1, 9, 0), created_to=datetime(2024, 5, 31, 18, 0))
    assert found == {ids['first'], ids['last']}


# source, projects, stages, creator, responsible


def test_source_separates_own_clients_from_agency_clients(db, team):
    [agency] = _add(db, Agency(name='Этажи'))
    own = _client(db, team.anna)
    via_agency = _client(db, team.anna, agency_id=agency)

    assert _found(db, team.anna, source='own') == {own}
    assert _found(db, team.anna, source='agency') == {via_agency}
    assert _found(db, team.anna, source='any') == {own, via_agency}


def test_projects_match_any_of_the_chosen_projects(db, team):
    north, south = _add(db, Project(name='Северный', abbreviation='СЕВ'), Project(name='Южный', abbreviation='ЮГ'))
    in_north = _client(db, team.anna, project_id=north)
    in_south = _client(db, team.anna, project_id=south)
    without = _client(db, team.anna)

    assert _found(db, team.anna, project_ids=[north]) == {in_north}
    assert _found(db, team.anna, project_ids=[north, south]) == {in_north, in_south}
    assert _found(db, team.anna, project_ids=[]) == {in_north, in_south, without}


def test_stages_default_to_the_working_stages_only(db, team):
    board = stages(db)
    by_stage = {}
    for name, stage in board.items():
        by_stage[name] = _client(db, team.anna)
        _set(db, by_stage[name], stage_id=stage.id)
    working = {by_stage[name] for name, stage in board.items() if not stage.is_closing}
    assert len(working) == 3

    assert _found(db, team.anna) == working
    assert _found(db, team.anna, stage_ids=[board['Бронь не поставлена'].id]) == {by_stage['Бронь не поставлена']}
    assert _found(db, team.anna, stage_ids=[board['Не разобрано'].id, board['Не лид (корзина)'].id]) == {
        by_stage['Не разобрано'],
        by_stage['Не лид (корзина)'],
    }
    assert _found(db, team.anna, all_stages=True) == set(by_stage.values())
    # a chosen stage wins over all_stages
    assert _found(db, team.anna, stage_ids=[board['Вывод на бронь'].id], all_stages=True) == {
        by_stage['Вывод на бронь']
    }


def test_creator_is_who_made_the_client_not_who_holds_it(db, team):
    made_by_head = _client(db, team.head, responsible_id=team.anna.id)
    made_by_anna = _client(db, team.anna)

    assert _found(db, team.head, creator_ids=[team.head.id]) == {made_by_head}
    assert _found(db, team.head, creator_ids=[team.anna.id]) == {made_by_anna}
    assert _found(db, team.head, creator_ids=[team.anna.id, team.head.id]) == {made_by_head, made_by_anna}
    assert _found(db, team.head, creator_ids=[team.boris.id]) == set()


def test_responsible_matches_any_of_the_chosen_users(db, team):
    annas = _client(db, team.anna)
    boriss = _client(db, team.boris)
    heads = _client(db, team.head)

    assert _found(db, team.head, responsible_ids=[team.anna.id]) == {annas}
    assert _found(db, team.head, responsible_ids=[team.anna.id, team.boris.id]) == {annas, boriss}
    assert _found(db, team.head, responsible_ids=[]) == {annas, boriss, heads}


# deals: count and sum


@pytest.fixture
def with_deals(db, team):
    """Clients with no deal, one deal of 5 mln and two deals of 3 + 4 mln."""
    none, one, two = _client(db, team.anna), _client(db, team.anna), _client(db, team.anna)
    _deal(db, one, 5_000_000)
    _deal(db, two, 3_000_000)
    _deal(db, two, 4_000_000)
    return none, one, two


def test_deals_count_range_is_inclusive_and_counts_no_deals_as_zero(db, team, with_deals):
    none, one, two = with_deals

    assert _found(db, team.anna, deals_count_min=0, deals_count_max=0) == {none}
    assert _found(db, team.anna, deals_count_max=0) == {none}
    assert _found(db, team.anna, deals_count_min=1) == {one, two}
    assert _found(db, team.anna, deals_count_max=1) == {none, one}
    assert _found(db, team.anna, deals_count_min=1, deals_count_max=1) == {one}
    assert _found(db, team.anna, deals_count_min=2, deals_count_max=2) == {two}
    assert _found(db, team.anna, deals_count_min=3) == set()
    assert _found(db, team.anna, deals_count_min=0) == {none, one, two}


def test_deals_sum_range_is_inclusive_over_the_sum_of_all_deals(db, team, with_deals):
    none, one, two = with_deals

    assert _found(db, team.anna, deals_sum_min=5_000_000) == {one, two}
    assert _found(db, team.anna, deals_sum_max=5_000_000) == {none, one}
    assert _found(db, team.anna, deals_sum_min=5_000_000, deals_sum_max=5_000_000) == {one}
    assert _found(db, team.anna, deals_sum_min=6_000_000) == {two}  # 3 + 4, though neither deal alone
    assert _found(db, team.anna, deals_sum_max=0) == {none}
    assert _found(db, team.anna, deals_sum_min=7_000_001) == set()


def test_deal_count_and_sum_combine(db, team, with_deals):
    _none, one, _two = with_deals
    assert _found(db, team.anna, deals_count_min=1, deals_sum_max=6_000_000) == {one}


def test_booked_client_is_found_by_its_deal_among_closed_stages(db, team):
    booked = _client(db, team.anna)
    _client(db, team.anna)
    with db.write() as session:
        deals.book_client(session, actor=team.anna, client_id=booked, project_id=None, unit='кв. 12', amount=4_200_000)

    assert _found(db, team.anna, deals_count_min=1) == set()  # booked means closed: not a working stage
    assert _found(db, team.anna, deals_count_min=1, all_stages=True) == {booked}
    assert _found(db, team.anna, deals_sum_min=4_200_000, deals_sum_max=4_200_000, all_stages=True) == {booked}


# tasks: none / overdue / open


def test_tasks_filter_tells_no_tasks_from_open_and_overdue_ones(db, team):
    no_tasks = _client(db, team.anna)
    only_done = _client(db, team.anna)
    upcoming = _client(db, team.anna)
    overdue = _client(db, team.anna)
    now = utcnow()
    with db.write() as session:
        done = tasks.add_task(session, actor=team.anna, client_id=only_done, title='Звонок', due_at=now - timedelta(1))
        tasks.complete_task(session, actor=team.anna, client_id=only_done, task_id=done.id)
        tasks.add_task(session, actor=team.anna, client_id=upcoming, title='Встреча', due_at=now + timedelta(hours=2))
        tasks.add_task(session, actor=team.anna, client_id=overdue, title='Звонок', due_at=now - timedelta(minutes=5))
        tasks.add_task(session, actor=team.anna, client_id=overdue, title='Показ', due_at=now + timedelta(days=3))

    assert _found(db, team.anna, tasks='none') == {no_tasks, only_done}
    assert _found(db, team.anna, tasks='open') == {upcoming, overdue}
    assert _found(db, team.anna, tasks='overdue') == {overdue}
    assert _found(db, team.anna, tasks='any') == {no_tasks, only_done, upcoming, overdue}


def test_completing_tasks_moves_the_client_from_overdue_to_open_to_none(db, team):
    client = _client(db, team.anna)
    now = utcnow()
    with db.write() as session:
        late = tasks.add_task(
            session, actor=team.anna, client_id=client, title='Звонок', due_at=now - timedelta(hours=1)
        )
        later = tasks.add_task(
            session, actor=team.anna, client_id=client, title='Показ', due_at=now + timedelta(days=1)
        )
    assert _found(db, team.anna, tasks='overdue') == {client}

    with db.write() as session:
        tasks.complete_task(session, actor=team.anna, client_id=client, task_id=late.id)
    assert _found(db, team.anna, tasks='overdue') == set()
    assert _found(db, team.anna, tasks='open') == {client}

    with db.write() as session:
        tasks.complete_task(session, actor=team.anna, client_id=client, task_id=later.id)
    assert _found(db, team.anna, tasks='open') == set()
    assert _found(db, team.anna, tasks='none') == {client}


def test_an_open_task_assigned_to_a_colleague_still_counts_for_the_client(db, team):
    client = _client(db, team.anna)
    with db.write() as session:
        tasks.add_task(
            session,
            actor=team.head,  # a manager sets tasks for himself only
            client_id=client,
            title='Показ',
            due_at=utcnow() - timedelta(hours=1),
            assignee_id=team.boris.id,
        )
    assert _found(db, team.anna, tasks='overdue') == {client}
    assert _found(db, team.anna, tasks='none') == set()


# tags


def test_tags_match_any_of_the_chosen_tags_once_per_client(db, team):
    hot, vip = _add(db, Tag(name='Горячий'), Tag(name='VIP'))
    only_hot = _client(db, team.anna, tag_ids=[hot])
    only_vip = _client(db, team.anna, tag_ids=[vip])
    both = _client(db, team.anna, tag_ids=[hot, vip])
    untagged = _client(db, team.anna)

    assert _found(db, team.anna, tag_ids=[hot]) == {only_hot, both}
    assert _found(db, team.anna, tag_ids=[hot, vip]) == {only_hot, only_vip, both}  # total checks: no duplicates
    assert _found(db, team.anna, tag_ids=[]) == {only_hot, only_vip, both, untagged}


# last-comment interval


def test_last_comment_bounds_include_the_whole_boundary_minute(db, team):
    commented = _client(db, team.anna)
    silent = _client(db, team.anna)
    _set(db, commented, last_comment_at=MOMENT)
    minute = MOMENT.replace(second=0)

    assert _found(db, team.anna, last_comment_from=minute) == {commented}
    assert _found(db, team.anna, last_comment_to=minute) == {commented}
    assert _found(db, team.anna, last_comment_to=minute - timedelta(minutes=1)) == set()
    assert _found(db, team.anna, last_comment_from=minute + timedelta(minutes=1)) == set()
    assert _found(db, team.anna) == {commented, silent}  # no bound: clients without comments count too


def test_a_new_comment_moves_the_client_into_the_last_comment_interval(db, team):
    client = _client(db, team.anna)
    since = utcnow() - timedelta(minutes=1)
    assert _found(db, team.anna, last_comment_from=since) == set()

    with db.write() as session:
        feed.add_comment(session, actor=team.boris, client_id=client, text='Перезвонить после 18:00')

    assert _found(db, team.anna, last_comment_from=since) == {client}
    assert _found(db, team.anna, last_comment_to=since - timedelta(days=1)) == set()


# search


def test_search_finds_any_part_of_a_cyrillic_name_in_any_case(db, team):
    ivanova = _client(db, team.anna, name='Иванова Мария Петровна')
    _client(db, team.anna, name='Петров Семён')
    for text in ('иванова', 'ИВАНОВА', 'иВаНоВа', 'мария', 'ова мар', ' Петровна '):
        assert _found(db, team.anna, search=text) == {ivanova}, text
    assert _found(db, team.anna, search='семён') == _found(db, team.anna, search='СЕМЁН') != set()


def test_search_finds_four_or_more_consecutive_digits_of_any_phone(db, team):
    client = _client(db, team.anna, phone='+79123456789')
    with db.write() as session:
        clients.update_client(
            session, actor=team.anna, client_id=client, changes={'phones': ['+79123456789', '+74951112233']}
        )
    _client(db, team.anna, phone='+79990000000')

    for text in ('6789', '3456', '912-345', '1112233', '8 (495) 111-22-33'):
        assert _found(db, team.anna, search=text) == {client}, text
    assert _found(db, team.anna, search='678') == set()  # three digits are not a phone search
    assert _found(db, team.anna, search='6780') == set()


def test_search_looks_only_in_working_stages_unless_asked_for_all(db, team):
    closed = _client(db, team.anna, name='Закрытов Денис')
    _set(db, closed, stage_id=stages(db)['Не лид (корзина)'].id)

    assert _found(db, team.anna, search='закрытов') == set()
    assert _found(db, team.anna, search='закрытов', all_stages=True) == {closed}


# empty choices, combinations, scope, visibility


def test_empty_lists_and_blank_search_mean_no_condition(db, team):
    everyone = {_client(db, team.anna), _client(db, team.boris), _client(db, team.head)}
    empty = ClientFilter(project_ids=[], stage_ids=[], creator_ids=[], responsible_ids=[], tag_ids=[], search='   ')

    assert empty.is_default()
    assert _found(db, team.head, **empty.model_dump()) == everyone
    assert _found(db, team.head) == everyone


def test_is_default_ignores_search_scope_and_all_stages_but_not_real_filters(team):
    assert ClientFilter(search='иван', own_only=True, all_stages=True).is_default()
    assert not ClientFilter(tasks='overdue').is_default()
    assert not ClientFilter(project_ids=[1]).is_default()
    assert not ClientFilter(created_from=MOMENT).is_default()


def test_filters_combine_so_every_condition_must_hold(db, team):
    [project] = _add(db, Project(name='Северный', abbreviation='СЕВ'))
    [hot] = _add(db, Tag(name='Горячий'))
    match = _client(db, team.head, name='Сидоров Олег', responsible_id=team.anna.id, project_id=project, tag_ids=[hot])
    wrong_project = _client(db, team.head, name='Сидоров Павел', responsible_id=team.anna.id, tag_ids=[hot])
    wrong_responsible = _client(
        db, team.head, name='Сидоров Иван', responsible_id=team.boris.id, project_id=project, tag_ids=[hot]
    )
    no_tag = _client(db, team.head, name='Сидоров Глеб', responsible_id=team.anna.id, project_id=project)
    other_name = _client(
        db, team.head, name='Кузнецов Ян', responsible_id=team.anna.id, project_id=project, tag_ids=[hot]
    )
    late = _client(db, team.head, name='Сидоров Лев', responsible_id=team.anna.id, project_id=project, tag_ids=[hot])
    for client_id in (match, wrong_project, wrong_responsible, no_tag, other_name):
        _set(db, client_id, created_at=MOMENT)
    _set(db, late, created_at=MOMENT + timedelta(days=2))

    combined = dict(
        responsible_ids=[team.anna.id],
        project_ids=[project],
        tag_ids=[hot],
        search='сидоров',
        created_from=MOMENT - timedelta(days=1),
        created_to=MOMENT + timedelta(days=1),
        source='own',
        tasks='none',
    )
    assert _found(db, team.head, **combined) == {match}
    assert _found(db, team.head, **{**combined, 'source': 'agency'}) == set()
    assert _found(db, team.head, **{**combined, 'tasks': 'open'}) == set()


def test_own_only_shows_the_actors_own_clients_whatever_their_role(db, team):
    annas = _client(db, team.anna)
    boriss = _client(db, team.boris)
    heads = _client(db, team.head)

    assert _found(db, team.anna, own_only=True) == {annas}
    assert _found(db, team.anna) == {annas, boriss, heads}
    assert _found(db, team.head, own_only=True) == {heads}
    assert _found(db, team.head, own_only=True, responsible_ids=[team.anna.id]) == set()


def test_manager_who_may_not_see_others_never_sees_them_whatever_the_filter(db, team):
    private = make_user(db, 'vera', name='Вера Скрытная', can_see_others=False)
    own = _client(db, private, name='Сидоров Вера')
    colleagues = _client(db, team.anna, name='Сидоров Анна', phone='+79123456789')
    _set(db, colleagues, created_at=MOMENT)

    assert _found(db, private) == {own}
    assert _found(db, private, responsible_ids=[team.anna.id]) == set()
    assert _found(db, private, responsible_ids=[team.anna.id, private.id]) == {own}
    assert _found(db, private, creator_ids=[team.anna.id]) == set()
    assert _found(db, private, search='сидоров') == {own}
    assert _found(db, private, search='3456789') == set()
    assert _found(db, private, all_stages=True) == {own}
    assert _found(db, private, created_to=MOMENT) == set()
    with db.read() as session:
        assert clients.count_by_stage(session, actor=private, flt=ClientFilter(responsible_ids=[team.anna.id])) == {}
        assert session.exec(filters.filtered_query(session, private, ClientFilter(all_stages=True))).all()[0].id == own


def test_deactivated_user_finds_nothing_with_any_filter(db, team):
    _client(db, team.anna)
    with db.write() as session:
        session.get(User, team.anna.id).active = False
    anna = dataclasses.replace(team.anna, active=False)
    assert _found(db, anna) == set()
    assert _found(db, anna, own_only=True, all_stages=True) == set()


# the board and the table share the filter


def test_board_columns_and_counts_follow_the_same_filter_as_the_table(db, team):
    [project] = _add(db, Project(name='Северный', abbreviation='СЕВ'))
    board = stages(db)
    meeting = board['Назначение встречи'].id
    first = board['Не разобрано'].id
    in_project = _client(db, team.anna, project_id=project)
    moved = _client(db, team.anna, project_id=project)
    _set(db, moved, stage_id=meeting)
    _client(db, team.anna)
    flt = ClientFilter(project_ids=[project])

    with db.read() as session:
        assert clients.count_by_stage(session, actor=team.head, flt=flt) == {first: 1, meeting: 1}
        column = clients.board_column(session, actor=team.head, stage_id=first, flt=flt)
        assert (column.total, [card.id for card in column.items]) == (1, [in_project])
        # a shortcut narrows the filter further
        assert clients.count_by_stage(session, actor=team.head, flt=flt, responsible_ids=[team.boris.id]) == {}
        page = clients.list_clients(session, actor=team.head, flt=flt, stage_ids=[meeting])
        assert [card.id for card in page.items] == [moved]


def test_table_pages_keep_the_exact_total_of_the_filtered_set(db, team):
    [project] = _add(db, Project(name='Северный', abbreviation='СЕВ'))
    ids = [_client(db, team.anna, project_id=project) for _ in range(7)]
    _client(db, team.anna)
    flt = ClientFilter(project_ids=[project])

    seen = []
    with db.read() as session:
        for offset in (0, 3, 6):
            page = clients.list_clients(session, actor=team.head, flt=flt, limit=3, offset=offset)
            assert page.total == 7
            seen += [card.id for card in page.items]
    assert sorted(seen) == sorted(ids)


# remembered per user


def test_saved_filter_comes_back_for_its_user_only(db, team):
    annas = ClientFilter(
        created_from=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        created_to=datetime(2024, 5, 31, 18, 0, tzinfo=UTC),
        source='agency',
        project_ids=[3, 1],
        stage_ids=[2],
        creator_ids=[team.head.id],
        responsible_ids=[team.anna.id, team.boris.id],
        deals_count_min=0,
        deals_count_max=2,
        deals_sum_min=1_000_000.5,
        deals_sum_max=9_000_000,
        tasks='overdue',
        tag_ids=[5],
        last_comment_from=datetime(2024, 6, 1, 0, 0, tzinfo=UTC),
        last_comment_to=datetime(2024, 6, 2, 23, 59, tzinfo=UTC),
        search='Иванов',
        own_only=True,
        all_stages=True,
    )
    boriss = ClientFilter(tasks='none')
    with db.write() as session:
        filters.save_filter(session, actor=team.anna, flt=annas)
        filters.save_filter(session, actor=team.boris, flt=boriss)

    with db.read() as session:
        assert filters.load_filter(session, actor=team.anna) == annas
        assert filters.load_filter(session, actor=team.boris) == boriss
        assert filters.load_filter(session, actor=team.head) == ClientFilter()


def test_saving_again_replaces_the_remembered_filter(db, team):
    with db.write() as session:
        filters.save_filter(session, actor=team.anna, flt=ClientFilter(tasks='open'))
    with db.write() as session:
        filters.save_filter(session, actor=team.anna, flt=ClientFilter())
    with db.read() as session:
        assert filters.load_filter(session, actor=team.anna) == ClientFilter()


def test_a_filter_saved_by_an_older_version_loads_as_the_default(db, team):
    with db.write() as session:
        filters.save_preference(session, actor=team.anna, key=filters.FILTER_KEY, value={'tasks': 'someday'})
    with db.read() as session:
        assert filters.load_filter(session, actor=team.anna) == ClientFilter()


def test_preferences_are_kept_per_user_and_key(db, team):
    with db.write() as session:
        filters.save_preference(session, actor=team.anna, key='table_columns', value=['name', 'phones'])
        filters.save_preference(session, actor=team.anna, key='scope', value='own')
        filters.save_preference(session, actor=team.boris, key='table_columns', value=['stage'])
    with db.write() as session:
        filters.save_preference(session, actor=team.anna, key='scope', value='all')
    with db.read() as session:
        assert filters.load_preference(session, actor=team.anna, key='table_columns') == ['name', 'phones']
        assert filters.load_preference(session, actor=team.anna, key='scope') == 'all'
        assert filters.load_preference(session, actor=team.boris, key='table_columns') == ['stage']
        assert filters.load_preference(session, actor=team.head, key='table_columns', default=['name']) == ['name']
        assert filters.load_preference(session, actor=team.head, key='scope') is None
