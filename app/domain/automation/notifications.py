"""In-app notifications: a rule tells a user or the heads about a client; kept until read, shown live by the
header's bell."""

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import select

from app.i18n import translate

from ..events import NotificationsChanged, queue_event
from ..models import Client, Notification, Role, User, utcnow
from ..permissions import Actor, ensure_active, restrict_to_visible

SHOWN_MAX = 50  # the bell lists the newest; older unread ones still count


class NotificationView(BaseModel):
    id: int
    client_id: int | None
    text: str
    created_at: object
    read: bool


def heads(session) -> list[User]:
    """ "The head": every active user with the head role."""
    return list(session.exec(select(User).where(User.active, User.role == Role.head).order_by(User.id)))


def notify_users(session, user_ids: list[int], *, key: str, client_id: int | None = None, **params) -> None:
    """Leave a notification for each user (inside the caller's transaction), announced once it commits."""
    now = utcnow()
    for user_id in dict.fromkeys(user_ids):
        session.add(Notification(user_id=user_id, client_id=client_id, key=key, params=params, created_at=now))
    if user_ids:
        queue_event(session, NotificationsChanged(user_ids=tuple(dict.fromkeys(user_ids))))


def my_notifications(session, *, actor: Actor) -> tuple[int, list[NotificationView]]:
    """The count of the actor's unread notifications and the newest ones, about clients they may still see."""
    ensure_active(actor)
    visible = restrict_to_visible(actor, select(Client.id))
    mine = [Notification.user_id == actor.id, (Notification.client_id.is_(None)) | Notification.client_id.in_(visible)]
    unread = session.exec(select(func.count()).where(*mine, Notification.read_at.is_(None))).one()
    rows = session.exec(
        select(Notification)
        .where(*mine)
        .order_by(Notification.read_at.is_not(None), Notification.id.desc())
        .limit(SHOWN_MAX)
    )
    return int(unread), [
        NotificationView(
            id=row.id,
            client_id=row.client_id,
            text=translate(row.key, actor.locale, **row.params),
            created_at=row.created_at,
            read=row.read_at is not None,
        )
        for row in rows
    ]


def mark_notifications_read(session, *, actor: Actor) -> None:
    """The actor has seen their notifications (only their own can be marked)."""
    ensure_active(actor)
    session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    queue_event(session, NotificationsChanged(user_ids=(actor.id,)))
