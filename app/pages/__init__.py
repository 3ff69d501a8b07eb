"""One module per route; `register()` defines them all (the UI test fixture re-runs it for every test)."""


def register() -> None:
    from . import board, import_page, login, reports, settings, table

    login.register()
    board.register()
    table.register()
    import_page.register()
    reports.register()
    settings.register()
