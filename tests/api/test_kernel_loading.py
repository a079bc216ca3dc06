"""Kernels loaded from the disk cache in a new process run without numba's compiler tables.

Each case is a fresh Python process, as a command starts: the first compiles into an empty
cache, the next loads from it (``engine.kernels._cache.KernelCache``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.kernels import _compile

ROOT = Path(__file__).resolve().parents[2]

KERNELS = """
import numpy as np
from engine.kernels._compile import jit, prange


@jit(["float64(float64[::1])"], parallel=True)
def parallel_sum(x):
    total = 0.0
    for i in prange(x.size):
        total += x[i]
    return total


@jit(["float64[::1](float64[::1])"])
def doubled(x):  # allocates: the runtime (NRT)
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = 2.0 * x[i]
    return out


@jit(["float64(float64[::1])"])
def through_another(x):  # calls a kernel: linked at compilation
    return doubled(x).sum()


@jit(["int64(int64)"])
def string_keys(n):  # hashes strings: the hash secret's symbols
    seen = {}
    for i in range(n):
        seen[str(i % 7)] = i
    return len(seen)
"""

RUN = """
import json, sys
import numpy as np
import kernels_under_test as k
from engine.kernels import _compile

x = np.arange(1.0, 101.0)
out = {
    "parallel_sum": k.parallel_sum(x),
    "doubled": float(k.doubled(x)[-1]),
    "through_another": k.through_another(x),
    "string_keys": k.string_keys(50),
}
hits = sum(sum(f.stats.cache_hits.values()) for f in
           (k.parallel_sum, k.doubled, k.through_another, k.string_keys))
registries = "numba.np.random.generator_methods" in sys.modules
fresh = _compile.jit(["float64(float64[::1])"])(lambda a: k.doubled(a)[0] + 1.0)
out["fresh"] = fresh(x)
print(json.dumps({"out": out, "hits": hits, "registries": registries}))
"""

EXPECTED = {
    "parallel_sum": 5050.0,
    "doubled": 200.0,
    "through_another": 10100.0,
    "string_keys": 7,
    "fresh": 3.0,
}


def _run(tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "LANTIAN_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    env.pop("LANTIAN_NUMBA", None)
    env.pop("LANTIAN_NUMBA_CACHE", None)
    run = subprocess.run(
        [sys.executable, "-c", RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])


@pytest.mark.skipif(not _compile.light_load(), reason="this numba loads kernels as numba does")
def test_cached_kernels_load_lightly_and_run_as_compiled(tmp_path):
    (tmp_path / "kernels_under_test.py").write_text(textwrap.dedent(KERNELS), "utf-8")
    first = _run(tmp_path)  # compiles everything: numba's full tables
    assert first["out"] == EXPECTED and first["hits"] == 0 and first["registries"]
    second = _run(tmp_path)  # loads all four from the cache, then compiles a new kernel
    assert second["out"] == EXPECTED
    assert second["hits"] == 4
    assert not second["registries"]  # measured before the new kernel compiled
    # ... which compiled after the light loads, calling one of them.


def test_light_loading_is_on_for_the_numba_the_project_installs():
    # Another numba falls back to numba's own loading (safe, 0.3 s slower): this fails to say
    # that KernelCache (engine.kernels._cache) should be checked against it and added to
    # _LIGHT_LOAD_NUMBA.
    import numba

    assert _compile.light_load(), f"check KernelCache against numba {numba.__version__}"


def test_another_numba_loads_as_numba_does(monkeypatch):
    import numba

    monkeypatch.setattr(numba, "__version__", "0.99.0")
    assert not _compile.light_load()
