"""Daily kernels (mean, max, MDA8) equal their numpy twins and a plain-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.kernels import daily as kernel
from tests.kernel_table import fresh_seed, replay


def _reference(series: np.ndarray, first: int, n_days: int) -> dict[str, list[float]]:
    """Straight from docs/rules.md §1.5, one day and one window at a time (float64)."""

    def value(d: int, h: int) -> float:
        j = d * 24 + h - first
        return float(series[j]) if 0 <= j < len(series) else math.nan

    means, maxima, mda8 = [], [], []
    for d in range(n_days):
        day = [value(d, h) for h in range(24)]
        valid = [v for v in day if not math.isnan(v)]
        means.append(math.fsum(valid) / len(valid) if len(valid) >= 20 else math.nan)
        top = max(valid) if valid else math.nan
        maxima.append(top if valid and (len(valid) >= 20 or top > 200) else math.nan)
        windows = []
        for end in range(8, 25):
            window = [v for v in day[end - 8 : end] if not math.isnan(v)]
            if len(window) >= 6:
                windows.append(math.fsum(window) / len(window))
        best = max(windows) if windows else math.nan
        mda8.append(best if windows and (len(windows) >= 14 or best > 160) else math.nan)
    return {"mean": means, "max": maxima, "mda8": mda8}


def _run(values: np.ndarray, first: int, n_days: int, *, numba: bool) -> dict[str, np.ndarray]:
    pick = (lambda k: k.compiled) if numba else (lambda k: k.twin)
    shape = (values.shape[0], n_days, values.shape[2])
    out = {name: np.full(shape, -7.0, values.dtype) for name in ("mean", "max", "mda8")}
    pick(kernel.daily_mean)(values, first, 20, out["mean"])
    pick(kernel.daily_max)(values, first, 20, 200.0, out["max"])
    pick(kernel.mda8)(values, first, 8, 24, 6, 14, 160.0, out["mda8"])
    return out


def _random(shape, dtype, rng) -> np.ndarray:
    values = rng.gamma(2.0, 60.0, shape).astype(dtype)
    values[rng.random(shape) < rng.uniform(0.0, 0.4)] = np.nan
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("first", [0, 7, 23])
def test_kernels_equal_twins_bit_for_bit(dtype, first):
    seed = fresh_seed()
    rng = np.random.default_rng(seed)
    values = _random((3, 24 * 4 + 5, 600), dtype, rng)  # 600 cells: several blocks of 256
    n_days = (first + values.shape[1] + 23) // 24
    fast, slow = _run(values, first, n_days, numba=True), _run(values, first, n_days, numba=False)
    for name in fast:
        np.testing.assert_array_equal(fast[name], slow[name], err_msg=f"{name}, {replay(seed)}")
        assert fast[name].dtype == dtype, replay(seed)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_equal_the_reference(dtype):
    seed = fresh_seed()
    rng = np.random.default_rng(seed)
    values = _random((2, 24 * 3 + 11, 5), dtype, rng)
    first = int(rng.integers(0, 24))
    n_days = (first + values.shape[1] + 23) // 24
    for numba in (True, False):
        got = _run(values, first, n_days, numba=numba)
        for a in range(values.shape[0]):
            for k in range(values.shape[2]):
                expected = _reference(values[a, :, k], first, n_days)
                for name, series in expected.items():
                    np.testing.assert_allclose(
                        got[name][a, :, k],
                        np.asarray(series, dtype),
                        rtol=1e-6,
                        err_msg=f"{name}, {replay(seed)}",
                    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(0, 48, 3), (2, 0, 3), (2, 48, 0), (1, 1, 1)])
def test_kernels_on_empty_and_one_element(dtype, shape):
    values = np.full(shape, 80.0, dtype)
    n_days = 0 if shape[1] == 0 else (shape[1] + 23) // 24
    fast, slow = _run(values, 0, n_days, numba=True), _run(values, 0, n_days, numba=False)
    for name in fast:
        assert fast[name].shape == (shape[0], n_days, shape[2])
        np.testing.assert_array_equal(fast[name], slow[name])
    if shape == (1, 1, 1):
        # one hour is not a valid day by any rule
        assert np.isnan(fast["mean"]).all() and np.isnan(fast["mda8"]).all()


def test_mda8_validity_rules_by_hand():
    day = np.full(24, 100.0)
    day[14:18] = 200.0  # afternoon peak: window 10..17 holds 4 peak hours
    values = day.reshape(1, 24, 1)
    out = np.empty((1, 1, 1))
    kernel.mda8(values, 0, 8, 24, 6, 14, 160.0, out)
    assert out[0, 0, 0] == 150.0  # (4 * 200 + 4 * 100) / 8
    # 3 missing hours in each window → windows with 5 values are invalid
    gappy = day.copy()
    gappy[::3] = np.nan
    kernel.mda8(gappy.reshape(1, 24, 1), 0, 8, 24, 6, 14, 160.0, out)
    assert np.isnan(out[0, 0, 0])
    # only the morning (hours 0..9): 5 valid windows (ends 8..12), max 100 < 160
    morning = np.full(24, np.nan)
    morning[:10] = 100.0
    kernel.mda8(morning.reshape(1, 24, 1), 0, 8, 24, 6, 14, 160.0, out)
    assert np.isnan(out[0, 0, 0])
    morning[:10] = 170.0  # the same few windows count when above the limit
    kernel.mda8(morning.reshape(1, 24, 1), 0, 8, 24, 6, 14, 160.0, out)
    assert out[0, 0, 0] == 170.0
    kernel.mda8(morning.reshape(1, 24, 1), 0, 8, 24, 6, 3, np.inf, out)
    assert out[0, 0, 0] == 170.0  # min_windows 3 is met


def test_mda8_windows_reaching_into_the_previous_day():
    # first_end = 1: the window ending 01:00 covers 17:00 … 00:59 of the day before
    values = np.zeros((1, 48, 1))
    values[0, 17:24, 0] = 240.0  # previous-day evening
    out = np.empty((1, 2, 1))
    kernel.mda8(values, 0, 1, 24, 6, 1, np.inf, out)
    assert out[0, 1, 0] == 7 * 240.0 / 8
    kernel.mda8(values, 0, 8, 24, 6, 1, np.inf, out)
    assert out[0, 1, 0] == 0.0


@pytest.mark.parametrize(("first_end", "last_end"), [(8, 24), (1, 24), (5, 20), (8, 8), (3, 11)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mda8_window_ranges_equal_twin(first_end, last_end, dtype):
    seed = fresh_seed()
    rng = np.random.default_rng(seed)
    values = _random((2, 24 * 3 + 7, 37), dtype, rng)
    first = int(rng.integers(0, 24))
    n_days = (first + values.shape[1] + 23) // 24
    outs = []
    for fn in (kernel.mda8.compiled, kernel.mda8.twin):
        out = np.full((2, n_days, 37), -7.0, dtype)
        fn(values, first, first_end, last_end, 6, 3, 160.0, out)
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1], err_msg=replay(seed))
    assert not (outs[0] == -7.0).any(), replay(seed)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_equal_twins_across_many_blocks(dtype):
    # more cells than one task's block (2048 for means, 1024 for MDA8), odd remainder
    seed = fresh_seed()
    rng = np.random.default_rng(seed)
    values = _random((2, 24 * 2 + 9, 5000), dtype, rng)
    first = int(rng.integers(0, 24))
    n_days = (first + values.shape[1] + 23) // 24
    fast, slow = _run(values, first, n_days, numba=True), _run(values, first, n_days, numba=False)
    for name in fast:
        np.testing.assert_array_equal(fast[name], slow[name], err_msg=f"{name}, {replay(seed)}")
        assert not (fast[name] == -7.0).any(), replay(seed)
