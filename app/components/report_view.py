"""One report on screen: a summary line, a chart and its tables (the same tables its XLSX holds)."""

from nicegui import ui

from app.domain.reports import report_tables
from app.domain.reports.comparison import ComparedReport
from app.domain.reports.reports import DealsReport, FunnelReport, LeadReport, bucket_label
from app.domain.reports.speed import SpeedReport

from .locale import format_money, format_number, format_share, paging_texts, tr

PAGE_ROWS = 40
_PALETTE = ['#1976d2', '#26a69a', '#ab47bc', '#ef6c00', '#8d6e63', '#5c6bc0', '#d81b60', '#7cb342', '#00838f']


def _funnel_chart(report: FunnelReport) -> dict:
    return {
        'tooltip': {'trigger': 'axis', 'axisPointer': {'type': 'shadow'}},
        'grid': {'left': 170, 'right': 60, 'top': 10, 'bottom': 20},
        'xAxis': {'type': 'value'},
        'yAxis': {'type': 'category', 'inverse': True, 'data': [s.name for s in report.stages]},
        'series': [
            {
                'type': 'bar',
                'data': [{'value': s.reached, 'itemStyle': {'color': s.color}} for s in report.stages],
                'label': {'show': True, 'position': 'right'},
            }
        ],
    }


def _lead_chart(report: LeadReport, locale: str) -> dict:
    """Stacked bars per period, one series per column of the table below (so «Остальные» too)."""
    pivot = report.pivot()
    names = pivot.columns + ([tr('report.others')] if pivot.folded else [])
    return {
        'tooltip': {'trigger': 'axis'},
        'legend': {'type': 'scroll', 'top': 0},
        'grid': {'left': 50, 'right': 20, 'top': 40, 'bottom': 40},
        'xAxis': {'type': 'category', 'data': [bucket_label(row.bucket, report.bucket, locale) for row in pivot.rows]},
        'yAxis': {'type': 'value', 'minInterval': 1},
        'color': _PALETTE + ['#9e9e9e'],
        'series': [
            {'name': name, 'type': 'bar', 'stack': 'requests', 'data': [row.counts[i] for row in pivot.rows]}
            for i, name in enumerate(names)
        ],
    }


def _deals_chart(report: DealsReport, locale: str) -> dict:
    return {
        'tooltip': {'trigger': 'axis'},
        'legend': {'top': 0},
        'grid': {'left': 60, 'right': 60, 'top': 40, 'bottom': 40},
        'xAxis': {'type': 'category', 'data': [bucket_label(p.bucket, report.bucket, locale) for p in report.periods]},
        'yAxis': {'type': 'value', 'minInterval': 1},
        'color': ['#42a5f5', '#2e7d32'],
        'series': [
            {'name': tr('report.bookings'), 'type': 'bar', 'data': [p.bookings for p in report.periods]},
            {'name': tr('report.payments'), 'type': 'bar', 'data': [p.payments for p in report.periods]},
        ],
    }


def _speed_chart(report: SpeedReport) -> dict:
    """The median and the 90th percentile per manager, in working minutes."""
    managers = report.managers
    return {
        'tooltip': {'trigger': 'axis', 'axisPointer': {'type': 'shadow'}},
        'legend': {'top': 0},
        'grid': {'left': 170, 'right': 60, 'top': 30, 'bottom': 20},
        'xAxis': {'type': 'value', 'name': tr('report.speed.minutes')},
        'yAxis': {'type': 'category', 'inverse': True, 'data': [m.name for m in managers]},
        'series': [
            {
                'name': tr(key),
                'type': 'bar',
                'itemStyle': {'color': color},  # its own: the chart merges a series into the last one in its place
                'data': [None if value is None else round(value, 1) for value in values],
                'label': {'show': True, 'position': 'right'},
            }
            for key, color, values in (
                ('report.speed.median', '#1976d2', [m.median_minutes for m in managers]),
                ('report.speed.p90', '#ef6c00', [m.p90_minutes for m in managers]),
            )
        ],
    }


def _beside(options: dict, kind: str, previous) -> None:
    """The compared period's figures in the chart, greyed: bars beside the funnel's, a line over the periods."""
    grey = {'color': '#bdbdbd'}
    name = tr('report.cmp.previous_series')
    if kind == 'funnel':
        options['series'][0]['name'] = tr('report.cmp.current_series')
        options['series'].append(
            {'name': name, 'type': 'bar', 'itemStyle': grey, 'data': [s.reached for s in previous.stages]}
        )
        options['legend'] = {'top': 0}
        options['grid']['top'] = 30
        return
    if kind == 'speed':  # its managers are bars already: the comparison table says the rest
        return
    if kind == 'leads':
        values = [row.total for row in previous.pivot().rows]
    else:
        values = [p.bookings for p in previous.periods]
        name = f'{tr("report.bookings")}: {name}'
    # by position: the n-th day (week, month) of one period beside the n-th of the other
    options['series'].append(
        {'name': name, 'type': 'line', 'itemStyle': grey, 'lineStyle': {**grey, 'type': 'dashed'}, 'data': values}
    )


class ReportView:
    """Built once; `show` redraws it for a freshly read report."""

    def __init__(self) -> None:
        with ui.card().classes('w-full vk-report').props('flat bordered'):
            self.summary = ui.label('').classes('text-subtitle1 text-weight-medium').mark('report-summary')
            self.note = ui.label('').classes('text-caption text-grey-8')
            self.chart = ui.echart({'series': []}).classes('w-full vk-report-chart')
            self.tables = ui.column().classes('w-full gap-4')

    def show(self, compared: ComparedReport, locale: str) -> None:
        kind, report = compared.kind, compared.report
        if kind == 'funnel':
            overall = format_share(report.overall)
            self.summary.set_text(
                tr(
                    'report.funnel_summary',
                    cohort=format_number(report.cohort),
                    overall=overall,
                    working=format_number(report.still_working),
                )
            )
            self.note.set_text(tr('report.funnel_note'))
            options = _funnel_chart(report)
            titles = ['', tr('report.closed_title')]
        elif kind == 'leads':
            self.summary.set_text(
                tr('report.leads_summary', total=format_number(report.total), new=format_number(report.new_clients))
            )
            self.note.set_text('')
            options = _lead_chart(report, locale)
            titles = ['']
        elif kind == 'speed':
            total = report.total
            self.summary.set_text(
                tr(
                    'report.speed_summary',
                    handled=format_number(total.handled),
                    median='—' if total.median_minutes is None else format_number(round(total.median_minutes, 1)),
                    within=format_share(total.within_target),
                    waiting=format_number(total.waiting),
                )
            )
            self.note.set_text(tr('report.speed_note'))
            options = _speed_chart(report)
            titles = [tr('report.speed.by_manager'), tr('report.speed.by_channel')]
        else:
            booked = sum(p.booked_amount for p in report.periods)
            bookings = format_number(sum(p.bookings for p in report.periods))
            self.summary.set_text(f'{tr("report.bookings")}: {bookings} · {format_money(booked)}')
            self.note.set_text('')
            options = _deals_chart(report, locale)
            titles = ['', '']
        tables = report_tables.compared_tables(compared, locale)
        if compared.previous is not None:
            _beside(options, kind, compared.previous)
            current, previous = (report_tables.period_label(r.scope) for r in (report, compared.previous))
            # the comparison first: it is what the reader came for
            titles = [tr('report.cmp.title', current=current, previous=previous), *titles]
            tables = [tables[-1], *tables[:-1]]
        self.chart.options.clear()
        self.chart.options.update(options)
        self.chart.update()
        self.tables.clear()
        with self.tables:
            for title, table in zip(titles, tables, strict=True):
                if title:
                    ui.label(title).classes('text-subtitle2')
                if not table.rows:
                    ui.label(tr('report.no_data')).classes('text-grey-7')
                    continue
                _table(table, 'report-comparison' if table is tables[0] and compared.previous else 'report-table')


def _table(table: report_tables.Table, marker: str) -> None:
    rows = table.rows
    numeric = [any(isinstance(row[i], int | float) for row in rows) for i in range(len(table.headers))]
    columns = [
        {
            'name': f'c{i}',
            'label': header,
            'field': f'c{i}',
            'align': 'right' if numeric[i] else 'left',
            'total': _cell(table.totals[i]) if table.totals else '',
        }
        for i, header in enumerate(table.headers)
    ]
    paged = len(rows) > PAGE_ROWS
    view = ui.table(
        columns=columns,
        rows=[{f'c{i}': _cell(v, i in table.signed) for i, v in enumerate(row)} for row in rows],
        pagination=PAGE_ROWS if paged else 0,
    )
    view.props('dense flat bordered' + ('' if paged else ' hide-bottom')).classes('w-full vk-report-table')
    view.props.update(paging_texts())
    view.mark(marker)
    if table.totals:  # on every page of the table, under its rows
        view.add_slot(
            'bottom-row',
            '<q-tr class="vk-report-totals text-weight-bold"><q-td v-for="col in props.cols" :key="col.name"'
            ' :class="\'text-\' + col.align">{{ col.total }}</q-td></q-tr>',
        )


def _cell(value, signed: bool = False) -> str:
    if value is None:
        return '—'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ('+' if signed and value > 0 else '') + format_number(value)
    return str(value)
