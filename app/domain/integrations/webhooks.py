"""Webhook endpoints as admins register them (URL, secret, the events wanted), the deliveries they got, and the
signature receivers check. Only admins see or change any of it; the secret is shown only when it is made."""

import hashlib
import hmac
import ipaddress
import os
import secrets
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlalchemy import delete, func, update
from sqlmodel import select

from ..account.audit import record_change
from ..errors import InvalidInput, NotFound
from ..limits import check_text
from ..models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint, as_utc, utcnow
from ..permissions import Actor, ensure_admin
from .outbox import EVENT_KINDS

URL_MAX = 2000
DESCRIPTION_MAX = 200
ENDPOINTS_MAX = 50
FAILING_FLAG_AFTER = timedelta(days=1)
RECENT_DELIVERIES = 50
SIGNATURE_HEADER = 'X-Voronka-Signature'
TIMESTAMP_HEADER = 'X-Voronka-Timestamp'
DELIVERY_HEADER = 'X-Voronka-Delivery'
EVENT_HEADER = 'X-Voronka-Event'


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: HMAC-SHA256 of "<timestamp>.<body>" under the endpoint's secret."""
    digest = hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return f'sha256={digest}'


def _new_secret() -> str:
    return 'whsec_' + secrets.token_urlsafe(32)


def private_addresses_allowed() -> bool:
    """Receivers on loopback and private networks are refused unless VORONKA_WEBHOOKS_ALLOW_PRIVATE=1: otherwise
    an admin's URL could make the server call services that are reachable only from inside."""
    return os.environ.get('VORONKA_WEBHOOKS_ALLOW_PRIVATE', '') == '1'


_IPV4_COMPATIBLE = ipaddress.ip_network('::/96')  # deprecated; `is_global` takes ::127.0.0.1 for a public address
_NAT64 = ipaddress.ip_network('64:ff9b::/96')  # the last 32 bits are the IPv4 address a NAT64 gateway calls


def _is_public(address: str) -> bool:
    """A public unicast address; an IPv6 one that carries an IPv4 address (NAT64, 6to4) only when that is public
    too, since the gateway would call it for us."""
    ip = ipaddress.ip_address(address.split('%')[0])
    if ip.version == 6:
        if ip in _IPV4_COMPATIBLE:
            return False
        inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else ip.sixtofour or ip.ipv4_mapped
        if inner is not None and not _is_public(str(inner)):
            return False
    return ip.is_global and not ip.is_multicast


def check_destination(host: str, port: int | None) -> None:
    """Refuse a host that is (or resolves to) an address inside, unless those are allowed; checked when the URL
    is saved and again before each delivery (a name may resolve elsewhere later)."""
    if private_addresses_allowed():
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        raise InvalidInput('error.webhook_host_unknown', host=host) from None
    if not addresses or not all(_is_public(a) for a in addresses):
        raise InvalidInput('error.webhook_private', host=host)


def checked_url(url: str | None) -> str:
    """An http(s) URL without credentials, of a reachable public host."""
    url = check_text(url, URL_MAX, 'webhooks.url', one_line=True).strip()
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput('error.webhook_url') from None
    if parts.scheme not in ('http', 'https') or not parts.hostname or parts.username or parts.password:
        raise InvalidInput('error.webhook_url')
    check_destination(parts.hostname, port)
    return url


def _checked_events(events) -> list[str]:
    chosen = list(dict.fromkeys(events or []))
    if not chosen:
        raise InvalidInput('error.webhook_no_events')
    unknown = [e for e in chosen if e not in EVENT_KINDS]
    if unknown:
        raise InvalidInput('error.webhook_event', event=str(unknown[0])[:40])
    return [e for e in EVENT_KINDS if e in chosen]


class EndpointView(BaseModel):
    """An endpoint as the settings list it: never its secret."""

    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime
    failing_since: datetime | None
    failing: bool  # every attempt failed for a day or more: admins are told
    pending: int


class EndpointCreated(BaseModel):
    endpoint: EndpointView
    secret: str  # shown this once


class DeliveryView(BaseModel):
    id: int
    uid: str
    event: str
    client_id: int | None
    status: str
    attempts: int
    response_code: int | None
    last_error: str
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


def _failing(endpoint: WebhookEndpoint, now: datetime) -> bool:
    since = endpoint.failing_since
    return endpoint.active and since is not None and now - as_utc(since) >= FAILING_FLAG_AFTER


def _views(session, endpoints: list[WebhookEndpoint]) -> list[EndpointView]:
    now = utcnow()
    ids = [e.id for e in endpoints]
    pending = (
        dict(
            session.exec(
                select(WebhookDelivery.endpoint_id, func.count())
                .where(WebhookDelivery.endpoint_id.in_(ids), WebhookDelivery.status == DeliveryStatus.pending)
                .group_by(WebhookDelivery.endpoint_id)
            ).all()
        )
        if ids
        else {}
    )
    return [
        EndpointView(
            id=e.id,
            url=e.url,
            description=e.description,
            events=list(e.events),
            active=e.active,
            created_at=e.created_at,
            failing_since=e.failing_since,
            failing=_failing(e, now),
            pending=pending.get(e.id, 0),
        )
        for e in endpoints
    ]


def list_endpoints(session, *, actor: Actor) -> list[EndpointView]:
    ensure_admin(actor)
    return _views(session, list(session.exec(select(WebhookEndpoint).order_by(WebhookEndpoint.id))))


def failing_endpoints(session, *, actor: Actor) -> int:
    """How many endpoints have failed for a day (the settings tab's mark); nothing to tell a non-admin."""
    if not actor.is_admin:
        return 0
    return sum(_failing(e, utcnow()) for e in session.exec(select(WebhookEndpoint)))


def _endpoint(session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


def create_endpoint(
    session, *, actor: Actor, url: str, events: list[str], description: str = '', active: bool = True
) -> EndpointCreated:
    """Register a receiver; the answer carries its new secret, which is never shown again."""
    ensure_admin(actor)
    if session.exec(select(func.count()).select_from(WebhookEndpoint)).one() >= ENDPOINTS_MAX:
        raise InvalidInput('error.webhook_too_many', limit=ENDPOINTS_MAX)
    endpoint = WebhookEndpoint(
        url=checked_url(url),
        description=check_text(description, DESCRIPTION_MAX, 'webhooks.description', one_line=True),
        events=_checked_events(events),
        active=bool(active),
        secret=_new_secret(),
        created_by_id=actor.id,
    )
    session.add(endpoint)
    session.flush()
    record_change(session, actor, 'integrations', 'webhook_added', url=endpoint.url)
    return EndpointCreated(endpoint=_views(session, [endpoint])[0], secret=endpoint.secret)


def edit_endpoint(
    session,
    *,
    actor: Actor,
    endpoint_id: int,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> EndpointView:
    """Change what is given; disabling stops new events for it (those already waiting are still sent)."""
    ensure_admin(actor)
    endpoint = _endpoint(session, endpoint_id)
    if url is not None:
        endpoint.url = checked_url(url)
    if events is not None:
        endpoint.events = _checked_events(events)
    if description is not None:
        endpoint.description = check_text(description, DESCRIPTION_MAX, 'webhooks.description', one_line=True)
    if active is not None:
        endpoint.active = bool(active)
        if not endpoint.active:
            endpoint.failing_since = None
    session.add(endpoint)
    session.flush()
    record_change(session, actor, 'integrations', 'webhook_edited', url=endpoint.url)
    return _views(session, [endpoint])[0]


def regenerate_secret(session, *, actor: Actor, endpoint_id: int) -> str:
    """A new secret, shown once; deliveries from now on are signed with it."""
    ensure_admin(actor)
    endpoint = _endpoint(session, endpoint_id)
    endpoint.secret = _new_secret()
    session.add(endpoint)
    record_change(session, actor, 'integrations', 'webhook_secret', url=endpoint.url)
    return endpoint.secret


def delete_endpoint(session, *, actor: Actor, endpoint_id: int) -> int:
    """The endpoint goes with its deliveries; events no other endpoint waits for go too."""
    ensure_admin(actor)
    endpoint = _endpoint(session, endpoint_id)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.execute(delete(OutboxEvent).where(~OutboxEvent.id.in_(select(WebhookDelivery.event_id))))
    session.delete(endpoint)
    record_change(session, actor, 'integrations', 'webhook_deleted', url=endpoint.url)
    return endpoint_id


def recent_deliveries(session, *, actor: Actor, endpoint_id: int, limit: int = RECENT_DELIVERIES) -> list[DeliveryView]:
    """The endpoint's latest deliveries, newest first."""
    ensure_admin(actor)
    _endpoint(session, endpoint_id)
    rows = session.exec(
        select(WebhookDelivery, OutboxEvent.kind)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(max(1, min(limit, 500)))
    ).all()
    return [
        DeliveryView(
            id=d.id,
            uid=d.uid,
            event=kind,
            client_id=d.client_id,
            status=d.status,
            attempts=d.attempts,
            response_code=d.response_code,
            last_error=d.last_error,
            created_at=d.created_at,
            last_attempt_at=d.last_attempt_at,
            next_attempt_at=d.next_attempt_at if d.status == DeliveryStatus.pending else None,
            delivered_at=d.delivered_at,
        )
        for d, kind in rows
    ]


def resend_delivery(session, *, actor: Actor, delivery_id: int) -> int:
    """«Отправить снова»: the delivery is due now and gets a new day of retries, with the same id, so a receiver
    that has it already can tell."""
    ensure_admin(actor)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound()
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id)
        .values(
            status=DeliveryStatus.pending, attempts=0, next_attempt_at=utcnow(), locked_until=None, delivered_at=None
        )
        .execution_options(synchronize_session=False)
    )
    session.info['outbox_written'] = True  # this process's worker picks it up at once
    return delivery.id
