"""Stage history: every arrival of a client or a deal in a stage, and how long it stayed in the one it left.
The funnel and time-in-stage reports read only this table, so they never replay the feed."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from ..models import Board, Client, StageChange, as_utc, utcnow
from ..permissions import rule_acting

CHUNK = 900


def _close_stays(session, board: str, ids: Sequence[int], at: datetime, by_deal: bool) -> None:
    """Give the open stays of these clients (or deals) their length, ending now."""
    table = StageChange.__table__
    owner = table.c.deal_id if by_deal else table.c.client_id
    updates = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        rows = session.connection().execute(
            select(table.c.id, table.c.at).where(table.c.board == board, owner.in_(chunk), table.c.seconds.is_(None))
        )
        updates += [{'change_id': row.id, 'length': max(0, int((at - as_utc(row.at)).total_seconds()))} for row in rows]
    if updates:
        session.connection().execute(
            update(table).where(table.c.id == bindparam('change_id')).values(seconds=bindparam('length')), updates
        )


def _created_at(session, client_ids: list[int]) -> dict:
    table = Client.__table__
    found = {}
    for start in range(0, len(client_ids), CHUNK):
        chunk = client_ids[start : start + CHUNK]
        found.update(
            session.connection().execute(select(table.c.id, table.c.created_at).where(table.c.id.in_(chunk))).all()
        )
    return found


def record_arrivals(
    session,
    arrivals: Sequence[dict],
    *,
    board: str = Board.clients,
    at: datetime | None = None,
    actor_id: int | None = None,
    first: bool = False,
) -> None:
    """Record that these clients (or deals) arrived in a stage now (or at each arrival's own 'at'). Each arrival
    is a dict with client_id, to_stage_id and optionally deal_id, from_stage_id, reason_id, at and
    client_created_at (read from the client when absent). `first`: they were just created, so there is no
    earlier stay to close."""
    if not arrivals:
        return
    at = at or utcnow()
    by_deal = board == Board.deals
    if not first:
        _close_stays(session, board, [a['deal_id' if by_deal else 'client_id'] for a in arrivals], at, by_deal)
    created = _created_at(session, [a['client_id'] for a in arrivals if 'client_created_at' not in a])
    rule = rule_acting(session)
    session.connection().execute(
        insert(StageChange.__table__),
        [
            {
                'board': board,
                'client_id': a['client_id'],
                'client_created_at': a.get('client_created_at') or created[a['client_id']],
                'deal_id': a.get('deal_id'),
                'from_stage_id': a.get('from_stage_id'),
                'to_stage_id': a['to_stage_id'],
                'reason_id': a.get('reason_id'),
                'actor_id': actor_id,
                'at': a.get('at', at),
                'seconds': None,
                'rule_id': rule.id if rule else None,
            }
            for a in arrivals
        ],
    )


def record_arrival(
    session,
    *,
    client_id: int,
    to_stage_id: int,
    from_stage_id: int | None = None,
    reason_id: int | None = None,
    actor_id: int | None = None,
    deal_id: int | None = None,
    at: datetime | None = None,
) -> None:
    record_arrivals(
        session,
        [
            {
                'client_id': client_id,
                'deal_id': deal_id,
                'from_stage_id': from_stage_id,
                'to_stage_id': to_stage_id,
                'reason_id': reason_id,
            }
        ],
        board=Board.deals if deal_id is not None else Board.clients,
        at=at,
        actor_id=actor_id,
    )
