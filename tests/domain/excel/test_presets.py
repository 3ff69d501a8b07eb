"""Import presets (issue 15): a mapping saved under a name for the account, found again by its name or by the
same headers, refused to whoever may not import."""

import pytest

from app.domain.account.audit import audit_log, describe
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from app.domain.excel import importing, presets
from app.domain.excel.mapping import SKIP, ColumnMapping, ValueChoice
from tests.domain.excel.test_import import xlsx
from tests.factories import make_user

AMO_HEADERS = ['ID', 'Полное имя (контакт)', 'Рабочий телефон (контакт)', 'Теги сделки', 'Этап сделки']
AMO_FIELDS = [SKIP, 'name', 'phone', 'tags', 'stage']


@pytest.fixture
def team(db):
    return {
        'head': make_user(db, 'olga', role='head', name='Ольга Петрова'),
        'anna': make_user(db, 'anna', name='Анна Смирнова', can_import=True),
        'boris': make_user(db, 'boris', name='Борис Ким', can_import=True),
        'vera': make_user(db, 'vera', name='Вера Без Загрузки', can_import=False),
    }


def _save(db, actor, name='Из amoCRM', headers=AMO_HEADERS, fields=AMO_FIELDS, **options):
    with db.write() as session:
        return presets.save_import_preset(
            session, actor=actor, name=name, headers=headers, mapping=ColumnMapping(list(fields), **options)
        )


def test_a_saved_preset_is_listed_with_its_author_and_found_by_the_same_headers(db, team):
    saved = _save(db, team['anna'], known_phone='fill_empty')

    with db.read() as session:
        listed = presets.list_import_presets(session, actor=team['boris'])
        # the same export again, its headers spelt with other case and spaces
        found = presets.import_preset_for_headers(
            session,
            actor=team['boris'],
            headers=['id', 'Полное  имя (контакт)', 'рабочий телефон (контакт)', 'Теги сделки', 'ЭТАП СДЕЛКИ', ''],
        )
        other = presets.import_preset_for_headers(session, actor=team['boris'], headers=['ФИО', 'Телефон'])

    assert [(p.name, p.created_by, p.may_delete) for p in listed] == [('Из amoCRM', 'Анна Смирнова', False)]
    assert found is not None and found.id == saved.id
    assert found.mapping['fields'] == AMO_FIELDS and found.mapping['known_phone'] == 'fill_empty'
    assert other is None


def test_saving_under_the_same_name_replaces_the_preset(db, team):
    first = _save(db, team['anna'])
    second = _save(db, team['anna'], name='из AMOCRM', fields=AMO_FIELDS[:3])

    with db.read() as session:
        listed = presets.list_import_presets(session, actor=team['anna'])
    assert second.id == first.id
    assert [(p.name, p.mapping['fields']) for p in listed] == [('из AMOCRM', AMO_FIELDS[:3] + [SKIP, SKIP])]


def test_another_managers_preset_is_not_replaced_but_a_head_may(db, team):
    _save(db, team['anna'])
    with db.write() as session, pytest.raises(InvalidInput) as refused:
        presets.save_import_preset(
            session, actor=team['boris'], name='Из amoCRM', headers=AMO_HEADERS, mapping=ColumnMapping([SKIP] * 5)
        )
    assert refused.value.message('ru') == (
        'Шаблон сопоставления «Из amoCRM» принадлежит пользователю Анна Смирнова: выберите другое название'
    )
    replaced = _save(db, team['head'], fields=[SKIP, 'name', 'phone', SKIP, SKIP])
    assert replaced.mapping['fields'][3] == SKIP


def test_a_preset_is_deleted_by_its_author_or_a_head_not_by_another_manager(db, team):
    mine = _save(db, team['anna'], name='Анин')
    other = _save(db, team['anna'], name='Второй')

    with db.write() as session, pytest.raises(PermissionDenied):
        presets.delete_import_preset(session, actor=team['boris'], preset_id=mine.id)
    with db.write() as session:
        presets.delete_import_preset(session, actor=team['anna'], preset_id=mine.id)
        presets.delete_import_preset(session, actor=team['head'], preset_id=other.id)
    with db.write() as session, pytest.raises(NotFound):
        presets.delete_import_preset(session, actor=team['head'], preset_id=mine.id)
    with db.read() as session:
        assert presets.list_import_presets(session, actor=team['anna']) == []


def test_saving_and_deleting_is_written_to_the_audit_log(db, team):
    saved = _save(db, team['anna'])
    with db.write() as session:
        presets.delete_import_preset(session, actor=team['anna'], preset_id=saved.id)
    admin = make_user(db, 'admin', role='admin')
    with db.read() as session:
        entries = [describe(e, 'ru') for e in audit_log(session, actor=admin)]
    assert entries == ['Удалён шаблон сопоставления «Из amoCRM»', 'Сохранён шаблон сопоставления «Из amoCRM» (4 поля)']


def test_a_user_without_the_import_permission_may_not_touch_presets(db, team):
    saved = _save(db, team['anna'])
    vera = team['vera']
    with db.write() as session:
        calls = (
            lambda: presets.list_import_presets(session, actor=vera),
            lambda: presets.save_import_preset(
                session, actor=vera, name='Мой', headers=AMO_HEADERS, mapping=ColumnMapping(AMO_FIELDS)
            ),
            lambda: presets.delete_import_preset(session, actor=vera, preset_id=saved.id),
            lambda: presets.import_preset_for_headers(session, actor=vera, headers=AMO_HEADERS),
            lambda: presets.import_preset_named(session, actor=vera, name='Из amoCRM'),
        )
        for call in calls:
            with pytest.raises(PermissionDenied):
                call()


def test_a_preset_name_is_required_and_bounded_and_its_mapping_must_fit_its_headers(db, team):
    for name, message in (('  ', 'Укажите название'), ('я' * 101, 'Название длиннее 100 символов')):
        with db.write() as session, pytest.raises(InvalidInput) as refused:
            presets.save_import_preset(
                session, actor=team['anna'], name=name, headers=AMO_HEADERS, mapping=ColumnMapping(AMO_FIELDS)
            )
        assert refused.value.message('ru') == message
    with db.write() as session, pytest.raises(InvalidInput) as refused:
        presets.save_import_preset(
            session, actor=team['anna'], name='Узкий', headers=AMO_HEADERS[:2], mapping=ColumnMapping(AMO_FIELDS)
        )
    assert refused.value.message('ru') == 'Сопоставление столбцов не подходит к файлу: fields: 5 > 2'


def test_a_preset_by_an_unknown_name_is_not_found_and_the_names_there_are_are_listed(db, team):
    _save(db, team['anna'])
    _save(db, team['anna'], name='Битрикс')
    with db.read() as session:
        assert presets.import_preset_named(session, actor=team['boris'], name='из AMOCRM').name == 'Из amoCRM'
        with pytest.raises(NotFound) as missing:
            presets.import_preset_named(session, actor=team['boris'], name='Из Мегаплана')
    assert missing.value.message('ru') == 'Нет шаблона сопоставления «Из Мегаплана». Есть: «Битрикс», «Из amoCRM»'


def test_a_preset_applied_to_moved_and_new_columns_maps_each_column_by_its_header(db, team):
    saved = _save(db, team['anna'], values={'stage': {'квалификация': ValueChoice('default')}}, deals_from_amount=True)
    # the export grew a column at the front and swapped two
    headers = ['Бюджет', 'ID', 'Рабочий телефон (контакт)', 'Полное имя (контакт)', 'Этап сделки', 'Теги сделки']

    mapping = presets.preset_mapping(saved, headers)

    assert mapping.fields == [SKIP, SKIP, 'phone', 'name', 'stage', 'tags']
    assert mapping.values == {'stage': {'квалификация': ValueChoice('default')}}
    assert mapping.deals_from_amount is True
    with pytest.raises(InvalidInput) as refused:
        presets.preset_mapping(saved, ['ФИО', 'Телефон'])
    assert refused.value.message('ru') == (
        'Шаблон сопоставления «Из amoCRM» сделан для другого файла: ни одного его столбца в этом файле нет'
    )


def test_a_mapping_sent_as_json_is_checked(db):
    assert presets.parse_mapping_json('{"fields": ["name", "phone"]}', columns=3).fields == ['name', 'phone', SKIP]
    for text, detail in (('{', 'JSON'), ('[]', 'fields'), ('{"fields": ["luna"]}', 'luna')):
        with pytest.raises(InvalidInput) as refused:
            presets.parse_mapping_json(text, columns=3)
        assert refused.value.params['detail'] == detail


def _layout(db, actor, headers=AMO_HEADERS):
    data = xlsx([headers, ['7', 'Орлов Пётр', '+7 916 201-11-02', 'ипотека', 'Первичный контакт']])
    with db.read() as session:
        return data, importing.inspect_import_file(session, actor=actor, data=data)


def test_the_mapping_used_is_the_callers_json_then_the_named_preset_then_the_headers_preset_then_the_suggestion(
    db, team
):
    anna = team['anna']
    data, layout = _layout(db, anna)
    with db.read() as session:
        suggested = presets.resolve_import_mapping(session, actor=anna, layout=layout)
    assert suggested == (layout.mapping, None)

    _save(db, anna, name='По заголовкам', fields=[SKIP, 'name', 'phone', SKIP, SKIP])
    _save(db, anna, name='Другой', headers=['ID', 'Рабочий телефон (контакт)'], fields=[SKIP, 'phone'])
    with db.read() as session:
        by_headers = presets.resolve_import_mapping(session, actor=anna, layout=layout)
        named = presets.resolve_import_mapping(session, actor=anna, layout=layout, preset_name='другой')
        given = presets.resolve_import_mapping(
            session,
            actor=anna,
            layout=layout,
            mapping_json='{"fields": ["skip", "skip", "phone"]}',
            preset_name='Другой',
        )
        file = importing.read_import_file(session, data, mapping=by_headers[0], preset=by_headers[1])

    assert (by_headers[0].fields, by_headers[1]) == ([SKIP, 'name', 'phone', SKIP, SKIP], 'По заголовкам')
    assert (named[0].fields, named[1]) == ([SKIP, SKIP, 'phone', SKIP, SKIP], 'Другой')
    assert (given[0].fields, given[1]) == ([SKIP, SKIP, 'phone', SKIP, SKIP], None)
    assert [row.values.get('name') for row in file.rows] == ['Орлов Пётр']


def test_resolving_a_mapping_needs_the_import_permission(db, team):
    _, layout = _layout(db, team['anna'])
    with db.read() as session, pytest.raises(PermissionDenied):
        presets.resolve_import_mapping(session, actor=team['vera'], layout=layout)
