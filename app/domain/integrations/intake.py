"""Leads from integrations with their attribution: the channel from the lead, else from the utm_source rules, else
the sender's default; answered once per idempotency key. The API's POST /leads and the site forms both come here."""

from collections.abc import Mapping

from ..attribution import Attribution, check_attribution
from ..clients.leads import receive_lead
from ..errors import InvalidInput
from ..models import TouchType
from ..permissions import Actor
from ..views import LeadResult
from .channel_rules import channel_for_source
from .idempotency import Answer, answer_once, check_key, fingerprint_of


def receive_attributed_lead(
    session,
    *,
    actor: Actor,
    name: str,
    phone: str,
    attribution: Attribution,
    channel: int | str | None = None,
    fallback_channel_id: int | None = None,
    touch_type: str = TouchType.request,
    project: int | str | None = None,
    comment: str = '',
) -> LeadResult:
    """A lead whose channel, when it names none, comes from the rules for its utm_source, then `fallback_channel_id`
    (a form endpoint's own), then the account's default channel."""
    if channel in (None, ''):
        channel = channel_for_source(session, attribution.utm_source) or fallback_channel_id
    return receive_lead(
        session,
        actor=actor,
        name=name,
        phone=phone,
        channel=channel,
        touch_type=touch_type,
        project=project,
        comment=comment,
        attribution=attribution,
    )


def take_lead(
    session,
    *,
    actor: Actor,
    scope: str,
    name: str,
    phone: str,
    channel: int | str | None = None,
    touch_type: str = TouchType.request,
    project: int | str | None = None,
    comment: str = '',
    attribution: Mapping | None = None,
    idempotency_key: str | None = None,
    external_id: str | None = None,
) -> Answer:
    """A lead from the API (201 and its LeadResult); with a key (the `Idempotency-Key` header or `external_id`), a
    retry gets the first answer back and makes no second request, another body under the same key is a 409."""
    marks = check_attribution(attribution)
    header_key, body_key = check_key(idempotency_key), check_key(external_id)
    if header_key and body_key and header_key != body_key:
        raise InvalidInput('error.idempotency_two_keys')
    key = header_key or body_key
    lead = {
        'name': name,
        'phone': phone,
        'channel': channel,
        'touch_type': touch_type,
        'project': project,
        'comment': comment,
    }

    def write() -> Answer:
        result = receive_attributed_lead(session, actor=actor, attribution=marks, **lead)
        return Answer(status_code=201, body=result.model_dump(mode='json'))

    fingerprint = fingerprint_of({**lead, 'attribution': marks.model_dump()}) if key else ''
    return answer_once(session, scope=scope, key=key, fingerprint=fingerprint, write=write)
