"""/requests — every incoming contact of the clients the user may see: filters, server-side paging and sorting;
a row opens its client's window."""

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from app.components.locale import format_datetime, format_number, paging_texts, tr
from app.components.request_filter_bar import RequestFilterBar
from app.domain.clients import requests_list
from app.domain.clients.requests_list import RequestFilter, RequestItem
from app.domain.db import get_database
from app.domain.events import ClientChanged
from app.domain.permissions import Actor
from app.domain.views import ClientCard as CardData

from .screen import Screen, load_screen_data
from .session import page_actor, to_login

COLUMNS = (
    'created_at',
    'client',
    'phone',
    'channel',
    'attribution',
    'project',
    'touch_type',
    'source',
    'responsible',
    'comment',
)
SORTABLE = {'created_at', 'client', 'touch_type', 'source'}
NO_WRAP = {'created_at', 'phone'}
ROWS_PER_PAGE = 50
# changes that may add a request to the list, or change what its rows show
RELOAD_ON = {'created', 'request', 'assigned', 'edited'}


def _load_request_filter(actor: Actor) -> RequestFilter:
    with get_database().read() as session:
        return requests_list.load_request_filter(session, actor=actor)


class RequestsScreen(Screen):
    """One open requests tab."""

    active_nav = 'nav.requests'

    def __init__(self, actor, stages, choices, flt, request_filter: RequestFilter) -> None:
        super().__init__(actor, stages, choices, flt)
        self.request_filter = request_filter
        self.total = 0
        self.reload_pending = False
        self.pagination = {
            'page': 1,
            'rowsPerPage': ROWS_PER_PAGE,
            'sortBy': 'created_at',
            'descending': True,
            'rowsNumber': 0,
        }

    def build(self) -> None:
        self.build_frame()
        with ui.column().classes('w-full q-px-md q-pt-sm gap-2'):
            with ui.row().classes('w-full items-center no-wrap gap-3'):
                self.filter_bar = RequestFilterBar(
                    self.request_filter, choices=self.choices, on_change=self.save_request_filter
                )
                ui.space()
                self.total_label = ui.label('').classes('text-grey-8 text-no-wrap')
            self.table = (
                ui.table(columns=self._columns(), rows=[], row_key='id', pagination=self.pagination)
                .classes('w-full vk-table')
                .props('flat bordered dense binary-state-sort')
                .mark('requests-table')
            )
            self.table.props.update(paging_texts())
            self.table.on('request', self.on_request)
            self.table.on_pagination_change(self._keep_total)
            self.table.on('rowClick', lambda e: self.open_client(e.args[1]['client_id']))

    def _columns(self) -> list[dict]:
        return [
            {
                'name': c,
                'field': c,
                'label': tr(f'requests.column.{c}'),
                'align': 'left',
                'sortable': c in SORTABLE,
                **({'classes': 'text-no-wrap'} if c in NO_WRAP else {}),
            }
            for c in COLUMNS
        ]

    @staticmethod
    def _row(item: RequestItem) -> dict:
        return {
            'id': item.id,
            'client_id': item.client_id,
            'created_at': format_datetime(item.created_at),
            'client': item.client_name,
            'phone': item.phone,
            'channel': item.channel.name if item.channel else '',
            'attribution': item.attribution.label(),
            'project': item.project.name if item.project else '',
            'touch_type': tr(f'touch.{item.touch_type}'),
            'source': tr(f'method.{item.source}'),
            'responsible': item.responsible.name if item.responsible else '',
            'comment': item.comment,
        }

    async def save_request_filter(self, flt: RequestFilter) -> None:
        """Remember the filter for this user on every device, then show its first page."""
        self.request_filter = flt
        await self.call(requests_list.save_request_filter, flt=flt)
        await self.fetch({**self.pagination, 'page': 1})

    async def load(self) -> None:
        await self.fetch(self.pagination)

    async def refresh_live(self) -> None:
        self.reload_pending = False
        await self.fetch(self.pagination)

    async def fetch(self, pagination: dict) -> None:
        sort = pagination.get('sortBy') or 'created_at'
        size = pagination.get('rowsPerPage') or ROWS_PER_PAGE
        page = await self.read(
            requests_list.list_requests,
            flt=self.request_filter,
            limit=size,
            offset=(pagination['page'] - 1) * size,
            sort=sort if sort in SORTABLE else 'created_at',
            descending=bool(pagination.get('descending', True)),
        )
        if page is None:
            return
        self.total = page.total
        self.pagination = {**pagination, 'rowsNumber': page.total}
        self.table.pagination = self.pagination
        self.table.rows = [self._row(item) for item in page.items]
        self.table.update()
        self.total_label.set_text(tr('requests.total', total=format_number(page.total)))
        self.total_label.mark('requests-total', 'requests-ready')  # tests wait for the first page

    def _keep_total(self, event) -> None:
        # Quasar echoes its pagination back, possibly from before the total was known: keep the real total
        if event.value.get('rowsNumber') != self.total:
            self.table.pagination = {**event.value, 'rowsNumber': self.total}

    async def on_request(self, event) -> None:
        await self.fetch(event.args['pagination'])

    def follow(self, event: ClientChanged, snapshot: CardData | None, actor_name: str, seq: int) -> None:
        """A new request, or a change of what the rows show: reload the page (once for a burst of changes)."""
        if event.what in RELOAD_ON and not self.reload_pending:
            self.reload_pending = True
            ui.timer(0.3, self.refresh_live, once=True)


def register() -> None:
    @ui.page('/requests')
    async def requests_page() -> RedirectResponse | None:
        actor = await page_actor()
        if actor is None:
            return to_login()
        stages, choices, flt = await run.io_bound(load_screen_data, actor)
        request_filter = await run.io_bound(_load_request_filter, actor)
        screen = RequestsScreen(actor, stages, choices, flt, request_filter)
        screen.build()
        await screen.load()
