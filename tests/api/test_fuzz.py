"""Schema-driven fuzzing: schemathesis generates requests from our own OpenAPI document, valid and invalid, and
every answer must be what that document promises — no 500, a documented status, content type and body. An
integrator codes against the document; this is what keeps it true."""

from collections import Counter
from datetime import UTC, datetime

import hypothesis.strategies as st
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import api
from app.domain.clients import tasks
from app.domain.excel import export_schemas
from tests.factories import bearer, make_client, make_user

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
# per operation and generation mode: enough to find a 500 the document hides, small enough for a couple of minutes
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}


def _seed(db) -> dict[str, list[int]]:
    """A team, clients with a task, and the export schema, so that generated requests also reach records that
    exist, not only 404s."""
    admin = make_user(db, 'admin', role='admin')
    anna = make_user(db, 'anna')
    make_user(db, 'boris', role='head')
    clients = [make_client(db, anna, name=f'Клиент {n}', phone=f'+7912000000{n}') for n in range(1, 4)]
    with db.write() as session:
        task = tasks.add_task(
            session, actor=anna, client_id=clients[0].id, title='Перезвонить', due_at=datetime.now(UTC)
        )
        schema_ids = [schema.id for schema in export_schemas.export_schemas(session, actor=admin)]
    return {
        'client_id': [c.id for c in clients],
        'user_id': [admin.id, anna.id],
        'task_id': [task.id],
        'schema_id': schema_ids,
    }


def _strategy(operation, mode: GenerationMode, known: dict[str, list[int]]):
    """Cases for one operation; when its path names only ids we seeded, or its query takes one (an export
    schema), half of the cases use ids of records that exist, so the requests reach the services, not only 404s."""
    generated = operation.as_strategy(generation_mode=mode)
    path = [parameter.name for parameter in operation.path_parameters]
    query = [parameter.name for parameter in operation.query if parameter.name in known]
    if any(name not in known for name in path) or not (path or query):
        return generated
    existing = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in path + query}).flatmap(
        lambda ids: operation.as_strategy(
            generation_mode=mode,
            path_parameters={name: ids[name] for name in path} or None,
            query={name: ids[name] for name in query} or None,
        )
    )
    return st.one_of(generated, existing)


def _explore(strategy, count: int, run) -> None:
    """Run `run` on `count` generated cases; failures are counted by `run`, so the search never stops early."""

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def explore(case) -> None:
        run(case)

    explore()


def test_every_operation_answers_as_the_openapi_document_says(db):
    known = _seed(db)
    headers = bearer(db, 'admin')
    schema = schemathesis.openapi.from_asgi('/openapi.json', api)
    operations, tally, examples = 0, Counter(), {}

    def run(case) -> None:
        tally['cases'] += 1
        response = case.call(headers=headers)
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check])
            except FailureGroup as group:
                tally[check.__name__] += 1
                examples.setdefault((check.__name__, case.operation.label, response.status_code), str(group))

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, count in EXAMPLES.items():
            _explore(_strategy(operation, mode, known), count, run)

    report = f'{operations} operations, {tally["cases"]} cases; failures: ' + ', '.join(
        f'{check.__name__} {tally[check.__name__]}' for check in CHECKS
    )
    print(report)
    assert sum(tally[check.__name__] for check in CHECKS) == 0, '\n\n'.join(
        [report, *(f'{check} on {label} ({status}): {text}' for (check, label, status), text in examples.items())][:11]
    )
