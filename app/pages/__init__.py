"""One module per route; `register()` defines them all (the UI test fixture re-runs it for every test)."""


def register() -> None:
    from . import board, import_page, login, settings, table

    login.register()
    board.register()
    table.register()
    import_page.register()
    settings.register()
