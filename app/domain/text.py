"""Text rules shared by saving and searching."""


def fold(text: str) -> str:
    """The searchable form of a name: case-folded in Python, since SQLite folds only ASCII."""
    return ' '.join((text or '').split()).casefold()
