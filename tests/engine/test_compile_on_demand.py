"""Kernels compile when first needed, one declared signature at a time, and only declared ones.

``engine.kernels._compile.jit`` defers numba's compilation (or its cache load) to the first call,
so a command loads the few kernels it uses. These tests pin what must not change with it: the
types a kernel accepts and refuses, calls from kernel to kernel, the cache, ``compile_all`` and
the eager switch, and the compile events the command line draws its progress from.
"""

from __future__ import annotations

import pickle

import numba
import numpy as np
import pytest

from engine.kernels import _compile


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("LANTIAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LANTIAN_NUMBA_CACHE", raising=False)
    monkeypatch.delenv("LANTIAN_NUMBA_EAGER", raising=False)
    _compile.kernel_cache_dir.cache_clear()
    yield tmp_path / "cache"
    _compile.kernel_cache_dir.cache_clear()


def _total(values):  # pragma: no cover - compiled
    acc = values.dtype.type(0)
    for v in values:
        acc += v
    return acc


def _double(x):  # pragma: no cover - compiled
    return 2 * x


def _twice_total(values):  # pragma: no cover - compiled
    return _double_kernel(_total_kernel(values))


_TWO = ["f8(f8[::1])", "f4(f4[::1])"]
_total_kernel = _compile.jit(_TWO)(_total)
_double_kernel = _compile.jit(["f8(f8)"])(_double)


def test_nothing_compiles_before_the_first_call_and_then_only_the_signature_called(cache_root):
    kernel = _compile.jit(_TWO)(_total)
    assert not kernel.overloads
    assert kernel(np.arange(4.0)) == 6.0
    assert [s.args[0].dtype for s in kernel.nopython_signatures] == [numba.float64]
    assert kernel(np.arange(4, dtype=np.float32)) == np.float32(6.0)
    assert len(kernel.overloads) == 2


def test_undeclared_types_are_cast_to_a_declared_signature_or_refused(cache_root):
    kernel = _compile.jit(["f8(f8)"])(_double)
    assert kernel(3) == 6.0 and isinstance(kernel(3), float)  # int64 → float64, as numba casts
    assert len(kernel.overloads) == 1  # no int64 specialisation compiled
    with pytest.raises(TypeError, match="No matching definition"):
        kernel(np.arange(3.0))
    assert len(kernel.overloads) == 1


def test_a_kernel_calls_another_declared_kernel(cache_root):
    kernel = _compile.jit(["f8(f8[::1])"])(_twice_total)
    assert kernel(np.arange(4.0)) == 12.0
    assert len(_double_kernel.overloads) == 1


def test_a_second_process_loads_from_the_cache_instead_of_compiling(cache_root):
    first = _compile.jit(["f8(f8)"])(_double)
    first(1.0)
    assert sum(first.stats.cache_misses.values()) == 1
    again = _compile.jit(["f8(f8)"])(_double)  # a new dispatcher, as after a restart
    assert again(2.0) == 4.0
    assert sum(again.stats.cache_hits.values()) == 1
    assert sum(again.stats.cache_misses.values()) == 0


def test_compile_all_compiles_every_declared_signature_and_reports_fresh_ones(cache_root):
    kernel = _compile.jit(_TWO)(_total)
    assert _compile.compile_all() >= 2  # at least this kernel's two, fresh in this cache
    assert len(kernel.overloads) == 2
    assert _compile.compile_all() == 0  # nothing left to compile


def test_the_eager_switch_compiles_at_declaration(cache_root, monkeypatch):
    monkeypatch.setenv("LANTIAN_NUMBA_EAGER", "1")
    kernel = _compile.jit(_TWO)(_total)
    assert len(kernel.overloads) == 2


def test_listeners_hear_compilations_but_not_cache_loads(cache_root):
    heard: list[tuple[str, str, float | None]] = []
    remove = _compile.on_compile(lambda *event: heard.append(event))
    try:
        _compile.jit(["f8(f8)"])(_double)(1.0)
        compiled = list(heard)
        heard.clear()
        _compile.jit(["f8(f8)"])(_double)(1.0)  # the same source: loaded from the cache
    finally:
        remove()
    assert [(name, sig) for name, sig, _ in compiled] == [("_double", "f8(f8)")] * 2
    assert compiled[0][2] is None and compiled[1][2] is not None and compiled[1][2] >= 0
    assert heard == []


def test_a_kernel_pickles_as_a_declared_kernel(cache_root):
    kernel = _compile.jit(["f8(f8)"])(_double)
    kernel._memo.pop(str(kernel._uuid), None)  # as in another process
    copy = pickle.loads(pickle.dumps(kernel))
    assert copy is not kernel and copy(4.0) == 8.0
    with pytest.raises(TypeError, match="No matching definition"):
        copy(np.arange(2.0))


def _in_process(env_extra: dict[str, str], code: str) -> str:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "NUMBA_NUM_THREADS")}
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, **env_extra},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return run.stdout.split()[-1]


_POLICY = (
    "import os\n"
    "import numpy as np\n"
    "import engine.kernels._compile as c\n"
    "def total(a):\n"
    "    s = 0.0\n"
    "    for i in c.prange(a.size):\n"
    "        s += a[i]\n"
    "    return s\n"
    "k = c.jit(['f8(f8[::1])'], parallel=True)(total)\n"
    "assert k(np.ones(10_000)) == 10_000.0\n"
    "print(os.environ['OMP_WAIT_POLICY'] + ',' + str(c.get_num_threads()))\n"
)


def test_idle_openmp_workers_sleep_unless_told_otherwise_and_the_thread_count_is_kept():
    assert _in_process({}, _POLICY).split(",")[0] == "PASSIVE"
    assert _in_process({"OMP_WAIT_POLICY": "ACTIVE"}, _POLICY).split(",")[0] == "ACTIVE"
    assert _in_process({"NUMBA_NUM_THREADS": "1"}, _POLICY) == "PASSIVE,1"
