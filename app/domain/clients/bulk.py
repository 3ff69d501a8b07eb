"""Bulk actions on a selection: every permitted client changes in one transaction, the rest are counted
and explained. Written with set-based statements so that 10,000 clients take seconds, not minutes."""

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, update
from sqlmodel import select

from app.i18n import translate

from ..account.audit import record_change
from ..account.reference import required_reason
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..events import ClientFact, ClientsChanged, note_fact, queue_event
from ..models import (
    Client,
    ClientTag,
    Deal,
    FeedEntry,
    FeedKind,
    Stage,
    StageKind,
    StageTransition,
    Tag,
    Task,
    User,
    utcnow,
)
from ..permissions import (
    Actor,
    acts_on_all_clients,
    ensure_admin,
    ensure_may_bulk,
    restrict_to_visible,
    visibility_condition,
)
from .clients import CLOSING_TASKS, complete_open_tasks
from .feed import HANDLING
from .filters import ClientFilter, filtered_query
from .history import record_arrivals
from .speed_to_lead import stop_clocks

CHUNK = 900  # stays under SQLite's limit of bound parameters per statement


class Selection(BaseModel):
    """Either the ticked clients, or "all N matching" the filter (never loaded into the browser)."""

    client_ids: list[int] = []
    flt: ClientFilter | None = None


class BulkResult(BaseModel):
    changed: int
    skipped: int
    skipped_why: dict[str, int] = {}

    def summary(self, locale: str) -> str:
        text = translate('bulk.done', locale, changed=self.changed)
        if self.skipped:
            reasons = '; '.join(f'{translate(key, locale)}: {count}' for key, count in self.skipped_why.items())
            text += ' ' + translate('bulk.skipped', locale, skipped=self.skipped, reasons=reasons)
        return text


def _chunks(ids: Sequence[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _selected(session, actor: Actor, selection: Selection) -> tuple[list[tuple[int, int, int, str]], int]:
    """(id, responsible_id, stage_id, name) of the selected clients the actor may see, and how many
    selected ids were not visible (deleted meanwhile, or never theirs to see)."""
    if selection.flt is not None:
        query = filtered_query(session, actor, selection.flt)
        # execute, not exec: the query began as select(Client), and exec would return the first column only
        rows = session.execute(query.with_only_columns(Client.id, Client.responsible_id, Client.stage_id, Client.name))
        return [tuple(row) for row in rows], 0
    wanted = list(dict.fromkeys(selection.client_ids))
    rows = []
    for chunk in _chunks(wanted):
        query = restrict_to_visible(actor, select(Client.id, Client.responsible_id, Client.stage_id, Client.name))
        rows += [tuple(row) for row in session.exec(query.where(Client.id.in_(chunk)))]
    return rows, len(wanted) - len(rows)


def _split_permitted(actor: Actor, rows, skipped: Counter) -> list:
    if acts_on_all_clients(actor):
        return rows
    permitted = [row for row in rows if row[1] == actor.id]
    if len(permitted) < len(rows):
        skipped['bulk.why_forbidden'] += len(rows) - len(permitted)
    return permitted


def _result(changed: int, skipped: Counter) -> BulkResult:
    return BulkResult(changed=changed, skipped=sum(skipped.values()), skipped_why=dict(skipped))


def _record(session, actor: Actor, entries: list[dict], client_ids: list[int], what: str) -> None:
    """Feed entries, version and activity bumps, and one event for the whole action."""
    now = utcnow()
    for chunk in _chunks(entries):
        session.execute(insert(FeedEntry), [{**entry, 'created_at': now, 'author_id': actor.id} for entry in chunk])
    for chunk in _chunks(client_ids):
        session.execute(
            update(Client)
            .where(Client.id.in_(chunk))
            .values(
                version=Client.version + 1, last_activity_at=now, **({'handled_at': now} if what in HANDLING else {})
            )
            .execution_options(synchronize_session=False)
        )
    if what in HANDLING:
        for chunk in _chunks(client_ids):
            stop_clocks(session, chunk, now)
    if client_ids:
        queue_event(
            # in id order: the database hands the rows back in any order, and the outbox writes one event per client
            session,
            ClientsChanged(actor_id=actor.id, what=what, count=len(client_ids), client_ids=tuple(sorted(client_ids))),
        )


def _system_entry(client_id: int, kind: str, key: str, **params) -> dict:
    return {
        'client_id': client_id,
        'kind': kind,
        'text': translate(key, 'ru', **params),
        'data': {'key': key, 'params': params},
    }


def bulk_assign(session, *, actor: Actor, selection: Selection, responsible_id: int) -> BulkResult:
    """Hand the selected clients to another active user; their open tasks follow, as for one client."""
    ensure_may_bulk(actor)
    target = session.get(User, responsible_id)
    if target is None:
        raise InvalidInput('error.unknown_user')
    if not target.active:
        raise InvalidInput('error.inactive_user', user=target.name)
    rows, invisible = _selected(session, actor, selection)
    skipped = Counter({'bulk.why_not_found': invisible} if invisible else {})
    rows = _split_permitted(actor, rows, skipped)
    already = [row for row in rows if row[1] == target.id]
    if already:
        skipped['bulk.why_already'] += len(already)
    rows = [row for row in rows if row[1] != target.id]
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_({row[1] for row in rows}))).all())
    by_previous: dict[int, list[int]] = {}
    for client_id, previous, _stage, _name in rows:
        by_previous.setdefault(previous, []).append(client_id)
    for previous, ids in by_previous.items():
        for chunk in _chunks(ids):
            session.execute(
                update(Client)
                .where(Client.id.in_(chunk))
                .values(responsible_id=target.id)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Task)
                .where(Task.client_id.in_(chunk), Task.done == False, Task.assignee_id == previous)  # noqa: E712
                .values(assignee_id=target.id)
                .execution_options(synchronize_session=False)
            )
            # a client's deals go with it: deal rights follow the deal's responsible
            session.execute(
                update(Deal)
                .where(Deal.client_id.in_(chunk))
                .values(responsible_id=target.id)
                .execution_options(synchronize_session=False)
            )
    entries = [
        _system_entry(
            client_id, FeedKind.responsible, 'feed.responsible', source=names.get(previous, '—'), target=target.name
        )
        for client_id, previous, _stage, _name in rows
    ]
    _record(session, actor, entries, [row[0] for row in rows], 'assigned')
    return _result(len(rows), skipped)


def bulk_move(
    session, *, actor: Actor, selection: Selection, stage_id: int, reason_id: int | None = None
) -> BulkResult:
    """Move the selected clients to a stage; those whose move is not allowed from where they are are skipped."""
    ensure_may_bulk(actor)
    target = session.get(Stage, stage_id)
    if target is None or target.board != 'clients':
        raise InvalidInput('error.stage_board')
    reason = required_reason(session, target, reason_id)
    rows, invisible = _selected(session, actor, selection)
    skipped = Counter({'bulk.why_not_found': invisible} if invisible else {})
    rows = _split_permitted(actor, rows, skipped)
    allowed = set(session.exec(select(StageTransition.from_stage_id).where(StageTransition.to_stage_id == target.id)))
    stage_names = dict(session.exec(select(Stage.id, Stage.name)).all())
    movable = []
    for row in rows:
        if row[2] == target.id:
            skipped['bulk.why_already'] += 1
        elif row[2] not in allowed:
            skipped['bulk.why_transition'] += 1
        else:
            movable.append(row)
    now = utcnow()
    for chunk in _chunks([row[0] for row in movable]):
        session.execute(
            update(Client)
            .where(Client.id.in_(chunk))
            .values(stage_id=target.id, closing_reason_id=reason.id if reason else None, stage_changed_at=now)
            .execution_options(synchronize_session=False)
        )
    record_arrivals(
        session,
        [
            {
                'client_id': row[0],
                'from_stage_id': row[2],
                'to_stage_id': target.id,
                'reason_id': reason.id if reason else None,
            }
            for row in movable
        ],
        at=now,
        actor_id=actor.id,
    )
    key = 'feed.stage_reason' if reason else 'feed.stage'
    extra = {'reason': reason.name} if reason else {}
    entries = [
        _system_entry(client_id, FeedKind.stage, key, source=stage_names[stage], target=target.name, **extra)
        for client_id, _responsible, stage, _name in movable
    ]
    if target.kind in CLOSING_TASKS:
        complete_open_tasks(session, [row[0] for row in movable], actor.id, now)
    _record(session, actor, entries, [row[0] for row in movable], 'moved')
    for row in movable:
        note_fact(session, ClientFact('entered', row[0], target.id))
    return _result(len(movable), skipped)


def bulk_tags(
    session, *, actor: Actor, selection: Selection, add_tag_ids: Sequence[int] = (), remove_tag_ids: Sequence[int] = ()
) -> BulkResult:
    """Add and/or remove tags on the selected clients."""
    ensure_may_bulk(actor)
    tags = {tag.id: tag for tag in session.exec(select(Tag).where(Tag.id.in_(set(add_tag_ids) | set(remove_tag_ids))))}
    missing = (set(add_tag_ids) | set(remove_tag_ids)) - set(tags)
    if missing:
        raise InvalidInput('error.unknown_ref_id', what='field.tags', id=min(missing))
    rows, invisible = _selected(session, actor, selection)
    skipped = Counter({'bulk.why_not_found': invisible} if invisible else {})
    rows = _split_permitted(actor, rows, skipped)
    ids = [row[0] for row in rows]
    existing: set[tuple[int, int]] = set()
    for chunk in _chunks(ids):
        existing |= set(
            session.exec(select(ClientTag.client_id, ClientTag.tag_id).where(ClientTag.client_id.in_(chunk)))
        )
    changes: dict[int, tuple[list[str], list[str]]] = {}
    new_links = []
    for client_id in ids:
        for tag_id in add_tag_ids:
            if (client_id, tag_id) not in existing:
                new_links.append({'client_id': client_id, 'tag_id': tag_id})
                changes.setdefault(client_id, ([], []))[0].append(tags[tag_id].name)
        for tag_id in remove_tag_ids:
            if (client_id, tag_id) in existing:
                changes.setdefault(client_id, ([], []))[1].append(tags[tag_id].name)
    for chunk in _chunks(new_links):
        session.execute(insert(ClientTag), chunk)
    if remove_tag_ids:
        for chunk in _chunks(ids):
            session.execute(
                delete(ClientTag).where(ClientTag.client_id.in_(chunk), ClientTag.tag_id.in_(remove_tag_ids))
            )
    unchanged = len(ids) - len(changes)
    if unchanged:
        skipped['bulk.why_already'] += unchanged
    entries = []
    for client_id, (added, removed) in changes.items():
        change = {'field': 'tags', 'old': ', '.join(removed) or '—', 'new': ', '.join(added) or '—'}
        entries.append(
            {
                'client_id': client_id,
                'kind': FeedKind.fields,
                'text': translate('feed.tags_bulk', 'ru', added=change['new'], removed=change['old']),
                'data': {'key': 'feed.tags_bulk', 'params': {'added': change['new'], 'removed': change['old']}},
            }
        )
    _record(session, actor, entries, list(changes), 'edited')
    return _result(len(changes), skipped)


class HandOverSource(BaseModel):
    """A user whose clients may be handed over, with how many are in work and how many are closed."""

    user_id: int
    name: str
    active: bool
    working: int
    closed: int

    @property
    def total(self) -> int:
        return self.working + self.closed


def may_hand_over(actor: Actor) -> bool:
    """Handing over someone's clients is a bulk action on colleagues' clients: both rights are needed."""
    return actor.active and (actor.is_head_or_admin or actor.can_bulk) and acts_on_all_clients(actor)


def ensure_may_hand_over(actor: Actor) -> None:
    if not may_hand_over(actor):
        raise PermissionDenied()


def hand_over_sources(session, *, actor: Actor) -> list[HandOverSource]:
    """Everyone who has clients, with the stage split the hand-over dialog states before anything moves."""
    ensure_may_hand_over(actor)
    working = Stage.kind == StageKind.working
    rows = session.execute(
        select(User.id, User.name, User.active, working, func.count(Client.id))
        .join(Client, Client.responsible_id == User.id)
        .join(Stage, Stage.id == Client.stage_id)
        .where(visibility_condition(actor))
        .group_by(User.id, User.name, User.active, working)
    )
    sources: dict[int, HandOverSource] = {}
    for user_id, name, active, in_work, count in rows:
        source = sources.setdefault(
            user_id, HandOverSource(user_id=user_id, name=name, active=active, working=0, closed=0)
        )
        if in_work:
            source.working += count
        else:
            source.closed += count
    return sorted(sources.values(), key=lambda source: (not source.active, source.name))


def hand_over_all_clients(session, *, actor: Actor, user_id: int, to_user_id: int) -> BulkResult:
    """Every client of one user, in every stage (closed ones too: the table's default working-stages filter
    would leave them behind), to another active user in one transaction; open tasks and deals follow,
    exactly as in the bulk "change responsible"."""
    ensure_may_hand_over(actor)
    source = session.get(User, user_id)
    if source is None:
        raise NotFound()
    if to_user_id == source.id:
        raise InvalidInput('error.same_user')
    selection = Selection(flt=ClientFilter(responsible_ids=[source.id], all_stages=True))
    result = bulk_assign(session, actor=actor, selection=selection, responsible_id=to_user_id)
    target = session.get(User, to_user_id)
    record_change(
        session, actor, 'users', 'clients handed over', source=source.login, target=target.login, count=result.changed
    )
    return result


def hand_over_clients(session, *, actor: Actor, user_id: int, to_user_id: int) -> BulkResult:
    """Settings → Users: the hand-over offered when an admin deactivates someone; that screen is admin-only."""
    ensure_admin(actor)
    return hand_over_all_clients(session, actor=actor, user_id=user_id, to_user_id=to_user_id)
