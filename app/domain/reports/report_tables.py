"""Each report as headers and rows: what the report page shows in its tables and what its XLSX holds."""

from app.i18n import translate

from ..excel.spreadsheet import SheetWriter
from .reports import DealsReport, FunnelReport, LeadReport, bucket_label

Table = tuple[list[str], list[list]]


def _percent(value: float | None):
    return None if value is None else round(value * 100, 1)


def funnel_tables(report: FunnelReport, locale: str) -> list[Table]:
    """The stages of the funnel, then the closing reasons."""
    t = lambda key: translate(key, locale)  # noqa: E731
    stages = (
        [t('report.stage'), t('report.reached'), t('report.share'), t('report.to_next'), t('report.median_days')],
        [
            [
                s.name,
                s.reached,
                _percent(s.share),
                _percent(s.to_next),
                None if s.median_hours is None else round(s.median_hours / 24, 1),
            ]
            for s in report.stages
        ],
    )
    reasons = (
        [t('report.closed_stage'), t('report.reason'), t('report.clients')],
        [[r.stage, r.reason, r.count] for r in report.closed],
    )
    return [stages, reasons]


def lead_tables(report: LeadReport, locale: str) -> list[Table]:
    t = lambda key: translate(key, locale)  # noqa: E731
    return [
        (
            [t('report.period'), t('report.channel'), t('report.requests'), t('report.new'), t('report.returning')],
            [
                [bucket_label(r.bucket, report.bucket, locale), r.channel, r.requests, r.new_clients, r.returning]
                for r in report.rows
            ],
        )
    ]


def deals_tables(report: DealsReport, locale: str) -> list[Table]:
    t = lambda key: translate(key, locale)  # noqa: E731
    return [
        (
            [t('report.stage'), t('report.deals'), t('report.amount')],
            [[s.stage, s.deals, s.amount] for s in report.stages],
        ),
        (
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


def write_tables(target, title: str, tables: list[Table]) -> None:
    """One sheet: the first table under the frozen header, each further one below it after a blank row with
    its own header line."""
    width = max(len(headers) for headers, _ in tables)
    first_headers, first_rows = tables[0]
    headers = first_headers + [''] * (width - len(first_headers))
    with SheetWriter(target, sheet_name=title, headers=headers, widths=[28] + [16] * (width - 1)) as sheet:
        for row in first_rows:
            sheet.write_row(row + [None] * (width - len(row)))
        for headers, rows in tables[1:]:
            sheet.write_row([None] * width)
            sheet.write_row(headers + [None] * (width - len(headers)))
            for row in rows:
                sheet.write_row(row + [None] * (width - len(row)))
