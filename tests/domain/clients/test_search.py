"""The search box: any part of a name in any letter case, or any 4+ consecutive digits of a phone."""

from pathlib import Path

import pytest

from app.domain.clients import clients
from tests.factories import make_client, make_user


@pytest.fixture
def people(db):
    manager = make_user(db, 'anna')
    ivanov = make_client(db, manager, name='Иванов Иван', phone='+79123456789')
    smith = make_client(db, manager, name='John Smith', phone='+79991259999')
    yolkina = make_client(db, manager, name='Ёлкина Алёна', phone='+74951112233')
    return manager, {'ivanov': ivanov.id, 'smith': smith.id, 'yolkina': yolkina.id}


def _found(db, actor, text) -> set[int]:
    with db.read() as session:
        page = clients.list_clients(session, actor=actor, search=text)
    assert page.total == len(page.items)
    return {card.id for card in page.items}


def test_finds_client_by_any_part_of_a_cyrillic_name_in_any_case(db, people):
    manager, ids = people
    for text in ('иван', 'ИВАН', 'Иван', 'ванов', 'ов ив', '  иванов  '):
        assert _found(db, manager, text) == {ids['ivanov']}, text


def test_finds_latin_names_in_any_case(db, people):
    manager, ids = people
    assert _found(db, manager, 'SMITH') == {ids['smith']}


def test_finds_names_with_yo_as_written(db, people):
    manager, ids = people
    assert _found(db, manager, 'ёлкина') == {ids['yolkina']}
    assert _found(db, manager, 'АЛЁНА') == {ids['yolkina']}


def test_finds_client_by_four_or_more_consecutive_phone_digits(db, people):
    manager, ids = people
    for text in ('4567', '3456789', '912 345', '8 912 345-67-89', '+7 912 345 67 89'):
        assert _found(db, manager, text) == {ids['ivanov']}, text


def test_fewer_than_four_digits_do_not_search_phones(db, people):
    manager, _ = people
    for text in ('912', '67', '9'):
        assert _found(db, manager, text) == set(), text


def test_unmatched_search_finds_nothing(db, people):
    manager, _ = people
    assert _found(db, manager, 'Сидоров') == set()
    assert _found(db, manager, '0000000') == set()


def test_search_text_with_like_wildcards_is_taken_literally(db, people):
    manager, _ = people
    assert _found(db, manager, '%') == set()
    assert _found(db, manager, '_') == set()


def test_column_counts_follow_the_search(db, people):
    manager, _ = people
    with db.read() as session:
        counts = clients.count_by_stage(session, actor=manager, search='иван')
    assert sum(counts.values()) == 1


def test_renamed_client_is_found_by_the_new_name(db, people):
    manager, ids = people
    with db.write() as session:
        clients.update_client(session, actor=manager, client_id=ids['smith'], changes={'name': 'Смирнов Джон'})
    assert _found(db, manager, 'смирнов') == {ids['smith']}
    assert _found(db, manager, 'smith') == set()


def test_yo_and_ye_find_each_other_both_ways(db):
    manager = make_user(db, 'anna')
    fyodor = make_client(db, manager, name='Фёдор Афанасьев', phone='+79343451234').id
    semyonov = make_client(db, manager, name='Семенов Петр', phone='+79991112233').id
    for text in ('Федор', 'федор афанасьев', 'ФЁДОР', 'Фёдор'):
        assert _found(db, manager, text) == {fyodor}, text
    assert _found(db, manager, 'Семёнов Пётр') == {semyonov}


def test_a_number_typed_from_its_start_with_the_trunk_8_or_plus_7_finds_it(db):
    manager = make_user(db, 'anna')
    fyodor = make_client(db, manager, name='Фёдор Афанасьев', phone='+79343451234').id
    make_client(db, manager, name='Другой', phone='+74959343450')
    for text in ('8 934 345', '+7 934 345', '+7 (934) 345-12', '8(934)345-1234', '89343451234'):
        assert _found(db, manager, text) == {fyodor}, text
    assert _found(db, manager, '3451') == {fyodor}


def test_a_leading_8_from_the_middle_of_a_number_still_finds_it(db):
    manager = make_user(db, 'anna')
    middle = make_client(db, manager, name='Середина', phone='+74958934000').id
    assert _found(db, manager, '8934') == {middle}


def test_migration_0012_refolds_the_stored_search_names(db):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    import app.domain.db as db_module

    manager = make_user(db, 'anna')
    fyodor = make_client(db, manager, name='Фёдор Афанасьев', phone='+79343451234').id
    config = Config()
    config.set_main_option('script_location', str(Path(db_module.__file__).parent / 'migrations'))
    with db.engine.begin() as connection:
        config.attributes['connection'] = connection
        command.downgrade(config, '0011')
        assert connection.execute(text('SELECT name_folded FROM client')).scalar() == 'фёдор афанасьев'
        command.upgrade(config, 'head')
        assert connection.execute(text('SELECT name_folded FROM client')).scalar() == 'федор афанасьев'
    assert _found(db, manager, 'Федор') == {fyodor}
