"""The client filter shared by the board, the table, the API and bulk actions; remembered per user."""

from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import and_, func, not_, or_, select
from sqlmodel import select as sql_select

from ..errors import InvalidInput
from ..limits import Count, Id, Moment, Money, SearchText
from ..models import Client, ClientPhone, ClientTag, Deal, Stage, StageKind, UserPreference, as_utc, utcnow
from ..permissions import Actor, restrict_to_visible
from ..phones import phone_digits_query, phone_search_fragments
from ..text import fold

FILTER_KEY = 'client_filter'
M = TypeVar('M', bound=BaseModel)


class ClientFilter(BaseModel):
    """Every filter of SPEC §3 «Фильтр». Empty means "no condition"; stages empty means working stages only."""

    created_from: Moment | None = None
    created_to: Moment | None = None
    source: Literal['any', 'own', 'agency'] = 'any'
    project_ids: list[Id] = []
    stage_ids: list[Id] = []
    creator_ids: list[Id] = []
    responsible_ids: list[Id] = []
    deals_count_min: Count | None = None
    deals_count_max: Count | None = None
    deals_sum_min: Money | None = None
    deals_sum_max: Money | None = None
    tasks: Literal['any', 'none', 'overdue', 'open'] = 'any'
    tag_ids: list[Id] = []
    last_comment_from: Moment | None = None
    last_comment_to: Moment | None = None
    search: SearchText = ''
    own_only: bool = False
    all_stages: bool = False  # the header search and the API look in closed stages too

    def is_default(self) -> bool:
        """Nothing chosen beyond the defaults (the search box and the Mine/All toggle live apart)."""
        return self.model_copy(update={'search': '', 'own_only': False, 'all_stages': False}) == ClientFilter()


def _probe():
    """`Client.id + 0`: the same value, but not the row id to SQLite's planner, so it walks the client index in
    page order and tests membership in the subquery's set, instead of fetching rows in the set's order."""
    return Client.id + 0


def _deals_conditions(aggregate, low, high) -> list:
    """A range on a client's number or sum of deals, as set membership over the grouped deals (a correlated
    subquery per client costs a lookup for every one of 100,000 clients)."""
    if low is None and high is None:
        return []
    in_range = and_(*_bounded(aggregate, low, high))
    grouped = select(Deal.client_id).group_by(Deal.client_id)
    if (low is None or low <= 0) and (high is None or high >= 0):
        # clients without deals are inside the range too: exclude those whose deals fall outside it
        return [_probe().not_in(grouped.having(not_(in_range)))]
    return [_probe().in_(grouped.having(in_range))]


def _bounded(column, low, high):
    conditions = []
    if low is not None:
        conditions.append(column >= low)
    if high is not None:
        conditions.append(column <= high)
    return conditions


def _minute_end(moment: datetime) -> datetime:
    """An interval's end "to the minute" includes that whole minute."""
    return as_utc(moment).replace(second=59, microsecond=999999)


def period_conditions(column, start: datetime | None, end: datetime | None) -> list:
    """A period "to the minute" on a datetime column: from the start's minute through the whole end minute."""
    conditions = []
    if start is not None:
        conditions.append(column >= as_utc(start).replace(second=0, microsecond=0))
    if end is not None:
        conditions.append(column <= _minute_end(end))
    return conditions


def search_condition(text: str | None):
    """The clients a search text finds: 4+ digits look in the phones, anything else in the name (None: no text)."""
    text = (text or '').strip()
    if not text:
        return None
    fragments = phone_search_fragments(text)
    if fragments:  # names hold no digits: a digits-only search is a phone search
        found = or_(*(ClientPhone.number.contains(fragment) for fragment in fragments))
        return Client.id.in_(select(ClientPhone.client_id).where(found))
    return Client.name_folded.contains(fold(text), autoescape=True)


def filter_conditions(flt: ClientFilter, *, actor: Actor, working_stage_ids: list[int] | None) -> list:
    """The WHERE conditions of a filter (visibility is added separately, by `filtered_query`)."""
    conditions = []
    if flt.own_only:
        conditions.append(Client.responsible_id == actor.id)
    if flt.created_from is not None:
        conditions.append(Client.created_at >= as_utc(flt.created_from).replace(second=0, microsecond=0))
    if flt.created_to is not None:
        conditions.append(Client.created_at <= _minute_end(flt.created_to))
    if flt.source == 'own':
        conditions.append(Client.agency_id.is_(None))
    elif flt.source == 'agency':
        conditions.append(Client.agency_id.is_not(None))
    if flt.project_ids:
        conditions.append(Client.project_id.in_(flt.project_ids))
    # a phone search matches a handful of clients: let SQLite start from the phones, not from a stage's index
    stage = Client.stage_id + 0 if phone_digits_query(flt.search or '') else Client.stage_id
    if flt.stage_ids:
        conditions.append(stage.in_(flt.stage_ids))
    elif working_stage_ids is not None and not flt.all_stages:
        conditions.append(stage.in_(working_stage_ids))
    if flt.creator_ids:
        conditions.append(Client.creator_id.in_(flt.creator_ids))
    if flt.responsible_ids:
        conditions.append(Client.responsible_id.in_(flt.responsible_ids))
    conditions += _deals_conditions(func.count(Deal.id), flt.deals_count_min, flt.deals_count_max)
    conditions += _deals_conditions(func.coalesce(func.sum(Deal.amount), 0), flt.deals_sum_min, flt.deals_sum_max)
    # Client.next_due_at is the earliest open task's due time (None: no open task)
    if flt.tasks == 'none':
        conditions.append(Client.next_due_at.is_(None))
    elif flt.tasks == 'open':
        conditions.append(Client.next_due_at.is_not(None))
    elif flt.tasks == 'overdue':
        conditions.append(Client.next_due_at < utcnow())
    if flt.tag_ids:
        conditions.append(_probe().in_(select(ClientTag.client_id).where(ClientTag.tag_id.in_(flt.tag_ids))))
    if flt.last_comment_from is not None:
        conditions.append(Client.last_comment_at >= as_utc(flt.last_comment_from).replace(second=0, microsecond=0))
    if flt.last_comment_to is not None:
        conditions.append(Client.last_comment_at <= _minute_end(flt.last_comment_to))
    search = search_condition(flt.search)
    if search is not None:
        conditions.append(search)
    return conditions


def working_stage_ids(session) -> list[int]:
    return list(session.exec(sql_select(Stage.id).where(Stage.board == 'clients', Stage.kind == StageKind.working)))


def filtered_query(session, actor: Actor, flt: ClientFilter):
    """Clients this actor may see that match the filter; no stage chosen means the working stages."""
    working = None if flt.stage_ids or flt.all_stages else working_stage_ids(session)
    query = restrict_to_visible(actor, sql_select(Client))
    conditions = filter_conditions(flt, actor=actor, working_stage_ids=working)
    return query.where(and_(*conditions)) if conditions else query


def load_saved_filter(session, *, actor: Actor, key: str, model: type[M]) -> M:
    """A filter (of clients, deals, requests) this user left on, across logins and devices."""
    try:
        return model.model_validate(load_preference(session, actor=actor, key=key, default={}))
    except (ValueError, InvalidInput):  # saved by an older version, or before its bounds: start clean, not fail
        return model()


def save_filter_as(session, *, actor: Actor, key: str, flt: BaseModel) -> None:
    save_preference(session, actor=actor, key=key, value=flt.model_dump(mode='json'))


def load_filter(session, *, actor: Actor) -> ClientFilter:
    return load_saved_filter(session, actor=actor, key=FILTER_KEY, model=ClientFilter)


def save_filter(session, *, actor: Actor, flt: ClientFilter) -> None:
    save_filter_as(session, actor=actor, key=FILTER_KEY, flt=flt)


def load_preference(session, *, actor: Actor, key: str, default=None):
    return read_preference(session, user_id=actor.id, key=key, default=default)


def save_preference(session, *, actor: Actor, key: str, value) -> None:
    """One of the actor's own settings (filter, table columns), kept in the database, not in one browser."""
    write_preference(session, user_id=actor.id, key=key, value=value)


def read_preference(session, *, user_id: int, key: str, default=None):
    row = session.get(UserPreference, (user_id, key))
    return row.value.get('value', default) if row else default


def write_preference(session, *, user_id: int, key: str, value) -> None:
    row = session.get(UserPreference, (user_id, key)) or UserPreference(user_id=user_id, key=key)
    row.value = {'value': value}
    session.add(row)
    session.flush()
