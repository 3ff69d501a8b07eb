"""The admin's utm_source rules give a channel to the leads that name none."""

import pytest
from sqlmodel import select

from app.domain.account import admin_lists, audit
from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.integrations import channel_rules, intake
from app.domain.models import Channel, Request
from tests.factories import make_user


def _channel(db, name: str) -> int:
    with db.read() as session:
        return session.exec(select(Channel.id).where(Channel.name == name)).one()


@pytest.fixture
def direct(db):
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        channel_id = admin_lists.add_channel(session, actor=admin, name='Яндекс Директ')
    return admin, channel_id


def _lead_channel(db, actor, phone: str, **lead) -> str:
    attribution = {'utm_source': lead.pop('utm_source', '')}
    with db.write() as session:
        answer = intake.take_lead(
            session, actor=actor, scope='t', name='Лид', phone=phone, attribution=attribution, **lead
        )
    with db.read() as session:
        request = session.get(Request, answer.body['request_id'])
        return session.get(Channel, request.channel_id).name


def test_a_lead_without_a_channel_gets_the_channel_its_utm_source_matches(db, direct):
    admin, direct_id = direct
    avito = _channel(db, 'Авито')
    with db.write() as session:
        channel_rules.set_channel_rule(session, actor=admin, match='exact', pattern='Yandex', channel_id=direct_id)
        channel_rules.set_channel_rule(session, actor=admin, match='prefix', pattern='ya', channel_id=avito)
        channel_rules.set_channel_rule(session, actor=admin, match='prefix', pattern='yandex_', channel_id=direct_id)
    assert _lead_channel(db, admin, '+79120000001', utm_source='YANDEX') == 'Яндекс Директ'  # exact, any case
    assert _lead_channel(db, admin, '+79120000002', utm_source='yandex_rsya') == 'Яндекс Директ'  # longer prefix
    assert _lead_channel(db, admin, '+79120000003', utm_source='yahoo') == 'Авито'
    assert _lead_channel(db, admin, '+79120000004', utm_source='google') == 'Сайт'  # no rule: the default
    # a channel the lead names wins over the rules
    assert _lead_channel(db, admin, '+79120000005', utm_source='yandex', channel='Авито') == 'Авито'


def test_setting_a_rule_for_the_same_pattern_changes_its_channel_and_removing_it_stops_it(db, direct):
    admin, direct_id = direct
    with db.write() as session:
        rule_id = channel_rules.set_channel_rule(
            session, actor=admin, match='exact', pattern='vk', channel_id=direct_id
        )
        again = channel_rules.set_channel_rule(
            session, actor=admin, match='exact', pattern=' VK ', channel_id=_channel(db, 'Авито')
        )
    assert again == rule_id
    with db.read() as session:
        [rule] = channel_rules.channel_rules(session, actor=admin)
    assert (rule.pattern, rule.channel_name) == ('vk', 'Авито')
    assert _lead_channel(db, admin, '+79120000001', utm_source='vk') == 'Авито'
    with db.write() as session:
        channel_rules.remove_channel_rule(session, actor=admin, rule_id=rule_id)
    assert _lead_channel(db, admin, '+79120000002', utm_source='vk') == 'Сайт'
    with db.read() as session:
        log = [audit.describe(e, 'ru') for e in audit.audit_log(session, actor=admin)]
    assert log[0] == 'Удалено правило: utm_source совпадает с «vk»'
    assert log[1] == 'Правило: utm_source совпадает с «vk» → канал привлечения «Авито»'


def test_a_rule_of_a_removed_channel_is_skipped(db, direct):
    admin, direct_id = direct
    with db.write() as session:
        channel_rules.set_channel_rule(session, actor=admin, match='exact', pattern='yandex', channel_id=direct_id)
        admin_lists.remove_channel(session, actor=admin, channel_id=direct_id)
    assert _lead_channel(db, admin, '+79120000001', utm_source='yandex') == 'Сайт'


def test_only_an_admin_sets_rules_and_a_rule_needs_a_pattern(db, direct):
    admin, direct_id = direct
    head = make_user(db, 'head', role='head')
    with pytest.raises(PermissionDenied), db.write() as session:
        channel_rules.set_channel_rule(session, actor=head, match='exact', pattern='x', channel_id=direct_id)
    with pytest.raises(PermissionDenied), db.read() as session:
        channel_rules.channel_rules(session, actor=head)
    for match, pattern in (('exact', '  '), ('regex', 'x'), ('exact', 'x' * 201)):
        with pytest.raises(InvalidInput), db.write() as session:
            channel_rules.set_channel_rule(session, actor=admin, match=match, pattern=pattern, channel_id=direct_id)
