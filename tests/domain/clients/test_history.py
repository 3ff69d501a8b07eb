"""Stage history: every arrival of a client in a stage is kept with how long it stayed where it was."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from app.domain.clients import bulk, clients
from app.domain.clients.bulk import Selection
from app.domain.models import StageChange, utcnow
from tests.factories import make_client, make_user, stages


def _history(db, client_id):
    with db.read() as session:
        rows = session.exec(select(StageChange).where(StageChange.client_id == client_id).order_by(StageChange.id))
        return [(r.from_stage_id, r.to_stage_id, r.seconds, r.reason_id) for r in rows]


def test_creation_moves_and_bulk_moves_are_recorded_with_the_time_spent(db):
    head = make_user(db, 'olga', role='head')
    client = make_client(db, head)
    by_name = stages(db)
    first, meeting, trash = by_name['Не разобрано'], by_name['Назначение встречи'], by_name['Не лид (корзина)']
    assert _history(db, client.id) == [(None, first.id, None, None)]
    with db.write() as session:  # an hour in the first stage
        session.execute(update(StageChange).values(at=utcnow() - timedelta(hours=1)))
    with db.write() as session:
        clients.move_client(session, actor=head, client_id=client.id, stage_id=meeting.id)
    history = _history(db, client.id)
    assert history[1] == (first.id, meeting.id, None, None)
    assert 3590 <= history[0][2] <= 3610
    with db.write() as session:
        bulk.bulk_move(
            session,
            actor=head,
            selection=Selection(client_ids=[client.id]),
            stage_id=trash.id,
            reason_id=trash.reasons[0].id,
        )
    history = _history(db, client.id)
    assert history[2] == (meeting.id, trash.id, None, trash.reasons[0].id)
    assert history[1][2] is not None
