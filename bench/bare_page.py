"""The yardstick page of bench_first_card.py: a bare NiceGUI app serving static cards with the board's classes
(`/`) and a plain table (`/table`), so the app's first card is compared with what NiceGUI itself costs.

    VORONKA_PORT=8090 python bench/bare_page.py CARDS ROWS [--no-tailwind]
"""

import os
import sys
from pathlib import Path

from nicegui import ui

CSS = Path(__file__).resolve().parents[1] / 'app' / 'static' / 'voronka.css'
COLUMN_CARDS = 12  # as many as a board column shows before «show more»
# a static card in one element (the board's card is one element too), with the board card's classes and parts
CARD = (
    '<div class="vk-card q-pa-sm"><div class="row no-wrap items-start"><div class="vk-card-name col">Клиент {number}'
    '</div></div><div class="row items-center q-gutter-x-xs vk-card-meta">'
    '<i class="q-icon notranslate material-icons text-grey-7" style="font-size: 16px">edit_note</i>'
    '<i class="q-icon notranslate material-icons text-grey-7" style="font-size: 16px">mail</i></div>'
    '<div class="vk-card-situation">Хочет двушку у метро, перезвонить вечером</div>'
    '<div class="row no-wrap items-center justify-between vk-card-footer"><span class="ellipsis">Менеджер Один</span>'
    '<span class="q-ml-sm">01.12.2026</span></div></div>'
)
TABLE_COLUMNS = ('name', 'phone', 'stage', 'responsible', 'project', 'task', 'created_at')


def main() -> None:
    cards, rows = int(sys.argv[1]), int(sys.argv[2])
    ui.add_css(CSS.read_text(), shared=True)

    @ui.page('/')
    def cards_page() -> None:
        with ui.row().classes('vk-board no-wrap w-full q-px-md gap-3'):
            for first in range(0, cards, COLUMN_CARDS):
                with ui.column().classes('vk-column no-wrap gap-0'), ui.column().classes('vk-cards w-full gap-2'):
                    for number in range(first, min(cards, first + COLUMN_CARDS)):
                        ui.html(CARD.format(number=number), sanitize=False).classes('w-full')

    @ui.page('/table')
    def table_page() -> None:
        columns = [{'name': name, 'field': name, 'label': name, 'align': 'left'} for name in TABLE_COLUMNS]
        table_rows = [{'id': i, **{name: f'{name} {i}' for name in TABLE_COLUMNS}} for i in range(rows)]
        ui.table(columns=columns, rows=table_rows, row_key='id', selection='multiple').classes('w-full').props(
            'flat bordered dense'
        )

    ui.run(
        port=int(os.environ['VORONKA_PORT']),
        reload=False,
        show=False,
        tailwind='--no-tailwind' not in sys.argv,
        language='ru',
    )


if __name__ in {'__main__', '__mp_main__'}:
    main()
