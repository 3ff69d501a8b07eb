"""The requests list: every incoming contact of the clients a user may see, filtered, paged, with its total."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, StringConstraints
from sqlalchemy import and_, func
from sqlmodel import select

from ..attribution import DIMENSIONS, UTM_MAX, Attribution
from ..limits import Id, Moment, SearchText, clean_text
from ..models import Channel, Client, Project, Request, User
from ..permissions import Actor, restrict_to_visible
from ..views import RefView, RequestView
from .filters import load_saved_filter, period_conditions, save_filter_as, search_condition

FILTER_KEY = 'request_filter'
# as stored: a lead's tags were stored without NUL characters (clean_text), and PostgreSQL refuses them in a query
UtmText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=UTM_MAX), AfterValidator(clean_text)]
SOURCES = ('manual', 'integration', 'import')
TOUCH_TYPES = ('request', 'call')


class RequestFilter(BaseModel):
    """What the requests list and its API select; empty means "no condition"."""

    created_from: Moment | None = None
    created_to: Moment | None = None
    channel_ids: list[Id] = []
    project_ids: list[Id] = []
    touch_type: Literal['any', 'request', 'call'] = 'any'
    source: Literal['any', 'manual', 'integration', 'import'] = 'any'
    responsible_ids: list[Id] = []  # of the client
    search: SearchText = ''  # the client's name, or 4+ digits of its phones
    # exact utm tags (as the integration sent them); '' is no condition
    utm_source: UtmText = ''
    utm_medium: UtmText = ''
    utm_campaign: UtmText = ''

    def is_default(self) -> bool:
        return self == RequestFilter()


class RequestItem(RequestView):
    """A row of the requests list: the request, and whose client it is."""

    client_id: int
    client_name: str
    responsible: RefView | None
    author: RefView | None


class RequestPage(BaseModel):
    """One page of the requests list, with the exact total of the filtered set."""

    total: int
    items: list[RequestItem]


SORTS = {
    'created_at': Request.created_at,
    'client': Client.name_folded,
    'touch_type': Request.touch_type,
    'source': Request.source,
}


def filter_conditions(flt: RequestFilter) -> list:
    """The WHERE conditions of a request filter (visibility is added separately)."""
    conditions = period_conditions(Request.created_at, flt.created_from, flt.created_to)
    if flt.channel_ids:
        conditions.append(Request.channel_id.in_(flt.channel_ids))
    if flt.project_ids:
        conditions.append(Request.project_id.in_(flt.project_ids))
    if flt.touch_type != 'any':
        conditions.append(Request.touch_type == flt.touch_type)
    if flt.source != 'any':
        conditions.append(Request.source == flt.source)
    if flt.responsible_ids:
        conditions.append(Client.responsible_id.in_(flt.responsible_ids))
    for name in DIMENSIONS:
        if value := getattr(flt, name):
            conditions.append(getattr(Request, name) == value)
    search = search_condition(flt.search)
    if search is not None:
        conditions.append(search)
    return conditions


def filtered_requests(actor: Actor, flt: RequestFilter):
    """Requests of the clients this actor may see that match the filter: the clients' one visibility rule."""
    query = restrict_to_visible(
        actor, select(Request, Client.name, Client.responsible_id).join(Client, Client.id == Request.client_id)
    )
    conditions = filter_conditions(flt)
    return query.where(and_(*conditions)) if conditions else query


def _refs(session, model, ids) -> dict[int, RefView]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        row_id: RefView(id=row_id, name=name)
        for row_id, name in session.exec(select(model.id, model.name).where(model.id.in_(wanted)))
    }


def list_requests(
    session,
    *,
    actor: Actor,
    flt: RequestFilter | None = None,
    offset: int = 0,
    limit: int = 50,
    sort: str = 'created_at',
    descending: bool = True,
) -> RequestPage:
    """A page of the requests of the clients this actor may see that match the filter, with the exact total."""
    query = filtered_requests(actor, flt or RequestFilter())
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    column = SORTS.get(sort, Request.created_at)
    order = (column.desc(), Request.id.desc()) if descending else (column.asc(), Request.id.asc())
    rows = session.exec(query.order_by(*order).limit(max(1, min(limit, 500))).offset(max(0, offset))).all()
    channels = _refs(session, Channel, [r.channel_id for r, _, _ in rows])
    projects = _refs(session, Project, [r.project_id for r, _, _ in rows])
    users = _refs(session, User, [r.created_by_id for r, _, _ in rows] + [responsible for _, _, responsible in rows])
    return RequestPage(
        total=total,
        items=[
            RequestItem(
                id=r.id,
                channel=channels.get(r.channel_id),
                project=projects.get(r.project_id),
                touch_type=r.touch_type,
                source=r.source,
                name=r.name,
                phone=r.phone,
                comment=r.comment,
                created_at=r.created_at,
                attribution=Attribution.of(r),
                client_id=r.client_id,
                client_name=client_name,
                responsible=users.get(responsible_id),
                author=users.get(r.created_by_id),
            )
            for r, client_name, responsible_id in rows
        ],
    )


def load_request_filter(session, *, actor: Actor) -> RequestFilter:
    """The requests filter this user left on, across logins and devices."""
    return load_saved_filter(session, actor=actor, key=FILTER_KEY, model=RequestFilter)


def save_request_filter(session, *, actor: Actor, flt: RequestFilter) -> None:
    save_filter_as(session, actor=actor, key=FILTER_KEY, flt=flt)
