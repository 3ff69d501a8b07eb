"""One database for the whole run (SQLite, or PostgreSQL from TEST_DATABASE_URL), emptied before each test."""

import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

_data_dir = Path(tempfile.mkdtemp(prefix='voronka-test-'))
os.environ['VORONKA_DATA_DIR'] = str(_data_dir)
os.environ['DATABASE_URL'] = os.environ.get('TEST_DATABASE_URL') or f'sqlite:///{_data_dir / "test.db"}'

from app.domain import models  # noqa: E402,F401
from app.domain.automation.defaults import DEFAULTS_KEY  # noqa: E402
from app.domain.db import init_database  # noqa: E402
from app.domain.events import bus  # noqa: E402
from app.domain.memo import forget_everything  # noqa: E402
from app.domain.models import AccountSetting  # noqa: E402
from app.seed import seed_defaults  # noqa: E402


def _fresh_schema(url: str) -> None:
    if url.startswith('postgresql'):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text('DROP SCHEMA public CASCADE'))
            connection.execute(text('CREATE SCHEMA public'))
        engine.dispose()


@pytest.fixture(scope='session')
def database():
    """Migrated once per run: the migrations themselves are under test here."""
    url = os.environ['DATABASE_URL']
    _fresh_schema(url)
    db = init_database(url)
    yield db
    db.dispose()


@pytest.fixture(autouse=True)
def db(database):
    """Every test starts from the default reference data and no users or clients."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    # DELETE, not TRUNCATE: on a handful of rows it is several times faster on PostgreSQL too
    with database.engine.begin() as connection:
        for name in tables:
            connection.execute(text(f'DELETE FROM "{name}"'))
    with database.write() as session:
        seed_defaults(session)
        # an account whose default automation rules were decided already (none): a test of some other behaviour
        # is not joined by a «Позвонить» task on every new client; tests of the rules make their own
        session.add(AccountSetting(key=DEFAULTS_KEY, value={'keys': []}))
    bus.reset()
    forget_everything()  # the ids of the emptied tables are given out again
    yield database
    bus.reset()
