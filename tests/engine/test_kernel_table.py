"""Every kernel of the table: numba equals its numpy twin, and both equal the reference, on
random inputs (NaN, float32 and float64 where the kernel takes floats), empty and one-element
inputs.

Seeds are fresh on every run and named in each failure message; ``LANTIAN_SEED=<seed>`` replays
a failure (every random case of the run then uses that seed).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.kernels import use_numba
from tests.kernel_table import KERNELS, Case, Kernel, Outputs, Tolerance, fresh_seed, replay

ROWS = [
    pytest.param(row, dtype, id=f"{row.name}-{np.dtype(dtype).name}")
    for row in KERNELS
    for dtype in row.dtypes
]


def _case(row: Kernel, size: int, dtype) -> tuple[Case, str]:
    seed = fresh_seed()
    case = row.generate(seed, size, dtype)
    return case, f"{row.name}, {case.description}, {replay(seed)}"


def _both(row: Kernel, case: Case) -> tuple[Outputs, Outputs]:
    with use_numba(True):
        fast = row.run(case)
    with use_numba(False):
        slow = row.run(case)
    return fast, slow


def _assert_close(got: Outputs, expected: Outputs, tolerance: Tolerance, message: str) -> None:
    """``expected`` may give only the first outputs (a reference without diagnostics)."""
    assert len(got) >= len(expected), message
    for k, (a, b) in enumerate(zip(got, expected, strict=False)):
        what = f"{message} (output {k})"
        assert a.shape == b.shape, what
        if not np.issubdtype(a.dtype, np.floating) or tolerance == Tolerance():
            np.testing.assert_array_equal(a, b, err_msg=what)
            continue
        rtol = tolerance.rtol_float32 if a.dtype == np.float32 else None
        rtol = tolerance.rtol if rtol is None else rtol
        np.testing.assert_allclose(a, b, rtol=rtol, atol=tolerance.atol, err_msg=what)


@pytest.mark.parametrize(("row", "dtype"), ROWS)
def test_numba_equals_twin(row: Kernel, dtype) -> None:
    for size in row.test_sizes:
        case, message = _case(row, size, dtype)
        fast, slow = _both(row, case)
        _assert_close(fast, slow, row.twin_tolerance, message)


@pytest.mark.parametrize(("row", "dtype"), ROWS)
def test_numba_and_twin_equal_the_reference(row: Kernel, dtype) -> None:
    case, message = _case(row, row.reference_size, dtype)
    expected = row.reference(case)
    for got, which in zip(_both(row, case), ("numba", "twin"), strict=True):
        _assert_close(got, expected, row.reference_tolerance, f"{which}: {message}")


@pytest.mark.parametrize("size", [0, 1])
@pytest.mark.parametrize(("row", "dtype"), ROWS)
def test_empty_and_one_element(row: Kernel, dtype, size: int) -> None:
    case, message = _case(row, size, dtype)
    expected = row.reference(case)
    fast, slow = _both(row, case)
    _assert_close(fast, expected, row.reference_tolerance, f"numba: {message}")
    _assert_close(slow, expected, row.reference_tolerance, f"twin: {message}")


def test_every_row_names_its_numba_kernel_and_twin() -> None:
    for row in KERNELS:
        assert callable(row.numba) and callable(row.twin), row.name
        assert row.numba is not row.twin, row.name
