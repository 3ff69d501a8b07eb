"""Each user's view of the board (SPEC §3 «Настроить вид»): order, task display, card parts. Their own to
change; admins may change anyone's, and that user's open board follows."""

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from ..account.audit import write_entry
from ..errors import NotFound, PermissionDenied
from ..events import UserSettingsChanged, queue_event
from ..models import CreationMethod, User
from ..permissions import Actor
from .filters import read_preference, write_preference

VIEW_KEY = 'view_settings'
FRESH_FOR = timedelta(hours=24)  # how long a lead no one has handled yet stays on top of the first stage
CARD_PARTS = ('icons', 'project', 'situation', 'tags', 'agency', 'tasks', 'responsible', 'created', 'documents')


class ViewSettings(BaseModel):
    sort: Literal['newest', 'oldest', 'nearest_task', 'last_activity'] = 'newest'
    tasks_first: bool = False  # clients with open tasks come before the rest, nearest task first
    overdue_first: bool = True  # clients with overdue tasks come before everything else
    task_display: Literal['hidden', 'nearest', 'all', 'counter'] = 'nearest'
    parts: list[str] = list(CARD_PARTS)


def _target(session, actor: Actor, user_id: int | None) -> int:
    user_id = user_id or actor.id
    if user_id != actor.id and not (actor.active and actor.is_admin):
        raise PermissionDenied()
    if session.get(User, user_id) is None:
        raise NotFound()
    return user_id


def load_view_settings(session, *, actor: Actor, user_id: int | None = None) -> ViewSettings:
    """A user's view settings (an admin may read anyone's); defaults for someone who never chose."""
    user_id = _target(session, actor, user_id)
    stored = read_preference(session, user_id=user_id, key=VIEW_KEY, default={})
    try:
        return ViewSettings.model_validate(stored)
    except ValueError:  # saved by an older version: start from the defaults rather than fail
        return ViewSettings()


def save_view_settings(session, *, actor: Actor, settings: ViewSettings, user_id: int | None = None) -> ViewSettings:
    """Keep a user's view settings; their open boards re-render at once."""
    user_id = _target(session, actor, user_id)
    clean = settings.model_copy(update={'parts': [p for p in CARD_PARTS if p in settings.parts]})
    if user_id != actor.id:  # an admin changing someone's board: that user may well ask who did it
        _log_change(session, actor, user_id, load_view_settings(session, actor=actor, user_id=user_id), clean)
    write_preference(session, user_id=user_id, key=VIEW_KEY, value=clean.model_dump(mode='json'))
    queue_event(session, UserSettingsChanged(user_id=user_id, actor_id=actor.id))
    return clean


def is_fresh(card, now: datetime, first_stage_id: int | None) -> bool:
    """A lead the team must see first: in the first working stage, arrived within a day (an imported row is
    history, not an arrival) and not yet handled by a person."""
    return (
        card.stage_id == first_stage_id
        and card.handled_at is None
        and card.creation_method != CreationMethod.import_
        and card.created_at >= now - FRESH_FOR
    )


def _log_change(session, actor: Actor, user_id: int, old: ViewSettings, new: ViewSettings) -> None:
    changes = {k: v for k, v in new.model_dump(mode='json').items() if getattr(old, k) != getattr(new, k)}
    if changes:
        write_entry(session, actor, 'users', 'view_settings_changed', login=session.get(User, user_id).login, **changes)


def card_rank(settings: ViewSettings, card, now: datetime, first_stage_id: int | None = None) -> tuple:
    """Where a card stands in its column under these settings: the order `board_column` reads from the
    database, for placing a card that arrives live without asking the database again. `first_stage_id` is
    the first working stage, where fresh leads come first."""
    due = card.open_tasks[0].due_at if card.open_tasks else None
    if is_fresh(card, now, first_stage_id):
        return (-1, -card.created_at.timestamp(), -card.id)
    if settings.overdue_first and due is not None and due < now:
        segment = 0
    elif settings.tasks_first and due is not None:
        segment = 1
    else:
        segment = 2
    if segment == 1:
        within = (due.timestamp(), card.id)
    elif settings.sort == 'oldest':
        within = (card.created_at.timestamp(), card.id)
    elif settings.sort == 'nearest_task':
        within = (due is None, due.timestamp() if due else 0, card.id)
    elif settings.sort == 'last_activity':
        within = (-card.last_activity_at.timestamp(), -card.id)
    else:
        within = (-card.created_at.timestamp(), -card.id)
    return (segment, *within)
