"""Values read from the database and believed for a few seconds without asking it again: what nearly every
request looks up alike (who a token belongs to, the channels and stages a lead is filed under)."""

from time import monotonic

from sqlalchemy import event

from .db import DbSession

_all: list['Believed'] = []


class Believed:
    """A value per key, believed `seconds` after it was read. A change this process makes to one of `watched`
    (new, changed or deleted rows; or only deleted ones for `deletions`) forgets every value at once; a change
    made by another process (the CLI, a second server) is seen within `seconds`."""

    def __init__(self, seconds: float, watched: tuple[type, ...] = (), deletions: tuple[type, ...] = ()) -> None:
        self.seconds = seconds
        self.watched = watched
        self.deletions = deletions
        self._values: dict = {}
        _all.append(self)

    def get(self, key, load):
        """The believed value, or `load()` when there is none or it is too old (a None is not believed)."""
        held = self._values.get(key)
        if held is not None and held[0] > monotonic():
            return held[1]
        value = load()
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = (monotonic() + self.seconds, value)
        return value

    def forget(self) -> None:
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
