"""The shipped rules: on for a new account and once on upgrade, with an audit-log entry; a meeting moves a lead
on, a new lead gets «Позвонить» in 15 working minutes, an imported-like quiet client none."""

import pytest
from sqlmodel import select

from app.domain.account import audit
from app.domain.automation import rules
from app.domain.automation.defaults import DEFAULTS_KEY, switch_on_default_rules
from app.domain.clients import leads, tasks
from app.domain.models import AccountSetting, Client, Task, utcnow
from tests.factories import make_client


@pytest.fixture(autouse=True)
def new_account(db):
    """An account that has never had its default rules (the test database says it has)."""
    with db.write() as session:
        session.delete(session.get(AccountSetting, DEFAULTS_KEY))


def test_the_defaults_are_switched_on_once_with_an_audit_entry(db, admin):
    with db.write() as session:
        assert switch_on_default_rules(session) is True
    with db.write() as session:
        assert switch_on_default_rules(session) is False
    with db.read() as session:
        names = [rule.name for rule in rules.list_rules(session, actor=admin)]
        entries = audit.audit_log(session, actor=admin)
    assert names == ['Встреча назначена', 'Позвонить новому лиду', 'Лид не разобран 30 минут']
    assert [audit.describe(e, 'ru') for e in entries] == [
        'Включены правила автоматизации по умолчанию: «Встреча назначена», «Позвонить новому лиду», '
        '«Лид не разобран 30 минут»'
    ]


def test_a_deleted_default_does_not_come_back_on_the_next_start(db, admin):
    with db.write() as session:
        switch_on_default_rules(session)
    with db.write() as session:
        for rule in rules.list_rules(session, actor=admin):
            rules.delete_rule(session, actor=admin, rule_id=rule.id)
    with db.write() as session:
        switch_on_default_rules(session)
    with db.read() as session:
        assert rules.list_rules(session, actor=admin) == []


def test_with_the_defaults_a_new_lead_gets_a_call_and_a_meeting_moves_it(db, admin, stage_ids):
    with db.write() as session:
        switch_on_default_rules(session)
    with db.write() as session:
        lead = leads.receive_lead(session, actor=admin, name='Лид с сайта', phone='+79161234567')
    typed_in = make_client(db, admin, name='Введён вручную', phone='+79161234568')
    with db.write() as session:
        tasks.add_task(session, actor=admin, client_id=lead.client_id, title='Встреча', type='meeting', due_at=utcnow())
    with db.read() as session:
        titles = sorted(t.title for t in session.exec(select(Task).where(Task.client_id == lead.client_id)))
        assert session.get(Client, lead.client_id).stage_id == stage_ids['Назначение встречи']
        # a client a person types in is being handled by that person: no automatic call task
        assert session.exec(select(Task).where(Task.client_id == typed_in.id)).all() == []
    assert titles == ['Встреча', 'Позвонить']
