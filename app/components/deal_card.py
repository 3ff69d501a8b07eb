"""A deal's kanban card: one custom element fed by props, the deals counterpart of ClientCard."""

from app.domain.deals.deal_board import DealCard as DealData

from .client_card import BoardCard
from .locale import format_date, format_datetime, format_money, tr


def deal_card_props(card: DealData) -> dict:
    """What the card shows, already formatted in the reader's language and time zone."""
    task = card.task
    return {
        'id': card.id,
        'client': card.client_name,
        'can_act': card.can_act,
        'object': card.label,
        'amount': format_money(card.amount),
        'responsible': card.responsible.name,
        'created': format_date(card.created_at),
        'stage_date': format_date(card.stage_changed_at),
        'dates_title': f'{tr("deals.created")}: {format_date(card.created_at)} · '
        f'{tr("deals.stage_changed")}: {format_date(card.stage_changed_at)}',
        'task': f'{format_datetime(task.due_at)} {task.title}' if task else '',
        'task_overdue': bool(task and task.overdue),
    }


class DealCardElement(BoardCard, component='deal_card.js'):
    """A deal on the board; draggable only when the viewer may act on it (the server checks again)."""

    marker = 'deal'

    def card_props(self, card: DealData) -> dict:
        return deal_card_props(card)

    def _displayed_contents(self, *, only_visible: bool) -> list:
        props = self._props['card']
        return [
            props['client'],
            props['object'],
            props['amount'],
            props['responsible'],
            props['task'],
            self._props['flash'],
        ]
