"""Values believed for a few seconds: forgotten on the news of a change from any process, and never kept when
they were read across a forgetting."""

import os
import time

import pytest
from sqlalchemy import delete

from app.domain import memo, pg_events
from app.domain.account import users
from app.domain.events import AccountChanged, ChangesMissed, ClientChanged, SessionEnded
from app.domain.models import ApiToken
from tests.factories import make_user


def test_the_news_of_a_setup_change_an_ended_login_or_missed_changes_forgets_what_was_believed():
    believed = memo.Believed(60)
    for news in (
        AccountChanged(area='tokens', actor_id=1),
        SessionEnded(session_key='k', user_id=1),
        ChangesMissed(reason='reconnected'),
    ):
        believed.get('key', lambda: 'old')
        memo.forget_on_news(news)
        assert believed.get('key', lambda: 'new') == 'new'
    memo.forget_on_news(ClientChanged(client_id=1, stage_id=1, actor_id=1, what='moved'))
    assert believed.get('key', lambda: 'newer') == 'new'  # a client's change says nothing of tokens or channels


def test_a_value_read_while_everything_was_forgotten_is_not_believed():
    believed = memo.Believed(60)

    def read_meanwhile_changed() -> str:
        believed.forget()  # the news arrives while the read is under way: what it read may be the old row
        return 'maybe old'

    assert believed.get('key', read_meanwhile_changed) == 'maybe old'
    assert believed.get('key', lambda: 'fresh') == 'fresh'


@pytest.mark.skipif(
    not os.environ.get('DATABASE_URL', '').startswith('postgresql'), reason='LISTEN/NOTIFY needs PostgreSQL'
)
def test_a_token_revoked_by_another_process_is_refused_here_at_once(db, monkeypatch):
    """Without the clock moving: the news, not the 10 s of trust, makes this process ask again."""
    make_user(db, 'anna')
    with db.write() as session:
        token = users.create_token(session, login='anna')
    listening = pg_events.Listener(db.url, lambda event, mark: memo.forget_on_news(event), origin='another-process')
    listening.start()
    try:
        assert listening.connected.wait(10)
        with db.read() as session:
            assert users.actor_for_token(session, token) is not None
        frozen = memo.monotonic()
        monkeypatch.setattr(memo, 'monotonic', lambda: frozen)
        with db.engine.begin() as connection:  # as another process commits it: not through this one's sessions
            connection.execute(delete(ApiToken))
            pg_events.notify(connection, [AccountChanged(area='tokens', actor_id=1)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with db.read() as session:
                if users.actor_for_token(session, token) is None:
                    break
            time.sleep(0.05)
        with db.read() as session:
            assert users.actor_for_token(session, token) is None
    finally:
        listening.stop()
