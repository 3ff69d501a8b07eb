"""The search box: any part of a name in any letter case, or any 4+ consecutive digits of a phone."""

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
