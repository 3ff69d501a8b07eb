"""Settings → «Интеграции»: an admin adds a webhook and sees its secret once, sees its deliveries and sends one
again; a failing endpoint is flagged; a manager gets no settings at all."""

from datetime import timedelta

from nicegui.element_filter import ElementFilter
from nicegui.testing import User
from sqlalchemy import update
from sqlmodel import select

from app.domain.integrations import webhooks
from app.domain.models import WebhookDelivery, WebhookEndpoint, utcnow
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick


async def open_integrations(user: User) -> None:
    await user.open('/settings')
    await user.should_see(marker='settings-tab-integrations', retries=100)
    pick(user, 'settings-tabs', 'integrations')
    await user.should_see(marker='webhook-new', retries=100)


def endpoints(db) -> list[WebhookEndpoint]:
    with db.read() as session:
        return list(session.exec(select(WebhookEndpoint)))


async def test_an_admin_adds_a_webhook_for_chosen_events_and_sees_its_secret_once(user: User, db, monkeypatch):
    monkeypatch.setenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE', '1')
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_integrations(user)
    await user.should_see(marker='webhooks-none')
    user.find(marker='webhook-new').click()
    await user.should_see(marker='webhook-dialog')
    user.find(marker='webhook-url').type('http://127.0.0.1:9/hook')
    for kind in webhooks.EVENT_KINDS:
        if kind not in ('deal.paid', 'deal.created'):
            pick(user, f'webhook-event-{kind}', False)
    user.find(marker='webhook-save').click()
    await eventually(
        lambda: (
            [(e.url, e.events) for e in endpoints(db)] == [('http://127.0.0.1:9/hook', ['deal.created', 'deal.paid'])]
        )
    )
    await user.should_see(marker='webhook-secret', retries=100)
    with user:
        shown = next(iter(ElementFilter(marker='webhook-secret'))).content
    assert endpoints(db)[0].secret in shown


async def test_a_bad_address_is_refused_in_the_dialog(user: User, db):
    make_user(db, 'admin', role='admin')
    await log_in(user, 'admin')
    await open_integrations(user)
    user.find(marker='webhook-new').click()
    await user.should_see(marker='webhook-dialog')
    user.find(marker='webhook-url').type('ftp://example.com/hook')
    user.find(marker='webhook-save').click()
    await user.should_see('Нужен адрес вида https://example.ru/hook', retries=100)
    await user.should_see(marker='webhook-dialog')
    assert endpoints(db) == []


async def test_deliveries_are_listed_sent_again_and_a_day_of_failures_is_flagged(user: User, db, monkeypatch):
    monkeypatch.setenv('VORONKA_WEBHOOKS_ALLOW_PRIVATE', '1')
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        webhooks.create_endpoint(session, actor=admin, url='http://127.0.0.1:9/hook', events=['client.created'])
    make_client(db, admin)
    with db.write() as session:
        session.execute(update(WebhookEndpoint).values(failing_since=utcnow() - timedelta(days=2)))
        session.execute(update(WebhookDelivery).values(status='failed', attempts=31, response_code=500))
    await log_in(user, 'admin')
    await open_integrations(user)
    await user.should_see(marker='webhooks-failing')
    await user.should_see(marker='webhook-failing')
    with user:
        (tab,) = ElementFilter(marker='settings-tab-integrations')
        assert tab.props.get('alert') == 'negative'  # the red dot an admin sees from any other settings tab
    with user:
        (table,) = ElementFilter(marker='webhook-deliveries')
        assert [(r['status_key'], r['attempts'], r['code']) for r in table.rows] == [('failed', 31, '500')]
        delivery_id = table.rows[0]['id']
    user.find(marker='webhook-deliveries').trigger('resend', delivery_id)
    await user.should_see('Событие поставлено в очередь', retries=100)

    def resent() -> bool:
        with db.read() as session:
            return session.get(WebhookDelivery, delivery_id).status == 'pending'

    await eventually(resent)


async def test_a_manager_sees_no_integrations(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.open('/settings')
    await user.should_see(marker='settings-forbidden', retries=100)
    await user.should_not_see(marker='webhook-new')
