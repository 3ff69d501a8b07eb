"""The deals kanban: columns with counts and sums, moves by the same rules as clients, a deal's own feed."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy import and_, func
from sqlmodel import select

from ..account.reference import first_working_stage, required_reason, transition_allowed
from ..account_time import ACCOUNT_TZ
from ..clients.cards import feed_entry_view
from ..clients.feed import comment_text, lock_client, touch_client, write_feed, write_system_entry
from ..clients.filters import load_saved_filter, save_filter_as, search_condition
from ..clients.history import record_arrival
from ..errors import InvalidInput, StaleUpdate
from ..events import DealChanged, queue_event
from ..limits import Day, Id, Money, SearchText
from ..models import (
    Board,
    Client,
    ClientPhone,
    ClosingReason,
    Deal,
    FeedEntry,
    FeedKind,
    Project,
    Stage,
    StageKind,
    Task,
    User,
    utcnow,
)
from ..permissions import (
    Actor,
    can_act_on_clients_of,
    ensure_can_act_on_deal,
    ensure_can_see_deal,
    restrict_deals_to_visible,
)
from ..views import FeedEntryView, ReasonView, RefView, TaskView, UserView
from . import units

FILTER_KEY = 'deal_filter'


class DealFilter(BaseModel):
    """The deals board's filter; empty means "no condition". Dates are whole days in the account's zone."""

    own_only: bool = False
    responsible_ids: list[Id] = []
    project_ids: list[Id] = []
    created_from: Day | None = None
    created_to: Day | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    search: SearchText = ''

    def is_default(self) -> bool:
        """Nothing chosen beyond the Mine/All toggle, which lives apart."""
        return self.model_copy(update={'own_only': False}) == DealFilter()


class DealCard(BaseModel):
    """What a deal's card on the kanban shows."""

    id: int
    client_id: int
    client_name: str
    project: RefView | None
    unit: str
    unit_id: int | None
    amount: float
    stage_id: int
    closing_reason_id: int | None
    responsible: UserView
    created_at: datetime
    stage_changed_at: datetime
    task: TaskView | None  # the client's nearest open task
    version: int
    can_act: bool

    @property
    def name(self) -> str:
        """The card's title (lists shared with clients read `name`)."""
        return self.client_name

    @property
    def label(self) -> str:
        """The object as people say it: project abbreviation and unit, «ЖК-1 кв. 45»."""
        abbreviation = (self.project.abbreviation or self.project.name) if self.project else ''
        return ' '.join(part for part in (abbreviation, self.unit) if part)


class DealDetail(DealCard):
    """Everything the deal window shows: the card, who created it, why it closed, and its own feed."""

    creator: UserView | None
    closing_reason: ReasonView | None
    client_phones: list[str]
    feed: list[FeedEntryView]


class DealPage(BaseModel):
    """One page of a deals column, with the exact count and sum of amounts of the whole column."""

    total: int
    amount: float
    items: list[DealCard]


# filter and visibility ---------------------------------------------------------------------------------------
def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ACCOUNT_TZ)


def filter_conditions(flt: DealFilter, *, actor: Actor) -> list:
    """The WHERE conditions of a deals filter (visibility is added by `deals_query`)."""
    conditions = []
    if flt.own_only:
        conditions.append(Deal.responsible_id == actor.id)
    if flt.responsible_ids:
        conditions.append(Deal.responsible_id.in_(flt.responsible_ids))
    if flt.project_ids:
        conditions.append(Deal.project_id.in_(flt.project_ids))
    if flt.created_from is not None:
        conditions.append(Deal.created_at >= _day_start(flt.created_from))
    if flt.created_to is not None:
        conditions.append(Deal.created_at < _day_start(flt.created_to + timedelta(days=1)))
    if flt.amount_min is not None:
        conditions.append(Deal.amount >= flt.amount_min)
    if flt.amount_max is not None:
        conditions.append(Deal.amount <= flt.amount_max)
    found = search_condition(flt.search)
    if found is not None:  # a deal is found by its client's name or phone, the same way as clients are
        conditions.append(Deal.client_id.in_(select(Client.id).where(found)))
    return conditions


def deals_query(actor: Actor, flt: DealFilter | None = None):
    """Deals this actor may see that match the filter: the one rule for columns, sums and single reads."""
    query = restrict_deals_to_visible(actor, select(Deal))
    conditions = filter_conditions(flt or DealFilter(), actor=actor)
    return query.where(and_(*conditions)) if conditions else query


def load_deal_filter(session, *, actor: Actor) -> DealFilter:
    """The deals filter this user left on, across logins and devices."""
    return load_saved_filter(session, actor=actor, key=FILTER_KEY, model=DealFilter)


def save_deal_filter(session, *, actor: Actor, flt: DealFilter) -> None:
    save_filter_as(session, actor=actor, key=FILTER_KEY, flt=flt)


# read models -------------------------------------------------------------------------------------------------
def _user_views(session, ids) -> dict[int, UserView]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        u.id: UserView(id=u.id, login=u.login, name=u.name, role=u.role, active=u.active)
        for u in session.exec(select(User).where(User.id.in_(wanted)))
    }


def build_deal_cards(session, actor: Actor, deals: Sequence[Deal]) -> list[DealCard]:
    """Cards for a page of deals with a fixed number of queries, none per card."""
    if not deals:
        return []
    client_ids = {d.client_id for d in deals}
    names = dict(session.exec(select(Client.id, Client.name).where(Client.id.in_(client_ids))).all())
    project_ids = {d.project_id for d in deals if d.project_id is not None}
    projects = {
        p.id: RefView(id=p.id, name=p.name, abbreviation=p.abbreviation)
        for p in (session.exec(select(Project).where(Project.id.in_(project_ids))) if project_ids else [])
    }
    open_tasks = session.exec(
        select(Task).where(Task.client_id.in_(client_ids), Task.done == False).order_by(Task.due_at, Task.id)  # noqa: E712
    ).all()
    users = _user_views(session, [d.responsible_id for d in deals] + [t.assignee_id for t in open_tasks])
    now = utcnow()
    nearest: dict[int, TaskView] = {}
    for task in open_tasks:
        if task.client_id not in nearest:
            assignee = users.get(task.assignee_id)
            nearest[task.client_id] = TaskView(
                id=task.id,
                client_id=task.client_id,
                title=task.title,
                type=task.type,
                due_at=task.due_at,
                assignee_id=task.assignee_id,
                assignee_name=assignee.name if assignee else '',
                done=False,
                overdue=task.due_at < now,
                client_name=names.get(task.client_id, ''),
            )
    return [
        DealCard(
            id=d.id,
            client_id=d.client_id,
            client_name=names.get(d.client_id, ''),
            project=projects.get(d.project_id),
            unit=d.unit,
            unit_id=d.unit_id,
            amount=d.amount,
            stage_id=d.stage_id,
            closing_reason_id=d.closing_reason_id,
            responsible=users[d.responsible_id],
            created_at=d.created_at,
            stage_changed_at=d.stage_changed_at,
            task=nearest.get(d.client_id),
            version=d.version,
            can_act=can_act_on_clients_of(actor, d.responsible_id),
        )
        for d in deals
    ]


def build_deal_detail(session, actor: Actor, deal: Deal) -> DealDetail:
    card = build_deal_cards(session, actor, [deal])[0]
    feed = session.exec(
        select(FeedEntry).where(FeedEntry.deal_id == deal.id).order_by(FeedEntry.created_at.desc(), FeedEntry.id.desc())
    ).all()
    users = _user_views(session, [deal.creator_id] + [e.author_id for e in feed])
    reason = session.get(ClosingReason, deal.closing_reason_id) if deal.closing_reason_id else None
    phones = session.exec(
        select(ClientPhone.number).where(ClientPhone.client_id == deal.client_id).order_by(ClientPhone.position)
    ).all()
    return DealDetail(
        **card.model_dump(),
        creator=users.get(deal.creator_id),
        closing_reason=ReasonView(id=reason.id, name=reason.name) if reason else None,
        client_phones=list(phones),
        feed=[feed_entry_view(e, users) for e in feed],
    )


# reading -----------------------------------------------------------------------------------------------------
def deal_column(
    session,
    *,
    actor: Actor,
    stage_id: int,
    flt: DealFilter | None = None,
    offset: int = 0,
    limit: int = 20,
) -> DealPage:
    """One page of a deals column, newest first, with the column's exact count and sum."""
    query = deals_query(actor, flt).where(Deal.stage_id == stage_id)
    inner = query.subquery()
    total, amount = session.exec(
        select(func.count(), func.coalesce(func.sum(inner.c.amount), 0)).select_from(inner)
    ).one()
    rows = session.exec(
        query.order_by(Deal.created_at.desc(), Deal.id.desc()).offset(max(0, offset)).limit(max(1, min(limit, 500)))
    ).all()
    return DealPage(total=total, amount=float(amount), items=build_deal_cards(session, actor, rows))


def deal_totals(session, *, actor: Actor, flt: DealFilter | None = None) -> dict[int, tuple[int, float]]:
    """Exact count and sum of amounts per stage of the deals this actor sees through the filter."""
    inner = deals_query(actor, flt).subquery()
    rows = session.exec(
        select(inner.c.stage_id, func.count(), func.coalesce(func.sum(inner.c.amount), 0)).group_by(inner.c.stage_id)
    ).all()
    return {stage_id: (count, float(amount)) for stage_id, count, amount in rows}


def get_deal(session, *, actor: Actor, deal_id: int) -> DealDetail:
    """One deal with its feed; a deal the actor may not see is "not found"."""
    deal = ensure_can_see_deal(actor, session.get(Deal, deal_id))
    return build_deal_detail(session, actor, deal)


SYSTEM_VIEWER = Actor(id=0, name='', role='admin')


def deal_snapshot(session, deal_id: int) -> DealCard | None:
    """The card as it is now, read once per change for every open deals board; each viewer then applies
    its own permissions to it (see live.py)."""
    deal = session.get(Deal, deal_id)
    if deal is None:
        return None
    return build_deal_cards(session, SYSTEM_VIEWER, [deal])[0]


# changing ----------------------------------------------------------------------------------------------------
def announce_deal(session, deal: Deal, actor: Actor | None, what: str, previous_stage_id: int | None = None) -> None:
    """Queue the event of a deal's change (booking calls this for a new deal), published on commit."""
    queue_event(
        session,
        DealChanged(
            deal_id=deal.id,
            client_id=deal.client_id,
            stage_id=deal.stage_id,
            actor_id=actor.id if actor else None,
            what=what,
            previous_stage_id=previous_stage_id,
            responsible_id=deal.responsible_id,
        ),
    )


def _lock_deal(session, deal_id: int) -> Deal | None:
    return session.exec(
        select(Deal).where(Deal.id == deal_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def _load_for_change(session, actor: Actor, deal_id: int, expected_version: int | None) -> Deal:
    """The deal locked for this transaction, after checking the actor may change it and nobody moved it since
    the actor read it."""
    deal = ensure_can_see_deal(actor, _lock_deal(session, deal_id))
    client = session.get(Client, deal.client_id)
    responsible = session.get(User, deal.responsible_id)
    ensure_can_act_on_deal(actor, deal, client.name if client else '', responsible.name if responsible else '')
    if expected_version is not None and expected_version != deal.version:
        raise StaleUpdate('error.deal_stale')
    return deal


def _deal_stage(session, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None or stage.board != Board.deals:
        raise InvalidInput('error.deal_stage_board')
    return stage


def _follow_unit(session, deal: Deal, source: Stage, target: Stage) -> None:
    """The catalogue object follows its deal: sold on payment, free when the booking is off, booked again on
    reopening — which is refused when somebody has taken the object meanwhile (two deals never share one)."""
    if deal.unit_id is None:
        return
    if target.kind == StageKind.success:
        units.sell_unit(session, deal.unit_id)
    elif target.needs_reason and not source.needs_reason:
        units.release_unit(session, deal.unit_id)
    elif target.kind == StageKind.working and source.kind == StageKind.success:
        units.release_unit(session, deal.unit_id)  # payment undone: the object is this deal's booking again
        units.book_unit(session, deal.unit_id)
    elif target.kind == StageKind.working and source.needs_reason:
        units.book_unit(session, deal.unit_id)


def _apply_deal_stage(session, deal: Deal, actor: Actor, target: Stage, reason: ClosingReason | None) -> None:
    """Put a deal on a stage and record it everywhere: history, the unit, the client's feed, the event."""
    source = session.get(Stage, deal.stage_id)
    deal.stage_id = target.id
    deal.closing_reason_id = reason.id if reason else None
    deal.stage_changed_at = utcnow()
    deal.version += 1
    session.add(deal)
    _follow_unit(session, deal, source, target)
    record_arrival(
        session,
        client_id=deal.client_id,
        deal_id=deal.id,
        from_stage_id=source.id,
        to_stage_id=target.id,
        reason_id=reason.id if reason else None,
        actor_id=actor.id,
        at=deal.stage_changed_at,
    )
    client = lock_client(session, deal.client_id)
    project = session.get(Project, deal.project_id) if deal.project_id else None
    label = ' '.join(part for part in (project.abbreviation if project else '', deal.unit) if part) or '—'
    params = {'object': label, 'source': source.name, 'target': target.name}
    if reason is not None:
        params['reason'] = reason.name
    entry = write_system_entry(
        session,
        client,
        kind=FeedKind.stage,
        actor_id=actor.id,
        key='feed.deal_stage_reason' if reason else 'feed.deal_stage',
        **params,
    )
    entry.deal_id = deal.id
    touch_client(session, client, actor, 'deal_moved')
    announce_deal(session, deal, actor, 'moved', previous_stage_id=source.id)


def move_deal(
    session,
    *,
    actor: Actor,
    deal_id: int,
    stage_id: int,
    reason_id: int | None = None,
    expected_version: int | None = None,
) -> DealDetail:
    """Move a deal to a stage by the clients' rules: transitions are data, «Бронь снята» needs a reason."""
    deal = _load_for_change(session, actor, deal_id, expected_version)
    target = _deal_stage(session, stage_id)
    source = session.get(Stage, deal.stage_id)
    if target.id == source.id:
        raise InvalidInput('error.deal_same_stage', stage=target.name)
    if not transition_allowed(session, source.id, target.id):
        raise InvalidInput('error.transition', source=source.name, target=target.name)
    reason = required_reason(session, target, reason_id)
    _apply_deal_stage(session, deal, actor, target, reason)
    session.flush()
    return build_deal_detail(session, actor, deal)


def reopen_deal(
    session, *, actor: Actor, deal_id: int, stage_id: int | None = None, expected_version: int | None = None
) -> DealDetail:
    """Bring a closed deal back to a working stage (the first one unless another is chosen)."""
    deal = _load_for_change(session, actor, deal_id, expected_version)
    source = session.get(Stage, deal.stage_id)
    if not source.is_closing:
        raise InvalidInput('error.deal_not_closed')
    target = _deal_stage(session, stage_id) if stage_id is not None else first_working_stage(session, Board.deals)
    if target.kind != StageKind.working:
        raise InvalidInput('error.reopen_target')
    _apply_deal_stage(session, deal, actor, target, None)
    session.flush()
    return build_deal_detail(session, actor, deal)


def add_deal_comment(session, *, actor: Actor, deal_id: int, text: str) -> DealDetail:
    """Anyone who sees the deal may comment; the comment is in the deal's feed and in its client's."""
    deal = ensure_can_see_deal(actor, session.get(Deal, deal_id))
    text = comment_text(text)
    client = lock_client(session, deal.client_id)
    entry = write_feed(session, client, kind=FeedKind.comment, actor_id=actor.id, text=text)
    entry.deal_id = deal.id
    client.last_comment_at = entry.created_at
    touch_client(session, client, actor, 'comment')
    announce_deal(session, deal, actor, 'comment')
    session.flush()
    return build_deal_detail(session, actor, deal)
