"""The admin's team management: add users, change their role and access switches, reset passwords,
deactivate (logged out everywhere at once) and hand their clients to a colleague in one step."""

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import select

from ..errors import InvalidInput, NotFound
from ..models import Client, Role, User
from ..permissions import Actor, ensure_admin
from . import login_throttle
from .audit import record_change
from .users import (
    ROLE_DEFAULTS,
    check_internal_number,
    create_user,
    end_sessions_of,
    internal_number_holder,
    passwords,
)

AREA = 'users'
SWITCHES = ('can_see_others', 'can_act_on_others', 'can_export', 'can_import', 'can_bulk')
MIN_PASSWORD = 6


class UserRow(BaseModel):
    """One line of the users list, as the settings tab shows it."""

    id: int
    login: str
    name: str
    role: str
    active: bool
    can_see_others: bool
    can_act_on_others: bool
    can_export: bool
    can_import: bool
    can_bulk: bool
    clients: int = 0
    internal_number: str = ''  # of the desk phone: telephony's calls name it


def _row(user: User, clients: int) -> UserRow:
    return UserRow(
        id=user.id,
        login=user.login,
        name=user.name,
        role=user.role,
        active=user.active,
        clients=clients,
        internal_number=user.internal_number or '',
        **{switch: getattr(user, switch) for switch in SWITCHES},
    )


def _client_count(session, user_id: int) -> int:
    return session.exec(select(func.count(Client.id)).where(Client.responsible_id == user_id)).one()


def _user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def _check_password(password: str) -> None:
    if len(password or '') < MIN_PASSWORD:
        raise InvalidInput('error.password_short', length=MIN_PASSWORD)


def _check_role(role: str) -> Role:
    if role not in set(Role):
        raise InvalidInput('error.bad_role')
    return Role(role)


def list_users(session, *, actor: Actor) -> list[UserRow]:
    """Everyone with an account, active first, with how many clients each is responsible for."""
    ensure_admin(actor)
    counts = dict(
        session.exec(select(Client.responsible_id, func.count(Client.id)).group_by(Client.responsible_id)).all()
    )
    people = session.exec(select(User).order_by(User.active.desc(), User.name, User.id)).all()
    return [_row(user, counts.get(user.id, 0)) for user in people]


def add_user(
    session, *, actor: Actor, login: str, name: str, role: str, password: str, internal_number: str = ''
) -> UserRow:
    """A new active colleague with the switches their role usually has and an initial password."""
    ensure_admin(actor)
    if not (login or '').strip():
        raise InvalidInput('error.login_required')
    _check_role(role)
    _check_password(password)
    user = create_user(session, login=login, name=name, role=role, password=password, internal_number=internal_number)
    record_change(session, actor, AREA, 'user added', login=user.login, name=user.name, role=user.role)
    return _row(user, 0)


def update_user(
    session,
    *,
    actor: Actor,
    user_id: int,
    name: str | None = None,
    role: str | None = None,
    switches: dict[str, bool] | None = None,
    internal_number: str | None = None,
) -> UserRow:
    """Rename, change the role, the internal number ('' clears it) and the access switches; a new role without
    switches brings its defaults.
    The user's next action already runs with the new rights (the actor is re-read for every request)."""
    ensure_admin(actor)
    user = _user(session, user_id)
    changes: dict[str, object] = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput('error.user_name_required')
        if name != user.name:
            changes['name'] = name
    if role is not None and role != user.role:
        _check_role(role)
        if user.id == actor.id:
            # the last way back into the settings must not be closed by a slip of the mouse
            raise InvalidInput('error.own_role')
        changes['role'] = role
        if switches is None:
            switches = ROLE_DEFAULTS[Role(role)]
    if internal_number is not None:
        number = check_internal_number(session, internal_number, user_id=user.id)
        if number != user.internal_number:
            changes['internal_number'] = number
    unknown = set(switches or {}) - set(SWITCHES)
    if unknown:
        raise InvalidInput('error.invalid')
    for switch, value in (switches or {}).items():
        if bool(value) != getattr(user, switch):
            changes[switch] = bool(value)
    if not changes:
        return _row(user, _client_count(session, user.id))
    for field, value in changes.items():
        setattr(user, field, value)
    session.add(user)
    record_change(session, actor, AREA, 'user changed', login=user.login, **changes)
    return _row(user, _client_count(session, user.id))


def reset_password(session, *, actor: Actor, user_id: int, password: str) -> UserRow:
    """The admin sets a new password (the user forgot theirs); a lock-out from wrong attempts is lifted."""
    ensure_admin(actor)
    user = _user(session, user_id)
    _check_password(password)
    user.password_hash = passwords.hash(password)
    login_throttle.forget_login(session, login=user.login)
    session.add(user)
    record_change(session, actor, AREA, 'password reset', login=user.login)
    return _row(user, _client_count(session, user.id))


def deactivate(session, *, actor: Actor, user_id: int) -> UserRow:
    """The user can no longer log in and is logged out everywhere at once; their clients stay theirs
    until handed over."""
    ensure_admin(actor)
    user = _user(session, user_id)
    if user.id == actor.id:
        raise InvalidInput('error.self_deactivate')
    if user.active:
        user.active = False
        session.add(user)
        end_sessions_of(session, user_id=user.id)
        record_change(session, actor, AREA, 'user deactivated', login=user.login)
    session.flush()
    return _row(user, _client_count(session, user.id))


def reactivate(session, *, actor: Actor, user_id: int) -> UserRow:
    """A returning colleague may log in again with their old password."""
    ensure_admin(actor)
    user = _user(session, user_id)
    if not user.active:
        details = {}
        if user.internal_number and internal_number_holder(session, user.internal_number, other_than=user.id):
            # a colleague took the desk meanwhile: the number stays theirs, the returning user gets a new one
            details['internal_number'] = None
            user.internal_number = None
        user.active = True
        session.add(user)
        record_change(session, actor, AREA, 'user reactivated', login=user.login, **details)
    return _row(user, _client_count(session, user.id))
