"""Moving in from another CRM (issue 15): amoCRM/Kommo and Bitrix24 exports load as they are, read by a column
mapping the user confirms, with value choices, filling known clients, deals from amounts, and the preview's plan
written in a short transaction."""

import csv
import io
from dataclasses import replace
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from app.domain.account import admin_lists
from app.domain.account_time import to_local_naive
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.excel import importing
from app.domain.excel.mapping import ColumnMapping, ValueChoice
from app.domain.models import (
    Channel,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    Deal,
    FeedEntry,
    Request,
    Stage,
    StageChange,
    Tag,
)
from tests.factories import make_client, make_user

AMO_HEADER = [
    'ID',
    'Название сделки',
    'Бюджет',
    'Ответственный',
    'Дата создания',
    'Теги сделки',
    'Примечание',
    'Этап сделки',
    'Воронка',
    'Полное имя (контакт)',
    'Компания (контакт)',
    'Рабочий телефон (контакт)',
    'Мобильный телефон (контакт)',
    'Рабочий email (контакт)',
    'Теги контакта',
    'Рабочий телефон (компания)',
    'utm_source',
]
AMO_ROWS = [
    [
        101,
        'Сделка #101',
        '3 500 000',
        'Ольга Петрова',
        '12.03.2024 10:15:00',
        'Ипотека',
        'Хочет двушку',
        'Назначение встречи',
        'Воронка',
        'Смирнов Алексей',
        'ООО Ромашка',
        "'+7 916 201-11-02",
        '8 916 201-11-12',
        'a.smirnov@example.ru',
        'VIP',
        '+7 495 111-22-33',
        'yandex',
    ],
    [
        102,
        'Сделка #102',
        '0',
        'manager1',
        '13.03.2024 09:00:00',
        'Горячий, Ипотека',
        '',
        'Бронь поставлена',
        'Воронка',
        'Кузнецова Мария',
        '',
        '',
        79031234567,
        '',
        '',
        '',
        '',
    ],
    [
        103,
        'Сделка #103',
        '',
        'Фёдор Ёлкин',
        '14.03.2024 18:30:00',
        '',
        '',
        'Закрыто и не реализовано',
        'Воронка',
        'Попов Игорь',
        '',
        '+7 916 555-00-01, 8 916 555-00-02',
        '',
        'popov@example.ru',
        '',
        '',
        '',
    ],
    [
        104,
        'Сделка #104',
        '',
        'Ольга Петрова',
        '15.03.2024 11:00:00',
        '',
        'Снова звонил',
        'Назначение встречи',
        'Воронка',
        'Смирнов А.',
        '',
        '',
        '+79162011112',
        '',
        '',
        '',
        '',
    ],
]
BITRIX_HEADER = [
    'ID',
    'Обращение',
    'Имя',
    'Отчество',
    'Фамилия',
    'Компания',
    'Рабочий телефон',
    'Мобильный телефон',
    'Рабочий e-mail',
    'Частный e-mail',
    'Комментарий',
    'Источник',
    'Ответственный',
    'Дата создания',
    'Дата изменения',
]
BITRIX_ROWS = [
    [
        '1',
        'г-н',
        'Иван',
        'Петрович',
        'Сидоров',
        'ООО Вектор',
        '',
        '+7 (926) 111-22-33',
        'sidorov@example.ru',
        '',
        'Интересует 3-комн.',
        'Звонок',
        'Ольга Петрова',
        '01.02.2024 12:00:00',
        '02.02.2024 12:00:00',
    ],
    [
        '2',
        'г-жа',
        'Анна',
        '',
        'Лебедева',
        '',
        '8 (495) 222-33-44',
        '',
        '',
        'anna@example.ru',
        '',
        'Реклама в Telegram',
        'Ольга Петрова',
        '03.02.2024 15:30:00',
        '',
    ],
]


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text_table(rows: list[list], *, delimiter: str, encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator='\r\n').writerows([[str(c) for c in r] for r in rows])
    return out.getvalue().encode(encoding)


def amo_xlsx() -> bytes:
    return xlsx([AMO_HEADER, *AMO_ROWS])


def amo_csv() -> bytes:
    """amoCRM's CSV export: UTF-8 with a BOM, comma-separated, the fields quoted where needed."""
    return text_table([AMO_HEADER, *AMO_ROWS], delimiter=',', encoding='utf-8-sig')


def bitrix_csv() -> bytes:
    """Bitrix24's CSV export: Windows-1251, semicolon-separated."""
    return text_table([BITRIX_HEADER, *BITRIX_ROWS], delimiter=';', encoding='cp1251')


@pytest.fixture
def head(db):
    return make_user(db, 'olga', role='head', name='Ольга Петрова')


@pytest.fixture
def team(db, head):
    return {
        'manager1': make_user(db, 'manager1', name='Марина Волкова'),
        'fedor': make_user(db, 'fedor', name='Фёдор Ёлкин'),
    }


def read(db, data, **options):
    with db.read() as session:
        return importing.read_import_file(session, data, **options)


def plan(db, actor, file):
    with db.read() as session:
        return importing.plan_import(session, actor=actor, file=file)


def commit(db, actor, file, plan=None):
    with db.write() as session:
        return importing.commit_import(session, actor=actor, file=file, plan=plan)


def clients_by_phone(db) -> dict[str, Client]:
    with db.read() as session:
        rows = session.exec(select(ClientPhone.number, Client).join(Client, Client.id == ClientPhone.client_id))
        return {number: client for number, client in rows}


def names_of(db, model, ids) -> dict[int, str]:
    with db.read() as session:
        return dict(session.exec(select(model.id, model.name).where(model.id.in_(list(ids)))).all())


@pytest.mark.parametrize('data', [amo_xlsx(), amo_csv()], ids=['xlsx', 'csv'])
def test_an_amocrm_deals_export_loads_names_phones_emails_tags_stages_and_responsibles(db, head, team, data):
    file = read(db, data)
    assert file.format.kind == ('xlsx' if data.startswith(b'PK') else 'csv')
    assert file.unknown_columns == [
        'ID',
        'Название сделки',
        'Воронка',
        'Компания (контакт)',
        'Рабочий телефон (компания)',
    ]

    done = commit(db, head, file)

    assert (done.count('new'), done.count('attach'), done.count('error')) == (3, 1, 0)
    by_phone = clients_by_phone(db)
    assert sorted(by_phone) == [  # the company's switchboard (+74951112233) is nobody's phone
        '+79031234567',
        '+79162011102',
        '+79162011112',
        '+79165550001',
        '+79165550002',
    ]
    smirnov, kuznetsova, popov = by_phone['+79162011102'], by_phone['+79031234567'], by_phone['+79165550001']
    assert by_phone['+79162011112'].id == smirnov.id, 'both phones of a row, apostrophe or not, are one client'
    assert by_phone['+79165550002'].id == popov.id, 'two phones in one cell'
    assert (smirnov.name, kuznetsova.name, popov.name) == ('Смирнов Алексей', 'Кузнецова Мария', 'Попов Игорь')
    assert (smirnov.email, kuznetsova.email, popov.email) == ('a.smirnov@example.ru', '', 'popov@example.ru')
    users = {head.id: 'olga', team['manager1'].id: 'manager1', team['fedor'].id: 'fedor'}
    assert [users[c.responsible_id] for c in (smirnov, kuznetsova, popov)] == ['olga', 'manager1', 'fedor']
    stage_names = names_of(db, Stage, [c.stage_id for c in (smirnov, kuznetsova, popov)])
    assert [stage_names[c.stage_id] for c in (smirnov, kuznetsova, popov)] == [
        'Назначение встречи',
        'Бронь поставлена',
        'Бронь не поставлена',  # amoCRM's fixed «lost» status is our failure stage, with «Другое», flagged
    ]
    assert [p.message('ru') for p in done.rows[2].problems if 'Другое' in p.message('ru')]
    assert to_local_naive(smirnov.created_at) == datetime(2024, 3, 12, 10, 15)
    with db.read() as session:
        tags = session.exec(
            select(ClientTag.client_id, Tag.name).join(Tag, Tag.id == ClientTag.tag_id).order_by(Tag.name)
        ).all()
        requests = session.exec(select(func.count()).where(Request.client_id == smirnov.id)).one()
        notes = session.exec(
            select(FeedEntry.text).where(FeedEntry.client_id == smirnov.id, FeedEntry.kind == 'comment')
        ).all()
        assert session.exec(select(func.count()).select_from(Deal)).one() == 0, 'deals only when asked'
    assert sorted(name for cid, name in tags if cid == smirnov.id) == ['VIP', 'Ипотека']
    assert sorted(name for cid, name in tags if cid == kuznetsova.id) == ['Горячий', 'Ипотека']
    assert requests == 2 and sorted(notes) == ['Снова звонил', 'Хочет двушку']
    with db.read() as session:
        sources = session.exec(select(Request.utm_source).where(Request.client_id == smirnov.id).order_by(Request.id))
        assert list(sources) == ['yandex', ''], "the utm_source of each row is its own request's"


def test_a_bitrix24_csv_in_windows_1251_joins_the_name_parts(db, head):
    file = read(db, bitrix_csv())
    assert (file.format.kind, file.format.encoding, file.format.delimiter) == ('csv', 'cp1251', ';')

    done = commit(db, head, file)

    assert done.count('new') == 2
    by_phone = clients_by_phone(db)
    sidorov, lebedeva = by_phone['+79261112233'], by_phone['+74952223344']
    assert (sidorov.name, lebedeva.name) == ('Сидоров Иван Петрович', 'Лебедева Анна')
    assert (sidorov.email, lebedeva.email) == ('sidorov@example.ru', '')
    channels = names_of(db, Channel, [sidorov.channel_id, lebedeva.channel_id])
    assert (channels[sidorov.channel_id], channels[lebedeva.channel_id]) == ('Звонок', 'Сайт')
    assert 'Канал «Реклама в Telegram» не найден: будет «Сайт»' in [p.message('ru') for p in done.rows[1].problems]


def test_a_bitrix24_csv_read_with_another_encoding_or_delimiter_when_the_user_says_so(db, head):
    layout = inspect(db, head, bitrix_csv(), delimiter=',')
    assert layout.format.delimiter == ','
    assert len(layout.headers) < len(BITRIX_HEADER)
    layout = inspect(db, head, bitrix_csv())
    assert layout.headers == BITRIX_HEADER


def inspect(db, actor, data, **options):
    with db.read() as session:
        return importing.inspect_import_file(session, actor=actor, data=data, **options)


def test_the_mapping_step_sees_the_header_below_a_title_the_first_rows_and_the_suggestion(db, head):
    data = xlsx([['Выгрузка из amoCRM, март'], [], AMO_HEADER, *AMO_ROWS])
    layout = inspect(db, head, data)
    assert (layout.header_row, layout.headers) == (3, AMO_HEADER)
    assert len(layout.samples) == 4 and layout.samples[1][12] == '79031234567'
    assert layout.mapping.fields[AMO_HEADER.index('Полное имя (контакт)')] == 'name'
    assert layout.format.kind == 'xlsx'


def test_a_file_without_a_phone_header_is_shown_to_be_mapped_and_then_read_by_the_users_mapping(db, head):
    data = xlsx([['Кто', 'Номер'], ['Пётр', '12-34'], ['Анна', 'позже']])
    layout = inspect(db, head, data)
    assert (layout.header_row, layout.mapping.fields) == (1, ['skip', 'skip'])
    with pytest.raises(InvalidInput) as refused:
        read(db, data)
    assert 'нет столбца «Телефон»' in refused.value.message('ru')

    file = read(db, data, mapping=ColumnMapping(fields=['name', 'phone']))
    assert [r.values.get('name') for r in file.rows] == ['Пётр', 'Анна']
    with pytest.raises(InvalidInput) as refused:
        read(db, data, mapping=ColumnMapping(fields=['name', 'phone', 'email']))
    assert 'не подходит к файлу' in refused.value.message('ru')


def test_a_phone_column_is_found_by_its_values_whatever_its_header(db, head):
    data = xlsx([['Клиент', 'Контакты'], ['Пётр', '+7 916 201-11-02'], ['Анна', 89162011103]])
    file = read(db, data)
    assert file.mapping.fields == ['name', 'phone']
    assert [[p.number for p in r.phones] for r in file.rows] == [['+79162011102'], ['+79162011103']]


def test_the_mapping_step_and_the_value_lists_need_the_import_permission(db, head):
    anna = make_user(db, 'anna', can_import=False)
    with pytest.raises(PermissionDenied):
        inspect(db, anna, amo_xlsx())
    file = read(db, amo_xlsx())
    with db.read() as session, pytest.raises(PermissionDenied):
        importing.list_import_values(session, actor=anna, file=file)


def test_value_lists_count_each_distinct_value_and_prefill_a_choice(db, head, team):
    file = read(db, amo_xlsx())
    seen = []
    with db.read() as session:
        lists = importing.list_import_values(session, actor=head, file=file, progress=lambda d, t: seen.append((d, t)))
        stages = {s.name: s.id for s in session.exec(select(Stage).where(Stage.board == 'clients'))}
    assert set(lists) == {'stage', 'responsible'}
    assert seen[-1] == (4, 4)
    stage = lists['stage']
    assert [(r.text, r.count, r.choice) for r in stage.rows] == [
        ('Назначение встречи', 2, ValueChoice('existing', stages['Назначение встречи'])),
        ('Бронь поставлена', 1, ValueChoice('existing', stages['Бронь поставлена'])),
        # amoCRM's fixed «lost» status: our failure stage
        ('Закрыто и не реализовано', 1, ValueChoice('existing', stages['Бронь не поставлена'])),
    ]
    assert (stage.may_create, stage.default_label) == (False, 'Не разобрано')
    assert [name for _, name in stage.options][:2] == ['Не разобрано', 'Назначение встречи']
    people = lists['responsible']
    assert {r.text: r.choice for r in people.rows} == {
        'Ольга Петрова': ValueChoice('existing', head.id),
        'manager1': ValueChoice('existing', team['manager1'].id),  # by login
        'Фёдор Ёлкин': ValueChoice('existing', team['fedor'].id),
    }
    assert people.default_label == 'Загружающий (Ольга Петрова)'


def test_the_users_value_choices_are_applied_in_the_plan_and_a_channel_may_be_created(db, head, team):
    file = read(db, bitrix_csv())
    with db.read() as session:
        lists = importing.list_import_values(session, actor=head, file=file)
        meeting = session.exec(select(Stage.id).where(Stage.name == 'Назначение встречи')).one()
    assert lists['channel'].may_create and lists['responsible'].rows[0].count == 2
    stage_column = file.mapping.fields.index('skip')  # «ID»: here it says the stage, for the test's sake
    fields = list(file.mapping.fields)
    fields[stage_column] = 'stage'
    chosen = replace(
        file.mapping,
        fields=fields,
        values={
            'channel': {'реклама в telegram': ValueChoice('create')},
            'responsible': {'ольга петрова': ValueChoice('existing', team['fedor'].id)},
            'stage': {'1': ValueChoice('existing', meeting), '2': ValueChoice('default')},
        },
    )
    file = read(db, bitrix_csv(), mapping=chosen)
    preview = plan(db, head, file)
    assert preview.new_channels == ['Реклама в Telegram']
    assert all(p.column not in ('channel', 'stage', 'responsible') for r in preview.rows for p in r.problems)

    commit(db, head, file, preview)

    by_phone = clients_by_phone(db)
    sidorov, lebedeva = by_phone['+79261112233'], by_phone['+74952223344']
    assert sidorov.responsible_id == lebedeva.responsible_id == team['fedor'].id
    assert names_of(db, Stage, [sidorov.stage_id])[sidorov.stage_id] == 'Назначение встречи'
    assert names_of(db, Channel, [lebedeva.channel_id])[lebedeva.channel_id] == 'Реклама в Telegram'


def test_a_closing_reason_chosen_in_another_stage_is_matched_by_name_in_the_rows_stage(db, head):
    with db.read() as session:
        spam = session.exec(select(ClosingReason).where(ClosingReason.name == 'Другое')).first()
    data = xlsx([['Телефон', 'Этап', 'Причина'], ['+79170000001', 'Не лид (корзина)', 'прочее']])
    file = read(db, data)
    file = replace(
        file, mapping=replace(file.mapping, values={'closing_reason': {'прочее': ValueChoice('existing', spam.id)}})
    )
    commit(db, head, file)
    with db.read() as session:
        client = session.exec(select(Client)).one()
        reason = session.get(ClosingReason, client.closing_reason_id)
        stage = session.get(Stage, client.stage_id)
    assert (stage.name, reason.name, reason.stage_id) == ('Не лид (корзина)', 'Другое', stage.id)


def _known_clients(db, head):
    anna = make_user(db, 'anna', name='Анна', can_import=True)
    by_phone = make_client(db, head, name='+79170000001', phone='+79170000001')
    filled = make_client(db, head, name='Пётр', phone='+79170000002', email='old@example.ru')
    annas = make_client(db, anna, name='Клиент Анны', phone='+79170000003')
    return anna, by_phone, filled, annas


FILL_FILE = [
    ['ФИО', 'Телефон', 'Email', 'Ситуация', 'Проект'],
    ['Иван Новый', '+79170000001', 'ivan@example.ru', 'Ищет студию', 'ЖК Новый'],
    ['Пётр Другой', '+79170000002', 'new@example.ru', 'Двушка', ''],
    ['Не Анна', '+79170000003', 'x@example.ru', '', ''],
]


def _fill(db, actor, **options):
    file = read(db, xlsx(FILL_FILE))
    file = replace(file, mapping=replace(file.mapping, known_phone='fill_empty', **options))
    return commit(db, actor, file)


def test_fill_empty_completes_a_known_clients_empty_fields_and_keeps_what_a_manager_wrote(db, head):
    _, by_phone, filled, annas = _known_clients(db, head)

    done = _fill(db, head)

    assert [r.outcome for r in done.rows] == ['attach'] * 3
    with db.read() as session:
        first, second = session.get(Client, by_phone.id), session.get(Client, filled.id)
        project = session.exec(select(func.count()).where(Client.project_id.is_not(None))).one()
        edits = session.exec(
            select(FeedEntry.text).where(FeedEntry.client_id == by_phone.id, FeedEntry.kind == 'fields')
        )
        assert session.exec(select(func.count()).select_from(Request)).one() == 6
    assert (first.name, first.email, first.situation) == ('Иван Новый', 'ivan@example.ru', 'Ищет студию')
    assert (second.name, second.email, second.situation) == ('Пётр', 'old@example.ru', 'Двушка')
    assert project == 1 and first.version > by_phone.version
    assert 'ivan@example.ru' in ' '.join(edits.all())
    assert done.summary('ru')['filled'] == 3


def test_overwrite_replaces_filled_fields_too(db, head):
    _, _, filled, _ = _known_clients(db, head)
    _fill(db, head, overwrite=True)
    with db.read() as session:
        second = session.get(Client, filled.id)
    assert (second.name, second.email) == ('Пётр Другой', 'new@example.ru')


def test_fill_empty_leaves_clients_the_importer_may_not_act_on_and_says_so(db, head):
    anna, by_phone, _, annas = _known_clients(db, head)
    manager = make_user(db, 'boris', can_import=True)

    done = _fill(db, manager)

    with db.read() as session:
        assert session.get(Client, annas.id).name == 'Клиент Анны'
        assert session.get(Client, by_phone.id).email == ''
        assert session.exec(select(func.count()).where(Request.client_id == annas.id)).one() == 2
    assert all(
        'Клиент другого менеджера: его поля не дополняются, добавлено только обращение'
        in [p.message('ru') for p in r.problems]
        for r in done.rows
    )


BOOKED = [
    ['ФИО', 'Телефон', 'Этап сделки', 'Бюджет', 'Проект', 'Дата создания'],
    ['Забронировал', '+79170000001', 'Бронь поставлена', '1 500 000,50 ₽', 'ЖК Северный', '05.03.2024 10:00:00'],
    ['Думает', '+79170000002', 'Назначение встречи', '2 000 000', '', ''],
    ['Без суммы', '+79170000003', 'Бронь поставлена', '', '', ''],
    ['Кривая сумма', '+79170000004', 'Бронь поставлена', 'дорого', '', ''],
]


def test_a_booked_row_with_an_amount_becomes_a_deal_when_asked(db, head):
    file = read(db, xlsx(BOOKED))
    assert commit(db, head, file).summary('ru')['deals'] == 0
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Deal)).one() == 0
    with db.engine.begin() as connection:
        for table in ('stagechange', 'feedentry', 'request', 'clienttag', 'clientphone', 'client', 'project'):
            connection.exec_driver_sql(f'DELETE FROM {table}')

    file = replace(file, mapping=replace(file.mapping, deals_from_amount=True))
    done = commit(db, head, file)

    assert done.summary('ru')['deals'] == 1
    assert any('«дорого» не распознана' in p.message('ru') for p in done.rows[3].problems)
    with db.read() as session:
        deal = session.exec(select(Deal)).one()
        client = session.get(Client, deal.client_id)
        first_deal_stage = session.exec(select(Stage).where(Stage.board == 'deals').order_by(Stage.position)).first()
        arrival = session.exec(select(StageChange).where(StageChange.deal_id == deal.id)).one()
        booked = session.exec(select(FeedEntry).where(FeedEntry.deal_id == deal.id)).one()
    assert (client.name, deal.amount, deal.stage_id) == ('Забронировал', 1500000.5, first_deal_stage.id)
    assert deal.project_id == client.project_id is not None
    assert to_local_naive(deal.created_at) == datetime(2024, 3, 5, 10, 0)
    assert (arrival.board, arrival.at) == ('deals', deal.created_at)
    assert booked.kind == 'deal_created' and '1 500 000' in booked.text


def test_the_previews_plan_is_written_as_it_is_unless_a_phone_changed_hands_meanwhile(db, head):
    data = xlsx([['ФИО', 'Телефон'], ['Пётр', '+79170000001'], ['Анна', '+79170000002']])
    file = read(db, data)
    preview = plan(db, head, file)
    assert [r.outcome for r in preview.rows] == ['new', 'new']
    make_client(db, head, name='Успела раньше', phone='+79170000002')

    done = commit(db, head, file, preview)

    assert done is not preview and [r.outcome for r in done.rows] == ['new', 'attach']
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 2

    again = read(db, xlsx([['ФИО', 'Телефон'], ['Ира', '+79170000003']]))
    preview = plan(db, head, again)
    assert commit(db, head, again, preview) is preview and preview.committed


def test_the_summary_says_how_the_file_was_read_and_mapped(db, head):
    file = read(db, bitrix_csv(), preset='Из Битрикс24')
    summary = plan(db, head, file).summary('ru')
    assert summary['format'] == {'kind': 'csv', 'encoding': 'cp1251', 'delimiter': ';'}
    assert summary['preset'] == 'Из Битрикс24'
    assert summary['mapping']['fields'][:5] == ['skip', 'skip', 'first_name', 'middle_name', 'last_name']


def test_a_column_mapped_to_a_custom_field_fills_it_and_an_unknown_field_is_refused(db, head):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        floor = admin_lists.add_custom_field(session, actor=admin, name='Этажность', kind='number')
    data = xlsx([['Телефон', 'Сколько этажей'], ['+79170000001', 12]])
    file = read(db, data, mapping=ColumnMapping(fields=['phone', f'custom:{floor}']))
    assert file.custom_columns == {str(floor): 'Этажность'}
    commit(db, head, file)
    with db.read() as session:
        assert session.exec(select(Client)).one().custom == {str(floor): 12}
    with pytest.raises(InvalidInput):
        read(db, data, mapping=ColumnMapping(fields=['phone', 'custom:999']))


@pytest.mark.parametrize(
    ('written', 'ours'),
    [
        ('Успешно реализовано', 'Бронь поставлена'),
        ('Сделка провалена', 'Бронь не поставлена'),
        ('Некачественный лид', 'Не лид (корзина)'),
    ],
)
def test_other_crms_final_stages_are_suggested_as_ours_of_the_same_kind(db, head, written, ours):
    with db.read() as session:
        lookup = importing._Lookup(session, head, {})
        stages = {s.id: s.name for s in lookup.stage_list}
        assert stages[lookup.suggest('stage', written).id] == ours
