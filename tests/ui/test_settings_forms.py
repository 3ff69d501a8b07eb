"""Site forms, channel rules and attribution on the screens: an admin makes a form URL (shown once), maps its
fields and revokes it; sets an utm_source rule; managers see, filter and enter a request's utm tags."""

from nicegui import ElementFilter
from nicegui.testing import User
from sqlmodel import select

from app.domain.account import admin_lists
from app.domain.account.users import token_digest
from app.domain.integrations import forms, intake
from app.domain.models import ChannelRule, Client, FormEndpoint, Request
from tests.factories import make_user
from tests.ui.test_board import eventually, log_in, pick
from tests.ui.test_requests import open_requests, request_rows
from tests.ui.test_settings_lists import open_lists


def rows(db, model) -> list:
    with db.read() as session:
        return list(session.exec(select(model)))


async def open_forms(user: User) -> None:
    await user.open('/settings')
    user.find(marker='settings-tab-forms').click()
    await user.should_see(marker='form-create')


async def test_an_admin_makes_a_form_url_shown_once_maps_its_fields_and_revokes_it(user: User, db):
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_forms(user)
    await user.should_see(marker='forms-empty')
    user.find(marker='form-new-name').type('Tilda: ЖК Лес')
    user.find(marker='form-create').click()
    await user.should_see(marker='form-url')
    with user:
        url = next(iter(ElementFilter(marker='form-url'))).content
    token = url.rsplit('/', 1)[1]
    assert '/api/v1/forms/vf_' in url
    [endpoint] = rows(db, FormEndpoint)
    assert endpoint.token_hash == token_digest(token) and token not in str(endpoint.mapping)
    user.find(marker='form-url-close').click()
    await user.should_see(marker=f'form-{endpoint.id}', retries=100)
    await user.should_see('Поле с телефоном: Phone')

    user.find(marker=f'form-edit-{endpoint.id}').click()
    await user.should_see(marker='form-edit-save')
    user.find(marker='form-edit-phone').clear().type('tel')
    user.find(marker='form-edit-comment').type('Комментарий')
    user.find(marker='form-edit-save').click()
    await eventually(lambda: rows(db, FormEndpoint)[0].mapping.get('phone') == 'tel')
    assert rows(db, FormEndpoint)[0].mapping['comment'] == 'Комментарий'
    await user.should_see('Поле с телефоном: tel', retries=100)

    user.find(marker=f'form-revoke-{endpoint.id}').click()
    await user.should_see(marker='form-revoke-ok')
    user.find(marker='form-revoke-ok').click()
    await eventually(lambda: rows(db, FormEndpoint) == [])
    await user.should_see(marker='forms-empty', retries=100)


async def test_a_form_without_a_phone_field_is_refused_on_the_page(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        created = forms.create_form_endpoint(session, actor=admin, name='Квиз')
    await log_in(user, 'admin')
    await open_forms(user)
    user.find(marker=f'form-edit-{created.id}').click()
    await user.should_see(marker='form-edit-save')
    user.find(marker='form-edit-phone').clear()
    user.find(marker='form-edit-save').click()
    await user.should_see('Укажите, в каком поле формы приходит телефон')
    assert rows(db, FormEndpoint)[0].mapping['phone'] == 'Phone'


async def test_an_admin_sets_an_utm_source_rule_under_the_channels(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        direct = admin_lists.add_channel(session, actor=admin, name='Яндекс Директ')
    await log_in(user, 'admin')
    await open_lists(user)
    await user.should_see(marker='lists-channel-rules')
    pick(user, 'channel-rule-match', 'prefix')
    user.find(marker='channel-rule-pattern').type('Yandex')
    pick(user, 'channel-rule-channel', direct)
    user.find(marker='channel-rule-add').click()
    await eventually(
        lambda: [(r.match, r.pattern, r.channel_id) for r in rows(db, ChannelRule)] == [('prefix', 'yandex', direct)]
    )
    rule = rows(db, ChannelRule)[0]
    await user.should_see('utm_source начинается с «yandex» → Яндекс Директ', retries=100)
    user.find(marker=f'channel-rule-remove-{rule.id}').click()
    await eventually(lambda: rows(db, ChannelRule) == [])


async def test_the_requests_page_shows_and_filters_the_utm_tags(user: User, db):
    anna = make_user(db, 'anna')
    for phone, source in (('+79120000001', 'yandex'), ('+79120000002', 'google')):
        with db.write() as session:
            intake.take_lead(
                session,
                actor=anna,
                scope='t',
                name=f'Лид {source}',
                phone=phone,
                attribution={'utm_source': source, 'utm_medium': 'cpc', 'utm_campaign': 'spring'},
            )
    await open_requests(user, 'anna')
    assert sorted(r['attribution'] for r in request_rows(user)) == ['google / cpc / spring', 'yandex / cpc / spring']
    user.find(marker='requests-utm_source').type('google')
    await eventually(lambda: [r['client'] for r in request_rows(user)] == ['Лид google'])
    user.find(marker='requests-reset').click()
    await eventually(lambda: len(request_rows(user)) == 2)


async def test_a_manager_enters_utm_tags_with_a_new_client_and_sees_them_in_its_window(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    user.find(marker='new-client').click()
    await user.should_see(marker='new-name')
    user.find(marker='new-name').type('С рекламы')
    user.find(marker='new-phone').type('89120000001')
    user.find(marker='new-attribution').click()
    user.find(marker='new-utm_source').type('avito')
    user.find(marker='new-utm_campaign').type('spring')
    user.find(marker='new-create').click()
    await eventually(lambda: len(rows(db, Client)) == 1)
    [request] = rows(db, Request)
    assert (request.utm_source, request.utm_medium, request.utm_campaign) == ('avito', '', 'spring')
    await user.should_see(marker=f'card-{request.client_id}', retries=100)
    user.find(marker=f'card-{request.client_id}').trigger('open')
    await user.should_see(marker='window-name')
    await user.should_see(marker=f'request-attribution-{request.id}', retries=100)
    await user.should_see('Реклама: avito / spring')
