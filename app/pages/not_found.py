"""An unknown address: a small static page. NiceGUI's own 404 builds a whole page client per request, which a
scanner trying thousands of paths would keep in memory for a minute each."""

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from nicegui import app

NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Воронка</title><link rel="icon" href="data:,"></head>
<body style="font-family: sans-serif; background: #f4f6f9; text-align: center; padding-top: 20vh">
<p>Страница не найдена · Page not found</p><p><a href="/">Воронка</a></p></body></html>"""


async def _not_found(request: Request, exception: Exception):
    if request.url.path.startswith('/_nicegui'):  # the framework's own routes (assets, page requests): no page
        return JSONResponse({'detail': 'Not Found'}, status_code=404)
    return HTMLResponse(NOT_FOUND_PAGE, status_code=404)


def register() -> None:
    app.add_exception_handler(404, _not_found)
