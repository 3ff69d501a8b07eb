"""Settings: the lists area (being built)."""


async def build_lists(screen) -> None:
    """Builds the tab's content inside the current container."""
