"""Bringing a data directory to life: schema, default reference data, and demo data on first run."""

from app.config import Settings
from app.domain.db import Database, init_database
from app.domain.integrations import outbox  # noqa: F401  (every writing process fills the outbox of webhooks)
from app.seed import seed_defaults


def prepare_database(settings: Settings) -> Database:
    """Create or upgrade the schema and write the default stages, reasons and channels if missing."""
    database = init_database(settings.database_url)
    with database.write() as session:
        seed_defaults(session)
    database.optimize()
    return database
