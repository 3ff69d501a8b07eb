"""One module per route; `register()` defines them all (the UI test fixture re-runs it for every test)."""


def register() -> None:
    from . import board, login, settings, table

    login.register()
    board.register()
    table.register()
    settings.register()
