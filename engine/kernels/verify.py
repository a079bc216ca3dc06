"""Grouped tallies of forecast–observation pairs in one pass (docs/rules.md §6).

Core dims, one value per pair: ``group`` int64 (−1: left out), forecast and observed level
index int8 (−1: unknown), forecast and observed AQI category int8 (0: missing), the lowest and
highest category of the forecast AQI range int8, and ``errors (pair, quantity)`` float64
(forecast − observed; NaN unknown). Per group they give the contingency counts of each event
"level ≥ threshold" ``(group, event, 4)`` (hits, misses, false alarms, correct negatives), the
category and category-range hits and counted pairs ``(group, 2)``, the error sums ``(group,
quantity, 3)`` (count, Σe, Σe²) and the pairs ``(group,)``.

A year of 370 cities × 10 lead days is 1.35 M pairs; the numpy twin makes some twenty passes
over them (bincounts), the kernel one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.kernels._compile import dispatch, jit

__all__ = ["group_tallies"]

_SIGNATURE = (
    "void(i8[::1], i1[::1], i1[::1], i8[::1], i1[::1], i1[::1], i1[::1], i1[::1], f8[:, ::1], "
    "i8[:, :, ::1], f8[:, ::1], f8[:, ::1], f8[:, :, ::1], i8[::1])"
)


@jit([_SIGNATURE])
def _tallies_numba(  # type: ignore[no-untyped-def]
    group,
    forecast,
    observed,
    thresholds,
    cat_f,
    cat_o,
    range_low,
    range_high,
    errors,
    out_counts,
    out_category,
    out_range,
    out_sums,
    out_pairs,
):
    out_counts[:] = 0
    out_category[:] = 0.0
    out_range[:] = 0.0
    out_sums[:] = 0.0
    out_pairs[:] = 0
    n_quantities = errors.shape[1]
    for i in range(group.shape[0]):
        g = group[i]
        if g < 0:
            continue
        out_pairs[g] += 1
        f, o = forecast[i], observed[i]
        if f >= 0 and o >= 0:
            for k in range(thresholds.shape[0]):
                yes_f = f >= thresholds[k]
                yes_o = o >= thresholds[k]
                if yes_f and yes_o:
                    out_counts[g, k, 0] += 1
                elif yes_o:
                    out_counts[g, k, 1] += 1
                elif yes_f:
                    out_counts[g, k, 2] += 1
                else:
                    out_counts[g, k, 3] += 1
        if cat_f[i] > 0 and cat_o[i] > 0:
            out_category[g, 1] += 1.0
            if cat_f[i] == cat_o[i]:
                out_category[g, 0] += 1.0
            out_range[g, 1] += 1.0
            if range_low[i] <= cat_o[i] <= range_high[i]:
                out_range[g, 0] += 1.0
        for q in range(n_quantities):
            e = errors[i, q]
            if not np.isnan(e):
                out_sums[g, q, 0] += 1.0
                out_sums[g, q, 1] += e
                out_sums[g, q, 2] += e * e


def _tallies_numpy(
    group,
    forecast,
    observed,
    thresholds,
    cat_f,
    cat_o,
    range_low,
    range_high,
    errors,
    out_counts,
    out_category,
    out_range,
    out_sums,
    out_pairs,
):  # type: ignore[no-untyped-def]
    """Numpy twin: bincounts, pairs left out going to an extra bin that is dropped."""
    n_groups = out_pairs.shape[0]
    keep = group >= 0

    def tally(mask, weights=None):  # type: ignore[no-untyped-def]
        bins = np.where(keep & mask, group, n_groups)
        return np.bincount(bins, weights, minlength=n_groups + 1)[:n_groups]

    out_pairs[:] = tally(np.ones(group.shape, bool))
    known = (forecast >= 0) & (observed >= 0)
    for k, threshold in enumerate(thresholds.tolist()):
        yes_f, yes_o = forecast >= threshold, observed >= threshold
        out_counts[:, k, 0] = tally(known & yes_f & yes_o)
        out_counts[:, k, 1] = tally(known & ~yes_f & yes_o)
        out_counts[:, k, 2] = tally(known & yes_f & ~yes_o)
        out_counts[:, k, 3] = tally(known & ~yes_f & ~yes_o)
    counted = (cat_f > 0) & (cat_o > 0)
    out_category[:, 0] = tally(counted & (cat_f == cat_o))
    out_category[:, 1] = tally(counted)
    out_range[:, 0] = tally(counted & (range_low <= cat_o) & (cat_o <= range_high))
    out_range[:, 1] = out_category[:, 1]
    for q in range(errors.shape[1]):
        e = errors[:, q]
        valid = ~np.isnan(e)
        e = np.where(valid, e, 0.0)
        out_sums[:, q, 0] = tally(valid)
        out_sums[:, q, 1] = tally(valid, e)
        out_sums[:, q, 2] = tally(valid, e * e)


_tallies = dispatch(_tallies_numba, _tallies_numpy)


def group_tallies(
    group: NDArray[np.integer],
    n_groups: int,
    forecast: NDArray[np.integer],
    observed: NDArray[np.integer],
    thresholds: NDArray[np.integer],
    category_forecast: NDArray[np.integer],
    category_observed: NDArray[np.integer],
    range_low: NDArray[np.integer],
    range_high: NDArray[np.integer],
    errors: NDArray[np.floating],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray, NDArray]:
    """Tallies of every group of pairs (see the module docstring for the arrays).

    Returns
    -------
    counts : int64 (group, event, 4)
    category, range : float64 (group, 2)
        Hits and counted pairs.
    sums : float64 (group, quantity, 3)
        Count, Σ error, Σ error².
    pairs : int64 (group,)
    """
    group = np.ascontiguousarray(group, np.int64)
    thresholds = np.ascontiguousarray(thresholds, np.int64)
    errors = np.ascontiguousarray(errors, np.float64)
    errors = errors.reshape(group.size, errors.shape[-1] if errors.ndim == 2 else 1)
    counts = np.zeros((n_groups, thresholds.size, 4), np.int64)
    category = np.zeros((n_groups, 2))
    ranges = np.zeros((n_groups, 2))
    sums = np.zeros((n_groups, errors.shape[1], 3))
    pairs = np.zeros(n_groups, np.int64)

    def int8(values: NDArray) -> NDArray[np.int8]:
        return np.ascontiguousarray(values, np.int8)

    _tallies(
        group,
        int8(forecast),
        int8(observed),
        thresholds,
        int8(category_forecast),
        int8(category_observed),
        int8(range_low),
        int8(range_high),
        errors,
        counts,
        category,
        ranges,
        sums,
        pairs,
    )
    return counts, category, ranges, sums, pairs
