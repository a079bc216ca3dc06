"""The grouped tallies kernel against its numpy twin and against the plain scoring functions."""

from __future__ import annotations

import numpy as np
import pytest

from engine.kernels import use_numba
from engine.kernels.verify import group_tallies
from engine.verify import contingency, continuous_sums


def random_pairs(n: int, n_groups: int, seed: int):
    rng = np.random.default_rng(seed)
    group = rng.integers(-1, n_groups, n)
    forecast = rng.integers(-1, 5, n).astype(np.int8)
    observed = rng.integers(-1, 5, n).astype(np.int8)
    category_f = rng.integers(0, 7, n).astype(np.int8)
    category_o = rng.integers(0, 7, n).astype(np.int8)
    low = np.maximum(category_f - rng.integers(0, 2, n), 0).astype(np.int8)
    high = np.minimum(category_f + rng.integers(0, 2, n), 6).astype(np.int8)
    errors = rng.normal(0, 30, (n, 3))
    errors[rng.random(errors.shape) < 0.2] = np.nan
    return (group, n_groups, forecast, observed, np.array([2, 3, 4]), category_f, category_o,
            low, high, errors)  # fmt: skip


@pytest.mark.parametrize("n", [0, 1, 1000, 50_000])
def test_kernel_matches_twin(n):
    seed = int(np.random.SeedSequence().entropy % 2**32)
    args = random_pairs(n, 7, seed)
    ours = group_tallies(*args)
    with use_numba(False):
        twin = group_tallies(*args)
    for a, b in zip(ours, twin, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=f"seed {seed}")


def test_kernel_agrees_with_the_plain_functions():
    group, n_groups, forecast, observed, thresholds, *_, errors = args = random_pairs(5000, 4, 3)
    counts, _, _, sums, pairs = group_tallies(*args)
    known = (forecast >= 0) & (observed >= 0)
    plain = contingency(forecast, observed, thresholds, np.where(known, group, -1), n_groups)
    np.testing.assert_array_equal(counts, plain)
    e = errors[:, 0]
    plain_sums = continuous_sums(e, np.zeros_like(e), group, n_groups)
    np.testing.assert_allclose(sums[:, 0], plain_sums)
    assert pairs.tolist() == np.bincount(group[group >= 0], minlength=n_groups).tolist()
