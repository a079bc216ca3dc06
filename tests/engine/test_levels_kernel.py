"""The level kernel against its numpy twin, on random series and real rule tables."""

from __future__ import annotations

import numpy as np
import pytest

from engine.kernels import use_numba
from engine.kernels.levels import classify_series
from engine.levels import MODES, get_rule_set, rule_table


@pytest.mark.parametrize("rule_set", ["MEE-2024", "MEE-2018"])
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("pre_alert", [False, True])
@pytest.mark.parametrize("n", [500, 3000])  # the serial and the parallel kernel
def test_kernel_matches_twin(rule_set, mode, pre_alert, n):
    rng = np.random.default_rng()
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
    np.testing.assert_array_equal(clause, clause_np)
    np.testing.assert_array_equal(spans, spans_np)
    assert (clause >= 0).any() and (clause < 0).any()  # the draw exercises both outcomes


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
