"""Progress of work running in a worker thread (an export, an import), shown as a bar with «N из M»."""

import threading

from nicegui import ui

from .locale import format_number, tr


class WorkerProgress:
    """Written by the worker thread as `progress(done, total)`, read by the page's timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = self._total = 0

    def __call__(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = done, total

    def read(self) -> tuple[int, int]:
        with self._lock:
            return self._done, self._total


class ProgressLine:
    """A bar and a caption that follow a WorkerProgress while `running`; hidden until started."""

    def __init__(self, text_key: str, *, mark: str) -> None:
        self.text_key = text_key
        self.progress = WorkerProgress()
        with ui.column().classes('w-full gap-1') as self.box:
            self.bar = ui.linear_progress(value=0, show_value=False).props('rounded size=10px')
            self.caption = ui.label(tr('progress.starting')).classes('text-caption').mark(mark)
        self.box.set_visibility(False)
        self.timer = ui.timer(0.3, self.tick, active=False)

    def tick(self) -> None:
        done, total = self.progress.read()
        self.bar.set_value(done / total if total else 0)
        self.caption.set_text(
            tr(self.text_key, done=format_number(done), total=format_number(total))
            if total
            else tr('progress.starting')
        )

    def start(self) -> WorkerProgress:
        self.progress = WorkerProgress()
        self.box.set_visibility(True)
        self.timer.activate()
        self.tick()
        return self.progress

    def stop(self) -> None:
        self.timer.deactivate()
        self.tick()
