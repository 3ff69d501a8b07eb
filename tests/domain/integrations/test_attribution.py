"""A request keeps where its lead came from: stored, shown, filtered, exported and reported; bounded at the border."""

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.domain.account_time import to_local_naive
from app.domain.attribution import EXTRA_KEYS_MAX, check_attribution
from app.domain.clients import clients, requests_list
from app.domain.clients.filters import ClientFilter
from app.domain.clients.requests_list import RequestFilter
from app.domain.errors import InvalidInput
from app.domain.excel import export_schemas, exporting
from app.domain.integrations import intake
from app.domain.models import Request, utcnow
from app.domain.reports import comparison, reports
from app.domain.reports.reports import ReportScope
from tests.factories import make_client, make_user

YANDEX = {'utm_source': 'yandex', 'utm_medium': 'cpc', 'utm_campaign': 'spring_sale', 'roistat_visit': '4242'}


def _lead(db, actor, phone: str, key: str | None = None, **attribution):
    with db.write() as session:
        return intake.take_lead(
            session, actor=actor, scope='test', name='Лид', phone=phone, attribution=attribution, external_id=key
        )


def test_a_leads_attribution_is_stored_on_its_request_and_shown_compactly_in_the_client_window(db):
    site = make_user(db, 'site', role='admin')
    answer = _lead(db, site, '+79120000001', **YANDEX, extra={'gclid': 'abc', 'block': 3}, landing_url='https://x.ru/')
    assert answer.status_code == 201
    with db.read() as session:
        detail = clients.get_client(session, actor=site, client_id=answer.body['client_id'])
    [request] = detail.requests
    assert request.attribution.label() == 'yandex / cpc / spring_sale'
    assert request.attribution.roistat_visit == '4242'
    assert request.attribution.extra == {'gclid': 'abc', 'block': 3}
    assert request.attribution.landing_url == 'https://x.ru/'


def test_a_hand_entered_client_keeps_only_the_channel_unless_the_manager_types_utm_tags(db):
    anna = make_user(db, 'anna')
    plain = make_client(db, anna, name='Ручной', phone='+79120000001')
    tagged = make_client(db, anna, name='С рекламы', phone='+79120000002', attribution={'utm_source': 'avito'})
    with db.read() as session:
        rows = {r.client_id: r for r in session.exec(select(Request))}
    assert rows[plain.id].utm_source == '' and rows[plain.id].extra == {}
    assert rows[tagged.id].utm_source == 'avito'


@pytest.mark.parametrize(
    ('values', 'key'),
    [
        ({'utm_source': 'x' * 201}, 'error.too_long'),
        ({'landing_url': 'https://x.ru/' + 'a' * 2048}, 'error.too_long'),
        ({'roistat_visit': '1' * 101}, 'error.too_long'),
        ({'extra': ['not', 'an', 'object']}, 'attribution.error.extra_object'),
        ({'extra': {f'k{n}': n for n in range(EXTRA_KEYS_MAX + 1)}}, 'attribution.error.extra_keys'),
        ({'extra': {'k' * 101: 1}}, 'attribution.error.extra_key'),
        ({'extra': {'long': 'я' * 2100}}, 'attribution.error.extra_size'),
        ({'extra': {'nan': float('nan')}}, 'attribution.error.extra_object'),
    ],
)
def test_attribution_over_its_bounds_is_refused_with_a_reason_and_nothing_is_written(db, values, key):
    site = make_user(db, 'site', role='admin')
    with pytest.raises(InvalidInput) as refused:
        check_attribution(values)
    assert refused.value.key == key
    assert refused.value.message('ru') != key
    with pytest.raises(InvalidInput):
        _lead(db, site, '+79120000001', **values)
    with db.read() as session:
        assert session.exec(select(Request)).all() == []


def test_the_requests_list_filters_by_utm_source_medium_and_campaign(db):
    site = make_user(db, 'site', role='admin')
    _lead(db, site, '+79120000001', **YANDEX)
    _lead(db, site, '+79120000002', utm_source='yandex', utm_medium='cpm', utm_campaign='brand')
    _lead(db, site, '+79120000003', utm_source='google', utm_medium='cpc')
    _lead(db, site, '+79120000004')

    def phones(**flt) -> list[str]:
        with db.read() as session:
            page = requests_list.list_requests(session, actor=site, flt=RequestFilter(**flt))
        return sorted(item.phone for item in page.items)

    assert phones(utm_source='yandex') == ['+79120000001', '+79120000002']
    assert phones(utm_medium='cpc') == ['+79120000001', '+79120000003']
    assert phones(utm_source='yandex', utm_campaign='spring_sale') == ['+79120000001']
    assert phones(utm_source=' yandex ') == phones(utm_source='yandex')  # typed with spaces around
    assert len(phones()) == 4


def test_the_lead_report_breaks_requests_down_by_the_chosen_utm_tag_with_the_untagged_as_one_column(db):
    site = make_user(db, 'site', role='admin')
    for n in range(3):
        _lead(db, site, f'+7912000000{n}', utm_source='yandex', utm_campaign=f'c{n % 2}')
    _lead(db, site, '+79120000009', utm_source='google')
    _lead(db, site, '+79120000008')
    today = to_local_naive(utcnow()).date()
    scope = ReportScope(date_from=today, date_to=today)
    with db.read() as session:
        by_source = reports.lead_report(session, actor=site, scope=scope, dimension='utm_source')
        by_campaign = reports.lead_report(session, actor=site, scope=scope, dimension='utm_campaign')
        by_channel = reports.lead_report(session, actor=site, scope=scope)
        compared = comparison.compared_report(
            session, actor=site, kind='leads', scope=scope, compare='previous', dimension='utm_source'
        )
    pivot = by_source.pivot()
    assert dict(zip(pivot.columns, pivot.totals.counts, strict=True)) == {'yandex': 3, 'google': 1, 'Без UTM': 1}
    assert by_source.channels[0] == 'yandex'
    pivot = by_campaign.pivot()
    assert dict(zip(pivot.columns, pivot.totals.counts, strict=True)) == {'c0': 2, 'Без UTM': 2, 'c1': 1}
    assert by_channel.channels == ['Сайт'] and by_channel.total == 5
    assert {f.name: f.current for f in compared.figures if f.name} == {'yandex': 3, 'google': 1, 'Без UTM': 1}


def test_the_export_has_the_utm_tags_of_the_first_and_the_latest_request(db):
    admin = make_user(db, 'admin', role='admin', can_export=True)
    _lead(db, admin, '+79120000001', utm_source='yandex', utm_medium='cpc', utm_campaign='spring')
    _lead(db, admin, '+79120000001', utm_source='google', utm_medium='organic')
    _lead(db, admin, '+79120000002')
    fields = [f'{w}_{t}' for w in ('first', 'last') for t in ('utm_source', 'utm_medium', 'utm_campaign')]
    with db.write() as session:
        schema_id = export_schemas.add_export_schema(session, actor=admin, name='UTM', fields=['phone', *fields])
    out = io.BytesIO()
    with db.read() as session:
        exporting.export_clients(session, actor=admin, schema_id=schema_id, flt=ClientFilter(), target=out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert sheet.cell(1, 2).value == 'utm_source первого обращения'
    assert rows['+79120000001'] == ('yandex', 'cpc', 'spring', 'google', 'organic', None)
    assert rows['+79120000002'] == (None,) * 6
