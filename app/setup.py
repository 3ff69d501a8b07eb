"""Bringing a data directory to life: schema, default reference data, and demo data on first run."""

from collections.abc import Callable

from app.config import Settings
from app.domain.automation.defaults import switch_on_default_rules
from app.domain.db import Database, DbSession, init_database
from app.domain.integrations import outbox  # noqa: F401  (every writing process fills the outbox of webhooks)
from app.seed import seed_defaults


def prepare_database(settings: Settings, *, first_run: Callable[[DbSession], None] | None = None) -> Database:
    """Create or upgrade the schema and write the default stages, reasons and channels if missing, and the default
    automation rules once; then, in the same transaction, `first_run(session)` (the demo team). Processes starting
    together take turns: the second finds the schema, the defaults and the users already there."""
    database = init_database(settings.database_url, migrate=False)
    with database.startup_lock():
        database.migrate()
        with database.write() as session:
            seed_defaults(session)
            switch_on_default_rules(session)
            if first_run is not None:
                first_run(session)
    database.optimize()
    return database
