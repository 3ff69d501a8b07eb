"""The start page until the board exists: where to log in and where the API lives."""

from nicegui import ui


def register() -> None:
    @ui.page('/')
    def home() -> None:
        ui.label('Воронка').classes('text-h4')
        ui.link('API: /api/v1/docs', '/api/v1/docs')
