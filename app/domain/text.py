"""Text rules shared by saving and searching."""


def fold(text: str) -> str:
    """The searchable form of a name: case-folded in Python, since SQLite folds only ASCII, and ё read as е,
    since people type «Федор» for «Фёдор» (and the other way round) at least as often as not.
    Migration 0012 re-folds the stored names the same way: change both together."""
    return ' '.join((text or '').split()).casefold().replace('ё', 'е')
