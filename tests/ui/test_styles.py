"""The screens run without the Tailwind runtime: every class they name must have a style in the prebuilt
app/static/tailwind.css, our voronka.css, or NiceGUI's and Quasar's stylesheets."""

import ast
import re
from pathlib import Path

import nicegui

APP = Path(__file__).resolve().parents[2] / 'app'
STATIC = Path(nicegui.__file__).parent / 'static'
STYLESHEETS = (
    APP / 'static' / 'tailwind.css',
    APP / 'static' / 'voronka.css',
    STATIC / 'nicegui.css',
    STATIC / 'quasar.unimportant.prod.css',
    STATIC / 'quasar.important.prod.css',
)
# our own classes (hooks for CSS, scripts and tests, styled in voronka.css or not at all) and NiceGUI's
OWN_PREFIXES = ('vk-', 'nicegui-')
# markers Quasar puts on its buttons and icons (the card copies them): no style, they tell browsers' translators
# and Quasar's menus what to leave alone
MARKERS = {'notranslate', 'q-anchor--skip'}


def styled_classes() -> set[str]:
    names = set()
    for sheet in STYLESHEETS:
        for escaped in re.findall(r'\.(-?[_a-zA-Z](?:[-\w]|\\.)*)', sheet.read_text()):
            names.add(re.sub(r'\\(.)', r'\1', escaped))
    return names


def python_classes() -> set[tuple[str, str]]:
    """The literal class names given to `.classes(...)` in the pages and components (f-strings: their fixed parts)."""
    found = set()
    for path in [*(APP / 'pages').glob('*.py'), *(APP / 'components').glob('*.py')]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'classes':
                for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                    parts = argument.values if isinstance(argument, ast.JoinedStr) else [argument]
                    for part in parts:
                        if isinstance(part, ast.Constant) and isinstance(part.value, str):
                            found |= {(name, path.name) for name in part.value.split() if not name.endswith('-')}
    return found


def script_classes() -> set[tuple[str, str]]:
    """The class names in the components' Vue templates: `class="..."`, `:class` objects and class constants."""
    found = set()
    for path in (APP / 'components').glob('*.js'):
        text = path.read_text()
        strings = re.findall(r'\sclass="([^"]*)"', text)
        strings += re.findall(r"'([-\w ]+)':", ' '.join(re.findall(r':class="([^"]*)"', text)))
        strings += re.findall(r'^const [A-Z_]+ =\s*"([^"]*)";', text, flags=re.MULTILINE)
        for string in strings:
            found |= {(name, path.name) for name in re.sub(r'\$\{\w+\}', ' ', string).split()}
    return found


def test_every_class_the_screens_name_has_a_style():
    styled = styled_classes()
    unstyled = sorted(
        f'{name} ({where})'
        for name, where in python_classes() | script_classes()
        if not name.startswith(OWN_PREFIXES) and name not in styled | MARKERS
    )
    assert not unstyled, f'no style for {unstyled}: run .venv/bin/python app/static/build_tailwind.py'


def test_the_check_sees_the_classes_of_the_board():
    names = {name for name, _ in python_classes() | script_classes()}
    assert {'w-full', 'gap-3', 'items-center', 'q-pa-sm', 'no-wrap', 'q-btn'} <= names
