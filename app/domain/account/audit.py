"""The audit log of account settings: every admin change is written with who, when and what."""

from pydantic import BaseModel
from sqlmodel import select

from ..events import AccountChanged, queue_event
from ..models import AuditEntry, User, utcnow
from ..permissions import Actor, ensure_admin


class AuditView(BaseModel):
    id: int
    at: object
    actor_name: str
    area: str
    action: str
    details: dict


def record_change(session, actor: Actor, area: str, action: str, **details) -> None:
    """Write the audit entry of a settings change and tell open pages to reload the account's setup
    (both only if the transaction commits)."""
    session.add(AuditEntry(actor_id=actor.id, at=utcnow(), area=area, action=action, details=details))
    queue_event(session, AccountChanged(area=area, actor_id=actor.id))


def audit_log(session, *, actor: Actor, limit: int = 200, offset: int = 0) -> list[AuditView]:
    """Newest first; admins only."""
    ensure_admin(actor)
    rows = session.exec(
        select(AuditEntry, User.name)
        .join(User, User.id == AuditEntry.actor_id, isouter=True)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        AuditView(id=e.id, at=e.at, actor_name=name or '', area=e.area, action=e.action, details=dict(e.details))
        for e, name in rows
    ]
