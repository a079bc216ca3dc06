"""Alert-level classification of many AQI series at once.

Core dims: ``aqi (series, step)`` int32 (missing < 0) and ``counts (series, step)`` bool (the
step is driven by a pollutant that counts under the rule set) → ``clause (series,)`` int32, the
index of the first satisfied clause in the rule table (``-1``: none), and ``spans (series,
condition, 2)`` int32, the ``[start, stop)`` steps that satisfied each condition of that clause.

The rule table lists clauses strongest level first, so the first satisfied clause gives the
highest level. A clause is a row of conditions (``threshold``, ``inclusive``, ``hours``):

* the first condition's run must begin in the first ``anchor`` steps (``1`` for natural days:
  the requested day itself; ``24`` for hourly rolling windows: a window starting that day) and
  lasts while the series keeps exceeding; it holds if the run lasts ``hours`` or more;
* every further condition holds if a run inside the first condition's run lasts ``hours``.

A run of ``k`` consecutive exceeding steps lasts ``k * step_hours + window_hours - step_hours``
hours: 24 h per natural day (step 24 h, window 24 h), or from the start of the first 24-h window
to the end of the last one for rolling windows (step 1 h, window 24 h).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.kernels._compile import dispatch, jit, prange

__all__ = ["classify_series"]

_SIGNATURE = (
    "void(i4[:, ::1], b1[:, ::1], i4[:, ::1], b1[:, ::1], i4[:, ::1], i4[::1], "
    "i8, i8, i8, i4[::1], i4[:, :, ::1])"
)


@jit(["b1(i4, b1, i4, b1)"])
def _exceeds(value, counted, threshold, inclusive):  # type: ignore[no-untyped-def]
    if value < 0 or not counted:
        return False
    return value >= threshold if inclusive else value > threshold


def _classify_loop(  # type: ignore[no-untyped-def]
    aqi,
    counts,
    threshold,
    inclusive,
    hours,
    n_conditions,
    step_hours,
    window_hours,
    anchor,
    out_clause,
    out_spans,
):
    n_series, n_steps = aqi.shape
    n_clauses = threshold.shape[0]
    extra = window_hours - step_hours
    for s in prange(n_series):
        out_clause[s] = -1
        for c in range(n_clauses):
            # First condition: a run beginning within the anchor steps.
            start = -1
            for t in range(min(anchor, n_steps)):
                if _exceeds(aqi[s, t], counts[s, t], threshold[c, 0], inclusive[c, 0]):
                    start = t
                    break
            if start < 0:
                continue
            stop = start
            while stop < n_steps and _exceeds(
                aqi[s, stop], counts[s, stop], threshold[c, 0], inclusive[c, 0]
            ):
                stop += 1
            if (stop - start) * step_hours + extra < hours[c, 0]:
                continue
            out_spans[s, 0, 0] = start
            out_spans[s, 0, 1] = stop
            ok = True
            for k in range(1, n_conditions[c]):
                best0, best1, run0 = -1, -1, -1
                for t in range(start, stop + 1):
                    hit = t < stop and _exceeds(
                        aqi[s, t], counts[s, t], threshold[c, k], inclusive[c, k]
                    )
                    if hit and run0 < 0:
                        run0 = t
                    elif not hit and run0 >= 0:
                        if best0 < 0 or t - run0 > best1 - best0:
                            best0, best1 = run0, t
                        run0 = -1
                if best0 < 0 or (best1 - best0) * step_hours + extra < hours[c, k]:
                    ok = False
                    break
                out_spans[s, k, 0] = best0
                out_spans[s, k, 1] = best1
            if ok:
                out_clause[s] = c
                break
            out_spans[s, :, :] = 0


# Parallel for many series; serial for a few, where starting threads would cost more.
_classify_parallel = jit([_SIGNATURE], parallel=True)(_classify_loop)
_classify_serial = jit([_SIGNATURE])(_classify_loop)
_PARALLEL_FROM = 2048


def _classify_numba(aqi, counts, *args):  # type: ignore[no-untyped-def]
    kernel = _classify_parallel if aqi.shape[0] >= _PARALLEL_FROM else _classify_serial
    kernel(aqi, counts, *args)


def _classify_numpy(
    aqi: NDArray[np.int32],
    counts: NDArray[np.bool_],
    threshold: NDArray[np.int32],
    inclusive: NDArray[np.bool_],
    hours: NDArray[np.int32],
    n_conditions: NDArray[np.int32],
    step_hours: int,
    window_hours: int,
    anchor: int,
    out_clause: NDArray[np.int32],
    out_spans: NDArray[np.int32],
) -> None:
    """Numpy twin: run lengths of every condition for every series at once."""
    n_series, n_steps = aqi.shape
    extra = window_hours - step_hours
    out_clause[:] = -1
    undecided = np.ones(n_series, dtype=bool)
    steps = np.arange(n_steps)
    for c in range(threshold.shape[0]):
        hit = [
            counts
            & (aqi >= 0)
            & np.where(inclusive[c, k], aqi >= threshold[c, k], aqi > threshold[c, k])
            for k in range(n_conditions[c])
        ]
        anchored = hit[0][:, : min(anchor, n_steps)]
        has_start = anchored.any(axis=1)
        start = np.where(has_start, anchored.argmax(axis=1), n_steps)
        # Run end: first step at or after start that does not exceed.
        after = (~hit[0]) & (steps[None, :] >= start[:, None])
        stop = np.where(after.any(axis=1), after.argmax(axis=1), n_steps)
        ok = has_start & ((stop - start) * step_hours + extra >= hours[c, 0]) & undecided
        spans = np.zeros((n_series, n_conditions[c], 2), dtype=np.int64)
        spans[:, 0, 0], spans[:, 0, 1] = start, stop
        inside = (steps[None, :] >= start[:, None]) & (steps[None, :] < stop[:, None])
        for k in range(1, n_conditions[c]):
            best0, best1 = _longest_runs(hit[k] & inside)
            ok &= (best1 > best0) & ((best1 - best0) * step_hours + extra >= hours[c, k])
            spans[:, k, 0], spans[:, k, 1] = best0, best1
        out_clause[ok] = c
        out_spans[ok, : n_conditions[c]] = spans[ok]
        undecided &= ~ok


def _longest_runs(hit: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``[start, stop)`` of the first longest run of True in each row (``0, 0`` if none)."""
    n_series, n_steps = hit.shape
    length = np.zeros(n_series, dtype=np.int64)
    best0 = np.zeros(n_series, dtype=np.int64)
    best1 = np.zeros(n_series, dtype=np.int64)
    for t in range(n_steps):
        length = np.where(hit[:, t], length + 1, 0)
        longer = length > best1 - best0
        best0 = np.where(longer, t + 1 - length, best0)
        best1 = np.where(longer, t + 1, best1)
    return best0, best1


_classify = dispatch(_classify_numba, _classify_numpy)


def classify_series(
    aqi: NDArray[np.int32],
    counts: NDArray[np.bool_],
    threshold: NDArray[np.int32],
    inclusive: NDArray[np.bool_],
    hours: NDArray[np.int32],
    n_conditions: NDArray[np.int32],
    *,
    step_hours: int,
    window_hours: int,
    anchor: int,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """First satisfied clause of every series, and the spans that satisfied its conditions.

    Parameters
    ----------
    aqi : ndarray of int32, (series, step)
        AQI of each step (natural day or 24-h window) [1]; negative when missing.
    counts : ndarray of bool, (series, step)
        Whether the step counts under the rule set (its primary pollutant is mandatory).
    threshold, inclusive, hours : ndarray, (clause, condition)
        Rule table: AQI threshold [1], ``>=`` instead of ``>``, required duration [h].
    n_conditions : ndarray of int32, (clause,)
        Conditions used in each clause row.
    step_hours, window_hours : int
        Hours between steps and hours covered by one step [h].
    anchor : int
        Number of leading steps where the first condition's run may begin.

    Returns
    -------
    clause : ndarray of int32, (series,)
        Index of the first satisfied clause, ``-1`` when none.
    spans : ndarray of int32, (series, condition, 2)
        ``[start, stop)`` steps of each condition of that clause.
    """
    aqi = np.ascontiguousarray(aqi, dtype=np.int32)
    counts = np.ascontiguousarray(counts, dtype=np.bool_)
    n_series = aqi.shape[0]
    clause = np.empty(n_series, dtype=np.int32)
    spans = np.zeros((n_series, max(threshold.shape[1], 1), 2), dtype=np.int32)
    _classify(
        aqi,
        counts,
        np.ascontiguousarray(threshold, dtype=np.int32),
        np.ascontiguousarray(inclusive, dtype=np.bool_),
        np.ascontiguousarray(hours, dtype=np.int32),
        np.ascontiguousarray(n_conditions, dtype=np.int32),
        int(step_hours),
        int(window_hours),
        int(anchor),
        clause,
        spans,
    )
    return clause, spans
