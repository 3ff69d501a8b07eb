"""Phone numbers: one normalising function, E.164 out, possible-but-odd numbers in, nonsense refused."""

import pytest

from app.domain.errors import InvalidInput
from app.domain.phones import normalize_phone
from tests.factories import make_client, make_user


def test_common_russian_spellings_become_e164():
    spellings = {
        '8 912 345-67-89': '+79123456789',
        '+7(999) 125-99-99': '+79991259999',
        '79171234578': '+79171234578',
        '9123456789': '+79123456789',
        '8 (912) 345-67-89': '+79123456789',
        '+7-912-345-67-89': '+79123456789',
    }
    assert {raw: normalize_phone(raw).number for raw in spellings} == spellings


def test_possible_but_invalid_number_is_accepted_so_the_lead_is_not_lost():
    assert normalize_phone('+7 000 000 00 00').number == '+70000000000'


def test_impossible_numbers_and_non_numbers_are_refused():
    for raw in ('123', 'abc', '', '   ', '+7 912 34', '8 912 345 67 89 1'):
        with pytest.raises(InvalidInput):
            normalize_phone(raw)


def test_refused_phone_explains_itself_in_russian():
    with pytest.raises(InvalidInput) as impossible:
        normalize_phone('123')
    assert 'Номер «123» не может существовать' in impossible.value.message('ru')

    with pytest.raises(InvalidInput) as not_a_number:
        normalize_phone('abc')
    assert not_a_number.value.message('ru') == '«abc» не похоже на номер телефона'
    assert 'does not look like a phone number' in not_a_number.value.message('en')


def test_extension_is_kept_apart_from_the_number():
    phone = normalize_phone('+7 495 123-45-67 доб. 123')
    assert phone.number == '+74951234567'
    assert phone.extension == '123'


def test_client_card_shows_normalised_phone_with_extension_apart(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager, phone='+7 495 123-45-67 доб. 123')
    assert [(p.number, p.extension) for p in client.phones] == [('+74951234567', '123')]


def test_client_cannot_be_created_without_a_usable_phone(db):
    manager = make_user(db, 'anna')
    with pytest.raises(InvalidInput) as refused:
        make_client(db, manager, phone='abc')
    assert refused.value.message('ru') == '«abc» не похоже на номер телефона'


def test_phone_search_reads_a_number_typed_from_its_start():
    from app.domain.phones import phone_search_fragments

    assert phone_search_fragments('8 934 345') == ['8934345', '+7934345']
    assert phone_search_fragments('+7 (934) 345') == ['+7934345']
    assert phone_search_fragments('3453') == ['3453']
    assert phone_search_fragments('8 912 345-67-89') == ['79123456789']
    assert phone_search_fragments('893') is None
    assert phone_search_fragments('Иван 8934') is None
