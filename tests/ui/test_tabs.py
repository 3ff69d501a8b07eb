"""A closed tab leaves nothing behind: its screen is gone from memory once NiceGUI deletes its client, not a
minute later, and the live hub's watches keep no closed tab between their rounds."""

import asyncio
import gc
import weakref

from nicegui.testing import User

import app.live
from tests.factories import make_client, make_user
from tests.ui.test_board import log_in, tabs_of


async def test_a_closed_board_tab_is_released_at_once(user: User, db):
    anna = make_user(db, 'anna')
    make_client(db, anna)
    await log_in(user, 'anna')
    (board,) = tabs_of(anna.id)
    screen = weakref.ref(board)
    await asyncio.sleep(app.live.SESSION_CHECK_SECONDS + 0.5)  # the session watch has had the tab in a round
    del board

    user.client.delete()  # what NiceGUI does once a closed tab's socket has stayed away
    user.client = None  # and the browser holds it no more
    for _ in range(3):
        await asyncio.sleep(0)  # the tab's cancelled tasks finish
    gc.collect()

    assert screen() is None
    assert not tabs_of(anna.id)
