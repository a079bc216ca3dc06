"""The package's shape: both grids are a ``Grid``; its modules import each other without cycles."""

import ast
import graphlib
from pathlib import Path

import numpy as np

import grids
from grids import Grid, ProjectedGrid, RegularGrid, lambert_conformal

PACKAGE = Path(grids.__file__).parent


def test_both_grids_satisfy_the_grid_protocol():
    regular = RegularGrid.from_bounds(110, 111, 30, 31, 0.5)
    projected = ProjectedGrid(lambert_conformal(30, 60, 38, 116), [0, 9e3], [0, 9e3, 18e3])
    for grid in (regular, projected):
        assert isinstance(grid, Grid)
        frame = grid.coverage_frame()
        assert frame.order.shape == grid.shape and np.unique(frame.order).size == grid.size


def module_imports(package: Path = PACKAGE) -> dict[str, tuple[set[str], list[str]]]:
    """Each module of grids/: the grids modules it imports, and imports not at module level."""
    out = {}
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(tree.body)
        deps, nested = set(), []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if node not in top:
                nested += names
            deps |= {n for n in names if n.startswith("grids._")}
        out[f"grids.{path.stem}"] = (deps - {f"grids.{path.stem}"}, nested)
    return out


def test_modules_import_at_top_and_form_no_cycle():
    imports = module_imports()
    assert {m: n for m, (_, n) in imports.items() if n} == {}
    graph = {m: d for m, (d, _) in imports.items() if m != "grids.__init__"}
    list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle


def test_grids_depends_on_no_outer_package():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in ("api", "forecasts", "registry"), path
            if isinstance(node, ast.Import):
                assert not any(
                    a.name.split(".")[0] in ("api", "forecasts", "registry") for a in node.names
                ), path


def test_modules_stay_small():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
