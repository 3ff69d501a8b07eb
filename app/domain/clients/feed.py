"""The client feed: system records of every change, and comments their author alone may edit or delete."""

from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from app.i18n import translate

from ..errors import InvalidInput, NotFound, PermissionDenied
from ..events import ClientChanged, queue_event
from ..limits import COMMENT_MAX, check_text
from ..models import Client, FeedEntry, FeedKind, utcnow
from ..permissions import Actor, ensure_can_see, rule_acting
from .speed_to_lead import stop_clocks


def write_feed(
    session,
    client: Client,
    *,
    kind: str,
    actor_id: int | None,
    text: str,
    data: dict | None = None,
    at: datetime | None = None,
) -> FeedEntry:
    """Append a record to a client's feed (inside the caller's transaction); a rule's change names the rule."""
    entry = FeedEntry(
        client_id=client.id,
        kind=kind,
        author_id=actor_id,
        text=text,
        data=by_rule(session, data or {}),
        created_at=at or utcnow(),
    )
    session.add(entry)
    return entry


def by_rule(session, data: dict) -> dict:
    """A feed entry's data, naming the automation rule when one is acting."""
    rule = rule_acting(session)
    return {**data, 'rule': {'id': rule.id, 'name': rule.name}} if rule else data


def write_system_entry(
    session, client: Client, *, kind: str, actor_id: int | None, key: str, at: datetime | None = None, **params
) -> FeedEntry:
    """A system record: kept with its message key so each reader sees it in their own language."""
    return write_feed(
        session,
        client,
        kind=kind,
        actor_id=actor_id,
        text=translate(key, 'ru', **params),
        data={'key': key, 'params': params},
        at=at,
    )


def write_fields_entry(session, client: Client, actor: Actor, changes: list[dict]) -> FeedEntry:
    """One record for one edit, listing each changed field as old → new."""
    text = '; '.join(f'{translate("field." + c["field"], "ru")}: {c["old"]} → {c["new"]}' for c in changes)
    return write_feed(
        session,
        client,
        kind=FeedKind.fields,
        actor_id=actor.id,
        text=translate('feed.fields', 'ru', changes=text),
        data={'key': 'feed.fields', 'changes': changes},
    )


# changes a pending edit of the client's card could overwrite: only these make an older version stale
VERSIONED = {'created', 'edited', 'moved', 'assigned', 'deal'}
HANDLING = {'moved', 'comment', 'task', 'deal', 'deal_moved'}  # what a person does that handles a lead


def lock_client(session, client_id: int) -> Client | None:
    """The client row, locked until the transaction ends (PostgreSQL; SQLite writers are serialised anyway),
    so two concurrent changes of one client cannot overwrite each other."""
    return session.exec(
        select(Client).where(Client.id == client_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def touch_client(session, client: Client, actor: Actor | None, what: str, **event_fields) -> None:
    """Record that a client changed: bump its version (for card changes) and activity, queue the event."""
    if what in VERSIONED:
        client.version += 1
    client.last_activity_at = utcnow()
    if actor is not None and what in HANDLING:
        client.handled_at = client.last_activity_at
        stop_clocks(session, [client.id], client.handled_at)
    session.add(client)
    announce(session, client, actor, what, **event_fields)


def announce(session, client: Client, actor: Actor | None, what: str, **event_fields) -> None:
    """Queue the event of a client's change, to be published when the transaction commits."""
    queue_event(
        session,
        ClientChanged(
            client_id=client.id,
            stage_id=client.stage_id,
            actor_id=actor.id if actor else None,
            what=what,
            responsible_id=client.responsible_id,
            **event_fields,
        ),
    )


def comment_text(text: str | None) -> str:
    """A comment as stored (of a client or a deal): not empty, not over the limit."""
    text = check_text(text, COMMENT_MAX, 'client.comment')
    if not text:
        raise InvalidInput('error.comment_empty')
    return text


def add_comment(session, *, actor: Actor, client_id: int, text: str) -> FeedEntry:
    """Anyone who sees the client may comment: a read-only viewer can still leave a note for the owner."""
    client = ensure_can_see(actor, lock_client(session, client_id))
    text = comment_text(text)
    entry = write_feed(session, client, kind=FeedKind.comment, actor_id=actor.id, text=text)
    client.last_comment_at = entry.created_at
    touch_client(session, client, actor, 'comment')
    session.flush()
    return entry


def _own_comment(session, actor: Actor, comment_id: int) -> tuple[FeedEntry, Client]:
    entry = session.get(FeedEntry, comment_id)
    if entry is None or entry.kind != FeedKind.comment:
        raise NotFound()
    client = ensure_can_see(actor, lock_client(session, entry.client_id))
    if entry.author_id != actor.id:
        raise PermissionDenied('error.comment_author')
    return entry, client


def edit_comment(session, *, actor: Actor, comment_id: int, text: str) -> FeedEntry:
    entry, client = _own_comment(session, actor, comment_id)
    entry.text = comment_text(text)
    entry.edited_at = utcnow()
    session.add(entry)
    touch_client(session, client, actor, 'comment')
    session.flush()
    return entry


def delete_comment(session, *, actor: Actor, comment_id: int) -> None:
    """The text is gone; the feed keeps a line saying who deleted a comment, so the gap is not a mystery."""
    entry, client = _own_comment(session, actor, comment_id)
    session.delete(entry)
    session.flush()
    client.last_comment_at = session.exec(
        select(func.max(FeedEntry.created_at)).where(
            FeedEntry.client_id == client.id, FeedEntry.kind == FeedKind.comment
        )
    ).one()
    write_system_entry(
        session, client, kind=FeedKind.note, actor_id=actor.id, key='feed.comment_deleted', who=actor.name
    )
    touch_client(session, client, actor, 'comment')
    session.flush()
