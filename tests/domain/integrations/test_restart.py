"""A committed change is never lost: a process killed right after its commit sends nothing, and the next app
process to start (the real `python -m app`) delivers it."""

import signal
import subprocess
import sys
import textwrap

from tests.e2e.conftest import running_app
from tests.servers import app_env

COMMIT_THEN_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from app.config import load_settings
    from app.domain.clients import leads
    from app.domain.integrations import webhooks
    from app.domain.models import User
    from app.domain.permissions import Actor
    from app.setup import prepare_database

    db = prepare_database(load_settings())
    with db.write() as session:
        user = User(login='root', name='Root', role='admin')
        session.add(user)
        session.flush()
        actor = Actor.of(user)
        webhooks.create_endpoint(session, actor=actor, url=sys.argv[1], events=['client.created'])
    with db.write() as session:
        leads.receive_lead(session, actor=actor, name='Иванов Иван', phone='+79120000001')
    print('committed', flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_process_killed_after_its_commit_delivers_after_the_restart(tmp_path, receiver):
    env = app_env(tmp_path, VORONKA_WEBHOOKS_ALLOW_PRIVATE='1')
    died = subprocess.run(
        [sys.executable, '-c', COMMIT_THEN_DIE, receiver.url()], env=env, capture_output=True, text=True, timeout=120
    )
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert died.stdout.strip() == 'committed'
    assert receiver.received == []
    with running_app(tmp_path, VORONKA_WEBHOOKS_ALLOW_PRIVATE='1'):
        (arrived,) = receiver.wait_for(1, timeout=30)
    assert arrived.json['event'] == 'client.created'
    assert arrived.json['client']['phones'] == ['+79120000001']
