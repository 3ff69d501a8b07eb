"""The yardstick page of bench_first_card.py: a bare NiceGUI app serving static cards with the board's classes
(`/`) and a plain table (`/table`), so the app's first card is compared with what NiceGUI itself costs.

    python bench/bare_page.py PORT CARDS ROWS [--no-tailwind]
"""

import sys
from pathlib import Path

from nicegui import ui

CSS = Path(__file__).resolve().parents[1] / 'app' / 'static' / 'voronka.css'
COLUMNS = 5
TABLE_COLUMNS = ('name', 'phone', 'stage', 'responsible', 'project', 'task', 'created_at')


def main() -> None:
    port, cards, rows = (int(value) for value in sys.argv[1:4])
    ui.add_css(CSS.read_text(), shared=True)

    @ui.page('/')
    def cards_page() -> None:
        with ui.row().classes('vk-board no-wrap w-full q-px-md gap-3'):
            for column in range(COLUMNS):
                with ui.column().classes('vk-column no-wrap gap-0'), ui.column().classes('vk-cards w-full gap-2'):
                    for number in range(column, cards, COLUMNS):
                        with ui.element('div').classes('vk-card q-pa-sm'):
                            ui.label(f'Клиент номер {number}').classes('vk-card-name')
                            with ui.row().classes('items-center q-gutter-x-xs vk-card-meta'):
                                ui.icon('edit_note', size='16px', color='grey-7')
                                ui.icon('mail', size='16px', color='grey-7')
                            ui.label('Хочет двушку у метро, перезвонить вечером').classes('vk-card-situation')
                            with ui.row().classes('no-wrap items-center justify-between vk-card-footer'):
                                ui.label('Менеджер Один')
                                ui.label('01.12.2026')

    @ui.page('/table')
    def table_page() -> None:
        columns = [{'name': name, 'field': name, 'label': name, 'align': 'left'} for name in TABLE_COLUMNS]
        table_rows = [{'id': i, **{name: f'{name} {i}' for name in TABLE_COLUMNS}} for i in range(rows)]
        ui.table(columns=columns, rows=table_rows, row_key='id', selection='multiple').classes('w-full').props(
            'flat bordered dense'
        )

    ui.run(port=port, reload=False, show=False, tailwind='--no-tailwind' not in sys.argv, language='ru')


if __name__ in {'__main__', '__mp_main__'}:
    main()
