"""Each report as headers and rows: what the report page shows in its tables and what its XLSX holds."""

from typing import NamedTuple

from app.i18n import translate

from ..excel.spreadsheet import SheetWriter
from .comparison import ComparedReport, Figure
from .reports import DealsReport, FunnelReport, LeadReport, ReportScope, bucket_label
from .speed import TARGET_MINUTES, SpeedReport, SpeedRow


class Table(NamedTuple):
    headers: list[str]
    rows: list[list]
    totals: list | None = None  # a last row set apart: bold on screen, always in view, last in the XLSX
    signed: tuple[int, ...] = ()  # columns of changes, shown with their sign


def _percent(value: float | None):
    return None if value is None else round(value * 100, 1)


def funnel_tables(report: FunnelReport, locale: str) -> list[Table]:
    """The stages of the funnel, then the closing reasons."""
    t = lambda key: translate(key, locale)  # noqa: E731
    stages = Table(
        [
            t('report.stage'),
            t('report.reached'),
            t('report.by_rules'),
            t('report.share'),
            t('report.to_next'),
            t('report.median_days'),
        ],
        [
            [
                s.name,
                s.reached,
                s.by_rules,
                _percent(s.share),
                _percent(s.to_next),
                None if s.median_hours is None else round(s.median_hours / 24, 1),
            ]
            for s in report.stages
        ],
    )
    reasons = Table(
        [t('report.closed_stage'), t('report.reason'), t('report.clients')],
        [[r.stage, r.reason, r.count] for r in report.closed],
    )
    return [stages, reasons]


def lead_tables(report: LeadReport, locale: str) -> list[Table]:
    """The pivot: a row per period, a column per channel (the rest as «Остальные»), the totals last."""
    t = lambda key: translate(key, locale)  # noqa: E731
    pivot = report.pivot()
    headers = [
        t('report.period'),
        *pivot.columns,
        *([t('report.others')] if pivot.folded else []),
        t('report.total'),
        t('report.new'),
        t('report.returning'),
    ]

    def line(row, label: str) -> list:
        return [label, *row.counts, row.total, row.new_clients, row.returning]

    rows = [line(row, bucket_label(row.bucket, report.bucket, locale)) for row in pivot.rows]
    return [Table(headers, rows, line(pivot.totals, t('report.totals')) if report.rows else None)]


def deals_tables(report: DealsReport, locale: str) -> list[Table]:
    t = lambda key: translate(key, locale)  # noqa: E731
    return [
        Table(
            [t('report.stage'), t('report.deals'), t('report.amount')],
            [[s.stage, s.deals, s.amount] for s in report.stages],
        ),
        Table(
            [
                t('report.period'),
                t('report.bookings'),
                t('report.booked_amount'),
                t('report.payments'),
                t('report.paid_amount'),
            ],
            [
                [bucket_label(p.bucket, report.bucket, locale), p.bookings, p.booked_amount, p.payments, p.paid_amount]
                for p in report.periods
            ],
        ),
    ]


def _minutes(value: float | None):
    return None if value is None else round(value, 1)


def speed_tables(report: SpeedReport, locale: str) -> list[Table]:
    """Per manager, then per channel: handled requests, the median and p90 wait, the share in time, still waiting."""
    t = lambda key: translate(key, locale)  # noqa: E731

    def line(row: SpeedRow, name: str) -> list:
        return [
            name,
            row.handled,
            _minutes(row.median_minutes),
            _minutes(row.p90_minutes),
            _percent(row.within_target),
            row.waiting,
        ]

    def table(first: str, rows: list[SpeedRow]) -> Table:
        headers = [
            t(first),
            t('report.speed.handled'),
            t('report.speed.median'),
            t('report.speed.p90'),
            translate('report.speed.within', locale, minutes=TARGET_MINUTES),
            t('report.speed.waiting'),
        ]
        totals = line(report.total, t('report.totals')) if rows else None
        return Table(headers, [line(row, row.name) for row in rows], totals)

    return [table('report.manager', report.managers), table('report.channel', report.channels)]


def write_tables(target, title: str, tables: list[Table]) -> None:
    """One sheet: the first table under the frozen header, each further one below it after a blank row with
    its own header line; a table's totals row closes it."""
    width = max(len(table.headers) for table in tables)
    pad = lambda row: list(row) + [None] * (width - len(row))  # noqa: E731
    first = tables[0]
    headers = first.headers + [''] * (width - len(first.headers))
    with SheetWriter(target, sheet_name=title, headers=headers, widths=[28] + [16] * (width - 1)) as sheet:
        for index, table in enumerate(tables):
            if index:
                sheet.write_row([None] * width)
                sheet.write_row(pad(table.headers))
            for row in table.rows + ([table.totals] if table.totals else []):
                sheet.write_row(pad(row))


def period_label(scope: ReportScope) -> str:
    return f'{scope.date_from:%d.%m.%Y}–{scope.date_to:%d.%m.%Y}'


def comparison_table(compared: ComparedReport, locale: str) -> Table | None:
    """The key figures of the chosen period beside those of the compared one, with the change."""
    if compared.previous is None:
        return None
    t = lambda key: translate(key, locale)  # noqa: E731

    def value(figure: Figure, number: float | None):
        if number is None:
            return None
        if figure.unit == 'share':
            return round(number * 100, 1)
        if figure.unit == 'minutes':
            return round(number, 1)
        return number if figure.unit == 'money' else int(number)

    return Table(
        [
            t('report.cmp.figure'),
            period_label(compared.report.scope),
            period_label(compared.previous.scope),
            t('report.cmp.change'),
            t('report.cmp.change_share'),
        ],
        [
            [
                translate(figure.key, locale, name=figure.name),
                value(figure, figure.current),
                value(figure, figure.previous),
                value(figure, figure.change),
                _percent(figure.change_share),
            ]
            for figure in compared.figures
        ],
        signed=(3, 4),
    )


def compared_tables(compared: ComparedReport, locale: str) -> list[Table]:
    """What the page shows and the XLSX holds: the report's own tables, then the comparison."""
    own = {'funnel': funnel_tables, 'leads': lead_tables, 'deals': deals_tables, 'speed': speed_tables}[compared.kind](
        compared.report, locale
    )
    comparison = comparison_table(compared, locale)
    return own + ([comparison] if comparison else [])
