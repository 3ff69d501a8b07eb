"""The rooms stay rooms: imports point pages -> components -> domain, and inside the domain from an area to the
ground and the areas below it, never up. Read from the source with `ast`, so a wrong-way arrow fails here
before it becomes a habit."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / 'app'

# lowest first; the areas the next issues add sit above clients and deals and hear about changes through the
# ground's events, so nothing below them imports them
AREA_RANK = {
    'account': 1,
    'clients': 2,
    'deals': 3,
    'integrations': 4,
    'files': 4,
    'documents': 4,
    'automation': 4,
    'excel': 5,
    'reports': 6,
}
GROUND_RANK = 0
# composition roots: they use every area; only start-up and the command line may import them
COMPOSITION_ROOTS = {'app.seed', 'app.demo'}
MAY_IMPORT_ROOTS = {'app.setup', 'app.__main__'}
DATABASE_LAYER = ('app.domain.db', 'sqlmodel', 'sqlalchemy')


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def _imports(path: Path) -> set[str]:
    """Every module the file imports, relative imports resolved, at any depth of the file."""
    package = _module_name(path).split('.')
    if path.name != '__init__.py':
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = '.'.join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f'{module}.{alias.name}' for alias in node.names)
    return found


SOURCES = {
    _module_name(path): _imports(path) for path in APP.rglob('*.py') if 'migrations' not in path.relative_to(APP).parts
}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + '.')


def _rank(module: str) -> int | None:
    """The domain rank of a module: the ground, an area, or None outside the domain."""
    if not _within(module, 'app.domain'):
        return None
    parts = module.split('.')
    if len(parts) > 2 and parts[2] in AREA_RANK:
        return AREA_RANK[parts[2]]
    return GROUND_RANK


def _violations(rule) -> list[str]:
    return sorted(
        f'{source} imports {target}'
        for source, targets in SOURCES.items()
        for target in targets
        if rule(source, target)
    )


def test_the_domain_never_imports_nicegui_or_the_screens():
    def wrong(source, target):
        return _within(source, 'app.domain') and any(
            _within(target, bad)
            for bad in ('nicegui', 'app.components', 'app.pages', 'app.api', 'app.live', 'app.main')
        )

    assert _violations(wrong) == []


def test_components_take_read_models_and_callbacks_not_database_sessions():
    def wrong(source, target):
        return _within(source, 'app.components') and (
            any(_within(target, layer) for layer in DATABASE_LAYER) or _within(target, 'app.pages')
        )

    assert _violations(wrong) == []


def test_no_area_imports_a_higher_one_and_the_ground_imports_no_area():
    def wrong(source, target):
        source_rank, target_rank = _rank(source), _rank(target)
        if source_rank is None or target_rank is None or target_rank == GROUND_RANK:
            return False
        same_area = source.split('.')[:3] == target.split('.')[:3]
        return not same_area and target_rank >= source_rank

    assert _violations(wrong) == []


def test_seed_and_demo_are_imported_only_by_start_up_and_the_command_line():
    def wrong(source, target):
        return target in COMPOSITION_ROOTS and source not in MAY_IMPORT_ROOTS | COMPOSITION_ROOTS

    assert _violations(wrong) == []


@pytest.mark.parametrize('area', sorted(area for area in AREA_RANK if (APP / 'domain' / area).is_dir()))
def test_an_area_package_says_what_it_is_and_re_exports_nothing(area):
    init = APP / 'domain' / area / '__init__.py'
    tree = ast.parse(init.read_text())
    assert ast.get_docstring(tree), f'{area}/__init__.py says what the area is'
    assert [type(node).__name__ for node in tree.body] == ['Expr'], f'{area}/__init__.py holds its docstring only'


def test_the_rules_see_the_real_layout():
    """Guards the guard: the rules above would pass vacuously if the walk found nothing."""
    assert {path.name for path in (APP / 'domain').iterdir() if path.is_dir()} - {'__pycache__', 'migrations'} <= set(
        AREA_RANK
    ), 'a new area gets its rank here'
    assert _rank('app.domain.clients.clients') == AREA_RANK['clients']
    assert 'app.domain.clients.clients' in SOURCES['app.domain.deals.deals']
    assert 'app.domain.models' in SOURCES['app.domain.clients.clients']
