"""Invariants of selection and accounting, on synthetic registries and random share groups."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels import measures as km
from engine.kernels._compile import use_numba
from engine.measures import compute_plan
from registry.synthetic import synthetic_registry

DAY = dt.date(2026, 12, 2)
BOXES = [("130102", (114.3, 37.9, 114.7, 38.2)), ("130202", (118.0, 39.5, 118.4, 39.8))]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 300))
def test_reductions_grow_with_the_level_and_stay_within_emissions(seed, n):
    registry = synthetic_registry(BOXES, n_enterprises=n, seed=seed).to_registry()
    emission = registry.emission_kg_h * registry.hours_per_day[:, None]
    running = ~registry.already_stopped[:, None]
    previous = np.zeros((registry.n_enterprises, 4))
    # A guarantee firm without a cap keeps output limits but is never stopped: where a higher
    # level stops instead of limiting, its reduction falls to zero (docs/rules.md §3.3).
    uncapped = registry.guarantee & np.isnan(registry.guarantee_cap)
    for level in ("yellow", "orange", "red"):
        result = compute_plan(registry, level, DAY)
        line = result.line_reduction_kg_d
        assert np.all(line >= 0) and np.all(line <= emission * running + 1e-9)
        ent = result.enterprise_reduction_kg_d
        grows = np.all(ent >= previous - 1e-9, axis=1)
        assert np.all(grows | uncapped), level  # the catalogue never relaxes upwards
        previous = ent
        with use_numba(False):
            twin = compute_plan(registry, level, DAY)
        np.testing.assert_array_equal(result.line_action, twin.line_action)
        np.testing.assert_allclose(
            result.line_reduction_kg_d, twin.line_reduction_kg_d, rtol=1e-12, atol=1e-12
        )


@settings(max_examples=60, deadline=None)
@given(
    capacities=st.lists(st.integers(1, 9), min_size=1, max_size=8),
    stopped=st.lists(st.booleans(), min_size=8, max_size=8),
    share=st.sampled_from([0.1, 0.25, 1 / 3, 0.5, 0.75, 1.0]),
    numba=st.booleans(),
)
def test_share_rule_stops_largest_lines_first_and_no_more_than_needed(
    capacities, stopped, share, numba
):
    n = len(capacities)
    cap = np.array(capacities, float) * 100.0
    down = np.array(stopped[:n])
    with use_numba(numba):
        action, *_ = km.measure_lines(
            np.array([0, n]),
            np.array([0]),
            np.array([False]),
            np.array([np.nan]),
            np.array([0, 1]),
            np.array([3], np.int8),
            np.array([share]),
            np.array([0]),
            np.array([-1]),
            np.zeros(n, np.int32),
            cap,
            cap,
            cap,
            down,
            np.ones((n, 4)),
            np.full(n, 24.0),
        )
    chosen = action == km.OUT_SHARE_STOP
    assert np.all(chosen[down])  # lines already stopped count as stopped
    total, off = cap.sum(), cap[chosen].sum()
    assert off >= share * total * (1 - 1e-12) or chosen.all()
    extra = chosen & ~down
    if extra.any():
        # largest first: every running line kept is no larger than any running line stopped
        kept = ~chosen
        if kept.any():
            assert cap[kept].max() <= cap[extra].min()
        # no more than needed: without the last (smallest) stopped line the share is not met
        assert off - cap[extra].min() < share * total * (1 - 1e-12)
