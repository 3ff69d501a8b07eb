"""GET /healthz for a load balancer: the process answers and its database does, without building a page."""

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from app.domain.db import get_database

HEALTH_PATH = '/healthz'


def _database_answers() -> bool:
    try:
        with get_database().read() as session:
            session.execute(text('SELECT 1'))
        return True
    except Exception:  # any failure means the same to a balancer: send the tabs elsewhere
        return False


async def health(scope: Scope, receive: Receive, send: Send) -> None:
    ok = await run_in_threadpool(_database_answers)
    response = JSONResponse({'status': 'ok' if ok else 'database unavailable'}, status_code=200 if ok else 503)
    await response(scope, receive, send)
