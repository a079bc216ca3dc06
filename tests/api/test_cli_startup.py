"""Start-up of the ``lantian`` CLI: only the command being run is imported."""

from __future__ import annotations

import json
import subprocess
import sys

from api.cli import build_parser, command_index


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from api.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    line = next(x for x in run.stdout.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def test_help_imports_no_heavy_module():
    loaded = _modules_after("--help")
    assert {"numba", "xarray", "pydantic", "numpy", "api.commands.serve"}.isdisjoint(loaded)
    assert "api.cli" in loaded


def test_a_command_help_imports_that_command_only():
    loaded = _modules_after("plan", "--help")
    assert "api.commands.plan" in loaded
    assert {"numba", "xarray", "api.commands.serve", "api.commands.levels"}.isdisjoint(loaded)


def test_the_index_names_every_command_as_registering_them_does():
    full = build_parser()
    registered = next(a for a in full._actions if a.dest == "command").choices
    index = command_index()
    assert list(index) == list(registered)
    helps = {
        a.dest: a.help
        for a in next(a for a in full._actions if a.dest == "command")._choices_actions
    }
    assert {name: h for name, (_, h) in index.items()} == helps


def test_the_level_choices_are_the_engines():
    from api.commands._args import LEVELS as spelled
    from engine.levels import LEVELS

    assert spelled == LEVELS


def test_an_unknown_command_is_a_usage_error():
    run = subprocess.run(
        [sys.executable, "-m", "api.cli", "nope"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2 and "invalid choice: 'nope'" in run.stderr


def _run_python(code: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    return run.stdout


def test_levels_imports_no_dask_and_loads_only_the_kernels_it_calls(tmp_path):
    from tests import handmade

    nc, regions = handmade.write(tmp_path, handmade.forecast([160, 160, 260, 100]))
    argv = ["levels", "--forecast", str(nc), "--regions", str(regions), "--date", "2026-12-01"]
    out = tmp_path / "levels.json"
    code = (
        "import sys, json\n"
        "from api.cli import main\n"
        f"assert main({[*argv, '--output', str(out)]!r}) == 0\n"
        "from engine.kernels import _compile\n"
        "used = sorted(k.py_func.__qualname__ for k in _compile._kernels if k.overloads)\n"
        "print(json.dumps({'dask': sorted(m for m in sys.modules if m.split('.')[0] == 'dask'),\n"
        "  'used': used, 'declared': len(_compile._kernels)}))\n"
    )
    seen = json.loads(_run_python(code).splitlines()[-1])
    assert seen["dask"] == []
    assert "_classify_loop" in seen["used"]
    assert 0 < len(seen["used"]) < seen["declared"] / 2
    assert json.loads(out.read_text("utf-8"))[0]["level"] in {"none", "yellow", "orange", "red"}


def test_xarray_still_sees_dask_arrays_once_dask_is_imported():
    code = (
        "import sys\n"
        "import numpy as np, xarray as xr\n"
        "from api.commands._pipeline import defer_dask_array\n"
        "defer_dask_array()\n"
        "plain = xr.DataArray(np.arange(6.0)).copy()\n"
        "assert 'dask' not in sys.modules and plain.chunks is None\n"
        "import dask.array as da\n"
        "lazy = xr.DataArray(da.arange(6.0, chunks=3)).copy() * 2\n"
        "assert lazy.chunks == ((3, 3),), lazy.chunks\n"
        "assert float(lazy.sum().compute()) == 30.0\n"
        "assert xr.DataArray(np.arange(6.0)).chunk(2).chunks == ((2, 2, 2),)\n"
        "print('ok')\n"
    )
    assert _run_python(code).split()[-1] == "ok"
