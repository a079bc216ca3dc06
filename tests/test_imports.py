"""The import directions of docs/design.md, read from the source (every import, also inside
functions and under ``TYPE_CHECKING``, so that no cycle hides behind a late import).

    engine                → nothing of the project (engine/kernels: only engine.kernels)
    grids                 → engine
    forecasts, registry,
    observations          → engine, grids (geometry)
    api                   → all
and no cycle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "grids", "forecasts", "registry", "observations", "api")
ALLOWED = {
    "engine": set(),
    "grids": {"engine"},
    "forecasts": {"engine", "grids"},
    "registry": {"engine", "grids"},
    "observations": {"engine", "grids"},
    "api": {"engine", "grids", "forecasts", "registry", "observations"},
}


def _modules() -> dict[str, Path]:
    """Every module of the project's packages: dotted name → file."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):  # a package not yet written: none
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _target(name: str) -> str | None:
    """The project module an imported dotted name refers to (its longest known prefix)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def _imports(module: str, path: Path) -> set[str]:
    """Project modules imported anywhere in ``path``."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports pkg.mod when that is a module, else a name of pkg
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for name in names:
            target = _target(name)
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _package_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {
        p: set() for p in PACKAGES if any(m.split(".")[0] == p for m in MODULES)
    }
    for module, targets in GRAPH.items():
        for target in targets:
            a, b = module.split(".")[0], target.split(".")[0]
            if a != b:
                edges[a].add(b)
    return edges


def test_packages_import_only_inward():
    edges = _package_edges()
    wrong = {p: sorted(t - ALLOWED[p]) for p, t in edges.items() if t - ALLOWED[p]}
    assert not wrong, f"imports against the direction of docs/design.md: {wrong}; all: {edges}"
    assert edges["engine"] == set()  # the core imports nothing of the project


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("engine.kernels")))
def test_kernels_import_nothing_but_kernels(module):
    outside = sorted(t for t in GRAPH[module] if not t.startswith("engine.kernels"))
    assert not outside, f"{module} imports {outside}: kernels take plain arrays only"


def test_no_import_cycle():
    """Tarjan's strongly connected components of the module graph: all of size one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_the_graph_is_read():
    """The reader sees real edges (a guard against a reader that finds nothing)."""
    assert "engine.levels._rules" in GRAPH["engine.levels._classify"]
    assert "engine" in _package_edges()["grids"]
    assert "engine.response" in GRAPH["api.store"]
