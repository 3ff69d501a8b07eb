"""The app as `python -m app` serves it (from the current directory's copy), plus one bench-only route,
/_bench/held, saying what the process holds: its RSS, NiceGUI's clients, the live hub's views, the screens alive,
and how long the board page took in the server (bench_tabs.py reads it).

    cd TREE && VORONKA_DATA_DIR=... VORONKA_PORT=8090 python .../bench/tab_server.py
"""

import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.getcwd())

from nicegui import Client  # noqa: E402
from nicegui import app as nicegui_app  # noqa: E402

from app.live import hub  # noqa: E402
from app.main import run  # noqa: E402
from app.pages.screen import Screen  # noqa: E402

board_page_ms: list[float] = []
object_counts: Counter = Counter()  # by type, at the last look: what grew since is reported


class PageTimer:
    """The time from a board request's arrival to its response's start, in this process."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope['type'] != 'http' or scope['path'] != '/':
            return await self.app(scope, receive, send)
        began = time.perf_counter()

        async def timed_send(message) -> None:
            if message['type'] == 'http.response.start':
                board_page_ms.append((time.perf_counter() - began) * 1000)
            await send(message)

        await self.app(scope, receive, timed_send)


def rss_mib() -> float:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return 0.0


def _name(thing: object) -> str:
    """A referrer by its type, a coroutine or generator also by the code it runs."""
    code = getattr(thing, 'cr_code', None) or getattr(thing, 'gi_code', None)
    return f'{type(thing).__name__} {code.co_qualname}' if code else type(thing).__name__


def _referrers(screen: Screen, *mine: object) -> list[str]:
    """What keeps a screen of a deleted client alive: its referrers, and theirs."""
    names = []
    for referrer in gc.get_referrers(screen):
        if all(referrer is not own for own in mine):
            holders = {_name(holder) for holder in gc.get_referrers(referrer) if holder is not mine}
            names.append(f'{_name(referrer)} <- {" / ".join(sorted(holders))}')
    return names


@nicegui_app.get('/_bench/held', include_in_schema=False)
def held() -> dict:
    gc.collect()
    objects = gc.get_objects()
    counts = Counter(type(obj).__name__ for obj in objects)
    grown = dict((counts - object_counts).most_common(8))
    object_counts.clear()
    object_counts.update(counts)
    screens = [obj for obj in objects if isinstance(obj, Screen)]
    orphans = [screen for screen in screens if screen.client.id not in Client.instances]
    return {
        'rss_mib': rss_mib(),
        'clients': len(Client.instances),
        'hub_views': len(hub.views),
        'screens': len(screens),
        'screens_of_deleted_clients': len(orphans),
        'objects_grown': grown,
        'board_page_ms': board_page_ms,
        'orphan_referrers': Counter(name for screen in orphans[:3] for name in _referrers(screen, screens, orphans)),
    }


if __name__ in {'__main__', '__mp_main__'}:
    nicegui_app.add_middleware(PageTimer)
    run()
