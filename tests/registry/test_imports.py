"""The registry is an adapter: it may import the engine and grids, never the faces (api)."""

from __future__ import annotations

import ast
from pathlib import Path

import registry

ROOT = Path(registry.__file__).parent


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_registry_never_imports_the_faces():
    modules = sorted(ROOT.glob("*.py"))
    assert len(modules) >= 5
    offenders = {p.name: _imported(p) & {"api", "forecasts"} for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_registry_uses_only_the_engine_and_grids_of_the_project():
    project = {"api", "engine", "forecasts", "grids", "registry"}
    used = set().union(*(_imported(p) for p in ROOT.glob("*.py"))) & project
    assert used <= {"engine", "grids", "registry"} and "engine" in used
