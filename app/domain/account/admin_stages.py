"""The admin's setup of the clients funnel: stages, the allowed-transitions matrix, and closing reasons.
Every change is refused for non-admins, written to the audit log and announced to open pages."""

import re

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import delete, or_, select

from ..errors import InvalidInput
from ..limits import clean_text
from ..models import Board, Client, ClosingReason, Deal, Stage, StageChange, StageKind, StageTransition
from ..permissions import Actor, ensure_admin
from .audit import record_change

AREA = 'stages'
NEW_STAGE_COLOR = '#90a4ae'
_COLOR = re.compile(r'^#[0-9a-fA-F]{6}$')


class ReasonSetup(BaseModel):
    id: int
    name: str
    position: int
    active: bool


class StageSetup(BaseModel):
    id: int
    name: str
    position: int
    kind: str
    color: str
    clients: int
    reasons: list[ReasonSetup] = []

    @property
    def is_working(self) -> bool:
        return self.kind == StageKind.working

    @property
    def needs_reason(self) -> bool:
        return self.kind in (StageKind.failure, StageKind.trash)


class FunnelSetup(BaseModel):
    """What the settings tab shows: stages in order (with every reason, inactive too) and the allowed moves."""

    stages: list[StageSetup]
    transitions: set[tuple[int, int]]

    def allows(self, source_id: int, target_id: int) -> bool:
        return (source_id, target_id) in self.transitions


def funnel_setup(session, *, actor: Actor, board: str = Board.clients) -> FunnelSetup:
    """The clients board's stages, reasons and transitions as the admin edits them."""
    ensure_admin(actor)
    stages = _ordered(session, board)
    ids = [s.id for s in stages]
    counts = {
        stage_id: count
        for stage_id, count in session.exec(
            select(Client.stage_id, func.count(Client.id)).where(Client.stage_id.in_(ids)).group_by(Client.stage_id)
        )
    }
    reasons: dict[int, list[ReasonSetup]] = {}
    for reason in session.exec(
        select(ClosingReason).where(ClosingReason.stage_id.in_(ids)).order_by(ClosingReason.position, ClosingReason.id)
    ):
        reasons.setdefault(reason.stage_id, []).append(
            ReasonSetup(id=reason.id, name=reason.name, position=reason.position, active=reason.active)
        )
    transitions = {
        (source, target)
        for source, target in session.exec(
            select(StageTransition.from_stage_id, StageTransition.to_stage_id).where(
                StageTransition.from_stage_id.in_(ids)
            )
        )
    }
    return FunnelSetup(
        stages=[
            StageSetup(
                id=s.id,
                name=s.name,
                position=s.position,
                kind=s.kind,
                color=s.color,
                clients=counts.get(s.id, 0),
                reasons=reasons.get(s.id, []),
            )
            for s in stages
        ],
        transitions=transitions,
    )


def update_stage(
    session, *, actor: Actor, stage_id: int, name: str | None = None, color: str | None = None
) -> FunnelSetup:
    """Rename and/or recolour any stage of the clients board."""
    ensure_admin(actor)
    stage = _stage(session, stage_id)
    changes = {}
    if name is not None:
        name = _stage_name(session, name, stage.board, except_id=stage.id)
        if name != stage.name:
            changes['name'] = name
    if color is not None:
        color = _color(color)
        if color != stage.color:
            changes['color'] = color
    if changes:
        details = {'stage': stage.name, **changes}
        for field, value in changes.items():
            setattr(stage, field, value)
        session.add(stage)
        record_change(session, actor, AREA, 'update_stage', **details)
        session.flush()
    return funnel_setup(session, actor=actor, board=stage.board)


def move_stage(session, *, actor: Actor, stage_id: int, offset: int) -> FunnelSetup:
    """Move a working stage up (-1) or down (+1) among the working ones; closing stages stay last."""
    ensure_admin(actor)
    stage = _stage(session, stage_id)
    if stage.kind != StageKind.working:
        raise InvalidInput('error.stage_not_working')
    working = [s for s in _ordered(session, stage.board) if s.kind == StageKind.working]
    index = working.index(stage)
    target = max(0, min(len(working) - 1, index + offset))
    if target != index:
        working.insert(target, working.pop(index))
        _renumber(session, stage.board, working)
        record_change(session, actor, AREA, 'move_stage', stage=stage.name, position=target + 1)
        session.flush()
    return funnel_setup(session, actor=actor, board=stage.board)


def add_stage(
    session, *, actor: Actor, name: str, color: str = NEW_STAGE_COLOR, board: str = Board.clients
) -> FunnelSetup:
    """A new working stage after the last working one, reachable from every working stage and leading
    to every other stage, like the default ones."""
    ensure_admin(actor)
    _board(board)
    name = _stage_name(session, name, board)
    color = _color(color)
    stages = _ordered(session, board)
    stage = Stage(board=board, name=name, kind=StageKind.working, color=color)
    session.add(stage)
    session.flush()
    working = [s for s in stages if s.kind == StageKind.working]
    _renumber(session, board, [*working, stage])
    for other in stages:
        session.add(StageTransition(from_stage_id=stage.id, to_stage_id=other.id))
        if other.kind == StageKind.working:
            session.add(StageTransition(from_stage_id=other.id, to_stage_id=stage.id))
    record_change(session, actor, AREA, 'add_stage', stage=name)
    session.flush()
    return funnel_setup(session, actor=actor, board=board)


def remove_stage(session, *, actor: Actor, stage_id: int) -> FunnelSetup:
    """Remove an empty working stage with its transitions; a stage with clients must be emptied first."""
    ensure_admin(actor)
    stage = _stage(session, stage_id)
    if stage.kind != StageKind.working:
        raise InvalidInput('error.stage_not_working')
    working = [s for s in _ordered(session, stage.board) if s.kind == StageKind.working]
    if len(working) == 1:
        raise InvalidInput('error.stage_last_working')
    holder, column = (Deal, Deal.stage_id) if stage.board == Board.deals else (Client, Client.stage_id)
    count = session.exec(select(func.count(holder.id)).where(column == stage.id)).one()
    if count:
        raise InvalidInput('error.stage_has_clients', stage=stage.name, count=count)
    # the history forgets the stage: stays in it are dropped, arrivals from it keep their destination
    session.exec(update(StageChange).where(StageChange.from_stage_id == stage.id).values(from_stage_id=None))
    session.exec(delete(StageChange).where(StageChange.to_stage_id == stage.id))
    session.exec(
        delete(StageTransition).where(
            or_(StageTransition.from_stage_id == stage.id, StageTransition.to_stage_id == stage.id)
        )
    )
    session.exec(delete(ClosingReason).where(ClosingReason.stage_id == stage.id))
    board, name = stage.board, stage.name
    session.delete(stage)
    session.flush()
    _renumber(session, board, [s for s in working if s.id != stage_id])
    record_change(session, actor, AREA, 'remove_stage', stage=name)
    session.flush()
    return funnel_setup(session, actor=actor, board=board)


def set_transition(session, *, actor: Actor, from_stage_id: int, to_stage_id: int, allowed: bool) -> FunnelSetup:
    """Allow or forbid moving a client from one stage straight to another."""
    ensure_admin(actor)
    source = _stage(session, from_stage_id)
    target = _stage(session, to_stage_id)
    if source.id == target.id:
        raise InvalidInput('error.transition_to_itself')
    existing = session.exec(
        select(StageTransition).where(
            StageTransition.from_stage_id == source.id, StageTransition.to_stage_id == target.id
        )
    ).first()
    if allowed and existing is None:
        session.add(StageTransition(from_stage_id=source.id, to_stage_id=target.id))
    elif not allowed and existing is not None:
        session.delete(existing)
    else:
        return funnel_setup(session, actor=actor, board=source.board)
    record_change(
        session,
        actor,
        AREA,
        'allow_transition' if allowed else 'forbid_transition',
        source=source.name,
        target=target.name,
    )
    session.flush()
    return funnel_setup(session, actor=actor, board=source.board)


def add_reason(session, *, actor: Actor, stage_id: int, name: str) -> FunnelSetup:
    """A new closing reason, last among the stage's reasons."""
    ensure_admin(actor)
    stage = _stage(session, stage_id)
    if stage.kind not in (StageKind.failure, StageKind.trash):
        raise InvalidInput('error.reason_stage_kind', stage=stage.name)
    name = _reason_name(session, stage.id, name)
    last = session.exec(select(func.max(ClosingReason.position)).where(ClosingReason.stage_id == stage.id)).one()
    session.add(ClosingReason(stage_id=stage.id, name=name, position=(last if last is not None else -1) + 1))
    record_change(session, actor, AREA, 'add_reason', stage=stage.name, reason=name)
    session.flush()
    return funnel_setup(session, actor=actor, board=stage.board)


def rename_reason(session, *, actor: Actor, reason_id: int, name: str) -> FunnelSetup:
    ensure_admin(actor)
    reason, stage = _reason(session, reason_id)
    name = _reason_name(session, stage.id, name, except_id=reason.id)
    if name != reason.name:
        record_change(session, actor, AREA, 'rename_reason', stage=stage.name, reason=reason.name, name=name)
        reason.name = name
        session.add(reason)
        session.flush()
    return funnel_setup(session, actor=actor, board=stage.board)


def deactivate_reason(session, *, actor: Actor, reason_id: int) -> FunnelSetup:
    """No longer offered when closing; kept so that clients closed with it still say why."""
    ensure_admin(actor)
    reason, stage = _reason(session, reason_id)
    if reason.active:
        reason.active = False
        session.add(reason)
        record_change(session, actor, AREA, 'deactivate_reason', stage=stage.name, reason=reason.name)
        session.flush()
    return funnel_setup(session, actor=actor, board=stage.board)


def move_reason(session, *, actor: Actor, reason_id: int, offset: int) -> FunnelSetup:
    """Move a reason up (-1) or down (+1) in its stage's list."""
    ensure_admin(actor)
    reason, stage = _reason(session, reason_id)
    reasons = list(
        session.exec(
            select(ClosingReason)
            .where(ClosingReason.stage_id == stage.id)
            .order_by(ClosingReason.position, ClosingReason.id)
        )
    )
    index = reasons.index(reason)
    target = max(0, min(len(reasons) - 1, index + offset))
    if target != index:
        reasons.insert(target, reasons.pop(index))
        for position, item in enumerate(reasons):
            if item.position != position:
                item.position = position
                session.add(item)
        record_change(session, actor, AREA, 'move_reason', stage=stage.name, reason=reason.name, position=target + 1)
        session.flush()
    return funnel_setup(session, actor=actor, board=stage.board)


def _ordered(session, board: str) -> list[Stage]:
    return list(session.exec(select(Stage).where(Stage.board == board).order_by(Stage.position, Stage.id)))


def _renumber(session, board: str, working: list[Stage]) -> None:
    """Contiguous positions: the working stages in the given order, then the closing ones as they were."""
    closing = [s for s in _ordered(session, board) if s.kind != StageKind.working]
    for position, stage in enumerate([*working, *closing]):
        if stage.position != position:
            stage.position = position
            session.add(stage)


def _board(board: str) -> None:
    if board != Board.clients:
        raise InvalidInput('error.stage_board')


def _stage(session, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise InvalidInput('error.unknown_ref_id', what='settings.stages.stage', id=stage_id)
    _board(stage.board)
    return stage


def _reason(session, reason_id: int) -> tuple[ClosingReason, Stage]:
    reason = session.get(ClosingReason, reason_id)
    if reason is None:
        raise InvalidInput('error.unknown_ref_id', what='settings.stages.reason', id=reason_id)
    return reason, _stage(session, reason.stage_id)


def _stage_name(session, name: str, board: str, except_id: int | None = None) -> str:
    name = ' '.join(clean_text(name).split())
    if not name:
        raise InvalidInput('error.stage_name_required')
    if len(name) > 100:
        raise InvalidInput('error.stage_name_long')
    for other_id, other_name in session.exec(select(Stage.id, Stage.name).where(Stage.board == board)):
        if other_id != except_id and other_name.casefold() == name.casefold():
            raise InvalidInput('error.stage_name_taken', name=name)
    return name


def _reason_name(session, stage_id: int, name: str, except_id: int | None = None) -> str:
    name = ' '.join(clean_text(name).split())
    if not name:
        raise InvalidInput('error.reason_name_required')
    if len(name) > 200:
        raise InvalidInput('error.reason_name_long')
    for other_id, other_name in session.exec(
        select(ClosingReason.id, ClosingReason.name).where(ClosingReason.stage_id == stage_id, ClosingReason.active)
    ):
        if other_id != except_id and other_name.casefold() == name.casefold():
            raise InvalidInput('error.reason_name_taken', name=name)
    return name


def _color(color: str) -> str:
    color = (color or '').strip()
    if not _COLOR.match(color):
        raise InvalidInput('error.stage_color', color=color)
    return color.lower()
