"""Account: an admin deactivates or brings back a user (an HR system's offboarding, a script)."""

from fastapi import APIRouter, Path

from app.domain.account import admin_users
from app.domain.account.admin_users import UserRow

from .common import Token, write_as

router = APIRouter()

UserId = Path(ge=1, le=2**31 - 1, description='the user’s id (`GET /users`)')


@router.post('/users/{user_id}/deactivate', response_model=UserRow, tags=['account'])
def deactivate_user(token: Token, user_id: int = UserId) -> UserRow:
    """The user can no longer log in; every open tab of theirs goes to the login page within seconds and hears
    nothing more; their clients stay theirs until handed over. Admins only."""
    return write_as(admin_users.deactivate, token, user_id=user_id)


@router.post('/users/{user_id}/reactivate', response_model=UserRow, tags=['account'])
def reactivate_user(token: Token, user_id: int = UserId) -> UserRow:
    """A returning colleague may log in again with their old password. Admins only."""
    return write_as(admin_users.reactivate, token, user_id=user_id)
