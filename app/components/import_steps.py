"""Where the user is in an import: «Файл → Столбцы → Значения → Предпросмотр», the current step marked."""

from nicegui import ui

from .locale import tr

STEPS = ('file', 'mapping', 'values', 'preview')


class ImportSteps:
    """A line of the steps; `show(step)` marks the current one."""

    def __init__(self) -> None:
        self.labels: dict[str, ui.label] = {}
        with ui.row().classes('items-center gap-1 no-wrap text-body2').mark('import-steps') as self.row:
            for number, step in enumerate(STEPS, start=1):
                if number > 1:
                    ui.icon('chevron_right', size='xs').classes('text-grey-6')
                self.labels[step] = (
                    ui.label(f'{number}. {tr(f"import.step.{step}")}')
                    .classes('text-no-wrap')
                    .mark(f'import-step-{step}')
                )
        self.show('file')

    def show(self, step: str) -> None:
        for name, label in self.labels.items():
            label.classes(
                replace='text-no-wrap ' + ('text-primary text-weight-bold' if name == step else 'text-grey-7')
            )
