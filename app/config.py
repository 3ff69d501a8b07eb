"""One frozen Settings object read from the environment, so every entry point configures the same way."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how the server listens."""

    data_dir: Path
    database_url: str
    host: str
    port: int
    session_hours: int
    default_region: str
    trusted_proxies: frozenset[str] = frozenset({'127.0.0.1'})
    allowed_origins: frozenset[str] = frozenset()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith('sqlite')


def load_settings() -> Settings:
    """Read VORONKA_* and DATABASE_URL; the data directory is created so SQLite and the secret have a home."""
    data_dir = Path(os.environ.get('VORONKA_DATA_DIR', 'data')).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get('DATABASE_URL') or f'sqlite:///{data_dir / "voronka.db"}',
        host=os.environ.get('VORONKA_HOST', '127.0.0.1'),
        port=int(os.environ.get('VORONKA_PORT', '8080')),
        session_hours=int(os.environ.get('VORONKA_SESSION_HOURS', '12')),
        default_region=os.environ.get('VORONKA_PHONE_REGION', 'RU'),
        trusted_proxies=_listed('VORONKA_TRUSTED_PROXIES', '127.0.0.1'),
        allowed_origins=frozenset(o.rstrip('/').lower() for o in _listed('VORONKA_ALLOWED_ORIGINS', '')),
    )


def _listed(name: str, default: str) -> frozenset[str]:
    """A comma-separated environment variable as a set (addresses of proxies, origins)."""
    return frozenset(part.strip() for part in os.environ.get(name, default).split(',') if part.strip())
