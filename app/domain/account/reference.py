"""Reference data: stages with their reasons and transitions, channels, projects, tags, agencies, users."""

from sqlmodel import select

from ..errors import InvalidInput, NotFound
from ..limits import INT_MAX
from ..models import (
    Agency,
    Board,
    Channel,
    ClosingReason,
    CustomField,
    Project,
    Realtor,
    Stage,
    StageKind,
    StageTransition,
    Tag,
    User,
)
from ..views import CustomFieldView, FormChoices, ReasonView, RefView, StageView, UserView


def stage_views(session, board: str = Board.clients) -> list[StageView]:
    """The stages of a board in order, each with its active reasons."""
    stages = session.exec(select(Stage).where(Stage.board == board).order_by(Stage.position, Stage.id)).all()
    reasons = session.exec(
        select(ClosingReason)
        .where(ClosingReason.stage_id.in_([s.id for s in stages]), ClosingReason.active)
        .order_by(ClosingReason.position, ClosingReason.id)
    ).all()
    by_stage: dict[int, list[ReasonView]] = {}
    for reason in reasons:
        by_stage.setdefault(reason.stage_id, []).append(ReasonView(id=reason.id, name=reason.name))
    return [
        StageView(
            id=s.id,
            board=s.board,
            name=s.name,
            position=s.position,
            kind=s.kind,
            color=s.color,
            reasons=by_stage.get(s.id, []),
        )
        for s in stages
    ]


def first_working_stage(session, board: str = Board.clients) -> Stage:
    stage = session.exec(
        select(Stage).where(Stage.board == board, Stage.kind == StageKind.working).order_by(Stage.position, Stage.id)
    ).first()
    if stage is None:
        raise NotFound()
    return stage


def stage_of_kind(session, kind: str, board: str = Board.clients) -> Stage:
    stage = session.exec(
        select(Stage).where(Stage.board == board, Stage.kind == kind).order_by(Stage.position, Stage.id)
    ).first()
    if stage is None:
        raise NotFound()
    return stage


def transition_allowed(session, source_id: int, target_id: int) -> bool:
    found = session.exec(
        select(StageTransition.id).where(
            StageTransition.from_stage_id == source_id, StageTransition.to_stage_id == target_id
        )
    ).first()
    return found is not None


def default_channel(session) -> Channel:
    channel = session.exec(select(Channel).where(Channel.active).order_by(Channel.position, Channel.id)).first()
    if channel is None:
        raise NotFound()
    return channel


def channel_named(channel_id: int, name: str, value: int | str) -> bool:
    """Whether a channel is the one a caller named, by id or by name (case-insensitive)."""
    return channel_id == value or (isinstance(value, str) and name.casefold() == value.strip().casefold())


def project_named(project_id: int, name: str, abbreviation: str, value: int | str) -> bool:
    """Whether a project is the one a caller named, by id, name or abbreviation (case-insensitive)."""
    return project_id == value or (
        isinstance(value, str) and value.strip().casefold() in (name.casefold(), abbreviation.casefold())
    )


def resolve_channel(session, value: int | str | None) -> Channel:
    """A channel by id or name (case-insensitive); none given means the first channel."""
    if value in (None, ''):
        return default_channel(session)
    # plain tuples: building ORM objects for every channel costs more than the lead itself
    for channel_id, name in session.exec(select(Channel.id, Channel.name)):
        if channel_named(channel_id, name, value):
            return session.get(Channel, channel_id)
    raise InvalidInput('error.unknown_channel', channel=value)


def resolve_project(session, value: int | str | None) -> Project | None:
    """A project by id, name or abbreviation; none given means no project."""
    if value in (None, ''):
        return None
    for project_id, name, abbreviation in session.exec(select(Project.id, Project.name, Project.abbreviation)):
        if project_named(project_id, name, abbreviation, value):
            return session.get(Project, project_id)
    raise InvalidInput('error.unknown_project', project=value)


def ensure_exists(session, model, item_id: int | None, what: str):
    """Load a referenced row or refuse the input that named it (an id beyond the columns' range names nothing)."""
    if item_id is None:
        return None
    item = session.get(model, item_id) if 1 <= item_id <= INT_MAX else None
    if item is None:
        raise InvalidInput('error.unknown_ref_id', what=what, id=item_id)
    return item


def user_views(session, *, active_only: bool = False) -> list[UserView]:
    query = select(User).order_by(User.name)
    if active_only:
        query = query.where(User.active)
    return [UserView(id=u.id, login=u.login, name=u.name, role=u.role, active=u.active) for u in session.exec(query)]


def channels(session) -> list[Channel]:
    return list(session.exec(select(Channel).order_by(Channel.position, Channel.id)))


def projects(session) -> list[Project]:
    return list(session.exec(select(Project).order_by(Project.name)))


def tags(session) -> list[Tag]:
    return list(session.exec(select(Tag).order_by(Tag.name)))


def agencies(session) -> list[Agency]:
    return list(session.exec(select(Agency).order_by(Agency.name)))


def realtors(session) -> list[Realtor]:
    return list(session.exec(select(Realtor).order_by(Realtor.name)))


def form_choices(session) -> FormChoices:
    """Everything a client form's selects offer, in one read."""
    return FormChoices(
        projects=[RefView(id=p.id, name=p.name, abbreviation=p.abbreviation) for p in projects(session) if p.active],
        channels=[RefView(id=c.id, name=c.name) for c in channels(session) if c.active],
        agencies=[RefView(id=a.id, name=a.name) for a in agencies(session)],
        realtors=[RefView(id=r.id, name=r.name) for r in realtors(session)],
        tags=[RefView(id=t.id, name=t.name, color=t.color) for t in tags(session)],
        users=[RefView(id=u.id, name=u.name) for u in user_views(session, active_only=True)],
        everyone=[RefView(id=u.id, name=u.name if u.active else f'{u.name} ✕') for u in user_views(session)],
        custom_fields=[
            CustomFieldView(id=f.id, name=f.name, kind=f.kind, options=list(f.options))
            for f in session.exec(select(CustomField).order_by(CustomField.position, CustomField.id))
        ],
    )


def required_reason(session, stage: Stage, reason_id: int | None) -> ClosingReason | None:
    """The closing reason a failure or trash stage needs (one of its own, still active); None for other stages."""
    if not stage.needs_reason:
        return None
    if reason_id is None:
        raise InvalidInput('error.reason_required', stage=stage.name)
    reason = session.get(ClosingReason, reason_id)
    if reason is None or reason.stage_id != stage.id or not reason.active:
        raise InvalidInput('error.reason_wrong_stage', stage=stage.name)
    return reason
