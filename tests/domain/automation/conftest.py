"""Rules made through the real service, as an admin would in Settings."""

import pytest

from app.domain.automation import rules
from tests.factories import make_user, stages


@pytest.fixture
def admin(db):
    return make_user(db, 'admin', role='admin', name='Админ')


@pytest.fixture
def stage_ids(db):
    return {name: stage.id for name, stage in stages(db).items()}


@pytest.fixture
def add_rule(db, admin, stage_ids):
    """add_rule('Не разобрано', 'entered', 'move', stage_id=…) → the rule's view."""

    def add(stage: str, trigger: str, action: str, name: str = 'Правило', **fields):
        params = fields.pop('params', {})
        with db.write() as session:
            return rules.create_rule(
                session,
                actor=admin,
                values=rules.RuleInput(
                    name=name, stage_id=stage_ids[stage], trigger=trigger, action=action, params=params, **fields
                ),
            )

    return add
