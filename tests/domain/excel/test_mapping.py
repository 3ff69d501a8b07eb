"""The suggested column mapping (issue 15): other CRMs' export headers, our own in both languages, the words of a
header, and what the values look like; and the mapping as JSON, checked against the file."""

from types import SimpleNamespace

import pytest

from app.domain.errors import InvalidInput
from app.domain.excel.importing import TEMPLATE_COLUMNS, _template_header
from app.domain.excel.mapping import ColumnMapping, ValueChoice, suggest_mapping

AMO_DEALS = [
    'ID',
    'Название сделки',
    'Бюджет',
    'Ответственный',
    'Дата создания',
    'Кем создана',
    'Теги сделки',
    'Примечание',
    'Этап сделки',
    'Воронка',
    'Полное имя (контакт)',
    'Компания (контакт)',
    'Рабочий телефон (контакт)',
    'Мобильный телефон (контакт)',
    'Рабочий email (контакт)',
    'Личный email (контакт)',
    'Теги контакта',
    'Компания',
    'Рабочий телефон (компания)',
    'utm_source',
    'Источник',
]
BITRIX_CONTACTS = [
    'ID',
    'Обращение',
    'Имя',
    'Отчество',
    'Фамилия',
    'Дата рождения',
    'Должность',
    'Компания',
    'Рабочий телефон',
    'Мобильный телефон',
    'Телефон для рассылок',
    'Рабочий e-mail',
    'Частный e-mail',
    'Комментарий',
    'Тип контакта',
    'Источник',
    'Ответственный',
    'Дата создания',
    'Дата изменения',
    'Кем создан',
]


def fields_of(headers, samples=(), custom=()):
    return dict(zip(headers, suggest_mapping(headers, [list(s) for s in samples], custom).fields, strict=True))


def test_an_amocrm_deals_export_maps_the_contacts_columns_and_skips_the_companys():
    got = fields_of(AMO_DEALS)
    assert got == {
        'ID': 'skip',
        'Название сделки': 'skip',
        'Бюджет': 'deal_amount',
        'Ответственный': 'responsible',
        'Дата создания': 'created_at',
        'Кем создана': 'skip',
        'Теги сделки': 'tags',
        'Примечание': 'note',
        'Этап сделки': 'stage',
        'Воронка': 'skip',
        'Полное имя (контакт)': 'name',
        'Компания (контакт)': 'skip',
        'Рабочий телефон (контакт)': 'phone',
        'Мобильный телефон (контакт)': 'phone',
        'Рабочий email (контакт)': 'email',
        'Личный email (контакт)': 'skip',  # one email per client: the first email column
        'Теги контакта': 'tags',
        'Компания': 'skip',
        'Рабочий телефон (компания)': 'skip',
        'utm_source': 'utm_source',
        'Источник': 'channel',
    }


def test_amocrms_split_name_and_kommos_english_headers():
    assert fields_of(['Имя (контакт)', 'Фамилия (контакт)', 'Мобильный телефон (контакт)']) == {
        'Имя (контакт)': 'first_name',
        'Фамилия (контакт)': 'last_name',
        'Мобильный телефон (контакт)': 'phone',
    }
    assert fields_of(
        ['Full name (contact)', 'Work phone (contact)', 'Work email (contact)', 'Lead tags', 'Stage', 'Sale']
    ) == {
        'Full name (contact)': 'name',
        'Work phone (contact)': 'phone',
        'Work email (contact)': 'email',
        'Lead tags': 'tags',
        'Stage': 'stage',
        'Sale': 'deal_amount',
    }


def test_a_bitrix24_contacts_export_has_its_name_in_three_columns_and_several_phones():
    got = fields_of(BITRIX_CONTACTS)
    assert [h for h, f in got.items() if f == 'phone'] == [
        'Рабочий телефон',
        'Мобильный телефон',
        'Телефон для рассылок',
    ]
    assert (got['Фамилия'], got['Имя'], got['Отчество']) == ('last_name', 'first_name', 'middle_name')
    assert (got['Рабочий e-mail'], got['Комментарий'], got['Источник']) == ('email', 'note', 'channel')
    assert (got['Ответственный'], got['Дата создания']) == ('responsible', 'created_at')
    assert {h for h, f in got.items() if f == 'skip'} == {
        'ID',
        'Обращение',
        'Дата рождения',
        'Должность',
        'Компания',
        'Частный e-mail',
        'Тип контакта',
        'Дата изменения',
        'Кем создан',
    }


def test_bitrix24_deal_and_lead_columns():
    got = fields_of(['Название сделки', 'Стадия сделки', 'Сумма', 'Валюта', 'Контакт', 'Телефон', 'Статус'])
    assert got == {
        'Название сделки': 'skip',
        'Стадия сделки': 'stage',
        'Сумма': 'deal_amount',
        'Валюта': 'skip',
        'Контакт': 'name',  # a Bitrix24 deal names its contact
        'Телефон': 'phone',
        'Статус': 'skip',  # the stage is already «Стадия сделки»
    }


@pytest.mark.parametrize('locale', ['ru', 'en'])
def test_our_own_template_reads_back_in_both_languages(locale):
    headers = [_template_header(key, locale) for key in TEMPLATE_COLUMNS]
    fields = suggest_mapping(headers, []).fields
    as_loaded = {'phone2': 'phone', 'note2': 'note'}
    assert fields == [as_loaded.get(key, key) for key in TEMPLATE_COLUMNS]


def test_a_plain_name_column_stays_the_name_without_a_surname_column():
    assert fields_of(['Имя', 'Телефон']) == {'Имя': 'name', 'Телефон': 'phone'}


def test_headers_nobody_spelled_exactly_are_read_by_their_words():
    got = fields_of(
        ['Телефон клиента', 'Его e-mail адрес', 'Теги по клиенту', 'Комментарии менеджера', 'utm_referrer', 'Реферер']
    )
    assert list(got.values()) == ['phone', 'email', 'tags', 'note', 'skip', 'referrer']


def test_columns_are_recognised_by_what_their_values_look_like():
    headers = ['Кто', 'Контакты', 'Куда писать', 'Когда', 'Что']
    samples = [
        ['Пётр', "'+7 916 201-11-02", 'p@example.ru', '12.03.2024 10:15:00', '3 комнаты'],
        ['Анна', '8 916 201-11-12, +7 916 201-11-13', 'anna@example.ru', '2024-03-13', 'ипотека'],
        ['Ира', '', '', '', ''],
        ['Олег', '79162011114', 'нет', '14.03.2024', '1500000'],
    ]
    assert list(fields_of(headers, samples).values()) == ['skip', 'phone', 'email', 'created_at', 'skip']


def test_a_custom_fields_name_wins_over_a_header_alias():
    budget = SimpleNamespace(id=7, name='Бюджет')
    assert fields_of(['Телефон', 'бюджет'], custom=[budget]) == {'Телефон': 'phone', 'бюджет': 'custom:7'}


def test_a_mapping_travels_as_json_and_is_checked_against_the_header():
    mapping = ColumnMapping(
        fields=['phone', 'stage', 'custom:3'],
        values={'stage': {'переговоры': ValueChoice('existing', 5), 'марс': ValueChoice('default')}},
        known_phone='fill_empty',
        overwrite=True,
        deals_from_amount=True,
    )
    assert ColumnMapping.from_json(mapping.to_json(), columns=4) == ColumnMapping(
        fields=['phone', 'stage', 'custom:3', 'skip'],
        values=mapping.values,
        known_phone='fill_empty',
        overwrite=True,
        deals_from_amount=True,
    )
    for wrong in (
        {'fields': ['phone'] * 5},
        {'fields': ['телефон']},
        {'fields': ['phone'], 'known_phone': 'merge'},
        {'fields': ['phone'], 'values': {'stage': {'x': {'kind': 'existing'}}}},
        {'fields': ['phone'], 'values': {'email': {}}},
        {'fields': ['phone'], 'values': 'x'},
        {'fields': ['phone'], 'values': [1]},
        'phone',
    ):
        with pytest.raises(InvalidInput) as refused:
            ColumnMapping.from_json(wrong, columns=4)
        assert 'Сопоставление столбцов не подходит к файлу' in refused.value.message('ru')


def test_the_requests_attribution_is_recognised_as_amocrm_bitrix24_and_our_export_spell_it():
    amo = ['Полное имя (контакт)', 'Телефон', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term']
    amo += ['utm_referrer', 'referrer', 'roistat', '_ym_uid']
    assert list(fields_of(amo).values())[2:] == [
        'utm_source',
        'utm_medium',
        'utm_campaign',
        'utm_content',
        'utm_term',
        'skip',  # amoCRM's utm_referrer is not a tag a request keeps
        'referrer',
        'roistat_visit',
        'skip',
    ]
    # Bitrix24's UTM_* fields by their titles, and the same fields by their codes
    bitrix = ['Телефон', 'Рекламная система', 'Тип трафика', 'Обозначение рекламной кампании', 'Содержание кампании']
    assert list(fields_of([*bitrix, 'Условие поиска кампании']).values())[1:] == [
        'utm_source',
        'utm_medium',
        'utm_campaign',
        'utm_content',
        'utm_term',
    ]
    assert list(fields_of(['Телефон', 'UTM Source', 'UTM_MEDIUM', 'Utm-Campaign']).values())[1:] == [
        'utm_source',
        'utm_medium',
        'utm_campaign',
    ]
    ours = ['Телефон', 'landing_url', 'Посадочная страница сайта', 'calltouch_session_id', 'comagic_visitor_id']
    assert list(fields_of(ours).values())[1:] == ['landing_url', 'skip', 'calltouch_session_id', 'comagic_visitor_id']


@pytest.mark.parametrize('locale', ['ru', 'en'])
def test_our_exports_first_request_utm_columns_read_back_as_the_rows_request(locale):
    from app.i18n import translate

    headers = ['Телефон'] + [translate(f'export.field.{which}_utm_source', locale) for which in ('first', 'last')]
    assert fields_of(headers) == {
        headers[0]: 'phone',
        headers[1]: 'utm_source',
        headers[2]: 'skip',  # the latest request's tags are another request's
    }
