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
  triggered: ``(species, day * 24 + hour, cell)`` [kg h⁻¹]; a dense day per group when the
  groups are few, else a scatter of the pairs (each output row written once either way).

The module is longer than 400 lines on purpose: each kernel keeps its numpy twin beside it.
"""

from __future__ import annotations

import numpy as np

from engine.kernels._compile import dispatch, get_num_threads, jit, prange

__all__ = ["accumulate_change", "shift_hours", "shift_profiles", "spread_days"]

HOURS = 24


@jit("float64(float64, float64, float64)")
def _ov(a, b, h):  # pragma: no cover - compiled
    """Length of [a, b) ∩ [h, h + 1) on the line."""
    lo = a if a > h else h
    hi = b if b < h + 1.0 else h + 1.0
    return hi - lo if hi > lo else 0.0


_LINE = "float64[:], float64[:], float64[:], float64[:], float64[:], boolean[:]"
"""Signature of the line arguments: start, end, r0, r1, remove, move."""


@jit("UniTuple(f8, 2)(f8, f8, f8, f8, f8, boolean, f8[:], f8[:], f8[:])")
def _profile(s, e, r0, r1, remove, move, before, after, free):  # pragma: no cover - compiled
    """Occupancy of each hour before and after the rule (module docstring); returns the hours
    inside the window and the hours moved out of it."""
    s = s % 24.0
    e = e % 24.0
    r0 = r0 % 24.0
    r1 = r1 % 24.0
    # each circular interval as two pieces on [0, 24) (the second may be empty)
    if s == e:
        w0, w1, w2, w3 = 0.0, 24.0, 0.0, 0.0
    elif s < e:
        w0, w1, w2, w3 = s, e, 0.0, 0.0
    else:
        w0, w1, w2, w3 = s, 24.0, 0.0, e
    if r0 < r1:
        q0, q1, q2, q3 = r0, r1, 0.0, 0.0
    else:
        q0, q1, q2, q3 = r0, 24.0, 0.0, r1
    # work inside the window: the (at most four) pieces of W ∩ R
    x0, x1 = max(w0, q0), min(w1, q1)
    x2, x3 = max(w0, q2), min(w1, q3)
    x4, x5 = max(w2, q0), min(w3, q1)
    x6, x7 = max(w2, q2), min(w3, q3)
    pool = 0.0
    inside = 0.0
    for h in range(HOURS):
        hf = float(h)
        w = _ov(w0, w1, hf) + _ov(w2, w3, hf)
        rr = _ov(q0, q1, hf) + _ov(q2, q3, hf)
        wr = _ov(x0, x1, hf) + _ov(x2, x3, hf) + _ov(x4, x5, hf) + _ov(x6, x7, hf)
        before[h] = w
        inside += wr
        keep = (1.0 - remove) * wr
        if move:
            pool += keep
            after[h] = w - wr
        else:
            after[h] = w - wr + keep
        f = 1.0 - (w + rr - wr)
        free[h] = f if f > 0.0 else 0.0
    first = int(np.floor(r1)) % HOURS
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


@jit(f"void({_LINE}, float64[:], float64[:], float64[:], int64)", parallel=True)
def _shift_hours_numba(
    start, end, r0, r1, remove, move, out_in, out_moved, out_dropped, blocks
):  # pragma: no cover - compiled
    # one block of lines per thread, with its own scratch hours
    n = start.shape[0]
    size = (n + blocks - 1) // blocks
    for b in prange(blocks):
        before = np.empty(HOURS)
        after = np.empty(HOURS)
        free = np.empty(HOURS)
        for i in range(b * size, min(n, (b + 1) * size)):
            inside, moved = _profile(
                start[i], end[i], r0[i], r1[i], remove[i], move[i], before, after, free
            )
            out_in[i] = inside
            out_moved[i] = moved
            out_dropped[i] = inside - moved if move[i] else remove[i] * inside


@jit(f"void({_LINE}, float64[:, :], float64[:, :])", parallel=True)
def _shift_profiles_numba(start, end, r0, r1, remove, move, before, after):  # pragma: no cover
    for i in prange(start.shape[0]):
        free = np.empty(HOURS)
        _profile(start[i], end[i], r0[i], r1[i], remove[i], move[i], before[i], after[i], free)


@jit(f"void({_LINE}, float64[:, :], int64[:], float64[:, :, :, :])", parallel=True)
def _accumulate_numba(start, end, r0, r1, remove, move, rate, pair, parts):  # pragma: no cover
    # each thread sums its own block of lines into its own buffer (parts[b]); the caller adds
    n = start.shape[0]
    n_species = rate.shape[1]
    blocks = parts.shape[0]
    size = (n + blocks - 1) // blocks
    for b in prange(blocks):
        before = np.empty(HOURS)
        after = np.empty(HOURS)
        free = np.empty(HOURS)
        for i in range(b * size, min(n, (b + 1) * size)):
            p = pair[i]
            if p < 0:
                continue
            _profile(start[i], end[i], r0[i], r1[i], remove[i], move[i], before, after, free)
            for h in range(HOURS):
                d = after[h] - before[h]
                if d != 0.0:
                    for k in range(n_species):
                        parts[b, p, h, k] += d * rate[i, k]


@jit("void(float64[:, :, :], int64[:], int64[:], boolean[:, :], float32[:, :, :])", parallel=True)
def _spread_sparse_numba(change, pair_cell, pair_group, triggered, out):  # pragma: no cover
    # change is (species, hour, pair), pairs sorted by cell. Per day, the pairs of its
    # triggered groups are listed once (in ascending cells); every output row is then written
    # once with zeros (out comes uninitialised: one write fault per page) and the listed
    # pairs added, walking the row forwards
    n_days = triggered.shape[1]
    n_species = change.shape[0]
    n_pairs = change.shape[2]
    for d in prange(n_days):
        active = np.empty(n_pairs, np.int64)
        n = 0
        for p in range(n_pairs):
            if triggered[pair_group[p], d]:
                active[n] = p
                n += 1
        for k in range(n_species):
            for h in range(HOURS):
                row = out[k, d * HOURS + h]
                row[:] = 0.0
                values = change[k, h]
                for j in range(n):
                    p = active[j]
                    row[pair_cell[p]] += values[p]


@jit("void(float32[:, :, :, :], boolean[:, :], float32[:, :, :])", parallel=True)
def _spread_dense_numba(template, triggered, out):  # pragma: no cover - compiled
    # template is (group, species, hour, cell): each row is the sum of the triggered groups'
    # rows, written in one pass (copy for the first, add for the others, zeros for none)
    n_days = triggered.shape[1]
    n_groups = template.shape[0]
    n_cells = out.shape[2]
    for d in prange(n_days):
        for k in range(template.shape[1]):
            for h in range(HOURS):
                row = out[k, d * HOURS + h]
                first = True
                for g in range(n_groups):
                    if not triggered[g, d]:
                        continue
                    src = template[g, k, h]
                    if first:
                        for c in range(n_cells):
                            row[c] = src[c]
                        first = False
                    else:
                        for c in range(n_cells):
                            row[c] += src[c]
                if first:
                    row[:] = 0.0


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


def _shift_hours_numpy(start, end, r0, r1, remove, move, out_in, out_moved, out_dropped, blocks):
    _, _, wr, moved = _np_profiles(start, end, r0, r1, remove, move)
    inside = wr.sum(axis=1)
    out_in[:] = inside
    out_moved[:] = moved
    out_dropped[:] = np.where(move, inside - moved, remove * inside)


def _shift_profiles_numpy(start, end, r0, r1, remove, move, before, after):
    b, a, _, _ = _np_profiles(start, end, r0, r1, remove, move)
    before[:] = b
    after[:] = a


def _accumulate_numpy(start, end, r0, r1, remove, move, rate, pair, parts):
    use = pair >= 0
    b, a, _, _ = _np_profiles(start[use], end[use], r0[use], r1[use], remove[use], move[use])
    delta = (a - b)[:, :, None] * rate[use][:, None, :]
    np.add.at(parts[0], pair[use], delta)


def _spread_sparse_numpy(change, pair_cell, pair_group, triggered, out):
    out[:] = 0.0
    for d in range(triggered.shape[1]):
        on = triggered[pair_group, d]
        if not on.any():
            continue
        block = np.zeros((out.shape[0], HOURS, out.shape[2]))
        for k in range(out.shape[0]):
            np.add.at(block[k].T, pair_cell[on], change[k, :, on])
        out[:, d * HOURS : (d + 1) * HOURS, :] = block


def _spread_dense_numpy(template, triggered, out):
    days = np.einsum("gd,gkhc->kdhc", triggered.astype(np.float32), template)
    out[:] = days.reshape(out.shape)


_shift = dispatch(_shift_hours_numba, _shift_hours_numpy)
_profiles = dispatch(_shift_profiles_numba, _shift_profiles_numpy)
_accumulate = dispatch(_accumulate_numba, _accumulate_numpy)
_spread_sparse = dispatch(_spread_sparse_numba, _spread_sparse_numpy)
_spread_dense = dispatch(_spread_dense_numba, _spread_dense_numpy)


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
    _shift(*args, *out, max(1, min(get_num_threads(), n)))
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
    blocks = max(1, min(get_num_threads(), args[0].shape[0]))
    parts = np.zeros((blocks, int(n_pairs), HOURS, rate.shape[1]))
    _accumulate(*args, rate, pair, parts)
    return parts.sum(axis=0)


def spread_days(
    change: np.ndarray,
    pair_cell: np.ndarray,
    pair_group: np.ndarray,
    triggered: np.ndarray,
    n_cells: int,
) -> np.ndarray:
    """Lay each pair's daily change onto the hours of the days its group is triggered.

    Core dims ``(pair, 24, species), (pair,), (pair,), (group, day) -> (species, time, cell)``
    with ``time = day * 24 + hour`` (hours of the CST days, in order). A pair is a (cell,
    trigger group) with lines; each (cell, group) appears once.

    Parameters
    ----------
    change : float64 (pair, 24, species)
        Hourly change of each pair [kg h⁻¹] (:func:`accumulate_change`).
    pair_cell, pair_group : int64 (pair,)
        Grid cell (flat index) and trigger group of each pair; pairs sorted by cell.
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
    change = np.ascontiguousarray(np.transpose(change, (2, 1, 0)), np.float64)
    triggered = np.ascontiguousarray(triggered, np.bool_)
    pair_cell = np.ascontiguousarray(pair_cell, np.int64)
    pair_group = np.ascontiguousarray(pair_group, np.int64)
    n_species, n_groups, n_pairs = change.shape[0], triggered.shape[0], change.shape[2]
    out = np.empty((n_species, triggered.shape[1] * HOURS, int(n_cells)), np.float32)
    if n_groups * int(n_cells) <= 2 * n_pairs + int(n_cells):
        # few groups covering much of the grid: a dense day per group, then sequential rows
        template = np.zeros((n_groups, n_species, HOURS, int(n_cells)), np.float32)
        template[pair_group, :, :, pair_cell] = np.transpose(change, (2, 0, 1))
        _spread_dense(template, triggered, out)
    else:  # many groups, each on few cells: scatter the pairs of the triggered groups
        _spread_sparse(change, pair_cell, pair_group, triggered, out)
    return out
