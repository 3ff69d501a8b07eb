"""Preload hints for the fonts every screen draws at once. Without them the browser asks for a font only when a
layout first needs it, after the scripts have run and built the page, and the first cards show without their
icons (Material Icons is `font-display: block`) until it has arrived."""

import re
from functools import cache
from html import escape
from pathlib import Path
from urllib.parse import quote

import nicegui
from nicegui import context, ui

FONTS_CSS = Path(nicegui.__file__).parent / 'static' / 'fonts.css'
# Roboto comes in subsets by alphabet (one variable-weight file each); the screens write Russian and English
SUBSETS = ('U+0000-00FF', 'U+0400-045F')


@cache
def first_screen_fonts() -> tuple[str, ...]:
    """The files of NiceGUI's font faces that the first screen needs: Material Icons, Roboto's Latin and Cyrillic."""
    files = []
    for face in re.findall(r'@font-face\s*{([^}]*)}', FONTS_CSS.read_text()):
        family = re.search(r'font-family:\s*"?([^";]+)', face).group(1)
        unicode_range = re.search(r'unicode-range:\s*([^;]+)', face)
        wanted = family == 'Material Icons' or (
            family == 'Roboto' and unicode_range and any(subset in unicode_range.group(1) for subset in SUBSETS)
        )
        file = re.search(r'url\(([^)]+)\)', face).group(1)
        if wanted and file not in files:
            files.append(file)
    return tuple(files)


def preload_fonts() -> None:
    """Ask for the first screen's fonts in the page's head, beside its scripts (under NiceGUI's URL prefix, as its
    own stylesheet links are, so the browser uses the preloaded files)."""
    request = context.client.request
    prefix = quote(request.headers.get('X-Forwarded-Prefix', ''), safe="/:@!$&'()*+,;=%") + request.scope.get(
        'root_path', ''
    )
    ui.add_head_html(
        ''.join(
            f'<link rel="preload" href="{escape(f"{prefix}/_nicegui/{nicegui.__version__}/static/{file}")}" '
            'as="font" type="font/woff2" crossorigin>'
            for file in first_screen_fonts()
        )
    )
