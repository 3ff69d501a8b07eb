"""Settings: the stages area (being built)."""


async def build_stages(screen) -> None:
    """Builds the tab's content inside the current container."""
