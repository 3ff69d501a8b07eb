"""One module per route; `register()` defines them all (the UI test fixture re-runs it for every test)."""


def register() -> None:
    from . import board, deals, documents, import_page, login, not_found, reports, requests, settings, table

    not_found.register()
    login.register()
    board.register()
    deals.register()
    documents.register()
    table.register()
    requests.register()
    import_page.register()
    reports.register()
    settings.register()
