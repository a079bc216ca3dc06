"""The on-disk cache of compiled kernels: keyed by numba, Python and CPU; never fatal."""

from __future__ import annotations

import logging
from pathlib import Path

import numba
import numpy as np
import pytest

from engine.kernels import _cache, _compile


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("LANTIAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LANTIAN_NUMBA_CACHE", raising=False)
    _compile.kernel_cache_dir.cache_clear()
    yield tmp_path / "cache"
    _compile.kernel_cache_dir.cache_clear()


def _twice(x):  # pragma: no cover - compiled
    return 2.0 * x


def _files(path):
    return sorted(p.name for p in path.rglob("*") if p.is_file())


def test_kernels_cache_under_a_key_of_numba_python_and_cpu(cache_root):
    kernel = _compile.jit(["float64(float64)"])(_twice)
    assert kernel(3.5) == 7.0
    path = _compile.kernel_cache_dir()
    assert path == cache_root / "numba" / _cache.cache_key()
    assert path.name.startswith(f"numba{numba.__version__}-py3")
    assert any(name.endswith(".nbi") for name in _files(path))
    assert any(name.endswith(".nbc") for name in _files(path))


def test_a_new_numba_or_cpu_gets_a_new_directory(monkeypatch):
    before = _cache.cache_key()
    monkeypatch.setattr(numba, "__version__", "9.99.0")
    newer = _cache.cache_key()
    monkeypatch.setattr(numba.config, "CPU_NAME", "generic")
    portable = _cache.cache_key()
    assert len({before, newer, portable}) == 3
    assert "numba9.99.0" in newer and "-generic-" in portable


def test_the_cache_does_not_move_the_users_own_numba_cache(cache_root):
    previous = numba.config.CACHE_DIR
    _compile.jit(["float64(float64)"])(_twice)
    assert numba.config.CACHE_DIR == previous


def test_a_corrupt_cache_file_is_cleared_not_fatal(cache_root, caplog):
    assert _compile.jit(["float64(float64)"])(_twice)(1.0) == 2.0  # writes the cache
    path = _compile.kernel_cache_dir()
    assert list(path.rglob("*.nbc"))
    for data in path.rglob("*.nbc"):
        data.write_bytes(b"not a pickle")  # a crashed writer, a foreign file
    with caplog.at_level(logging.WARNING, logger="engine.kernels._compile"):
        kernel = _compile.jit(["float64(float64)"])(_twice)
    assert kernel(np.float64(2.0)) == 4.0
    assert "failed for _twice" in caplog.text and "cleared" in caplog.text
    assert not any(p.read_bytes() == b"not a pickle" for p in path.rglob("*.nbc"))


def test_an_unwritable_cache_compiles_in_memory_with_a_warning(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LANTIAN_CACHE_DIR", str(blocker / "cache"))
    _compile.kernel_cache_dir.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="engine.kernels._compile"):
            kernel = _compile.jit(["float64(float64)"])(_twice)
            assert _compile.kernel_cache_dir() is None
    finally:
        _compile.kernel_cache_dir.cache_clear()
    assert kernel(1.25) == 2.5
    assert "cannot cache compiled kernels" in caplog.text and "LANTIAN_CACHE_DIR" in caplog.text


def test_the_cache_can_be_turned_off(cache_root, monkeypatch):
    monkeypatch.setenv("LANTIAN_NUMBA_CACHE", "0")
    _compile.kernel_cache_dir.cache_clear()
    assert _compile.jit(["float64(float64)"])(_twice)(1.0) == 2.0
    assert _compile.kernel_cache_dir() is None and not cache_root.exists()


def test_a_kernel_without_a_source_file_compiles_in_memory_and_keeps_the_cache(cache_root):
    _compile.jit(["float64(float64)"])(_twice)(1.0)
    cached = _files(_compile.kernel_cache_dir())
    namespace: dict = {}
    exec("def triple(x):\n    return 3.0 * x\n", namespace)  # as in a notebook cell
    assert _compile.jit(["float64(float64)"])(namespace["triple"])(2.0) == 6.0
    assert _files(_compile.kernel_cache_dir()) == cached


def test_a_change_to_any_kernel_source_gets_a_new_directory(monkeypatch, tmp_path):
    """A kernel's machine code holds the kernels it calls from other files (the solver
    written out for the GRS inside the photochemical kernel): numba checks only the kernel's
    own file, so the key digests every kernel source."""
    for source in Path(_cache.__file__).parent.glob("*.py"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(_cache, "__file__", str(tmp_path / "_cache.py"))
    before = _cache.cache_key()
    callee = tmp_path / "_rodas_grs.py"
    callee.write_text(callee.read_text("utf-8") + "\n# an edit\n", "utf-8")
    assert _cache.cache_key() != before
