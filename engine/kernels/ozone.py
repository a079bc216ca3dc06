"""Peak shifting of production lines on the 24-hour clock, and its hourly change on a grid.

A line works ``[start, end)`` each day (hours of the CST clock, the end before the start when
the work runs past midnight; ``start == end``: all day). A rule restricts the window
``[r0, r1)``. Of the work inside the window a share ``remove`` is dropped; the rest moves out of
the window when ``move`` is set — into the hours of the same day the line does not already
use and the window does not cover, from the window's end onward, hour by hour (the hour
holding ``r1`` first, then the next, round the clock) — or else stays where it is. Work that
does not fit in the free hours is dropped. Everything is exact in hours: a profile value is the
part of an hour [h h⁻¹] the line works in it.

Kernels (each with a plain-numpy twin, :func:`engine.kernels._compile.dispatch`):

* :func:`shift_hours` — per line: hours in the window, hours moved, hours dropped [h d⁻¹];
* :func:`shift_profiles` — per line: the 24 hourly occupancies before and after [h h⁻¹];
* :func:`accumulate_change` — per (cell, trigger group) pair: the summed hourly change of the
  emission rates, after minus before [kg h⁻¹], for each species;
* :func:`spread_days` — the pair changes laid onto the hours of the days each group is
  triggered: ``(species, day * 24 + hour, cell)`` [kg h⁻¹].
"""

from __future__ import annotations

import numpy as np

from engine.kernels._compile import dispatch, jit, prange

__all__ = ["accumulate_change", "shift_hours", "shift_profiles", "spread_days"]

HOURS = 24


@jit("float64(float64, float64, float64, float64)")
def _seg(a, b, c, d):  # pragma: no cover - compiled
    """Length of [a, b) ∩ [c, d) on the line."""
    lo = a if a > c else c
    hi = b if b < d else d
    return hi - lo if hi > lo else 0.0


@jit("float64(float64, float64, float64, float64, float64)")
def _circ(a, b, full, h0, h1):  # pragma: no cover - compiled
    """Length of the circular interval [a, b) (``full`` > 0: the whole day) ∩ [h0, h1)."""
    if full > 0.0:
        return h1 - h0
    if a < b:
        return _seg(a, b, h0, h1)
    return _seg(a, 24.0, h0, h1) + _seg(0.0, b, h0, h1)


@jit("float64(float64, float64, float64, float64, float64, float64)")
def _both(s, e, full, r0, r1, h):  # pragma: no cover - compiled
    """Length of [s, e) ∩ [r0, r1) ∩ [h, h + 1), both circular."""
    # split each circular interval into at most two pieces on [0, 24)
    if full > 0.0:
        a0, a1, b0, b1 = 0.0, 24.0, 0.0, 0.0
    elif s < e:
        a0, a1, b0, b1 = s, e, 0.0, 0.0
    else:
        a0, a1, b0, b1 = s, 24.0, 0.0, e
    if r0 < r1:
        c0, c1, d0, d1 = r0, r1, 0.0, 0.0
    else:
        c0, c1, d0, d1 = r0, 24.0, 0.0, r1
    total = 0.0
    for p0, p1 in ((a0, a1), (b0, b1)):
        for q0, q1 in ((c0, c1), (d0, d1)):
            lo = max(p0, q0, h)
            hi = min(p1, q1, h + 1.0)
            if hi > lo:
                total += hi - lo
    return total


_LINE = "float64[:], float64[:], float64[:], float64[:], float64[:], boolean[:]"
"""Signature of the line arguments: start, end, r0, r1, remove, move."""


@jit("UniTuple(float64, 2)(float64, float64, float64, float64, float64, boolean, f8[:], f8[:])")
def _profile(s, e, r0, r1, remove, move, before, after):  # pragma: no cover - compiled
    """Occupancy of each hour before and after the rule (module docstring); returns the hours
    inside the window and the hours moved out of it."""
    s = s % 24.0
    e = e % 24.0
    full = 1.0 if s == e else 0.0
    r0 = r0 % 24.0
    r1m = r1 % 24.0
    free = np.empty(HOURS)
    pool = 0.0
    inside = 0.0
    for h in range(HOURS):
        hf = float(h)
        w = _circ(s, e, full, hf, hf + 1.0)
        wr = _both(s, e, full, r0, r1m, hf)
        rr = _circ(r0, r1m, 0.0, hf, hf + 1.0)
        before[h] = w
        inside += wr
        keep = (1.0 - remove) * wr
        if move:
            pool += keep
            after[h] = w - wr
        else:
            after[h] = w - wr + keep
        free[h] = max(0.0, 1.0 - (w + rr - wr))
    first = int(np.floor(r1m)) % HOURS
    moved = 0.0
    for k in range(HOURS):
        if pool <= 0.0:
            break
        h = (first + k) % HOURS
        put = free[h] if free[h] < pool else pool
        after[h] += put
        pool -= put
        moved += put
    return inside, moved


@jit(f"void({_LINE}, float64[:], float64[:], float64[:])", parallel=True)
def _shift_hours_numba(
    start, end, r0, r1, remove, move, out_in, out_moved, out_dropped
):  # pragma: no cover - compiled
    n = start.shape[0]
    for i in prange(n):
        before = np.empty(HOURS)
        after = np.empty(HOURS)
        inside, moved = _profile(start[i], end[i], r0[i], r1[i], remove[i], move[i], before, after)
        out_in[i] = inside
        out_moved[i] = moved
        out_dropped[i] = inside - moved if move[i] else remove[i] * inside


@jit(f"void({_LINE}, float64[:, :], float64[:, :])", parallel=True)
def _shift_profiles_numba(start, end, r0, r1, remove, move, before, after):  # pragma: no cover
    for i in prange(start.shape[0]):
        _profile(start[i], end[i], r0[i], r1[i], remove[i], move[i], before[i], after[i])


@jit(f"void({_LINE}, float64[:, :], int64[:], float64[:, :, :])")
def _accumulate_numba(start, end, r0, r1, remove, move, rate, pair, out):  # pragma: no cover
    before = np.empty(HOURS)
    after = np.empty(HOURS)
    n_species = rate.shape[1]
    for i in range(start.shape[0]):
        p = pair[i]
        if p < 0:
            continue
        _profile(start[i], end[i], r0[i], r1[i], remove[i], move[i], before, after)
        for h in range(HOURS):
            d = after[h] - before[h]
            if d != 0.0:
                for k in range(n_species):
                    out[p, h, k] += d * rate[i, k]


@jit("void(float64[:, :, :], int64[:], int64[:], boolean[:, :], float32[:, :, :])", parallel=True)
def _spread_numba(change, pair_cell, pair_group, triggered, out):  # pragma: no cover - compiled
    n_days = triggered.shape[1]
    n_species = change.shape[2]
    for d in prange(n_days):
        for p in range(change.shape[0]):
            if not triggered[pair_group[p], d]:
                continue
            c = pair_cell[p]
            for h in range(HOURS):
                t = d * HOURS + h
                for k in range(n_species):
                    out[k, t, c] += change[p, h, k]


# ------------------------------------------------------------------------- numpy twins


def _np_circ(a, b, full, h0, h1):
    """Vectorised :func:`_circ`: ``(line,)`` intervals against hours ``(1, hour)``."""
    a, b, full = a[:, None], b[:, None], full[:, None]
    linear = np.clip(np.minimum(b, h1) - np.maximum(a, h0), 0.0, None)
    wrapped = np.clip(np.minimum(24.0, h1) - np.maximum(a, h0), 0.0, None) + np.clip(
        np.minimum(b, h1) - np.maximum(0.0, h0), 0.0, None
    )
    return np.where(full > 0, h1 - h0, np.where(a < b, linear, wrapped))


def _np_pieces(s, e, full):
    """Each circular interval as two linear pieces on [0, 24) (the second may be empty)."""
    a0 = np.where(full > 0, 0.0, s)
    a1 = np.where(full > 0, 24.0, np.where(s < e, e, 24.0))
    b1 = np.where((full > 0) | (s < e), 0.0, e)
    return (a0, a1), (np.zeros_like(s), b1)


def _np_profiles(start, end, r0, r1, remove, move):
    s, e = np.mod(start, 24.0), np.mod(end, 24.0)
    full = (s == e).astype(np.float64)
    r0, r1m = np.mod(r0, 24.0), np.mod(r1, 24.0)
    h0 = np.arange(HOURS, dtype=np.float64)[None, :]
    h1 = h0 + 1.0
    w = _np_circ(s, e, full, h0, h1)
    rr = _np_circ(r0, r1m, np.zeros_like(s), h0, h1)
    wr = np.zeros_like(w)
    for p0, p1 in _np_pieces(s, e, full):
        for q0, q1 in _np_pieces(r0, r1m, np.zeros_like(s)):
            lo = np.maximum(np.maximum(p0, q0)[:, None], h0)
            hi = np.minimum(np.minimum(p1, q1)[:, None], h1)
            wr += np.clip(hi - lo, 0.0, None)
    keep = (1.0 - remove)[:, None] * wr
    after = np.where(move[:, None], w - wr, w - wr + keep)
    pool = np.where(move, keep.sum(axis=1), 0.0)
    free = np.maximum(0.0, 1.0 - (w + rr - wr))
    first = np.floor(r1m).astype(np.int64) % HOURS
    order = (first[:, None] + np.arange(HOURS)[None, :]) % HOURS
    free_in_order = np.take_along_axis(free, order, axis=1)
    before_fill = np.cumsum(free_in_order, axis=1) - free_in_order
    put = np.clip(np.minimum(free_in_order, pool[:, None] - before_fill), 0.0, None)
    placed = np.zeros_like(after)
    np.put_along_axis(placed, order, put, axis=1)
    return w, after + placed, wr, put.sum(axis=1)


def _shift_hours_numpy(start, end, r0, r1, remove, move, out_in, out_moved, out_dropped):
    _, _, wr, moved = _np_profiles(start, end, r0, r1, remove, move)
    inside = wr.sum(axis=1)
    out_in[:] = inside
    out_moved[:] = moved
    out_dropped[:] = np.where(move, inside - moved, remove * inside)


def _shift_profiles_numpy(start, end, r0, r1, remove, move, before, after):
    b, a, _, _ = _np_profiles(start, end, r0, r1, remove, move)
    before[:] = b
    after[:] = a


def _accumulate_numpy(start, end, r0, r1, remove, move, rate, pair, out):
    use = pair >= 0
    b, a, _, _ = _np_profiles(start[use], end[use], r0[use], r1[use], remove[use], move[use])
    delta = (a - b)[:, :, None] * rate[use][:, None, :]
    np.add.at(out, pair[use], delta)


def _spread_numpy(change, pair_cell, pair_group, triggered, out):
    for d in range(triggered.shape[1]):
        on = triggered[pair_group, d]
        if not on.any():
            continue
        block = np.zeros((out.shape[0], HOURS, out.shape[2]))
        for k in range(out.shape[0]):
            np.add.at(block[k].T, pair_cell[on], change[on, :, k])
        out[:, d * HOURS : (d + 1) * HOURS, :] += block.astype(out.dtype)


_shift = dispatch(_shift_hours_numba, _shift_hours_numpy)
_profiles = dispatch(_shift_profiles_numba, _shift_profiles_numpy)
_accumulate = dispatch(_accumulate_numba, _accumulate_numpy)
_spread = dispatch(_spread_numba, _spread_numpy)


def _lines(start, end, r0, r1, remove, move):
    f64 = np.float64
    arrays = [np.ascontiguousarray(a, f64) for a in (start, end, r0, r1, remove)]
    return (*arrays, np.ascontiguousarray(move, np.bool_))


def shift_hours(
    start: np.ndarray,
    end: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
    remove: np.ndarray,
    move: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hours of work in the window, moved out of it and dropped, per line and day.

    Core dims ``(line,) -> (line,)``.

    Parameters
    ----------
    start, end : float64 (line,)
        Operating window of each line [h, CST, 0–24]; ``start == end``: all day.
    r0, r1 : float64 (line,)
        Restricted window of the line's rule [h, CST]; ``r0 == r1`` is not allowed.
    remove : float64 (line,)
        Share of the work inside the window dropped [1].
    move : bool (line,)
        Whether the rest moves out of the window (else it stays).

    Returns
    -------
    in_window, moved, dropped : float64 (line,)
        [h d⁻¹]; ``moved + dropped == in_window`` when ``move``, else ``dropped ==
        remove × in_window``.
    """
    args = _lines(start, end, r0, r1, remove, move)
    n = args[0].shape[0]
    out = (np.empty(n), np.empty(n), np.empty(n))
    _shift(*args, *out)
    return out


def shift_profiles(
    start: np.ndarray,
    end: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
    remove: np.ndarray,
    move: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Occupancy of each hour of the CST day before and after, ``(line,) -> (line, 24)``.

    Parameters as :func:`shift_hours`. Returns ``before, after`` [h h⁻¹]: the part of each
    hour ``[h, h + 1)`` the line works; the daily sum of ``after`` is that of ``before`` minus
    the hours dropped.
    """
    args = _lines(start, end, r0, r1, remove, move)
    n = args[0].shape[0]
    before, after = np.empty((n, HOURS)), np.empty((n, HOURS))
    _profiles(*args, before, after)
    return before, after


def accumulate_change(
    start: np.ndarray,
    end: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
    remove: np.ndarray,
    move: np.ndarray,
    rate: np.ndarray,
    pair: np.ndarray,
    n_pairs: int,
) -> np.ndarray:
    """Sum of the lines' hourly changes per pair, ``(line,) -> (pair, 24, species)``.

    Parameters as :func:`shift_hours`, plus ``rate`` (line, species) — emission rates while
    working [kg h⁻¹] — and ``pair`` (line,) — the pair index of each line, ``-1`` to leave it
    out (off the grid, not affected). Returns (after − before) × rate summed per pair [kg h⁻¹].
    """
    args = _lines(start, end, r0, r1, remove, move)
    rate = np.ascontiguousarray(rate, np.float64)
    pair = np.ascontiguousarray(pair, np.int64)
    out = np.zeros((int(n_pairs), HOURS, rate.shape[1]))
    _accumulate(*args, rate, pair, out)
    return out


def spread_days(
    change: np.ndarray,
    pair_cell: np.ndarray,
    pair_group: np.ndarray,
    triggered: np.ndarray,
    n_cells: int,
) -> np.ndarray:
    """Lay each pair's daily change onto the hours of the days its group is triggered.

    Core dims ``(pair, 24, species), (pair,), (pair,), (group, day) -> (species, time, cell)``
    with ``time = day * 24 + hour`` (hours of the CST days, in order).

    Parameters
    ----------
    change : float64 (pair, 24, species)
        Hourly change of each pair [kg h⁻¹] (:func:`accumulate_change`).
    pair_cell, pair_group : int64 (pair,)
        Grid cell (flat index) and trigger group of each pair.
    triggered : bool (group, day)
        Days each group's programme applies.
    n_cells : int
        Cells of the grid.

    Returns
    -------
    float32 (species, day * 24, cell)
        The change on the grid [kg h⁻¹ per cell]; float32 keeps a season on a large grid in
        memory (7 significant digits).
    """
    change = np.ascontiguousarray(change, np.float64)
    triggered = np.ascontiguousarray(triggered, np.bool_)
    out = np.zeros((change.shape[2], triggered.shape[1] * HOURS, int(n_cells)), np.float32)
    _spread(
        change,
        np.ascontiguousarray(pair_cell, np.int64),
        np.ascontiguousarray(pair_group, np.int64),
        triggered,
        out,
    )
    return out
