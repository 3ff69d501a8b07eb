"""Channels derived from utm_source by rules the admin sets (`yandex` → «Яндекс Директ»): a lead that names no
channel gets the channel of the rule its utm_source matches, so the channel report stays right without every
integration knowing the account's channel names."""

from pydantic import BaseModel
from sqlmodel import select

from ..account.audit import record_change
from ..attribution import UTM_MAX
from ..errors import InvalidInput, NotFound
from ..limits import check_text
from ..memo import Believed
from ..models import Channel, ChannelRule
from ..permissions import Actor, ensure_admin

AREA = 'lists'
MATCHES = ('exact', 'prefix')
RULES_TRUST_S = 10  # like the lead's other reference rows (app/domain/clients/leads.py)


class ChannelRuleItem(BaseModel):
    id: int
    match: str
    pattern: str
    channel_id: int
    channel_name: str


def _fold(value: str | None) -> str:
    return ' '.join((value or '').split()).casefold()


def channel_rules(session, *, actor: Actor) -> list[ChannelRuleItem]:
    """Every rule as the settings list shows it: exact ones first, then prefixes, alphabetically."""
    ensure_admin(actor)
    rows = session.exec(
        select(ChannelRule, Channel.name)
        .join(Channel, Channel.id == ChannelRule.channel_id)
        .order_by(ChannelRule.match, ChannelRule.pattern)
    ).all()
    return [
        ChannelRuleItem(id=r.id, match=r.match, pattern=r.pattern, channel_id=r.channel_id, channel_name=name)
        for r, name in rows
    ]


def set_channel_rule(session, *, actor: Actor, match: str, pattern: str, channel_id: int) -> int:
    """A rule utm_source (exactly, or starting with) `pattern` → the channel; a rule for the same pattern gets the
    new channel instead of a twin that would contradict it."""
    ensure_admin(actor)
    if match not in MATCHES:
        raise InvalidInput('error.field.choice', field='match', limit=', '.join(MATCHES))
    pattern = _fold(check_text(pattern, UTM_MAX, 'rules.pattern', one_line=True))
    if not pattern:
        raise InvalidInput('rules.error.pattern_empty')
    channel = session.get(Channel, channel_id)
    if channel is None or not channel.active:
        raise NotFound()
    rule = session.exec(select(ChannelRule).where(ChannelRule.match == match, ChannelRule.pattern == pattern)).first()
    rule = rule or ChannelRule(match=match, pattern=pattern, channel_id=channel.id)
    rule.channel_id = channel.id
    session.add(rule)
    session.flush()
    record_change(session, actor, AREA, 'channel_rule_set', match=match, pattern=pattern, channel=channel.name)
    return rule.id


def remove_channel_rule(session, *, actor: Actor, rule_id: int) -> int:
    ensure_admin(actor)
    rule = session.get(ChannelRule, rule_id)
    if rule is None:
        raise NotFound()
    session.delete(rule)
    record_change(session, actor, AREA, 'channel_rule_removed', match=rule.match, pattern=rule.pattern)
    return rule_id


_rules = Believed(RULES_TRUST_S, watched=(ChannelRule, Channel))


def _ordered_rules(session) -> tuple[tuple[str, str, int], ...]:
    """(match, pattern, channel id) in the order they are tried: exact rules, then the longest prefix first.
    Rules of a removed (inactive) channel are skipped: the lead falls back as if there were none."""

    def load():
        rows = session.exec(
            select(ChannelRule.match, ChannelRule.pattern, ChannelRule.channel_id)
            .join(Channel, Channel.id == ChannelRule.channel_id)
            .where(Channel.active)
        ).all()
        return tuple(sorted(rows, key=lambda r: (r[0] != 'exact', -len(r[1]), r[1])))

    return _rules.get('rules', load)


def channel_for_source(session, utm_source: str) -> int | None:
    """The channel the rules give an utm_source, or None when no rule matches (or there is no utm_source)."""
    source = _fold(utm_source)
    if not source:
        return None
    for match, pattern, channel_id in _ordered_rules(session):
        if source == pattern or (match == 'prefix' and source.startswith(pattern)):
            return channel_id
    return None
