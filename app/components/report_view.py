"""One report on screen: a summary line, a chart and its tables (the same tables its XLSX holds)."""

from nicegui import ui

from app.domain.reports import report_tables
from app.domain.reports.reports import DealsReport, FunnelReport, LeadReport, bucket_label

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
    labels = [bucket_label(day, report.bucket, locale) for day in report.buckets]
    counts = {(r.bucket, r.channel): r.requests for r in report.rows}
    return {
        'tooltip': {'trigger': 'axis'},
        'legend': {'type': 'scroll', 'top': 0},
        'grid': {'left': 50, 'right': 20, 'top': 40, 'bottom': 40},
        'xAxis': {'type': 'category', 'data': labels},
        'yAxis': {'type': 'value', 'minInterval': 1},
        'color': _PALETTE,
        'series': [
            {
                'name': channel,
                'type': 'bar',
                'stack': 'requests',
                'data': [counts.get((d, channel), 0) for d in report.buckets],
            }
            for channel in report.channels
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


class ReportView:
    """Built once; `show` redraws it for a freshly read report."""

    def __init__(self) -> None:
        with ui.card().classes('w-full vk-report').props('flat bordered'):
            self.summary = ui.label('').classes('text-subtitle1 text-weight-medium').mark('report-summary')
            self.note = ui.label('').classes('text-caption text-grey-8')
            self.chart = ui.echart({'series': []}).classes('w-full vk-report-chart')
            self.tables = ui.column().classes('w-full gap-4')

    def show(self, kind: str, report, locale: str) -> None:
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
            options, tables = _funnel_chart(report), report_tables.funnel_tables(report, locale)
            titles = ['', tr('report.closed_title')]
        elif kind == 'leads':
            self.summary.set_text(
                tr('report.leads_summary', total=format_number(report.total), new=format_number(report.new_clients))
            )
            self.note.set_text('')
            options, tables = _lead_chart(report, locale), report_tables.lead_tables(report, locale)
            titles = ['']
        else:
            booked = sum(p.booked_amount for p in report.periods)
            bookings = format_number(sum(p.bookings for p in report.periods))
            self.summary.set_text(f'{tr("report.bookings")}: {bookings} · {format_money(booked)}')
            self.note.set_text('')
            options, tables = _deals_chart(report, locale), report_tables.deals_tables(report, locale)
            titles = ['', '']
        self.chart.options.clear()
        self.chart.options.update(options)
        self.chart.update()
        self.tables.clear()
        with self.tables:
            for title, (headers, rows) in zip(titles, tables, strict=True):
                if title:
                    ui.label(title).classes('text-subtitle2')
                if not rows:
                    ui.label(tr('report.no_data')).classes('text-grey-7')
                    continue
                numeric = [any(isinstance(row[i], int | float) for row in rows) for i in range(len(headers))]
                columns = [
                    {'name': f'c{i}', 'label': h, 'field': f'c{i}', 'align': 'right' if numeric[i] else 'left'}
                    for i, h in enumerate(headers)
                ]
                paged = len(rows) > PAGE_ROWS
                table = ui.table(
                    columns=columns,
                    rows=[{f'c{i}': _cell(v) for i, v in enumerate(row)} for row in rows],
                    pagination=PAGE_ROWS if paged else 0,
                )
                table.props('dense flat bordered' + ('' if paged else ' hide-bottom')).classes('w-full')
                table.props.update(paging_texts())
                table.mark('report-table')


def _cell(value) -> str:
    if value is None:
        return '—'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    return str(value)
