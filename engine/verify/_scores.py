"""Scores of forecast–observation pairs: contingency tables, skill scores, errors, accuracies.

Pure functions on plain arrays, one value per pair (docs/rules.md §6). Grouped variants count
every group at once with :func:`numpy.bincount` (a group is, e.g., a lead day or a date), so a
year of 370 cities × 10 lead days (1.35 M pairs) is scored in a few passes over the arrays.

Contingency of an event (a level L: "level ≥ L"): ``a`` hits (forecast and observed), ``b``
false alarms (forecast, not observed), ``c`` misses (observed, not forecast), ``d`` correct
negatives. Then POD = a / (a + c), FAR = b / (a + b), CSI = a / (a + b + c) and the Heidke
skill score HSS = 2 (ad − bc) / ((a + c)(c + d) + (a + b)(b + d)); a score whose denominator
is 0 is NaN (undefined, ``null`` in JSON).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "COUNT_NAMES",
    "category_hits",
    "category_of",
    "continuous_sums",
    "contingency",
    "error_sums",
    "errors_from_sums",
    "paired_errors",
    "range_hits",
    "skill_scores",
    "trailing_sums",
]

COUNT_NAMES = ("hits", "misses", "false_alarms", "correct_negatives")
"""Order of the last axis of :func:`contingency`."""


def contingency(
    forecast: NDArray[np.integer],
    observed: NDArray[np.integer],
    thresholds: NDArray[np.integer],
    group: NDArray[np.integer] | None = None,
    n_groups: int = 1,
) -> NDArray[np.int64]:
    """Contingency counts of events "level ≥ threshold", per group and threshold.

    Parameters
    ----------
    forecast, observed : ndarray of int, (pair,)
        Level index of each pair (into ``engine.levels.LEVELS``), forecast and observed.
    thresholds : ndarray of int, (event,)
        Level index of each event.
    group : ndarray of int, (pair,), optional
        Group of each pair, ``0 … n_groups - 1``; negative pairs are left out.
    n_groups : int
        Number of groups.

    Returns
    -------
    ndarray of int64, (group, event, 4)
        Hits, misses, false alarms, correct negatives (:data:`COUNT_NAMES`).
    """
    forecast = np.asarray(forecast)
    observed = np.asarray(observed)
    group = np.zeros(forecast.shape, np.int64) if group is None else np.asarray(group, np.int64)
    keep = (group >= 0) & (forecast >= 0) & (observed >= 0)
    # one bincount over (group, forecast level, observed level): then each event sums cells;
    # pairs left out go to one extra cell, dropped (cheaper than compressing every array)
    n_levels = int(max(forecast.max(initial=0), observed.max(initial=0), *thresholds)) + 1
    n_cells = n_groups * n_levels * n_levels
    cell = (group * n_levels + forecast) * n_levels + observed
    cell = np.where(keep, cell, n_cells)
    table = np.bincount(cell, minlength=n_cells + 1)[:n_cells]
    table = table.reshape(n_groups, n_levels, n_levels)
    out = np.empty((n_groups, len(thresholds), 4), np.int64)
    for k, level in enumerate(np.asarray(thresholds).tolist()):
        f_yes, o_yes = slice(level, None), slice(level, None)
        f_no, o_no = slice(0, level), slice(0, level)
        out[:, k, 0] = table[:, f_yes, o_yes].sum(axis=(1, 2))
        out[:, k, 1] = table[:, f_no, o_yes].sum(axis=(1, 2))
        out[:, k, 2] = table[:, f_yes, o_no].sum(axis=(1, 2))
        out[:, k, 3] = table[:, f_no, o_no].sum(axis=(1, 2))
    return out


def skill_scores(counts: NDArray[np.number]) -> dict[str, NDArray[np.float64]]:
    """POD, FAR, CSI and HSS from contingency counts ``(..., 4)`` [1]; NaN where undefined."""
    a, c, b, d = (np.asarray(counts[..., i], np.float64) for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        pod = np.where(a + c > 0, a / (a + c), np.nan)
        far = np.where(a + b > 0, b / (a + b), np.nan)
        csi = np.where(a + b + c > 0, a / (a + b + c), np.nan)
        denominator = (a + c) * (c + d) + (a + b) * (b + d)
        hss = np.where(denominator > 0, 2.0 * (a * d - b * c) / denominator, np.nan)
    return {"pod": pod, "far": far, "csi": csi, "hss": hss}


def paired_errors(
    forecast: NDArray[np.number], observed: NDArray[np.number]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Forecast − observed of each pair, and whether both are known (not NaN; for integer AQI
    not negative)."""
    f = np.asarray(forecast, np.float64)
    o = np.asarray(observed, np.float64)
    valid = np.isfinite(f) & np.isfinite(o)
    if np.issubdtype(np.asarray(forecast).dtype, np.integer):
        valid &= f >= 0
    if np.issubdtype(np.asarray(observed).dtype, np.integer):
        valid &= o >= 0
    return np.where(valid, f - o, 0.0), valid


def error_sums(
    error: NDArray[np.floating],
    valid: NDArray[np.bool_],
    group: NDArray[np.integer] | None = None,
    n_groups: int = 1,
) -> NDArray[np.float64]:
    """``(group, 3)``: count, Σ error, Σ error² of the valid pairs of each group (−1 left out)."""
    group = np.zeros(error.shape, np.int64) if group is None else np.asarray(group, np.int64)
    g = np.where(valid & (group >= 0), group, n_groups)  # left out: an extra bin, dropped
    e = np.where(valid, error, 0.0)
    return np.stack(
        [
            np.bincount(g, minlength=n_groups + 1)[:n_groups].astype(np.float64),
            np.bincount(g, e, minlength=n_groups + 1)[:n_groups],
            np.bincount(g, e * e, minlength=n_groups + 1)[:n_groups],
        ],
        axis=-1,
    )


def continuous_sums(
    forecast: NDArray[np.number],
    observed: NDArray[np.number],
    group: NDArray[np.integer] | None = None,
    n_groups: int = 1,
) -> NDArray[np.float64]:
    """Sums for bias and RMSE per group: ``(group, 3)`` = count, Σ(f − o), Σ(f − o)².

    Pairs where either value is NaN (or, for integer AQI, negative) are left out.
    """
    return error_sums(*paired_errors(forecast, observed), group, n_groups)


def errors_from_sums(sums: NDArray[np.floating]) -> dict[str, NDArray[np.float64]]:
    """Bias (mean of forecast − observed) and RMSE from :func:`continuous_sums`; NaN if none."""
    n, s1, s2 = sums[..., 0], sums[..., 1], sums[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        bias = np.where(n > 0, s1 / n, np.nan)
        rmse = np.where(n > 0, np.sqrt(np.maximum(s2 / n, 0.0)), np.nan)
    return {"bias": bias, "rmse": rmse, "n": n}


def category_of(aqi: NDArray[np.integer], uppers: NDArray[np.integer]) -> NDArray[np.int8]:
    """AQI category 1–6 of each AQI [1] (``uppers``: upper AQI of each category); 0 if missing."""
    aqi = np.asarray(aqi)
    level = np.minimum(np.searchsorted(uppers, aqi, side="left") + 1, len(uppers))
    return np.where(aqi >= 0, level, 0).astype(np.int8)


def category_hits(
    aqi_forecast: NDArray[np.integer],
    aqi_observed: NDArray[np.integer],
    uppers: NDArray[np.integer],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Whether each pair's categories agree, and whether the pair counts (both AQI known)."""
    f = category_of(aqi_forecast, uppers)
    o = category_of(aqi_observed, uppers)
    counted = (f > 0) & (o > 0)
    return (f == o) & counted, counted


def range_hits(
    aqi_forecast: NDArray[np.integer],
    aqi_observed: NDArray[np.integer],
    uppers: NDArray[np.integer],
    half_width: int,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Forecast-range accuracy of each pair: the observed category lies among the categories
    of the range ``[aqi − half_width, aqi + half_width]`` (docs/rules.md §6 [I]); and whether
    the pair counts (both AQI known)."""
    f = np.asarray(aqi_forecast)
    low = category_of(np.maximum(f - half_width, 0), uppers)
    high = category_of(f + half_width, uppers)
    o = category_of(aqi_observed, uppers)
    counted = (f >= 0) & (o > 0)
    return counted & (o >= low) & (o <= high), counted


def trailing_sums(per_day: NDArray[np.floating], window: int) -> NDArray[np.floating]:
    """Sums over the ``window`` days ending at each day, along axis 0 (cumulative sums)."""
    total = np.cumsum(per_day, axis=0)
    out = total.copy()
    out[window:] = total[window:] - total[:-window]
    return out
