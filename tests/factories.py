"""Test data in one place: users with a ready password hash, clients created through the real service."""

from passlib.context import CryptContext

from app.domain.account import reference, users
from app.domain.account.users import ROLE_DEFAULTS
from app.domain.clients import clients
from app.domain.models import User
from app.domain.permissions import Actor

PASSWORD = 'secret-pass'
# a real argon2 hash with the cheapest parameters: checking costs what the stored hash says, and tests log in often
_HASH = CryptContext(schemes=['argon2'], argon2__memory_cost=1024, argon2__rounds=1).hash(PASSWORD)


def make_user(db, login: str, role: str = 'manager', name: str | None = None, **switches) -> Actor:
    """An active user whose password is PASSWORD; switches override the role's defaults."""
    with db.write() as session:
        user = User(
            login=login,
            name=name or login.capitalize(),
            role=role,
            password_hash=_HASH,
            **{**ROLE_DEFAULTS[role], **switches},
        )
        session.add(user)
        session.flush()
        return Actor.of(user)


def make_client(db, actor: Actor, name: str = 'Иванов Иван', phone: str = '+79120000001', **fields):
    with db.write() as session:
        return clients.create_client(session, actor=actor, name=name, phones=[phone], **fields)


def stages(db, board: str = 'clients') -> dict:
    """Stages by name, with their reasons."""
    with db.read() as session:
        return {stage.name: stage for stage in reference.stage_views(session, board)}


def bearer(db, login: str) -> dict:
    """The API's Authorization header with a fresh token of this user."""
    with db.write() as session:
        return {'Authorization': f'Bearer {users.create_token(session, login=login)}'}


def empty_file_store() -> None:
    """The local file store without any blob or temporary file (the database is emptied by the db fixture)."""
    import shutil

    from app.domain.documents.storage import file_store

    shutil.rmtree(file_store().root, ignore_errors=True)
