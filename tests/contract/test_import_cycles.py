"""No import circles inside a product package. Every import counts, also the ones in a
function body or under TYPE_CHECKING: a lazy import hides a circle, it does not break
it (the simulator had two: days <-> emit, layout <-> register)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.contract.test_module_size import product_packages

# Circles known and not yet broken: the test fails when one is gone (remove it here)
# or a new one appears.
KNOWN = {
    ("anju_bench.pgcluster", "anju_bench.servers"),  # servers imports pgcluster lazily
    ("anju_edge.bridges", "anju_edge.doors"),  # doors imports bridges lazily
}


def _modules(pkg_dir: Path) -> dict[str, Path]:
    base = pkg_dir.parent
    out = {}
    for f in pkg_dir.rglob("*.py"):
        parts = f.relative_to(base).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


def _imports(tree: ast.AST, modules: dict[str, Path]) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for n in names:
            while n and n not in modules:  # a name imported from a module: the module
                n = n.rpartition(".")[0]
            if n:
                found.add(n)
    return found


def _circles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[tuple[str, ...]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(tuple(sorted(comp)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _package_of(module: str) -> str:
    return module.split(".")[0]


def test_no_import_circles_inside_a_package() -> None:
    modules: dict[str, Path] = {}
    for pkg in product_packages():
        modules |= _modules(pkg)
    graph = {}
    for name, path in modules.items():
        deps = _imports(ast.parse(path.read_text(encoding="utf-8")), modules)
        # a package's __init__ is imported with any of its modules: not a circle edge
        graph[name] = {
            d for d in deps if d != name and not name.startswith(d + ".") and d in modules
        }
    circles = set(_circles(graph))
    assert circles - KNOWN == set(), f"import circles: {sorted(circles - KNOWN)}"
    assert KNOWN - circles == set(), f"broken, remove from KNOWN: {sorted(KNOWN - circles)}"


def test_the_walk_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [("a", "b", "c")]
