"""An import carries each row's attribution (utm tags, landing page, referrer, visit ids) onto the row's request, as
a lead from the API does (issue 16), and tells the webhooks what it did: client.created for every new client and
request.created for every row's request."""

import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.domain.clients.filters import ClientFilter
from app.domain.excel import export_schemas, exporting, importing
from app.domain.integrations import channel_rules, webhooks
from app.domain.models import Channel, Client, OutboxEvent, Request, WebhookDelivery
from tests.domain.excel.test_import_mapping import commit, read, xlsx
from tests.factories import make_user

HEADER = ['ФИО', 'Телефон', 'UTM Source', 'utm_medium', 'utm_campaign', 'Посадочная страница', 'referrer', 'roistat']
SMIRNOV = ['Смирнов Алексей', '+7 916 201-11-02', 'yandex', 'cpc', 'spring_sale', 'https://zhk.example.ru/2k']
SMIRNOV += ['https://ya.ru/', 4242]  # a visit number in a numeric cell
KUZNETSOVA = ['Кузнецова Мария', '+7 903 123-45-67', 'vk', 'social', 'family', '', '', '']
SMIRNOV_AGAIN = ['Смирнов А.', '8 916 201-11-02', 'google', 'cpc', 'autumn', '', '', '']  # attaches to Smirnov


@pytest.fixture
def head(db):
    return make_user(db, 'olga', role='head', name='Ольга Петрова')


@pytest.fixture
def admin(db):
    return make_user(db, 'admin', role='admin', name='Админ')


def requests_of(db, name: str) -> list[Request]:
    with db.read() as session:
        client = session.exec(select(Client).where(Client.name == name)).one()
        return list(session.exec(select(Request).where(Request.client_id == client.id).order_by(Request.id)))


def test_each_rows_attribution_is_kept_on_its_request_and_exported_as_the_first_and_latest(db, head, admin):
    file = read(db, xlsx([HEADER, SMIRNOV, KUZNETSOVA, SMIRNOV_AGAIN]))
    assert file.unknown_columns == []

    done = commit(db, head, file)

    assert (done.count('new'), done.count('attach'), done.count('error')) == (2, 1, 0)
    first, again = requests_of(db, 'Смирнов Алексей')
    assert (first.utm_source, first.utm_medium, first.utm_campaign) == ('yandex', 'cpc', 'spring_sale')
    assert (first.landing_url, first.referrer) == ('https://zhk.example.ru/2k', 'https://ya.ru/')
    assert first.roistat_visit == '4242'
    assert (again.utm_source, again.utm_campaign, again.landing_url) == ('google', 'autumn', '')
    (kuznetsova,) = requests_of(db, 'Кузнецова Мария')
    assert (kuznetsova.utm_source, kuznetsova.utm_campaign, kuznetsova.extra) == ('vk', 'family', {})

    fields = ['name', 'first_utm_source', 'first_utm_campaign', 'last_utm_source', 'last_utm_campaign']
    with db.write() as session:
        schema_id = export_schemas.add_export_schema(session, actor=admin, name='Реклама', fields=fields)
    out = io.BytesIO()
    with db.read() as session:
        exporting.export_clients(session, actor=admin, schema_id=schema_id, flt=ClientFilter(), target=out)
    rows = sorted(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(min_row=2, values_only=True))
    assert rows == [
        ('Кузнецова Мария', 'vk', 'family', 'vk', 'family'),
        ('Смирнов Алексей', 'yandex', 'spring_sale', 'google', 'autumn'),
    ]


def test_a_value_over_its_bound_is_left_out_with_a_warning_and_the_row_still_loads(db, head):
    too_long = 'https://ya.ru/search?text=' + 'двушка' * 400
    row = ['Смирнов Алексей', '+7 916 201-11-02', 'yandex', 'cpc', 'x' * 201, '', too_long, '']
    done = commit(db, head, read(db, xlsx([HEADER, row])))

    assert (done.count('new'), done.count('error')) == (1, 0)
    messages = [p.message('ru') for p in done.rows[0].problems]
    assert messages == [
        '«utm_campaign» длиннее 200 символов: не загружается',
        '«Реферер» длиннее 2048 символов: не загружается',
    ]
    assert done.rows[0].problems[1].message('en') == '“Referrer” is longer than 2048 characters: not loaded'
    (request,) = requests_of(db, 'Смирнов Алексей')
    assert (request.utm_source, request.utm_medium, request.utm_campaign, request.referrer) == ('yandex', 'cpc', '', '')


def test_a_row_naming_no_channel_gets_the_one_its_utm_sources_rule_gives(db, head, admin):
    with db.write() as session:
        direct = Channel(name='Яндекс Директ', position=50)
        session.add(direct)
        session.flush()
        direct_id = direct.id
        channel_rules.set_channel_rule(session, actor=admin, match='prefix', pattern='yandex', channel_id=direct_id)
    data = xlsx(
        [
            ['Телефон', 'Канал', 'utm_source'],
            ['+79160000001', '', 'yandex_search'],  # the rule
            ['+79160000002', 'Сайт', 'yandex'],  # the row's own channel wins
            ['+79160000003', '', 'vk'],  # no rule: the default channel
        ]
    )
    done = commit(db, head, read(db, data))

    with db.read() as session:
        names = dict(session.exec(select(Channel.id, Channel.name)).all())
        default = session.exec(select(Channel).where(Channel.active).order_by(Channel.position)).first().name
        clients = [session.get(Client, r.client_id) for r in done.rows]
        requests = [session.exec(select(Request).where(Request.client_id == c.id)).one() for c in clients]
    assert [names[c.channel_id] for c in clients] == ['Яндекс Директ', 'Сайт', default]
    assert [names[r.channel_id] for r in requests] == ['Яндекс Директ', 'Сайт', default]


@pytest.fixture
def endpoint(db, admin, monkeypatch):
    """A receiver that wants every event (nothing listens there: the outbox is what is checked)."""
    monkeypatch.setenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE', '1')
    with db.write() as session:
        created = webhooks.create_endpoint(
            session, actor=admin, url='http://127.0.0.1:9/hook', events=list(webhooks.EVENT_KINDS)
        )
    return created.endpoint.id


def outbox(db) -> list[dict]:
    with db.read() as session:
        return [json.loads(e.body) for e in session.exec(select(OutboxEvent).order_by(OutboxEvent.id))]


def test_an_import_sends_client_created_for_new_clients_and_request_created_for_every_row(db, head, endpoint):
    commit(db, head, read(db, xlsx([HEADER, SMIRNOV, KUZNETSOVA, SMIRNOV_AGAIN])))

    events = outbox(db)
    created = {e['client']['name']: e for e in events if e['event'] == 'client.created'}
    assert sorted(created) == ['Кузнецова Мария', 'Смирнов Алексей'], 'the attaching row makes no client'
    smirnov = created['Смирнов Алексей']['client']
    assert (smirnov['requests_count'], smirnov['creation_method']) == (2, 'import')
    assert smirnov['first_request']['utm_source'] == 'yandex'
    assert smirnov['first_request']['roistat_visit'] == '4242'
    assert smirnov['latest_request']['utm_campaign'] == 'autumn'
    assert smirnov['stage']['name'] == 'Не разобрано' and smirnov['responsible']['login'] == 'olga'

    sent = sorted(e['request_id'] for e in events if e['event'] == 'request.created')
    with db.read() as session:
        assert sent == sorted(session.exec(select(Request.id)).all())
        deliveries = session.exec(select(WebhookDelivery)).all()
    assert len(sent) == 3 and len(events) == 5
    assert {(d.endpoint_id, d.status) for d in deliveries} == {(endpoint, 'pending')} and len(deliveries) == 5


def test_a_preview_sends_nothing_and_neither_does_a_load_that_rolls_back(db, head, endpoint):
    file = read(db, xlsx([HEADER, SMIRNOV, KUZNETSOVA]))
    with db.read() as session:
        importing.plan_import(session, actor=head, file=file)
    with pytest.raises(RuntimeError), db.write() as session:
        importing.commit_import(session, actor=head, file=file)
        raise RuntimeError('the load is given up before its commit')
    assert outbox(db) == []
    with db.read() as session:
        assert session.exec(select(Client)).all() == []
