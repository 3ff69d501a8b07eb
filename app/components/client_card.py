"""A kanban card: one custom element fed by props, so a board of hundreds of cards stays light."""

import json
from collections.abc import Callable
from datetime import datetime

from nicegui import ui

from app.domain.clients.speed_to_lead import WaitingClock
from app.domain.views import ClientCard as CardData

from .locale import format_date, format_datetime, tr

METHOD_ICONS = {'manual': 'edit_note', 'integration': 'cloud_download', 'import': 'upload_file'}
TOUCH_ICONS = {'request': 'mail', 'call': 'call'}


def card_labels_script() -> str:
    """The card menu's words, once per page instead of once per card."""
    labels = json.dumps({'open': tr('card.open'), 'move': tr('card.move')}, ensure_ascii=False)
    return f'<script>window.vkLabels = {labels};</script>'


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def waiting_clock_script(clock: WaitingClock) -> str:
    """What the cards' waiting clocks tick on, once per page: the coming working windows (a clock stands still
    outside them), the thresholds in seconds and the words."""
    setup = {
        'windows': [[_ms(opens), _ms(closes)] for opens, closes in clock.windows],
        'warn': clock.warn_minutes * 60,
        'alarm': clock.alarm_minutes * 60,
        'title': tr('card.waiting'),
        'minutes': tr('card.wait_minutes'),
        'hours': tr('card.wait_hours'),
    }
    return f'<script>window.vkWait = {json.dumps(setup, ensure_ascii=False)};</script>'


def _task_line(task) -> str:
    return f'{format_datetime(task.due_at)} {task.title}'


def card_props(card: CardData, task_mode: str = 'nearest') -> dict:
    """What the card shows, already formatted in the reader's language and time zone. `task_mode` is the
    user's choice: the nearest task, all open ones, a counter, or none (the board's CSS hides them). Its lists
    are tuples: NiceGUI wraps every dict and list put in props in an observable, whose set-up (an
    inspect.signature of its change handler) took a quarter of a board's build."""
    first = card.open_tasks[0] if card.open_tasks else None
    overdue = card.overdue_count
    agency = ' · '.join(
        part for part in (card.agency.name if card.agency else '', card.realtor.name if card.realtor else '') if part
    )
    return {
        'id': card.id,
        'name': card.name,
        'can_act': card.can_act,
        'method': tr(f'method.{card.creation_method}'),
        'method_icon': METHOD_ICONS.get(card.creation_method, 'edit_note'),
        'touch': tr(f'touch.{card.touch_type}'),
        'touch_icon': TOUCH_ICONS.get(card.touch_type, 'mail'),
        'project': card.project.abbreviation or card.project.name if card.project else '',
        'situation': card.situation,
        'tags': tuple({'name': tag.name, 'color': tag.color} for tag in card.tags),
        'agency': agency,
        'task': _task_line(first) if first and task_mode == 'nearest' else '',
        'task_overdue': bool(first and first.overdue),
        'overdue': overdue,
        'more_tasks': max(0, len(card.open_tasks) - 1) if task_mode == 'nearest' else 0,
        'tasks_all': tuple({'text': _task_line(t), 'overdue': t.overdue} for t in card.open_tasks)
        if task_mode == 'all'
        else (),
        'task_counter': tr('card.task_counter', open=len(card.open_tasks), overdue=overdue)
        if task_mode == 'counter' and card.open_tasks
        else '',
        'responsible': card.responsible.name,
        'created': format_date(card.created_at),
        'documents': card.documents,
        # the waiting clock: working seconds as of a moment; the card ticks on from there (client_card.js)
        'wait': {'s': card.waiting.seconds, 'at': _ms(card.waiting.as_of)} if card.waiting else None,
    }


class BoardCard(ui.element):
    """What a card on any board does: shows fresh data, flashes who changed it, asks to open or move it."""

    marker = 'card'

    def __init__(self, card, *, on_open: Callable[[int], None], on_move: Callable[[int], None]) -> None:
        super().__init__()
        self._set(card, '')  # a new element is sent whole: no update to queue
        self.mark(f'{self.marker}-{card.id}')
        self.on('open', lambda: on_open(self.data.id))
        self.on('move', lambda: on_move(self.data.id))

    def card_props(self, card) -> dict:
        raise NotImplementedError

    def show(self, card, flash: str = '') -> None:
        """Display new data for the same record, optionally highlighted with who changed it."""
        self._set(card, flash)
        self.update()

    def _set(self, card, flash: str) -> None:
        self.data = card
        with self._props.suspend_updates():  # one update for both props, not one per prop
            self._props['card'] = self.card_props(card)
            self._props['flash'] = flash

    def clear_flash(self) -> None:
        if not self.is_deleted:
            self._props['flash'] = ''
            self.update()


class ClientCard(BoardCard, component='client_card.js'):
    """A client on the board; draggable only when the viewer may act on it (the server checks again)."""

    def __init__(
        self,
        card: CardData,
        *,
        on_open: Callable[[int], None],
        on_move: Callable[[int], None],
        task_mode: str = 'nearest',
    ) -> None:
        self.task_mode = task_mode
        super().__init__(card, on_open=on_open, on_move=on_move)

    def card_props(self, card: CardData) -> dict:
        return card_props(card, self.task_mode)

    def _displayed_contents(self, *, only_visible: bool) -> list:
        props = self._props['card']
        return [
            props['name'],
            props['situation'],
            props['responsible'],
            props['project'],
            props['task'],
            props['agency'],
            props['task_counter'],
            *(task['text'] for task in props['tasks_all']),
            self._props['flash'],
        ]
