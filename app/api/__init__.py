"""The JSON API under /api/v1: thin routers, one per area, over the same domain services and permissions as the UI.
Mounted on NiceGUI's app by app/main.py."""

from fastapi import FastAPI

from . import account, calls, clients, deals, documents, excel, forms, leads, reference, webhooks
from .common import ERROR_RESPONSES, install_error_handlers

api = FastAPI(
    title='Voronka API',
    version='1',
    description='Leads in, clients out: the same rules and permissions as the Voronka screens. '
    'Authenticate with `Authorization: Bearer <token>` (`python -m app token create LOGIN`).',
)
install_error_handlers(api)
# clients before deals: its /clients/bulk/… routes must come before any /clients/{client_id}/… route
for area in (leads, forms, calls, clients, deals, documents, reference, excel, account, webhooks):
    api.include_router(area.router, responses=ERROR_RESPONSES)
