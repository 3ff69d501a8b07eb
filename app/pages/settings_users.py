"""Settings: the users area (being built)."""


async def build_users(screen) -> None:
    """Builds the tab's content inside the current container."""
