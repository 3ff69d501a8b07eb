"""/reports — «Отчёты»: the sales funnel, the lead report and the deals report, each with a chart, tables and
an XLSX download, for a period and for all or chosen managers."""

import io
from datetime import date, timedelta
from typing import get_args

from fastapi.responses import RedirectResponse
from nicegui import background_tasks, run, ui

from app.components.locale import tr
from app.components.report_view import ReportView
from app.domain.account_time import to_local_naive
from app.domain.models import utcnow
from app.domain.reports import comparison, report_tables
from app.domain.reports.comparison import ComparedReport
from app.domain.reports.reports import Dimension, ReportScope

from .screen import Screen, load_screen_data
from .session import page_actor, to_login

XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
KINDS = ('funnel', 'leads', 'deals', 'speed')


class ReportsScreen(Screen):
    active_nav = 'nav.reports'

    def build(self) -> None:
        self.build_frame()
        today = to_local_naive(utcnow()).date()
        with ui.column().classes('w-full q-px-md q-pt-md gap-3'):
            with ui.row().classes('w-full items-end gap-3'):
                self.kind = (
                    ui.toggle(
                        {
                            'funnel': tr('report.funnel'),
                            'leads': tr('report.leads'),
                            'deals': tr('report.deals_tab'),
                            'speed': tr('report.speed'),
                        },
                        value='funnel',
                        on_change=self.refresh,
                    )
                    .props('no-caps rounded unelevated toggle-color=primary')
                    .classes('text-no-wrap')
                    .mark('report-kind')
                )
                self.date_from = self._date_input(tr('report.from'), today - timedelta(days=29)).mark('report-from')
                self.date_to = self._date_input(tr('report.to'), today).mark('report-to')
                self.managers = (
                    ui.select(
                        {u.id: u.name for u in self.choices.everyone},
                        multiple=True,
                        value=[],
                        label=tr('report.managers'),
                        on_change=self.refresh,
                    )
                    .props('outlined dense use-chips options-dense')
                    .classes('w-64')
                    .mark('report-managers')
                )
                self.bucket = self._choice('report.bucket', ('day', 'week', 'month'), 'day', 'w-40')
                self.dimension = self._choice('report.dimension', get_args(Dimension), 'channel', 'w-44')
                self.compare = self._choice('report.compare', ('none', 'previous', 'year'), 'previous', 'w-56')
                ui.space()
                ui.button(tr('report.download'), icon='download', on_click=self.download).props('outline no-caps').mark(
                    'report-download'
                )
            self.view = ReportView()
        self.shown = None

    def _choice(self, key: str, options: tuple[str, ...], value: str, width: str) -> ui.select:
        """A select of the toolbar whose options are texts `key.option`, marked `report-…` for the tests."""
        return (
            ui.select({o: tr(f'{key}.{o}') for o in options}, value=value, label=tr(key), on_change=self.refresh)
            .props('outlined dense')
            .classes(width)
            .mark(key.replace('.', '-'))
        )

    def _date_input(self, label: str, value: date) -> ui.input:
        field = ui.input(label, value=value.isoformat(), on_change=self.refresh).props('outlined dense type=date')
        return field.classes('w-40')

    def scope(self) -> ReportScope | None:
        try:
            return ReportScope(
                date_from=date.fromisoformat(self.date_from.value),
                date_to=date.fromisoformat(self.date_to.value),
                responsible_ids=list(self.managers.value or []),
            )
        except (TypeError, ValueError):  # a date being typed: wait until it is whole
            return None

    async def load(self) -> None:
        await self.refresh()

    async def refresh_live(self) -> None:
        """Reports are read on request: changes elsewhere do not redraw a report someone is reading."""

    async def refresh(self) -> None:
        scope = self.scope()
        if scope is None:
            return
        self.bucket.set_visibility(self.kind.value in ('leads', 'deals'))
        self.dimension.set_visibility(self.kind.value == 'leads')
        report = await self.read(
            comparison.compared_report,
            kind=self.kind.value,
            scope=scope,
            bucket=self.bucket.value,
            compare=self.compare.value,
            dimension=self.dimension.value,
        )
        if report is None:
            return
        self.shown = report
        self.view.show(report, self.actor.locale)

    async def download(self) -> None:
        if self.shown is None:
            return
        data = await run.io_bound(_xlsx, self.shown, self.actor.locale)
        period = report_tables.period_label(self.shown.report.scope)
        name = f'{tr("report.file")} {tr(REPORT_TITLES[self.shown.kind])} {period}.xlsx'
        ui.download.content(data, name, XLSX_TYPE)


REPORT_TITLES = {
    'funnel': 'report.funnel',
    'leads': 'report.leads',
    'deals': 'report.deals_tab',
    'speed': 'report.speed',
}


def _xlsx(compared: ComparedReport, locale: str) -> bytes:
    from app.i18n import translate

    out = io.BytesIO()
    title = translate(REPORT_TITLES[compared.kind], locale)
    report_tables.write_tables(out, title, report_tables.compared_tables(compared, locale))
    return out.getvalue()


def register() -> None:
    @ui.page('/reports')
    async def reports_page() -> RedirectResponse | None:
        actor = await page_actor()
        if actor is None:
            return to_login()
        stages, choices, flt = await run.io_bound(load_screen_data, actor)
        screen = ReportsScreen(actor, stages, choices, flt)
        screen.build()
        await screen.refresh()
        background_tasks.create(screen.refresh_counters(), name='refresh-counters')
