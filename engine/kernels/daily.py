"""Daily statistics of hourly values: daily mean, daily maximum and O3 MDA8, on plain arrays.

Layout: ``values`` is ``(outer, time, inner)`` C-contiguous (any leading dims before the time
axis flattened into ``outer``, the ones after into ``inner``), so a gridded ``(time, lat, lon)``
field is read in place with the inner loop running over contiguous cells. Outputs are
``(outer, day, inner)``.

Days: ``first`` is the position of ``values[:, 0]`` within its day (0 … 23), so the value of
hour ``h`` (0 … 23) of day ``d`` is at time index ``d * 24 + h - first``; indices outside the
array are missing. NaN is missing. Sums run in float64 in time order (the numpy twins use
``cumsum``, the same order, so both give the same bits).
"""

from __future__ import annotations

import numpy as np
from numba import prange  # loop syntax only; compilation policy stays in _compile

from engine.kernels._compile import dispatch, jit

__all__ = ["daily_max", "daily_mean", "mda8"]

_BLOCK = 256  # cells per task: prefix arrays of a block stay in L2


def _sig(extra: str) -> list[str]:
    return [f"void({t}[:, :, ::1], int64, {extra}{t}[:, :, ::1])" for t in ("float32", "float64")]


@jit(_sig("int64, "), parallel=True)
def _daily_mean_numba(values, first, min_hours, out):  # pragma: no cover - compiled
    n_outer, n_time, n_inner = values.shape
    n_days = out.shape[1]
    n_blocks = (n_inner + _BLOCK - 1) // _BLOCK
    for task in prange(n_outer * n_blocks):
        a = task // n_blocks
        lo = (task % n_blocks) * _BLOCK
        hi = min(lo + _BLOCK, n_inner)
        total = np.empty(hi - lo, np.float64)
        count = np.empty(hi - lo, np.int64)
        for d in range(n_days):
            total[:] = 0.0
            count[:] = 0
            for h in range(24):
                j = d * 24 + h - first
                if j < 0 or j >= n_time:
                    continue
                for k in range(lo, hi):
                    v = values[a, j, k]
                    ok = v == v
                    total[k - lo] += v if ok else 0.0
                    count[k - lo] += 1 if ok else 0
            for k in range(lo, hi):
                c = count[k - lo]
                out[a, d, k] = total[k - lo] / c if c >= min_hours and c > 0 else np.nan


@jit(_sig("int64, float64, "), parallel=True)
def _daily_max_numba(values, first, min_hours, limit, out):  # pragma: no cover - compiled
    n_outer, n_time, n_inner = values.shape
    n_days = out.shape[1]
    n_blocks = (n_inner + _BLOCK - 1) // _BLOCK
    for task in prange(n_outer * n_blocks):
        a = task // n_blocks
        lo = (task % n_blocks) * _BLOCK
        hi = min(lo + _BLOCK, n_inner)
        top = np.empty(hi - lo, np.float64)
        count = np.empty(hi - lo, np.int64)
        for d in range(n_days):
            top[:] = -np.inf
            count[:] = 0
            for h in range(24):
                j = d * 24 + h - first
                if j < 0 or j >= n_time:
                    continue
                for k in range(lo, hi):
                    v = values[a, j, k]
                    ok = v == v
                    top[k - lo] = max(top[k - lo], v) if ok else top[k - lo]
                    count[k - lo] += 1 if ok else 0
            for k in range(lo, hi):
                c = count[k - lo]
                m = top[k - lo]
                good = c > 0 and (c >= min_hours or m > limit)
                out[a, d, k] = m if good else np.nan


@jit(_sig("int64, int64, int64, int64, float64, "), parallel=True)
def _mda8_numba(
    values, first, first_end, last_end, min_window_hours, min_windows, limit, out
):  # pragma: no cover - compiled
    n_outer, n_time, n_inner = values.shape
    n_days = out.shape[1]
    start = min(0, first_end - 8)  # day-hour of the earliest hour any window reaches
    span = last_end - start
    n_blocks = (n_inner + _BLOCK - 1) // _BLOCK
    for task in prange(n_outer * n_blocks):
        a = task // n_blocks
        lo = (task % n_blocks) * _BLOCK
        hi = min(lo + _BLOCK, n_inner)
        w = hi - lo
        total = np.empty((span + 1, w), np.float64)
        count = np.empty((span + 1, w), np.int64)
        best = np.empty(w, np.float64)
        n_valid = np.empty(w, np.int64)
        for d in range(n_days):
            total[0, :] = 0.0
            count[0, :] = 0
            for s in range(span):
                j = d * 24 + start + s - first
                if j < 0 or j >= n_time:
                    total[s + 1, :] = total[s, :]
                    count[s + 1, :] = count[s, :]
                    continue
                for k in range(lo, hi):
                    v = values[a, j, k]
                    ok = v == v
                    total[s + 1, k - lo] = total[s, k - lo] + (v if ok else 0.0)
                    count[s + 1, k - lo] = count[s, k - lo] + (1 if ok else 0)
            best[:] = -np.inf
            n_valid[:] = 0
            for end in range(first_end, last_end + 1):
                e = end - start
                b = e - 8
                for kk in range(w):
                    c = count[e, kk] - count[b, kk]
                    if c >= min_window_hours and c > 0:
                        m = (total[e, kk] - total[b, kk]) / c
                        best[kk] = max(best[kk], m)
                        n_valid[kk] += 1
            for kk in range(w):
                good = n_valid[kk] > 0 and (n_valid[kk] >= min_windows or best[kk] > limit)
                out[a, d, lo + kk] = best[kk] if good else np.nan


def _day_blocks(values: np.ndarray, first: int, n_days: int, before: int, after: int) -> np.ndarray:
    """``(outer, n_days, before + 24 + after, inner)`` copy of the hours each day reaches, NaN
    outside the array; hour 0 of the day is at position ``before``."""
    n_outer, n_time, n_inner = values.shape
    blocks = np.full((n_outer, n_days, before + 24 + after, n_inner), np.nan, values.dtype)
    for d in range(n_days):
        j0 = d * 24 - first - before
        lo, hi = max(j0, 0), min(j0 + before + 24 + after, n_time)
        if hi > lo:
            blocks[:, d, lo - j0 : hi - j0] = values[:, lo:hi]
    return blocks


def _daily_mean_numpy(values: np.ndarray, first: int, min_hours: int, out: np.ndarray) -> None:
    """Numpy twin of the daily mean."""
    blocks = _day_blocks(values, first, out.shape[1], 0, 0)
    valid = ~np.isnan(blocks)
    total = np.cumsum(np.where(valid, blocks, 0.0).astype(np.float64), axis=2)[:, :, -1]
    count = valid.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    out[...] = np.where((count >= min_hours) & (count > 0), mean, np.nan)


def _daily_max_numpy(
    values: np.ndarray, first: int, min_hours: int, limit: float, out: np.ndarray
) -> None:
    """Numpy twin of the daily maximum."""
    blocks = _day_blocks(values, first, out.shape[1], 0, 0)
    valid = ~np.isnan(blocks)
    count = valid.sum(axis=2)
    top = np.where(valid, blocks, -np.inf).max(axis=2, initial=-np.inf).astype(np.float64)
    good = (count > 0) & ((count >= min_hours) | (top > limit))
    out[...] = np.where(good, top, np.nan)


def _mda8_numpy(
    values: np.ndarray,
    first: int,
    first_end: int,
    last_end: int,
    min_window_hours: int,
    min_windows: int,
    limit: float,
    out: np.ndarray,
) -> None:
    """Numpy twin of the MDA8."""
    start = min(0, first_end - 8)
    blocks = _day_blocks(values, first, out.shape[1], -start, 0)[:, :, : last_end - start]
    valid = ~np.isnan(blocks)
    shape = blocks.shape[:2] + (1,) + blocks.shape[3:]
    total = np.concatenate(
        [np.zeros(shape), np.cumsum(np.where(valid, blocks, 0.0).astype(np.float64), axis=2)],
        axis=2,
    )
    count = np.concatenate([np.zeros(shape, np.int64), np.cumsum(valid, axis=2)], axis=2)
    ends = np.arange(first_end, last_end + 1) - start
    c = count[:, :, ends] - count[:, :, ends - 8]
    ok = (c >= min_window_hours) & (c > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (total[:, :, ends] - total[:, :, ends - 8]) / c
    best = np.where(ok, means, -np.inf).max(axis=2, initial=-np.inf)
    n_valid = ok.sum(axis=2)
    good = (n_valid > 0) & ((n_valid >= min_windows) | (best > limit))
    out[...] = np.where(good, best, np.nan)


daily_mean = dispatch(_daily_mean_numba, _daily_mean_numpy)
"""``daily_mean(values, first, min_hours, out)``: mean of the valid hours of each day.

``values`` ``(outer, time, inner)`` [any units], ``first`` [hour of day of index 0],
``min_hours`` [h], ``out`` ``(outer, day, inner)``, same dtype, written in place; NaN where a
day has fewer than ``min_hours`` valid values.
"""

daily_max = dispatch(_daily_max_numba, _daily_max_numpy)
"""``daily_max(values, first, min_hours, limit, out)``: maximum of the valid hours of each day,
valid with ``>= min_hours`` values or, with fewer, when the maximum exceeds ``limit``.
"""

mda8 = dispatch(_mda8_numba, _mda8_numpy)
"""``mda8(values, first, first_end, last_end, min_window_hours, min_windows, limit, out)``.

Maximum daily 8-hour mean: 8-hour means stamped at their end (the window ending at day-hour
``end`` covers hours ``end - 8 … end - 1`` of the day, reaching into the previous day when
``end < 8``), valid with ``>= min_window_hours`` values; the day's value is the maximum over
the windows ending at ``first_end … last_end`` (HJ 663: 8 … 24), valid with
``>= min_windows`` valid windows or, with fewer, when it exceeds ``limit`` (``inf``: never).
"""
