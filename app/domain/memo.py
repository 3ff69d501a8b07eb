"""Values read from the database and believed for a few seconds without asking it again: what nearly every
request looks up alike (who a token belongs to, the channels and stages a lead is filed under)."""

from time import monotonic

from sqlalchemy import event

from .db import DbSession
from .events import AccountChanged, ChangesMissed, Event, SessionEnded

_all: list['Believed'] = []


class Believed:
    """A value per key, believed `seconds` after it was read. A change this process makes to one of `watched`
    (new, changed or deleted rows; or only deleted ones for `deletions`) forgets every value at once, and so does
    the news of a change of the account's setup or an ended login from any process (`forget_on_news`); any
    other change made elsewhere (a bare UPDATE) is seen within `seconds`."""

    def __init__(self, seconds: float, watched: tuple[type, ...] = (), deletions: tuple[type, ...] = ()) -> None:
        self.seconds = seconds
        self.watched = watched
        self.deletions = deletions
        self._values: dict = {}
        self._forgotten = 0  # how often everything was forgotten: a value read across a forgetting is not kept
        _all.append(self)

    def get(self, key, load):
        """The believed value, or `load()` when there is none or it is too old (a None is not believed)."""
        held = self._values.get(key)
        if held is not None and held[0] > monotonic():
            return held[1]
        forgotten = self._forgotten
        value = load()
        if value is None:
            self._values.pop(key, None)
        elif forgotten == self._forgotten:
            self._values[key] = (monotonic() + self.seconds, value)
        return value

    def forget(self) -> None:
        self._forgotten += 1
        self._values.clear()

    def changed_in(self, session) -> bool:
        touched = (*session.new, *session.dirty, *session.deleted)
        return any(isinstance(row, self.watched) for row in touched) or any(
            isinstance(row, self.deletions) for row in session.deleted
        )


def forget_everything() -> None:
    """Every believed value asked again (the tests empty the tables between them)."""
    for memo in _all:
        memo.forget()


def forget_on_news(event: Event) -> None:
    """A bus subscriber of every server process: another process's change reaches this one only as its events,
    so a change of the account's setup (users, tokens, channels, stages), an ended login (a deactivation ends
    them all) or possibly missed changes forget every believed value."""
    if isinstance(event, AccountChanged | SessionEnded | ChangesMissed):
        forget_everything()


@event.listens_for(DbSession, 'before_flush')
def _forget_on_change(session, _context, _instances) -> None:
    for memo in _all:
        if memo.changed_in(session):
            session.info.setdefault('memos_changed', set()).add(id(memo))
            memo.forget()


@event.listens_for(DbSession, 'after_commit')
def _forget_after_commit(session) -> None:
    # again once the change is visible: a request that read between the flush and the commit saw the old rows
    changed = session.info.pop('memos_changed', set())
    for memo in _all:
        if id(memo) in changed:
            memo.forget()
