"""The floor plan of src/baogong: no import cycle, no module over 600 lines, no private name of
the optimiser imported across its modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = SRC / "baogong"
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


@dataclass(frozen=True)
class Edge:
    """One import statement of a baogong module by another: where it is and what it names."""

    source: str
    target: str
    line: int
    names: tuple[str, ...] = ()
    """The names taken from the target (`from target import a, b`); empty for `import`."""


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, level: int, name: str | None) -> str:
    """The absolute module a (possibly relative) `from` names."""
    if level == 0:
        return name or ""
    base = module.split(".")
    if not _is_package(module):
        base.pop()
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([name] if name else [])])


def _known(target: str) -> str | None:
    """The deepest baogong module a dotted name falls in (`a.b.Name` -> `a.b`)."""
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


@cache
def _tree(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(encoding="utf-8"))


def imports(module: str, source: str | None = None) -> Iterator[Edge]:
    """Every import of a baogong module anywhere in the module's file (or in `source` read as
    that module): top level, inside functions, under `if TYPE_CHECKING:`; `from pkg import
    module` names the module itself."""
    tree = _tree(module) if source is None else ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name)
                if target and alias.name.startswith("baogong"):
                    yield Edge(module, target, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node.level, node.module)
            if not base.startswith("baogong"):
                continue
            plain: list[str] = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    yield Edge(module, sub, node.lineno)
                else:
                    plain.append(alias.name)
            target = _known(base)
            if plain and target:
                yield Edge(module, target, node.lineno, tuple(plain))


def _graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: line of the first such import}."""
    graph: dict[str, dict[str, int]] = {m: {} for m in MODULES}
    for module in MODULES:
        for edge in imports(module):
            if edge.target != module:
                graph[module].setdefault(edge.target, edge.line)
    return graph


def _strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's components with more than one module (iterative: the graph may be deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _shortest_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, staying inside the component."""
    start, inside = component[0], set(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child not in inside:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def import_cycles() -> list[str]:
    """Each cycle as `a (line) -> b (line) -> ... -> a`, one per strongly connected set."""
    graph = _graph()
    out = []
    for component in _strongly_connected(graph):
        cycle = _shortest_cycle(graph, component)
        steps = [f"{a}:{graph[a][b]}" for a, b in pairwise(cycle)]
        others = sorted(set(component) - set(cycle))
        more = f" (its tangle also holds {', '.join(others)})" if others else ""
        out.append(" -> ".join([*steps, cycle[-1]]) + more)
    return out


def test_the_cycle_finder_sees_a_cycle_and_its_path() -> None:
    """On a small graph the finder reports exactly the modules that import each other."""
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}, "e": {"e": 1}}
    components = _strongly_connected(graph)
    assert components == [["a", "b", "c"]]
    assert _shortest_cycle(graph, components[0]) == ["a", "b", "c", "a"]


def test_imports_are_resolved_relative_lazy_and_type_only() -> None:
    """Relative, function-level and TYPE_CHECKING imports all count, `from pkg import module`
    names the module, and `from module import Name` names the module."""
    assert _resolve("baogong.ledger.stock", 1, "models") == "baogong.ledger.models"
    assert _resolve("baogong.ledger", 1, "stock") == "baogong.ledger.stock"
    assert _resolve("baogong.ledger.excel.spec", 2, "models") == "baogong.ledger.models"
    source = ("from typing import TYPE_CHECKING\n"
              "from . import models\n"
              "if TYPE_CHECKING:\n    from baogong import db\n"
              "def f():\n    from baogong.regions.models import Region\n"
              "    import baogong.types\n")
    found = {(e.target, e.line, e.names) for e in imports("baogong.ledger.stock", source)}
    assert found == {("baogong.ledger.models", 2, ()), ("baogong.db", 4, ()),
                     ("baogong.regions.models", 6, ("Region",)), ("baogong.types", 7, ())}


def test_no_import_cycle() -> None:
    """No module of baogong imports, directly or through others, a module that imports it
    back (imports inside functions and under TYPE_CHECKING count too)."""
    cycles = import_cycles()
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_over_600_lines() -> None:
    """Every module of src/baogong stays within 600 lines (split a bigger one by use case)."""
    long = {str(p.relative_to(SRC)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, "\n".join(f"{p}: {n} lines" for p, n in sorted(long.items()))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_private_name_crosses_optim_modules() -> None:
    """No private name (`_x`) of a baogong.optim module is imported by another module, and no
    module reaches into an imported optim module for one (`mod._x`)."""
    crossings: list[str] = []
    for module in MODULES:
        for edge in imports(module):
            if edge.target.startswith("baogong.optim") and edge.target != module:
                crossings += [f"{module}:{edge.line} imports {edge.target}.{n}"
                              for n in edge.names if _private(n)]
        tree = _tree(module)
        bound: dict[str, str] = {}  # local name -> optim module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _resolve(module, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if sub in MODULES and sub.startswith("baogong.optim"):
                        bound[alias.asname or alias.name] = sub
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name.startswith("baogong.optim"):
                        bound[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound and _private(node.attr)
                    and bound[node.value.id] != module):
                crossings.append(f"{module}:{node.lineno} uses "
                                 f"{bound[node.value.id]}.{node.attr}")
    assert not crossings, "private names crossing modules:\n" + "\n".join(
        sorted(set(crossings)))


TOP = ("app", "cli", "serve", "command", "operations", "demo", "loadtest")
CELLAR = ("web", "adapters", "optim", "config", "db", "migrate", "migrations",
          "i18n", "errors", "types", "display", "console", "models", "db_commands")


def _floor(module: str) -> str:
    """'top', 'cellar' or 'domain': the floor of docs/layout.md a module lives on."""
    head = module.split(".")[1] if "." in module else ""
    return "top" if head in TOP else "cellar" if head in CELLAR else "domain"


def test_imports_go_down_the_floors() -> None:
    """The cellar (web, adapters, optim, ...) imports no domain and nothing of the top floor;
    domains import nothing of the top floor (command, operations, demo, loadtest, app,
    cli, serve);
    `baogong.models` is the one cellar module that gathers every domain's tables."""
    upward = []
    for module in MODULES:
        if module == "baogong.models" or module.startswith("baogong.migrations"):
            continue
        for edge in imports(module):
            low, high = _floor(module), _floor(edge.target)
            if (low == "cellar" and high != "cellar") or (low == "domain" and high == "top"):
                upward.append(f"{module}:{edge.line} ({low}) imports {edge.target} ({high})")
    assert not upward, "imports going up a floor:\n" + "\n".join(sorted(upward))


def test_layout_describes_every_package() -> None:
    """docs/layout.md names every package and subpackage under src/baogong."""
    layout = (SRC.parent / "docs" / "layout.md").read_text(encoding="utf-8")
    missing = []
    for module, path in MODULES.items():
        if path.name != "__init__.py" or module == "baogong":
            continue
        leaf = module.split(".")[-1]
        if f"{leaf}/" not in layout:
            missing.append(module)
    assert not missing, "packages docs/layout.md does not describe: " + ", ".join(missing)
