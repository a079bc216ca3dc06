"""The IAQI kernel equals its numpy twin on random inputs (NaN, negatives, over-range)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import aqi
from engine.kernels import aqi as kernel
from tests.kernel_table import fresh_seed, replay

CASES = [
    ("pm25_24h", "HJ633-2012"),
    ("pm25_24h", "HJ633-2026"),
    ("co_24h", "HJ633-2026"),
    ("so2_1h", "HJ633-2012"),
    ("so2_1h", "HJ633-2026"),
    ("o3_8h", "HJ633-2012"),
    ("no2_1h", "HJ633-2012"),
]


def _arguments(pollutant: str, standard: str, above_top: int):
    std = aqi.get_standard(standard)
    return aqi._column(pollutant, std) + (above_top,)


def _both(values: np.ndarray, args) -> tuple[np.ndarray, ...]:
    results = []
    for fn in (kernel.iaqi.compiled, kernel.iaqi.twin):
        out = np.full(values.shape, 12345, np.int32)
        flags = np.full(values.shape, 99, np.int8)
        fn(values, *args, out, flags)
        results += [out, flags]
    return tuple(results)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("pollutant", "standard"), CASES)
@pytest.mark.parametrize("above_top", [500, -1])
def test_kernel_equals_twin_on_random_inputs(pollutant, standard, dtype, above_top):
    seed = fresh_seed()
    rng = np.random.default_rng(seed)
    top = aqi.get_standard(standard).breakpoints[pollutant][-1]
    values = rng.uniform(-0.05 * top, 1.3 * top, 40_000).astype(dtype)
    values[rng.random(values.size) < 0.05] = np.nan
    # tenths and integers in every parallel chunk: exact-integer IAQIs and rounding ties take
    # the kernel's integer fix-up pass
    values[::7] = np.round(values[::7], 1)
    values[::11] = np.round(values[::11], 0)
    values[50:60] = np.inf
    args = _arguments(pollutant, standard, above_top)
    out, flags, out_twin, flags_twin = _both(values, args)
    np.testing.assert_array_equal(out, out_twin, err_msg=replay(seed))
    np.testing.assert_array_equal(flags, flags_twin, err_msg=replay(seed))
    small, small_flags = np.empty_like(out), np.empty_like(flags)
    kernel._iaqi_small(values, *args, small, small_flags)  # the integer-only path
    np.testing.assert_array_equal(small, out, err_msg=replay(seed))
    np.testing.assert_array_equal(small_flags, flags, err_msg=replay(seed))
    assert (out[np.isnan(values)] == kernel.MISSING).all(), replay(seed)
    assert (flags[np.isnan(values)] == kernel.FLAG_MISSING).all(), replay(seed)
    assert (flags[values < 0] == kernel.FLAG_NEGATIVE).all(), replay(seed)
    assert ((out >= -1) & (out <= 500)).all(), replay(seed)


@pytest.mark.parametrize("size", [0, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_on_empty_and_one_element(size, dtype):
    values = np.full(size, 100.0, dtype)
    out, flags, out_twin, flags_twin = _both(values, _arguments("pm25_24h", "HJ633-2012", 500))
    assert out.tolist() == out_twin.tolist() == [132] * size
    assert flags.tolist() == flags_twin.tolist() == [0] * size


def test_flags_name_every_over_range_rule():
    values = np.array([801.0, 900.0, 100.0, np.nan, -1.0])
    _, f12 = aqi.iaqi_with_flags("o3_8h", values, "HJ633-2012")
    _, f26 = aqi.iaqi_with_flags("o3_8h", values, "HJ633-2026")
    _, fpm = aqi.iaqi_with_flags("pm25_24h", values, "HJ633-2026")
    assert f12.tolist() == [3, 3, 0, 1, 2]
    assert f26.tolist() == [4, 4, 0, 1, 2]
    assert fpm.tolist() == [5, 5, 0, 1, 2]


@pytest.mark.parametrize("standard", ["HJ633-2012", "HJ633-2026"])
def test_every_column_takes_the_certified_fast_pass(standard):
    std = aqi.get_standard(standard)
    for pollutant in aqi.POLLUTANT_IDS:
        bp, lv, scale, _ = aqi._column(pollutant, std)
        bounds, slopes, intercepts, certified = kernel._fast_tables(bp, lv, scale)
        assert certified, pollutant
        sc = max(scale, 1)
        assert bounds[: bp.size].tolist() == (bp * sc).tolist()
        # slope · BP + intercept reproduces the IAQI at both ends of every segment
        for t in range(bp.size - 1):
            for end in (t, t + 1):
                assert slopes[t] * bp[end] * sc + intercepts[t] == pytest.approx(lv[end], abs=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [0, 1, 10])
@pytest.mark.parametrize(
    ("breakpoints", "levels"),
    [
        ([0, 10, 2**19], [0, 50, 500]),  # a gap too wide for the certificate
        (list(range(0, 450, 50)), list(range(0, 450, 50))),  # 9 breakpoints
        ([0, 3, 3, 9], [0, 50, 60, 100]),  # not increasing
    ],
)
def test_uncertified_tables_take_the_integer_path(breakpoints, levels, scale, dtype):
    bp, lv = np.array(breakpoints, np.int64), np.array(levels, np.int64)
    assert not kernel._fast_tables(bp, lv, scale)[3]
    seed = fresh_seed()
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1, 1.2 * bp[-1], 20_000)
    values[::3] = np.round(values[::3], 1)
    values[::5] = np.round(values[::5])
    values = values.astype(dtype)
    values[::97] = np.nan
    args = (bp, lv, scale, kernel.OVER_RANGE_UNDEFINED, 500)
    if not (np.diff(bp) > 0).all():
        values = values[values <= bp[1]]  # the twin's search needs increasing breakpoints
    out, flags, out_twin, flags_twin = _both(values, args)
    np.testing.assert_array_equal(out, out_twin, err_msg=replay(seed))
    np.testing.assert_array_equal(flags, flags_twin, err_msg=replay(seed))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [None, 1, 10])
@pytest.mark.parametrize("standard", ["HJ633-2012", "HJ633-2026"])
def test_whole_and_tenth_inputs_need_no_fix_up(standard, scale, dtype):
    # station data come as integers (or tenths of mg/m³ for CO): their many exact-integer
    # IAQIs are certified by the fast pass (ceiling of the value lowered by _SHIFT), not
    # sent to the slow path; every column, its own input rounding and a forced one
    fast_pass = {0: kernel._fast_plain, 1: kernel._fast_integer, 10: kernel._fast_tenths}
    for pollutant in aqi.POLLUTANT_IDS:
        bp, lv, native, over = aqi._column(pollutant, aqi.get_standard(standard))
        sc = native if scale is None else scale
        step = 10 if sc == 10 else 1
        values = (np.arange(0, bp[-1] * step + 1) / step).astype(dtype)
        values = np.concatenate([values, np.zeros(100, dtype)])
        bounds, slopes, intercepts, _ = kernel._fast_tables(bp, lv, sc)
        out = np.empty(values.size, np.int32)
        flags = np.empty(values.size, np.int8)
        top = bounds[bp.size - 1]
        uncertain = fast_pass[sc](
            values, bounds, slopes, intercepts, max(sc, 1), top, 500.0, 5.0, out, flags
        )
        assert uncertain == 0, pollutant
        expected = np.empty_like(out)
        kernel.iaqi.twin(values, bp, lv, sc, over, 500, expected, np.empty_like(flags))
        np.testing.assert_array_equal(out, expected, err_msg=pollutant)
