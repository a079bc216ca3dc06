"""Daily statistics of hourly values: daily mean, daily maximum and O3 MDA8, on plain arrays.

Layout: ``values`` is ``(outer, time, inner)`` C-contiguous (any leading dims before the time
axis flattened into ``outer``, the ones after into ``inner``), so a gridded ``(time, lat, lon)``
field is read in place with the inner loop running over contiguous cells. Outputs are
``(outer, day, inner)``.

Days: ``first`` is the position of ``values[:, 0]`` within its day (0 … 23), so the value of
hour ``h`` (0 … 23) of day ``d`` is at time index ``d * 24 + h - first``; indices outside the
array are missing. NaN is missing. Sums run in float64 in time order (the numpy twins use
``cumsum``, the same order, so both give the same bits).

Slightly over the ~400-line module limit: the four-hour register-blocked helpers of each
statistic sit next to the loop that calls them and to its twin.
"""

from __future__ import annotations

import numpy as np

from engine.kernels._compile import dispatch, jit, prange

__all__ = ["daily_max", "daily_mean", "mda8"]

_BLOCK = 2048  # cells per task of the daily mean/max: accumulators (2 x 16 KiB) stay in L1
_BLOCK_MDA8 = 1024  # cells per task of MDA8: 4 accumulators of 8 KiB


def _sig(extra: str) -> list[str]:
    return [f"void({t}[:, :, ::1], int64, {extra}{t}[:, :, ::1])" for t in ("float32", "float64")]


def _row_sig(extra: str = "") -> list[str]:
    return [f"void({t}[::1], {extra}float64[::1], float64[::1])" for t in ("float32", "float64")]


@jit(_row_sig())
def _add_row(row, total, count):  # pragma: no cover - compiled
    for k in range(row.shape[0]):
        v = np.float64(row[k])
        ok = v == v
        total[k] += v if ok else 0.0
        count[k] += 1.0 if ok else 0.0


def _rows4_sig() -> list[str]:
    return [
        f"void({t}[::1], {t}[::1], {t}[::1], {t}[::1], float64[::1], float64[::1])"
        for t in ("float32", "float64")
    ]


@jit(_rows4_sig())
def _add_rows4(r0, r1, r2, r3, total, count):  # pragma: no cover - compiled
    """Four hours at once, summed in hour order in a register (the same bits as one by one)."""
    for k in range(total.shape[0]):
        v0 = np.float64(r0[k])
        v1 = np.float64(r1[k])
        v2 = np.float64(r2[k])
        v3 = np.float64(r3[k])
        t = total[k] + (v0 if v0 == v0 else 0.0)
        t = t + (v1 if v1 == v1 else 0.0)
        t = t + (v2 if v2 == v2 else 0.0)
        t = t + (v3 if v3 == v3 else 0.0)
        total[k] = t
        count[k] += (
            (1.0 if v0 == v0 else 0.0) + (1.0 if v1 == v1 else 0.0)
            + (1.0 if v2 == v2 else 0.0) + (1.0 if v3 == v3 else 0.0)
        )  # fmt: skip


@jit(_rows4_sig())
def _max_rows4(r0, r1, r2, r3, top, count):  # pragma: no cover - compiled
    """Four hours of :func:`_max_row` in registers."""
    for k in range(top.shape[0]):
        v0 = np.float64(r0[k])
        v1 = np.float64(r1[k])
        v2 = np.float64(r2[k])
        v3 = np.float64(r3[k])
        m = top[k]
        m = max(m, v0) if v0 == v0 else m
        m = max(m, v1) if v1 == v1 else m
        m = max(m, v2) if v2 == v2 else m
        m = max(m, v3) if v3 == v3 else m
        top[k] = m
        count[k] += (
            (1.0 if v0 == v0 else 0.0) + (1.0 if v1 == v1 else 0.0)
            + (1.0 if v2 == v2 else 0.0) + (1.0 if v3 == v3 else 0.0)
        )  # fmt: skip


@jit(_row_sig())
def _max_row(row, top, count):  # pragma: no cover - compiled
    for k in range(row.shape[0]):
        v = np.float64(row[k])
        ok = v == v
        top[k] = max(top[k], v) if ok else top[k]
        count[k] += 1.0 if ok else 0.0


def _slide_sig() -> list[str]:
    return [
        f"void({t}[::1], {t}[::1], boolean, boolean, boolean, float64, "
        "float64[::1], float64[::1], float64[::1], float64[::1])"
        for t in ("float32", "float64")
    ]


@jit(_slide_sig())
def _slide(
    new, old, use_new, use_old, evaluate, need, total, count, best, n_valid
):  # pragma: no cover - compiled
    """One hour of MDA8 in one pass: add the entering hour, subtract the leaving one, and
    (``evaluate``) fold the window's mean into the running maximum."""
    for k in range(total.shape[0]):
        v = np.float64(new[k])
        u = np.float64(old[k])
        ok_new = use_new and v == v
        ok_old = use_old and u == u
        t = total[k] + (v if ok_new else 0.0)
        c = count[k] + (1.0 if ok_new else 0.0)
        t = t - (u if ok_old else 0.0)
        c = c - (1.0 if ok_old else 0.0)
        total[k] = t
        count[k] = c
        if evaluate:
            good = c >= need
            mean = np.true_divide(t, c) if good else -np.inf  # ufunc: no zero check, vectorises
            best[k] = max(best[k], mean)
            n_valid[k] += 1.0 if good else 0.0


def _slide4_sig() -> list[str]:
    rows = ", ".join(["{t}[::1]"] * 8)
    return [
        f"void({rows.format(t=t)}, float64, float64[::1], float64[::1], float64[::1], float64[::1])"
        for t in ("float32", "float64")
    ]


@jit(_slide4_sig())
def _slide4(
    n0, n1, n2, n3, o0, o1, o2, o3, need, total, count, best, n_valid
):  # pragma: no cover - compiled
    """Four hours of :func:`_slide` (all rows present, all windows evaluated) in registers:
    the same operations in the same order, a quarter of the memory traffic."""
    for k in range(total.shape[0]):
        t = total[k]
        c = count[k]
        b = best[k]
        m = n_valid[k]
        v = np.float64(n0[k])
        u = np.float64(o0[k])
        t = t + (v if v == v else 0.0)
        c = c + (1.0 if v == v else 0.0)
        t = t - (u if u == u else 0.0)
        c = c - (1.0 if u == u else 0.0)
        good = c >= need
        b = max(b, np.true_divide(t, c) if good else -np.inf)
        m += 1.0 if good else 0.0
        v = np.float64(n1[k])
        u = np.float64(o1[k])
        t = t + (v if v == v else 0.0)
        c = c + (1.0 if v == v else 0.0)
        t = t - (u if u == u else 0.0)
        c = c - (1.0 if u == u else 0.0)
        good = c >= need
        b = max(b, np.true_divide(t, c) if good else -np.inf)
        m += 1.0 if good else 0.0
        v = np.float64(n2[k])
        u = np.float64(o2[k])
        t = t + (v if v == v else 0.0)
        c = c + (1.0 if v == v else 0.0)
        t = t - (u if u == u else 0.0)
        c = c - (1.0 if u == u else 0.0)
        good = c >= need
        b = max(b, np.true_divide(t, c) if good else -np.inf)
        m += 1.0 if good else 0.0
        v = np.float64(n3[k])
        u = np.float64(o3[k])
        t = t + (v if v == v else 0.0)
        c = c + (1.0 if v == v else 0.0)
        t = t - (u if u == u else 0.0)
        c = c - (1.0 if u == u else 0.0)
        good = c >= need
        b = max(b, np.true_divide(t, c) if good else -np.inf)
        m += 1.0 if good else 0.0
        total[k] = t
        count[k] = c
        best[k] = b
        n_valid[k] = m


@jit(_sig("int64, "), parallel=True)
def _daily_mean_numba(values, first, min_hours, out):  # pragma: no cover - compiled
    n_outer, n_time, n_inner = values.shape
    n_days = out.shape[1]
    n_blocks = (n_inner + _BLOCK - 1) // _BLOCK
    need = max(min_hours, 1)
    for task in prange(n_outer * n_blocks):
        a = task // n_blocks
        lo = (task % n_blocks) * _BLOCK
        hi = min(lo + _BLOCK, n_inner)
        total = np.empty(hi - lo, np.float64)
        count = np.empty(hi - lo, np.float64)
        for d in range(n_days):
            total[:] = 0.0
            count[:] = 0.0
            for h in range(0, 24, 4):
                j = d * 24 + h - first
                if 0 <= j and j + 3 < n_time:
                    _add_rows4(
                        values[a, j, lo:hi], values[a, j + 1, lo:hi],
                        values[a, j + 2, lo:hi], values[a, j + 3, lo:hi], total, count,
                    )  # fmt: skip
                    continue
                for jj in range(j, j + 4):
                    if 0 <= jj < n_time:
                        _add_row(values[a, jj, lo:hi], total, count)
            row = out[a, d, lo:hi]
            for k in range(hi - lo):
                row[k] = np.true_divide(total[k], count[k]) if count[k] >= need else np.nan


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
        count = np.empty(hi - lo, np.float64)
        for d in range(n_days):
            top[:] = -np.inf
            count[:] = 0.0
            for h in range(0, 24, 4):
                j = d * 24 + h - first
                if 0 <= j and j + 3 < n_time:
                    _max_rows4(
                        values[a, j, lo:hi], values[a, j + 1, lo:hi],
                        values[a, j + 2, lo:hi], values[a, j + 3, lo:hi], top, count,
                    )  # fmt: skip
                    continue
                for jj in range(j, j + 4):
                    if 0 <= jj < n_time:
                        _max_row(values[a, jj, lo:hi], top, count)
            row = out[a, d, lo:hi]
            for k in range(hi - lo):
                good = count[k] > 0 and (count[k] >= min_hours or top[k] > limit)
                row[k] = top[k] if good else np.nan


@jit(_sig("int64, int64, int64, int64, float64, "), parallel=True)
def _mda8_numba(
    values, first, first_end, last_end, min_window_hours, min_windows, limit, out
):  # pragma: no cover - compiled
    # Running 8-hour sums: add the hour entering the window, subtract the one leaving it.
    n_outer, n_time, n_inner = values.shape
    n_days = out.shape[1]
    start = min(0, first_end - 8)  # day-hour of the earliest hour any window reaches
    need = np.float64(max(min_window_hours, 1))
    n_blocks = (n_inner + _BLOCK_MDA8 - 1) // _BLOCK_MDA8
    if n_time == 0:
        out[:] = np.nan
        return
    for task in prange(n_outer * n_blocks):
        a = task // n_blocks
        lo = (task % n_blocks) * _BLOCK_MDA8
        hi = min(lo + _BLOCK_MDA8, n_inner)
        total = np.empty(hi - lo, np.float64)
        count = np.empty(hi - lo, np.float64)
        best = np.empty(hi - lo, np.float64)
        n_valid = np.empty(hi - lo, np.float64)
        for d in range(n_days):
            total[:] = 0.0
            count[:] = 0.0
            best[:] = -np.inf
            n_valid[:] = 0.0
            s = start
            while s < last_end:
                j = d * 24 + s - first
                if s + 4 <= last_end and 0 <= j and j + 3 < n_time:
                    if s - 8 >= start and j - 8 >= 0 and s + 1 >= first_end:
                        _slide4(
                            values[a, j, lo:hi], values[a, j + 1, lo:hi],
                            values[a, j + 2, lo:hi], values[a, j + 3, lo:hi],
                            values[a, j - 8, lo:hi], values[a, j - 7, lo:hi],
                            values[a, j - 6, lo:hi], values[a, j - 5, lo:hi],
                            need, total, count, best, n_valid,
                        )  # fmt: skip
                        s += 4
                        continue
                    if s + 3 - 8 < start and s + 4 <= first_end:
                        _add_rows4(
                            values[a, j, lo:hi], values[a, j + 1, lo:hi],
                            values[a, j + 2, lo:hi], values[a, j + 3, lo:hi], total, count,
                        )  # fmt: skip
                        if s + 4 == first_end:  # the last of the four closes the first window
                            row = values[a, j, lo:hi]
                            _slide(row, row, False, False, True, need, total, count, best, n_valid)
                        s += 4
                        continue
                use_new = 0 <= j < n_time
                use_old = s - 8 >= start and 0 <= j - 8 < n_time
                row_new = values[a, min(max(j, 0), n_time - 1), lo:hi]
                row_old = values[a, min(max(j - 8, 0), n_time - 1), lo:hi]
                _slide(
                    row_new, row_old, use_new, use_old, s + 1 >= first_end, need,
                    total, count, best, n_valid,
                )  # fmt: skip
                s += 1
            row = out[a, d, lo:hi]
            for k in range(hi - lo):
                good = n_valid[k] > 0 and (n_valid[k] >= min_windows or best[k] > limit)
                row[k] = best[k] if good else np.nan


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
    """Numpy twin of the MDA8: the same running sums, a whole ``(outer, inner)`` plane at once."""
    n_outer, n_time, n_inner = values.shape
    start = min(0, first_end - 8)
    need = max(min_window_hours, 1)

    def hour(j: int) -> tuple[np.ndarray, np.ndarray]:
        v = values[:, j, :].astype(np.float64)
        ok = ~np.isnan(v)
        return np.where(ok, v, 0.0), ok

    for d in range(out.shape[1]):
        total = np.zeros((n_outer, n_inner))
        count = np.zeros((n_outer, n_inner))
        best = np.full((n_outer, n_inner), -np.inf)
        n_valid = np.zeros((n_outer, n_inner))
        for s in range(start, last_end):
            j = d * 24 + s - first
            if 0 <= j < n_time:
                v, ok = hour(j)
                total = total + v
                count = count + ok
            if s - 8 >= start and 0 <= j - 8 < n_time:
                v, ok = hour(j - 8)
                total = total - v
                count = count - ok
            if s + 1 >= first_end:
                ok = count >= need
                with np.errstate(invalid="ignore", divide="ignore"):
                    best = np.maximum(best, np.where(ok, total / count, -np.inf))
                n_valid = n_valid + ok
        good = (n_valid > 0) & ((n_valid >= min_windows) | (best > limit))
        out[:, d, :] = np.where(good, best, np.nan)


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
