"""The level kernel against its numpy twin on random series and real rule tables, and the
reading of docs/rules.md §2.1: a level never falls when the forecast gets worse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels import use_numba
from engine.kernels.levels import classify_series
from engine.levels import LEVELS, MODES, classify_levels, get_rule_set, rule_sets, rule_table
from tests.kernel_table import fresh_seed, replay


@pytest.mark.parametrize("rule_set", ["MEE-2024", "MEE-2018"])
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("pre_alert", [False, True])
@pytest.mark.parametrize("n", [500, 3000])  # the serial and the parallel kernel
def test_kernel_matches_twin(rule_set, mode, pre_alert, n):
    seed = fresh_seed()
    rng = np.random.default_rng(seed)
    table = rule_table(get_rule_set(rule_set), pre_alert=pre_alert)
    steps = 9 if mode == "natural" else 200
    # Smooth-ish series around the thresholds, with missing steps.
    base = rng.choice([90, 140, 190, 240, 320, 480, 510], size=(n, 1))
    aqi = (base + rng.integers(-60, 60, size=(n, steps))).astype(np.int32)
    aqi[rng.random(aqi.shape) < 0.03] = -1
    counts = rng.random(aqi.shape) < 0.9
    step_hours, window_hours, anchor = MODES[mode]
    args = (aqi, counts, table.threshold, table.inclusive, table.hours, table.n_conditions)
    kwargs = dict(step_hours=step_hours, window_hours=window_hours, anchor=anchor)
    clause, spans = classify_series(*args, **kwargs)
    with use_numba(False):
        clause_np, spans_np = classify_series(*args, **kwargs)
    np.testing.assert_array_equal(clause, clause_np, err_msg=replay(seed))
    np.testing.assert_array_equal(spans, spans_np, err_msg=replay(seed))
    # the draw exercises both outcomes
    assert (clause >= 0).any() and (clause < 0).any(), replay(seed)


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single(n):
    table = rule_table(get_rule_set("MEE-2024"))
    aqi = np.full((n, 3), 250, dtype=np.int32)
    counts = np.ones((n, 3), dtype=bool)
    for numba in (True, False):
        with use_numba(numba):
            clause, spans = classify_series(
                aqi, counts, table.threshold, table.inclusive, table.hours, table.n_conditions,
                step_hours=24, window_hours=24, anchor=1,
            )  # fmt: skip
        assert clause.shape == (n,)
        if n:
            assert table.levels[clause[0]] == "orange"  # > 200 for 72 h, never > 300
            assert spans[0, 0].tolist() == [0, 3]


def _levels(aqi, mode, *, rule_set="MEE-2024", pre_alert=False):
    table = rule_table(get_rule_set(rule_set), pre_alert=pre_alert)
    aqi = np.asarray(aqi, dtype=np.int32)
    level, clause, spans = classify_levels(aqi, np.ones(aqi.shape, bool), table, mode)
    return [LEVELS[i] for i in level], spans


def test_a_second_run_starting_within_the_anchor_counts():
    # rolling mode, windows starting 00:00 … 23:00 of day 1: the run of > 200 beginning with
    # the window at 03:00 lasts 83 h (orange); a short run before it must not hide it
    late = [100, 100, 100] + [201] * 60 + [100] * 30
    early = [201, 201, 100] + [201] * 60 + [100] * 30
    for numba in (True, False):
        with use_numba(numba):
            levels, spans = _levels([late, early], "rolling")
        assert levels == ["orange", "orange"]
        assert spans[1, 0].tolist() == [3, 63]  # the earliest run that satisfies the clause


def test_runs_beginning_after_the_anchor_do_not_count():
    # a window starting on day 2 (step 24) is not a window of the requested day
    levels, _ = _levels([[100] * 24 + [201] * 60 + [100] * 10], "rolling")
    assert levels == ["none"]
    levels, _ = _levels([[100] * 23 + [201] * 60 + [100] * 10], "rolling")
    assert levels == ["orange"]


# Property: a level never falls when any step's AQI rises (a missing step, AQI -1, becoming
# a value included), in both modes, under every rule set, with and without the pre-alert tier.
_VALUES = (-1, 0, 60, 100, 101, 150, 151, 199, 200, 201, 260, 300, 301, 420, 499, 500)
_SEGMENT = st.tuples(
    st.sampled_from(_VALUES), st.integers(1, 30), st.sampled_from([True, True, True, False])
)


@st.composite
def _series_and_raised(draw):
    """An AQI series (runs of equal values, so rolling runs reach 72 h) and its counts, in row 0
    of ``(series, step)`` arrays; below it the series with one or more stretches raised, then
    the series with each single step in turn raised to one value."""
    segments = draw(st.lists(_SEGMENT, min_size=1, max_size=8))
    series = np.concatenate([np.full(n, v, np.int32) for v, n, _ in segments])
    counted = np.concatenate([np.full(n, c) for _, n, c in segments])
    n = series.size
    aqi = np.tile(series, (n + 2, 1))
    # raised stretches often start on the requested day, where runs may begin
    where = st.one_of(st.integers(0, min(n, 30) - 1), st.integers(0, n - 1))
    stretch = st.tuples(where, st.sampled_from([1, 1, 1, 2, 3, 24]), st.sampled_from(_VALUES))
    for start, length, value in draw(st.lists(stretch, min_size=1, max_size=4)):
        aqi[1, start : start + length] = np.maximum(aqi[1, start : start + length], value)
    steps = np.arange(n)
    aqi[2 + steps, steps] = np.maximum(series, draw(st.sampled_from(_VALUES)))
    return aqi, np.tile(counted, (n + 2, 1))


# Each example checks a series against its raised copies (dozens) in one kernel call per
# rule table and mode; hypothesis still shrinks a failure to a short series.
@settings(max_examples=1000, deadline=None)
@given(case=_series_and_raised())
def test_raising_any_step_never_lowers_the_level(case):
    aqi, counts = case
    for rule_set in rule_sets():
        for pre_alert in (False, True):
            table = rule_table(get_rule_set(rule_set), pre_alert=pre_alert)
            for mode in MODES:
                level, clause, spans = classify_levels(aqi, counts, table, mode)
                where = f"{rule_set}, pre_alert={pre_alert}, {mode}"
                lower = np.flatnonzero(level < level[0])
                assert lower.size == 0, f"{where}: raised copy {lower[0]} has a lower level"
                with use_numba(False):
                    _, clause_np, spans_np = classify_levels(aqi, counts, table, mode)
                np.testing.assert_array_equal(clause, clause_np, err_msg=where)
                np.testing.assert_array_equal(spans, spans_np, err_msg=where)
