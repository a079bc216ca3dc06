"""The peak-shift kernels (engine/kernels/ozone.py) against their numpy twins, and their
invariants: a pure shift conserves the day's work, nothing works more than a whole hour, the
moved work lies outside the window and outside the hours already worked (docs/rules.md §4.2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels._compile import use_numba
from engine.kernels.ozone import accumulate_change, shift_hours, shift_profiles, spread_days

SEED = 20260701


def _random_lines(rng: np.random.Generator, n: int):
    """Windows on whole, half and arbitrary hours, wrapping or not; shifts, drops, reductions."""
    grid = rng.choice([1.0, 0.5, 0.0], n)  # 0: arbitrary float

    def hour():
        raw = rng.uniform(0, 24, n)
        return np.where(grid > 0, np.round(raw / np.maximum(grid, 1e-9)) * grid, raw) % 24

    start, end, r0 = hour(), hour(), hour()
    r1 = (r0 + rng.uniform(0.5, 16, n)) % 24
    remove = np.where(rng.random(n) < 0.5, 0.0, rng.choice([1.0, 0.3, rng.random()], n))
    move = rng.random(n) < 0.6
    return start, end, r0, r1, remove, move


@pytest.mark.parametrize(("n", "cells"), [(0, 5), (1, 5), (500, 5), (500, 50)])
def test_kernels_match_their_twins(n, cells):
    """cells 5: a dense day per group; cells 50: the scatter of pairs (spread_days)."""
    rng = np.random.default_rng(SEED + n)
    args = _random_lines(rng, n)
    rate = rng.uniform(0, 10, (n, 2))
    pair = rng.integers(-1, 7, n)
    out = {}
    for numba in (True, False):
        with use_numba(numba):
            hours = shift_hours(*args)
            profiles = shift_profiles(*args)
            change = accumulate_change(*args, rate, pair, 7)
            triggered = rng.random((3, 4)) < 0.5 if numba else out[True][3]
            pair_cell = np.array([0, 0, 1, 2, 3, 4, 4]) * (cells // 5)  # sorted by cell
            pair_group = np.array([0, 2, 1, 0, 1, 0, 2])
            grid = spread_days(change, pair_cell, pair_group, triggered, cells)
            out[numba] = (hours, profiles, change, triggered, grid)
    for a, b in zip(out[True][0] + out[True][1], out[False][0] + out[False][1], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(out[True][2], out[False][2], atol=1e-9)
    np.testing.assert_allclose(out[True][4], out[False][4], atol=1e-4)
    # a day's rows hold the sum of its triggered groups' pairs, other days zeros
    on = out[True][3]
    by_pair = pair_group
    for d in range(4):
        expected = np.zeros((2, 24, cells))
        for p in range(7):
            if on[by_pair[p], d]:
                expected[:, :, pair_cell[p]] += out[True][2][p].T
        np.testing.assert_allclose(out[True][4][:, d * 24 : (d + 1) * 24], expected, atol=1e-4)


quarters = st.integers(0, 95).map(lambda q: q / 4)
whole = st.integers(0, 23).map(float)


def _one(start, end, r0, r1, remove=0.0, move=True, numba=True):
    args = [np.array([v], dtype=float) for v in (start, end, r0, r1, remove)]
    args.append(np.array([move]))
    with use_numba(numba):
        inside, moved, dropped = shift_hours(*args)
        before, after = shift_profiles(*args)
    return inside[0], moved[0], dropped[0], before[0], after[0]


@settings(max_examples=200, deadline=None)
@given(start=quarters, end=quarters, r0=quarters, length=st.integers(1, 95), numba=st.booleans())
def test_a_pure_shift_conserves_the_day(start, end, r0, length, numba):
    r1 = (r0 + length / 4) % 24
    inside, moved, dropped, before, after = _one(start, end, r0, r1, numba=numba)
    assert moved + dropped == pytest.approx(inside, abs=1e-9)
    assert after.sum() == pytest.approx(before.sum() - dropped, abs=1e-9)
    assert after.max() <= 1.0 + 1e-12 and after.min() >= -1e-12


@settings(max_examples=200, deadline=None)
@given(start=whole, end=whole, r0=whole, length=st.integers(1, 23), numba=st.booleans())
def test_moved_work_lands_outside_the_window_and_the_hours_worked(start, end, r0, length, numba):
    r1 = (r0 + length) % 24
    inside, moved, dropped, before, after = _one(start, end, r0, r1, numba=numba)
    added = np.clip(after - before, 0, None)
    assert added.sum() == pytest.approx(moved, abs=1e-9)
    h = np.arange(24)
    in_window = ((h >= r0) & (h < r1)) if r0 < r1 else ((h >= r0) | (h < r1))
    assert added[in_window].sum() == 0.0 and added[before > 0].sum() == 0.0
    free = (~in_window & (before == 0)).sum()
    assert moved == min(inside, free)  # as much as fits, to the hour


def test_a_24_hour_line_cannot_move_anything():
    args = [np.array([v]) for v in (0.0, 24.0, 9.0, 18.0, 0.0)] + [np.array([True])]
    inside, moved, dropped = shift_hours(*args)
    assert (inside[0], moved[0], dropped[0]) == (9.0, 0.0, 9.0)


def test_reduce_keeps_the_rest_in_place():
    args = [np.array([v]) for v in (8.0, 18.0, 9.0, 18.0, 0.3)] + [np.array([False])]
    inside, moved, dropped = shift_hours(*args)
    before, after = shift_profiles(*args)
    assert (inside[0], moved[0]) == (9.0, 0.0) and dropped[0] == pytest.approx(2.7)
    np.testing.assert_allclose(after[0, 9:18], 0.7)
    assert after[0, 8] == 1.0 and after[0, 18:].sum() == 0.0
