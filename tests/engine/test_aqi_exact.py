"""Exactness: kernel, numpy twin and scalar API equal the rational oracle on every input."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import aqi
from engine.kernels import aqi as kernel
from engine.kernels import use_numba
from tests.engine.test_aqi_oracle import LEVELS, TABLES, oracle

STANDARDS = sorted(TABLES)
PAIRS = [(s, p) for s in STANDARDS for p in aqi.POLLUTANT_IDS]


def _special_values(column: tuple[int, ...], dtype: type) -> np.ndarray:
    """Breakpoints ± a few ulps, exact-integer IAQI points, halves and tenths around them."""
    out: list[float] = []
    for lo, hi, ilo, ihi in zip(column, column[1:], LEVELS, LEVELS[1:], strict=False):
        for j in range(0, ihi - ilo + 1, max(1, (ihi - ilo) // 10)):
            out.append(float(lo + Fraction(j * (hi - lo), ihi - ilo)))  # exact IAQI integer
    for b in column:
        out += [b - 0.5, b + 0.5, b - 0.05, b + 0.05, b + 0.15, b - 0.25, b + 0.45, b + 1.5]
    base = np.array([v for v in out if v >= 0], dtype=dtype)
    values = [base]
    for direction in (np.inf, -np.inf):
        step = base
        for _ in range(3):
            step = np.nextafter(step, dtype(direction))
            values.append(step)
    return np.concatenate(values)


IMPLEMENTATIONS = {
    "threaded": kernel._iaqi_parallel,  # vectorised float pass with certificate + fix-up
    "small": kernel._iaqi_small,  # integer arithmetic only
    "numpy": kernel.iaqi.twin,
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("impl", sorted(IMPLEMENTATIONS))
@pytest.mark.parametrize(("standard", "pollutant"), PAIRS)
def test_special_values_equal_the_oracle(standard, pollutant, impl, dtype):
    column = TABLES[standard][pollutant]
    values = _special_values(column, dtype)
    grid = np.linspace(0, column[-1] * 1.05, 400).astype(dtype)
    values = np.concatenate([values, grid, np.array([np.nan, -1.0, np.inf, 1e30], dtype)])
    bp, lv, scale, over = aqi._column(pollutant, aqi.get_standard(standard))
    got = np.empty(values.size, np.int32)
    flags = np.empty(values.size, np.int8)
    IMPLEMENTATIONS[impl](values, bp, lv, scale, over, 500, got, flags)
    expected = [oracle(pollutant, float(v), standard) for v in values]
    assert got.tolist() == expected
    with use_numba(impl != "numpy"):
        assert aqi.iaqi(pollutant, values, standard).tolist() == expected


def _value(draw, column: tuple[int, ...]) -> float:
    kind = draw(st.sampled_from(["uniform", "near", "half", "integer_iaqi"]))
    top = column[-1]
    if kind == "uniform":
        return draw(st.floats(0, top * 1.2, allow_nan=False))
    b = draw(st.sampled_from(column))
    if kind == "near":
        value = float(b)
        for _ in range(draw(st.integers(0, 3))):
            value = np.nextafter(value, draw(st.sampled_from([np.inf, -np.inf])))
        return max(value, 0.0)
    if kind == "half":
        tenths = draw(st.integers(-50, 50))
        return max(b + tenths / 10 + draw(st.sampled_from([0.05, 0.5, 0.0])), 0.0)
    i = draw(st.integers(0, len(column) - 2))
    j = draw(st.integers(0, LEVELS[i + 1] - LEVELS[i]))
    return float(column[i] + Fraction(j * (column[i + 1] - column[i]), LEVELS[i + 1] - LEVELS[i]))


@st.composite
def cases(draw):
    standard, pollutant = draw(st.sampled_from(PAIRS))
    value = _value(draw, TABLES[standard][pollutant])
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return standard, pollutant, dtype(value)


@settings(max_examples=400, deadline=None)
@given(cases())
def test_scalar_iaqi_equals_the_oracle(case):
    standard, pollutant, value = case
    assert aqi.iaqi(pollutant, value, standard) == oracle(pollutant, float(value), standard)


@settings(max_examples=150, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=40), st.booleans())
def test_array_iaqi_equals_the_oracle(batch, numba):
    standard, pollutant, _ = batch[0]
    values = np.array([v for *_, v in batch], dtype=type(batch[0][2]))
    with use_numba(numba):
        got = aqi.iaqi(pollutant, values, standard)
    assert got.tolist() == [oracle(pollutant, float(v), standard) for v in values]


@settings(max_examples=150, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=40), st.integers(0, 40))
def test_threaded_kernel_equals_the_oracle(batch, offset):
    # the batch straddles a chunk boundary of the threaded kernel: fast pass + in-chunk fix-up
    standard, pollutant, _ = batch[0]
    dtype = type(batch[0][2])
    values = np.array([v for *_, v in batch], dtype=dtype)
    field = np.full(kernel._CHUNK + 64, np.nan, dtype)
    start = kernel._CHUNK - offset
    field[start : start + values.size] = values
    bp, lv, scale, over = aqi._column(pollutant, aqi.get_standard(standard))
    got = np.empty(field.size, np.int32)
    flags = np.empty(field.size, np.int8)
    kernel._iaqi_parallel(field, bp, lv, scale, over, 500, got, flags)
    expected = [oracle(pollutant, float(v), standard) for v in values]
    assert got[start : start + values.size].tolist() == expected
    assert (np.delete(got, np.s_[start : start + values.size]) == kernel.MISSING).all()


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(PAIRS),
    st.floats(0, 4000, allow_nan=False),
    st.floats(0, 4000, allow_nan=False),
)
def test_iaqi_is_monotone(pair, a, b):
    standard, pollutant = pair
    lo, hi = sorted((a, b))
    first, second = aqi.iaqi(pollutant, np.array([lo, hi]), standard, above_top="cap")
    # the 2012 not-computed columns jump to missing above the top
    if second != aqi.MISSING:
        assert first <= second


_DAILY_RANGES = {
    "pm25": 600.0,
    "pm10": 700.0,
    "so2": 3000.0,
    "no2": 1000.0,
    "co": 70.0,
    "o3_mda8": 1000.0,
    "o3_1h": 1300.0,
}


@st.composite
def days(draw):
    keys = draw(st.lists(st.sampled_from(sorted(_DAILY_RANGES)), unique=True, max_size=7))
    values = {}
    for key in keys:
        values[key] = draw(
            st.one_of(st.floats(0, _DAILY_RANGES[key], allow_nan=False), st.just(float("nan")))
        )
    return values, draw(st.sampled_from(STANDARDS))


@settings(max_examples=300, deadline=None)
@given(days(), st.data())
def test_daily_aqi_is_the_max_of_the_oracle_iaqis_and_monotone(day, data):
    values, standard = day
    result = aqi.daily_aqi(values, standard)
    entering = {
        key: oracle(aqi.DAILY_KEYS[key], v, standard)
        for key, v in values.items()
        if not (standard == "HJ633-2026" and key == "o3_1h")
    }
    present = [v for v in entering.values() if v >= 0]
    if not present:
        assert result.aqi == aqi.AQI_MISSING and result.category is None
        return
    floor = 1 if standard == "HJ633-2026" else 0
    assert result.aqi == max(max(present), floor)
    assert result.category == aqi.category(result.aqi)
    winners = {aqi.species_of(aqi.DAILY_KEYS[k]) for k, v in entering.items() if v == result.aqi}
    assert set(result.primary_pollutants) == (winners if result.aqi > 50 else set())
    # raising one concentration never lowers the AQI (except crossing a not-computed top)
    if values:
        key = data.draw(st.sampled_from(sorted(values)))
        if not np.isnan(values[key]):
            bumped = dict(values)
            bumped[key] = values[key] + data.draw(st.floats(0, 50))
            after = aqi.daily_aqi(bumped, standard)
            if not (standard == "HJ633-2012" and key == "o3_mda8"):
                assert after.aqi >= result.aqi
