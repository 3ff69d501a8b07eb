"""Import from Excel (SPEC §3 «Загрузка из Excel»): columns by header in any order and language, every row
previewed with its problems, good rows written in one transaction, a known phone never a second client."""

import io
import zipfile
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import select

from app.domain.account import admin_lists
from app.domain.account_time import to_local_naive
from app.domain.clients import clients, tasks
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.excel import importing, sources
from app.domain.models import (
    Agency,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    ExportSchema,
    FeedEntry,
    Project,
    Realtor,
    Request,
    Stage,
    Tag,
    Task,
    utcnow,
)
from tests.factories import make_client, make_user


def xlsx(rows: list[list], *, title='Лист1') -> bytes:
    """A workbook as the tests' users would make it in Excel: cells keep their Python types."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(db, actor, data):
    with db.read() as session:
        return importing.plan_import(session, actor=actor, file=importing.read_import_file(session, data))


def commit(db, actor, data, progress=None):
    with db.read() as session:
        file = importing.read_import_file(session, data)
    with db.write() as session:
        return importing.commit_import(session, actor=actor, file=file, progress=progress)


def count(db, model) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def head(db):
    return make_user(db, 'olga', role='head', name='Ольга Петрова')


def test_columns_are_recognised_by_header_in_any_order_language_case_and_spacing(db, head):
    data = xlsx(
        [
            ['  PHONE ', 'ф и о', 'Канал привлечения', 'Непонятная колонка', 'e-mail', 'Примечание 2'],
            ['+79171234578', 'Пётр', 'Сайт', 'x', 'p@example.ru', 'второе'],
        ]
    )
    with db.read() as session:
        file = importing.read_import_file(session, data)
    assert file.mapping.fields == ['phone', 'name', 'channel', 'skip', 'email', 'note']
    assert file.unknown_columns == ['Непонятная колонка']


@pytest.mark.parametrize(
    'cell',
    ['+79171234578', '89171234578', '+7(917) 123-45-78', '8 917 123 45 78', 79171234578, 79171234578.0, 9171234578],
)
def test_phones_in_every_common_form_including_numeric_cells(db, head, cell):
    plan = preview(db, head, xlsx([['Телефон', 'Имя'], [cell, 'Пётр']]))
    assert plan.rows[0].outcome == 'new'
    assert [p.number for p in plan.rows[0].row.phones] == ['+79171234578']


@pytest.mark.parametrize(
    ('cell', 'expected'),
    [
        ('01.01.2000 12:34:00', datetime(2000, 1, 1, 12, 34)),
        ('01.01.2000', datetime(2000, 1, 1)),
        (datetime(2001, 2, 3, 4, 5), datetime(2001, 2, 3, 4, 5)),
    ],
)
def test_creation_dates_in_text_or_real_excel_dates_are_kept(db, head, cell, expected):
    commit(db, head, xlsx([['Телефон', 'Дата создания'], ['+79171234578', cell]]))
    with db.read() as session:
        client = session.exec(select(Client)).one()
    assert to_local_naive(client.created_at) == expected


def test_unknowns_fall_back_or_are_created_and_are_flagged_but_never_fail_the_row(db, head):
    data = xlsx(
        [
            ['Телефон', 'ФИО', 'Канал', 'Ответственный', 'Проект', 'Метки', 'Агентство', 'Риэлтор', 'Дата создания'],
            [
                '+79171234578',
                'Пётр',
                'Голубиная почта',
                'nobody',
                'ЖК Новый',
                'VIP, Ипотека',
                'АН Дом',
                'Семён',
                'вчера',
            ],
        ]
    )
    plan = preview(db, head, data)
    row = plan.rows[0]
    assert row.outcome == 'new'
    messages = ' | '.join(p.message('ru') for p in row.problems)
    assert 'Канал «Голубиная почта» не найден: будет «Сайт»' in messages
    assert 'Ответственный «nobody» не найден' in messages
    assert 'Дата «вчера» не распознана' in messages
    assert plan.new_projects == ['ЖК Новый'] and plan.new_tags == ['VIP', 'Ипотека']
    assert plan.new_agencies == ['АН Дом'] and plan.new_realtors == ['Семён (АН Дом)']
    assert count(db, Project) == 0, 'the preview writes nothing'

    commit(db, head, data)
    with db.read() as session:
        client = session.exec(select(Client)).one()
        assert client.responsible_id == head.id
        assert session.get(Project, client.project_id).name == 'ЖК Новый'
        assert session.get(Realtor, client.realtor_id).agency_id == client.agency_id
        assert session.get(Agency, client.agency_id).name == 'АН Дом'
        assert sorted(session.get(Tag, link.tag_id).name for link in session.exec(select(ClientTag))) == [
            'VIP',
            'Ипотека',
        ]
        assert client.creation_method == 'import'


def test_a_phone_known_in_the_database_or_earlier_in_the_file_attaches_a_request_instead(db, head):
    anna = make_user(db, 'anna', name='Анна')
    existing = make_client(db, anna, name='Уже есть', phone='+79170000001')
    data = xlsx(
        [
            ['ФИО', 'Телефон', 'Примечание'],
            ['Повтор из базы', '8 (917) 000-00-01', 'снова звонил'],
            ['Новый', 79170000002.0, 'первая заметка'],
            ['Новый ещё раз', '+7 917 000 00 02', ''],
            ['Третий', '+79170000003', ''],
        ]
    )
    plan = preview(db, head, data)
    assert [r.outcome for r in plan.rows] == ['attach', 'new', 'attach', 'new']
    assert plan.rows[0].client_id == existing.id and plan.rows[2].earlier_row == 3

    done = commit(db, head, data)

    assert done.summary('ru') | {'error_list': []} == done.summary('ru')
    assert (done.count('new'), done.count('attach'), done.count('error')) == (2, 2, 0)
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 3
        by_phone = dict(session.exec(select(ClientPhone.number, ClientPhone.client_id)).all())
        imported = select(func.count()).where(Request.source == 'import')
        assert session.exec(imported.where(Request.client_id == existing.id)).one() == 1
        assert session.exec(select(func.count()).where(Request.client_id == by_phone['+79170000002'])).one() == 2
        notes = session.exec(
            select(FeedEntry.text).where(FeedEntry.client_id == existing.id, FeedEntry.kind == 'comment')
        ).all()
        assert notes == ['снова звонил']
        assert session.get(Client, existing.id).last_comment_at is not None


def test_notes_become_comments_dated_at_the_clients_creation(db, head):
    commit(
        db,
        head,
        xlsx(
            [
                ['Телефон', 'Дата создания', 'Примечание', 'Примечание 2'],
                ['+79171234578', '05.03.2021 10:00', 'раз', 'два'],
            ]
        ),
    )
    with db.read() as session:
        client = session.exec(select(Client)).one()
        comments = session.exec(select(FeedEntry).where(FeedEntry.kind == 'comment').order_by(FeedEntry.id)).all()
    assert [c.text for c in comments] == ['раз', 'два']
    assert all(c.created_at == client.created_at for c in comments)
    assert client.last_comment_at == client.created_at


def test_rows_with_errors_are_skipped_and_listed_the_rest_load(db, head):
    data = xlsx([['Имя', 'Телефон'], ['Без телефона', None], ['Кривой', '12'], ['Хороший', '+79171234578']])
    plan = commit(db, head, data)
    summary = plan.summary('ru')
    assert (summary['rows'], summary['new_clients'], summary['errors']) == (3, 1, 2)
    assert [(e['row'], e['column']) for e in summary['error_list']] == [(2, 'phone'), (3, 'phone')]
    assert (
        'не может существовать' in summary['error_list'][1]['message']
        or 'не похоже' in summary['error_list'][1]['message']
    )
    assert count(db, Client) == 1


def test_stage_by_name_and_a_closing_stage_without_a_known_reason_gets_its_other_flagged(db, head):
    data = xlsx(
        [
            ['Телефон', 'Этап', 'Причина закрытия'],
            ['+79170000001', 'Назначение встречи', ''],
            ['+79170000002', 'Не лид (корзина)', 'Спам'],
            ['+79170000003', 'Бронь не поставлена', ''],
            ['+79170000004', 'Марс', ''],
            ['+79170000005', 'Бронь не поставлена', 'Инопланетяне'],
        ]
    )
    plan = commit(db, head, data)
    with db.read() as session:
        stage_of = dict(
            session.exec(
                select(ClientPhone.number, Stage.name).join(Client, Client.id == ClientPhone.client_id).join(Stage)
            ).all()
        )
        reason_of = dict(
            session.exec(
                select(ClientPhone.number, ClosingReason.name)
                .join(Client, Client.id == ClientPhone.client_id)
                .join(ClosingReason, ClosingReason.id == Client.closing_reason_id)
            ).all()
        )
    assert stage_of == {
        '+79170000001': 'Назначение встречи',
        '+79170000002': 'Не лид (корзина)',
        '+79170000003': 'Бронь не поставлена',
        '+79170000004': 'Не разобрано',
        '+79170000005': 'Бронь не поставлена',
    }
    assert reason_of == {'+79170000002': 'Спам', '+79170000003': 'Другое', '+79170000005': 'Другое'}
    assert [p.message('ru') for p in plan.rows[2].problems if p.column == 'closing_reason'] == [
        'Причина закрытия не указана или не найдена: для этапа «Бронь не поставлена» будет «Другое»'
    ]


def test_a_known_phone_with_a_closing_stage_only_adds_a_request_the_clients_stage_and_tasks_stay(db, head):
    """An import never moves an existing client (its row becomes a request), so it never closes one either:
    the tasks that closing completes stay open, as the stage stays."""
    existing = make_client(db, head, name='Уже есть', phone='+79170000001')
    with db.write() as session:
        stage_before = session.get(Client, existing.id).stage_id
        task = tasks.add_task(
            session, actor=head, client_id=existing.id, title='Перезвонить', due_at=utcnow() + timedelta(days=1)
        )
    data = xlsx([['Телефон', 'Этап', 'Причина закрытия'], ['8 917 000-00-01', 'Не лид (корзина)', 'Спам']])
    plan = preview(db, head, data)
    assert plan.rows[0].stage_id is None  # the preview shows no stage the client would not get
    assert [p.message('ru') for p in plan.rows[0].problems if p.column == 'stage'] == [
        'Клиент уже есть: его этап не меняется на «Не лид (корзина)»'
    ]

    done = commit(db, head, data)

    assert done.count('attach') == 1
    with db.read() as session:
        client = session.get(Client, existing.id)
        assert (client.stage_id, client.closing_reason_id) == (stage_before, None)
        assert session.get(Task, task.id).done is False
        assert session.exec(select(func.count()).where(Request.client_id == existing.id)).one() == 2


def test_custom_fields_are_read_by_their_names(db, head):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        budget = admin_lists.add_custom_field(session, actor=admin, name='Бюджет', kind='number')
    commit(db, head, xlsx([['Телефон', 'бюджет'], ['+79171234578', 8500000]]))
    with db.read() as session:
        assert session.exec(select(Client)).one().custom == {str(budget): 8500000}


def test_a_manager_who_may_not_act_on_others_loads_only_for_themselves(db):
    anna = make_user(db, 'anna', can_import=True)
    make_user(db, 'boris', name='Борис')
    plan = preview(db, anna, xlsx([['Телефон', 'Ответственный'], ['+79171234578', 'Борис']]))
    assert plan.rows[0].responsible_id == anna.id
    assert any('только на себя' in p.message('ru') for p in plan.rows[0].problems)


def test_importing_needs_the_import_switch(db):
    anna = make_user(db, 'anna', can_import=False)
    with pytest.raises(PermissionDenied):
        preview(db, anna, xlsx([['Телефон'], ['+79171234578']]))


def _truncated() -> bytes:
    data = xlsx([['Телефон'], *[[f'+7917{n:07d}'] for n in range(300)]])
    return data[: len(data) // 2]


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        archive.writestr('hello.txt', 'not a workbook')
    return out.getvalue()


@pytest.mark.parametrize(
    ('data', 'message'),
    [
        (b'', 'не таблица'),
        (b'name;phone\n', 'нет строк'),
        (b'%PDF-1.4 not a spreadsheet', 'не таблица'),
        (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + bytes(600), 'старого формата (.xls)'),
        (_zip_without_workbook(), 'не таблица'),
        (_truncated(), None),
        (xlsx([]), 'нет строк'),
        (xlsx([['Телефон', 'Имя']]), 'нет строк'),
        (xlsx([['Имя', 'Email'], ['Пётр', 'p@example.ru']]), 'нет столбца «Телефон»'),
    ],
    ids=[
        *('empty', 'csv-header-only', 'pdf', 'binary-xls', 'zip-not-xlsx', 'truncated'),
        *('no-rows-at-all', 'header-only', 'no-phone-column'),
    ],
)
def test_a_broken_or_wrong_file_is_refused_with_one_clear_message_and_writes_nothing(db, head, data, message):
    with pytest.raises(InvalidInput) as refused:
        commit(db, head, data)
    text = refused.value.message('ru')
    assert message is None and 'повреждён' in text or message in text
    assert count(db, Client) == 0


def test_a_too_large_file_is_refused_before_it_is_read(db, head, monkeypatch):
    monkeypatch.setattr(sources, 'MAX_BYTES', 1000)
    with pytest.raises(InvalidInput) as refused:
        preview(db, head, xlsx([['Телефон'], *[[f'+7917{n:07d}'] for n in range(200)]]))
    assert 'больше' in refused.value.message('ru')


def test_an_import_that_fails_half_way_leaves_the_database_as_it_was(db, head):
    data = xlsx([['Телефон', 'Метки'], *[[f'+7917{n:07d}', 'Новая'] for n in range(1200)]])

    def crash(done, total):
        if done > 600:
            raise RuntimeError('process killed')

    with pytest.raises(RuntimeError):
        commit(db, head, data, progress=crash)
    assert (count(db, Client), count(db, Tag), count(db, FeedEntry), count(db, Request)) == (0, 0, 0, 0)


def test_template_and_report_are_real_spreadsheets_the_import_reads(db, head):
    template = io.BytesIO()
    importing.write_template(template, 'ru')
    plan = preview(db, head, template.getvalue())
    assert len(plan.rows) == 1 and plan.file.unknown_columns == []

    report = io.BytesIO()
    importing.write_report(report, commit(db, head, xlsx([['Телефон'], ['+79171234578'], ['нет']])), 'ru')
    rows = list(load_workbook(io.BytesIO(report.getvalue())).active.iter_rows(values_only=True))
    assert rows[0] == ('Строка', 'ФИО', 'Телефоны', 'Результат', 'Замечания')
    assert rows[1][:4] == (2, '+79171234578', '+79171234578', 'Новый клиент')
    assert rows[2][0] == 3 and rows[2][3] == 'Ошибка — пропущена' and rows[2][4]


def _template_rows(*added: list) -> bytes:
    """The downloaded template, its example row left in, with rows typed below it."""
    template = io.BytesIO()
    importing.write_template(template, 'ru')
    book = load_workbook(io.BytesIO(template.getvalue()))
    for row in added:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_templates_example_row_is_skipped_with_a_note_and_creates_nothing(db, head):
    plan = preview(db, head, _template_rows())
    assert [r.outcome for r in plan.rows] == ['error']
    assert [p.message('ru') for p in plan.rows[0].problems] == ['Пример из шаблона: эта строка не загружается']
    assert plan.new_projects == [] and plan.new_tags == []

    done = commit(db, head, _template_rows())

    assert (done.count('new'), done.count('attach')) == (0, 0)
    assert (count(db, Client), count(db, Project), count(db, Tag), count(db, Request)) == (0, 0, 0, 0)


def test_a_template_filled_below_its_example_loads_only_the_rows_typed_in(db, head):
    with db.read() as session:
        projects_before = session.exec(select(Project.name)).all()
    done = commit(db, head, _template_rows(['Петров Пётр', '+7 912 555-44-33']))

    assert (done.count('new'), done.count('error')) == (1, 1)
    with db.read() as session:
        assert session.exec(select(Client.name)).all() == ['Петров Пётр']
        assert session.exec(select(ClientPhone.number)).all() == ['+79125554433']
        assert session.exec(select(Project.name)).all() == projects_before
        assert 'ЖК Северный' not in projects_before


def test_the_example_name_with_another_phone_is_a_real_client(db, head):
    done = commit(db, head, xlsx([['ФИО', 'Телефон'], ['Иванов Иван Иванович', '+7 912 555-44-33']]))
    assert done.count('new') == 1


def test_imported_clients_are_announced_once_for_everyone(db, head):
    from app.domain.events import ClientsChanged, bus

    heard = []
    unsubscribe = bus.subscribe(heard.append)
    try:
        commit(db, head, xlsx([['Телефон'], ['+79170000001'], ['+79170000002']]))
    finally:
        unsubscribe()
    changed = [e for e in heard if isinstance(e, ClientsChanged)]
    assert [(e.what, e.count, len(e.client_ids)) for e in changed] == [('imported', 2, 2)]


def test_an_export_reads_back_into_an_empty_database(db, head):
    """Round trip: the default schema's file, imported into an empty base, gives the same clients."""
    from app.domain.clients.filters import ClientFilter
    from app.domain.excel import exporting

    anna = make_user(db, 'anna', name='Анна Смирнова')
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        tag_id = admin_lists.add_tag(session, actor=admin, name='VIP')
        project_id = admin_lists.add_project(session, actor=admin, name='ЖК Северный', abbreviation='СЕВ')
    make_client(
        db, anna, name='Пётр Иванов', phone='+79171234578', situation='Двушка', tag_ids=[tag_id], project_id=project_id
    )
    make_client(db, head, name='Мария', phone='+79171234579', email='m@example.ru')
    out = io.BytesIO()
    with db.read() as session:
        schema_id = session.exec(select(ExportSchema.id)).first()
        exporting.export_clients(session, actor=head, schema_id=schema_id, flt=ClientFilter(), target=out)
        before = _clients_as_rows(session)

    with db.engine.begin() as connection:
        for table in ('stagechange', 'feedentry', 'request', 'clienttag', 'clientphone', 'client'):
            connection.exec_driver_sql(f'DELETE FROM {table}')
    commit(db, head, out.getvalue())

    with db.read() as session:
        assert _clients_as_rows(session) == before


def _clients_as_rows(session):
    rows = []
    for client in session.exec(select(Client).order_by(Client.name)):
        phones = session.exec(select(ClientPhone.number).where(ClientPhone.client_id == client.id)).all()
        tags = session.exec(select(Tag.name).join(ClientTag).where(ClientTag.client_id == client.id)).all()
        rows.append(
            (
                client.name,
                tuple(phones),
                client.email,
                client.situation,
                client.responsible_id,
                client.project_id,
                client.stage_id,
                client.channel_id,
                tuple(tags),
                client.created_at.replace(microsecond=0, second=0),
            )
        )
    return rows


def test_over_long_names_are_cut_to_what_the_lists_hold_and_still_load(db, head):
    long = 'Очень длинное название ' * 12
    data = xlsx([['Телефон', 'Метки', 'Проект', 'Агентство', 'Риэлтор'], ['+79171234578', long, long, long, long]])
    commit(db, head, data)
    with db.read() as session:
        client = session.exec(select(Client)).one()
        assert session.get(Tag, session.exec(select(ClientTag.tag_id)).one()).name == long.strip()[:100]
        assert session.get(Project, client.project_id).name == long.strip()[:200]
        assert session.get(Realtor, client.realtor_id).agency_id == client.agency_id


def test_a_title_above_the_header_and_extra_phone_columns_are_understood(db, head):
    data = xlsx(
        [
            ['Выгрузка клиентов за март'],
            [],
            ['ФИО', 'Телефон', 'Телефон', 'Рабочий телефон'],
            ['Пётр', '+79171234578', '+79171234579', ''],
            ['Тот же по второму номеру', '+79171234579', '', ''],
            ['Тот же по рабочему', '', '', '+7 917 123 45 78'],
        ]
    )
    plan = preview(db, head, data)
    assert [(r.row.number, r.outcome) for r in plan.rows] == [(4, 'new'), (5, 'attach'), (6, 'attach')]
    assert plan.file.unknown_columns == []


def test_an_attaching_rows_new_numbers_join_its_client_so_a_later_file_cannot_duplicate_it(db, head):
    anna = make_user(db, 'anna')
    existing = make_client(db, anna, name='Уже есть', phone='+79170000001')
    commit(db, head, xlsx([['ФИО', 'Телефон', 'Телефон 2'], ['Повтор', '+79170000001', '+79170000002']]))
    later = preview(db, head, xlsx([['ФИО', 'Телефон'], ['По второму номеру', '+79170000002']]))
    assert later.rows[0].outcome == 'attach' and later.rows[0].client_id == existing.id
    assert count(db, Client) == 1


def test_a_no_date_placeholder_from_1c_is_flagged_not_a_crash(db, head):
    plan = commit(db, head, xlsx([['Телефон', 'Дата создания'], ['+79171234578', '01.01.0001 0:00:00']]))
    assert plan.count('new') == 1
    assert 'не распознана' in plan.rows[0].problems[0].message('ru')


def test_a_custom_value_its_field_cannot_hold_is_shown_in_the_preview(db, head):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        admin_lists.add_custom_field(session, actor=admin, name='Тип', kind='list', options=['Квартира', 'Офис'])
        admin_lists.add_custom_field(session, actor=admin, name='Бюджет', kind='number')
    plan = preview(db, head, xlsx([['Телефон', 'Тип', 'Бюджет'], ['+79171234578', 'Дача', '12\xa0500']]))
    row = plan.rows[0]
    assert list(row.custom.values()) == [12500]
    assert any('Дача' in p.message('ru') for p in row.problems)


def test_an_over_long_cell_or_an_absurd_date_is_a_row_error_in_the_preview_and_the_other_rows_load(db, head):
    data = xlsx(
        [
            ['ФИО', 'Телефон', 'Дата создания', 'Ситуация', 'Примечание'],
            ['Д' * 301, '+79171234501', '', '', ''],
            ['Из будущего', '+79171234502', '31.12.9999', '', ''],
            ['Из прошлого', '+79171234503', datetime(1800, 1, 1), '', ''],
            ['Многословный', '+79171234504', '', 'с' * 10_001, ''],
            ['Болтливый', '+79171234505', '', '', 'п' * 20_001],
            ['Обычный', '+79171234506', '01.02.2025', 'Ищет двушку', 'Перезвонить'],
        ]
    )
    plan = preview(db, head, data)
    assert [r.outcome for r in plan.rows] == ['error'] * 5 + ['new']
    errors = plan.summary('ru')['error_list']
    assert [(e['row'], e['column']) for e in errors] == [
        (2, 'name'),
        (3, 'created_at'),
        (4, 'created_at'),
        (5, 'situation'),
        (6, 'note'),
    ]
    assert errors[0]['message'] == '«Имя» длиннее 300 символов: сократите'
    assert errors[1]['message'] == 'Дата 9999-12-31T00:00:00 вне допустимых лет 1900–2200'
    assert commit(db, head, data).count('new') == 1
    assert count(db, Client) == 1


def test_a_row_with_more_than_ten_phones_is_a_row_error(db, head):
    numbers = ', '.join(f'+7917123{n:04d}' for n in range(11))
    plan = preview(db, head, xlsx([['ФИО', 'Телефоны'], ['Многономерный', numbers]]))
    assert plan.rows[0].outcome == 'error'
    assert plan.rows[0].problems[0].message('ru') == 'У клиента может быть не больше 10 телефонов'


def test_attaching_rows_add_new_numbers_only_while_their_client_has_fewer_than_ten(db, head):
    anna = make_user(db, 'anna')
    known = make_client(db, anna, name='Уже есть', phone='+79170000001')
    with db.write() as session:
        phones = [f'+7917000{n:04d}' for n in range(1, 10)]
        clients.update_client(session, actor=anna, client_id=known.id, changes={'phones': phones})
    new_numbers = [f'+7918000{n:04d}' for n in range(1, 10)]
    data = xlsx(
        [
            ['ФИО', 'Телефоны'],
            ['Повтор известного', '+79170000001, +79190000001, +79190000002, +79190000003'],
            ['Новый с девятью', ', '.join(new_numbers)],
            ['Повтор нового', f'{new_numbers[0]}, +79190000004, +79190000005'],
        ]
    )
    plan = commit(db, head, data)
    assert [r.outcome for r in plan.rows] == ['attach', 'new', 'attach']
    assert [p.number for p in plan.rows[0].new_phones] == ['+79190000001']
    assert plan.rows[0].problems[0].message('ru') == (
        'У клиента может быть не больше 10 телефонов: +79190000002, +79190000003 не добавлены'
    )
    assert [p.number for p in plan.rows[2].new_phones] == ['+79190000004']
    with db.read() as session:
        by_client = dict(
            session.exec(select(ClientPhone.client_id, func.count()).group_by(ClientPhone.client_id)).all()
        )
    assert sorted(by_client.values()) == [10, 10]
