"""Booking: a new deal for a client and one property object, and the client moved to the success stage."""

import math

from ..account.reference import ensure_exists, first_working_stage, stage_of_kind, transition_allowed
from ..clients.cards import build_detail
from ..clients.clients import apply_stage, load_for_change
from ..clients.feed import touch_client, write_system_entry
from ..clients.history import record_arrival
from ..errors import InvalidInput
from ..limits import check_money, check_text
from ..models import Board, Deal, FeedKind, Project, Stage, StageKind
from ..permissions import Actor
from ..views import ClientDetail
from . import units
from .deal_board import announce_deal


def book_client(
    session,
    *,
    actor: Actor,
    client_id: int,
    project_id: int | None,
    unit: str = '',
    amount: float | None = None,
    unit_id: int | None = None,
    expected_version: int | None = None,
) -> ClientDetail:
    """Put a booking: the deal lands on the deals kanban, the client on «Бронь поставлена».
    A client already there (a returning buyer) simply gets another deal. With `unit_id` the booking takes that
    free object of the catalogue (its project and price are the defaults); without it `unit` is free text."""
    client = load_for_change(session, actor, client_id, expected_version)
    taken = units.book_unit(session, unit_id) if unit_id is not None else None
    if taken is not None:
        if project_id is not None and taken.project_id is not None and project_id != taken.project_id:
            raise InvalidInput('error.unit_other_project', unit=taken.label)
        project_id = taken.project_id if taken.project_id is not None else project_id
        if amount is None or amount == '':
            amount = taken.price
        unit = taken.label
    try:
        amount = float(amount)
    except (TypeError, ValueError):
        raise InvalidInput('error.amount') from None
    if not math.isfinite(amount) or amount <= 0:
        raise InvalidInput('error.amount')
    check_money(amount, 'deals.amount')
    unit = check_text(unit, units.LABEL_MAX, 'deals.object', one_line=True)
    project = ensure_exists(session, Project, project_id, 'field.project_id')
    success = stage_of_kind(session, StageKind.success)
    source = session.get(Stage, client.stage_id)
    if source.id != success.id and not transition_allowed(session, source.id, success.id):
        raise InvalidInput('error.transition', source=source.name, target=success.name)
    deal = Deal(
        client_id=client.id,
        project_id=project.id if project else None,
        unit_id=taken.id if taken else None,
        unit=unit,
        amount=amount,
        stage_id=first_working_stage(session, Board.deals).id,
        responsible_id=client.responsible_id,
        creator_id=actor.id,
    )
    session.add(deal)
    session.flush()
    record_arrival(session, client_id=client.id, deal_id=deal.id, to_stage_id=deal.stage_id, actor_id=actor.id)
    announce_deal(session, deal, actor, 'created')
    label = ' '.join(part for part in (project.abbreviation if project else '', deal.unit) if part) or '—'
    booked = write_system_entry(
        session,
        client,
        kind=FeedKind.deal_created,
        actor_id=actor.id,
        key='feed.deal_created',
        object=label,
        amount=f'{amount:,.0f}'.replace(',', ' '),
    )
    booked.deal_id = deal.id  # the deal's own feed starts with its booking
    if source.id != success.id:
        apply_stage(session, client, actor, success, None, 'feed.stage')
    else:
        touch_client(session, client, actor, 'deal')
    session.flush()
    return build_detail(session, actor, client)
