"""The package's layout as rules: no import cycle among seg's modules, each room imports only rooms below it,
and no module over 300 lines.

The import graph is read with ``ast`` from the source, not by importing it: every ``import seg...`` and
``from seg... import ...`` anywhere in a module (function-level imports too, which hide a cycle from the
interpreter until the function runs), except inside ``if TYPE_CHECKING:`` (never executed). Importing
``seg.a.b`` from outside ``seg.a`` also runs ``seg/a/__init__.py``, so such an import is an edge to the
package as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "seg"
MAX_LINES = 300

# The layers, lowest first. A module may import modules of its own room (seg.<room>) and of rooms in lower
# layers, nothing else: the leaves (errors, then the class catalog, output checks and the CLI runner), the
# typed configs, the models and the synthetic generators, the datasets (which prepare the toy set with
# seg.synthetic), inference without Lightning, the runtimes that run exported files, export, benchmarks and
# the video demo, and training with Lightning on top.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("seg.errors",),
    ("seg.classes", "seg.outputs"),
    ("seg.config",),
    ("seg.models", "seg.synthetic"),
    ("seg.data",),
    ("seg.inference",),
    ("seg.runtimes",),
    ("seg.export",),
    ("seg.bench", "seg.video", "seg.batch"),
    ("seg.app",),
    ("seg.train",),
    # The tools' command-line glue: it parses arguments without torch and reaches any room lazily.
    ("seg.cli",),
)
# ``seg/__init__.py``, the public front door, re-exports the config loader and (lazily) ``build_model``.
ROOT_MAY_IMPORT = ("seg.config", "seg.models")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str:
    """The deepest module of ``MODULES`` that ``name`` (a module, or a module's attribute) refers to."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, module: str) -> set[str]:
    """Every seg name ``module`` imports (module, or module.attribute), outside ``if TYPE_CHECKING:``."""
    names: set[str] = set()
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.split(".")[0] == "seg")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] == "seg":
                names.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    """module -> the seg modules it imports (and the packages whose ``__init__`` that import runs)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        targets: set[str] = set()
        for name in _imported_names(ast.parse(path.read_text(), str(path)), module):
            target = _resolve(name)
            mine = set(_ancestors(module)) | ({module} if path.name == "__init__.py" else set())
            targets |= {target} | {package for package in _ancestors(target) if package not in mine}
        graph[module] = targets - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None (depth-first search, white/grey/black)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _room(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _layer(room: str) -> int:
    for index, rooms in enumerate(LAYERS):
        if room in rooms:
            return index
    raise AssertionError(f"{room} is in no layer of tests/test_architecture.py LAYERS; add it where it belongs.")


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if module == "seg":
                if target != "seg" and _room(target) not in ROOT_MAY_IMPORT:
                    problems.append(f"seg/__init__.py imports {target}")
                continue
            if target == "seg":
                problems.append(f"{module} imports the package root seg (import the room it needs)")
                continue
            room, other = _room(module), _room(target)
            if room != other and _layer(other) >= _layer(room):
                problems.append(f"{module} (layer {_layer(room)}) imports {target} (layer {_layer(other)})")
    return problems


def test_the_graph_sees_function_level_imports_and_skips_type_checking_blocks():
    graph = import_graph()
    assert "seg.models" in graph["seg"]  # seg/__init__.py imports build_model inside __getattr__
    assert "seg.config" not in graph["seg.classes"]  # only under TYPE_CHECKING
    assert "seg.errors" in graph["seg.classes"] and len(graph) == len(MODULES) > 50


def test_the_cycle_finder_reports_the_path():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_the_packages_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_each_room_imports_only_its_own_and_lower_layers():
    assert layering_violations(import_graph()) == []


def test_every_room_of_the_package_has_a_layer():
    rooms = {_room(module) for module in MODULES if module != "seg"}
    for room in rooms:
        _layer(room)
    assert rooms == {room for layer in LAYERS for room in layer}


def test_no_module_is_over_300_lines():
    sizes = {module: len(path.read_text().splitlines()) for module, path in MODULES.items()}
    assert {module: lines for module, lines in sizes.items() if lines > MAX_LINES} == {}  # split them by concern
