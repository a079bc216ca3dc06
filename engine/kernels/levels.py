"""Alert-level classification of many AQI series at once.

Core dims: ``aqi (series, step)`` int32 (missing < 0) and ``counts (series, step)`` bool (the
step is driven by a pollutant that counts under the rule set) → ``clause (series,)`` int32, the
index of the first satisfied clause in the rule table (``-1``: none), and ``spans (series,
condition, 2)`` int32, the ``[start, stop)`` steps that satisfied each condition of that clause.

The rule table lists clauses strongest level first, so the first satisfied clause gives the
highest level. A clause is a row of conditions (``threshold``, ``inclusive``, ``hours``). The
reading of "lasting N h from the first day the response applies to" (docs/rules.md §2.1):

* a *run* of a condition is a maximal stretch of consecutive exceeding steps; it *begins* at a
  step that exceeds while the previous step does not (or at step 0);
* the first condition holds on a run that begins in the first ``anchor`` steps (``1`` for
  natural days: the requested day itself; ``24`` for hourly rolling windows: any window
  starting that day) and lasts ``hours`` or more. *Every* such run is a candidate, not only the
  first: a short run early in the day must not hide a long one beginning later that day;
* every further condition holds if a run of it inside that candidate run lasts ``hours``;
* the clause holds if any candidate run satisfies all its conditions. The spans reported are
  those of the earliest such run, and for each further condition its first longest run inside.

Raising any step's AQI (or a missing step becoming a value) therefore never lowers the level:
runs only grow or merge, and a merged run begins no later than the runs it absorbed.

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
    # Plain indexing into the 2-D arrays and scalar stores (row views and slice assignments
    # measured slower).
    n_series, n_steps = aqi.shape
    extra = window_hours - step_hours
    for s in prange(n_series):
        found = -1
        for c in range(threshold.shape[0]):
            t = 0  # a step where a run of the first condition may begin
            while t < min(anchor, n_steps) and found < 0:
                stop = t
                while stop < n_steps and _exceeds(
                    aqi[s, stop], counts[s, stop], threshold[c, 0], inclusive[c, 0]
                ):
                    stop += 1
                ok = stop > t and (stop - t) * step_hours + extra >= hours[c, 0]
                for k in range(1, n_conditions[c] if ok else 0):
                    # the first longest run of condition k inside [t, stop)
                    best0, best1, run0 = -1, -1, -1
                    for u in range(t, stop + 1):
                        hit = u < stop and _exceeds(
                            aqi[s, u], counts[s, u], threshold[c, k], inclusive[c, k]
                        )
                        if hit and run0 < 0:
                            run0 = u
                        elif not hit and run0 >= 0:
                            if best0 < 0 or u - run0 > best1 - best0:
                                best0, best1 = run0, u
                            run0 = -1
                    ok = best0 >= 0 and (best1 - best0) * step_hours + extra >= hours[c, k]
                    out_spans[s, k, 0], out_spans[s, k, 1] = best0, best1
                    if not ok:
                        break
                if ok:
                    found = c
                    out_spans[s, 0, 0], out_spans[s, 0, 1] = t, stop
                t = stop + 1  # the next run begins after this one's end
            if found >= 0:
                break
        out_clause[s] = found
        # clear what failed tries left beyond the conditions of the clause (all if none holds)
        for k in range(n_conditions[found] if found >= 0 else 0, out_spans.shape[1]):
            out_spans[s, k, 0], out_spans[s, k, 1] = 0, 0


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
    """Numpy twin: every series at once, one candidate beginning step at a time.

    A run of a further condition inside a run of the first is a run of both at once (the first
    condition's run is maximal), so its length ending at each step is computed once per clause.
    """
    n_series, n_steps = aqi.shape
    extra = window_hours - step_hours
    out_clause[:] = -1
    out_spans[:] = 0
    undecided = np.ones(n_series, dtype=bool)
    steps = np.arange(n_steps)
    for c in range(threshold.shape[0]):
        hit = [
            counts
            & (aqi >= 0)
            & np.where(inclusive[c, k], aqi >= threshold[c, k], aqi > threshold[c, k])
            for k in range(n_conditions[c])
        ]
        # End of the run through each step: the first step at or after it that does not exceed.
        run_end = np.minimum.accumulate(np.where(hit[0], n_steps, steps)[:, ::-1], axis=1)[:, ::-1]
        begins = hit[0].copy()
        begins[:, 1:] &= ~hit[0][:, :-1]
        ending = [_run_lengths_at_ends(hit[0] & hit[k]) for k in range(1, n_conditions[c])]
        for t in range(min(anchor, n_steps)):
            rows = np.flatnonzero(undecided & begins[:, t])
            if rows.size == 0:
                continue
            stop = run_end[rows, t]
            ok = (stop - t) * step_hours + extra >= hours[c, 0]
            spans = np.zeros((rows.size, n_conditions[c], 2), dtype=np.int64)
            spans[:, 0, 0], spans[:, 0, 1] = t, stop
            inside = (steps[None, :] >= t) & (steps[None, :] < stop[:, None])
            for k in range(1, n_conditions[c]):
                length = np.where(inside, ending[k - 1][rows], 0)
                last = length.argmax(axis=1)  # the first longest run: argmax takes the first
                best = length[np.arange(rows.size), last]
                ok &= (best > 0) & (best * step_hours + extra >= hours[c, k])
                spans[:, k, 0], spans[:, k, 1] = last + 1 - best, last + 1
            done = rows[ok]
            out_clause[done] = c
            out_spans[done, : n_conditions[c]] = spans[ok]
            undecided[done] = False


def _run_lengths_at_ends(hit: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Length of each run of True at its last step, 0 elsewhere, ``(series, step)``."""
    n_steps = hit.shape[1]
    steps = np.arange(n_steps)
    last_false = np.maximum.accumulate(np.where(hit, -1, steps), axis=1)
    ends = hit.copy()
    ends[:, :-1] &= ~hit[:, 1:]
    return np.where(ends, steps - last_false, 0)


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
        Number of leading steps where a run of the first condition may begin; every run that
        begins there is tried, earliest first (module docstring).

    Returns
    -------
    clause : ndarray of int32, (series,)
        Index of the first satisfied clause, ``-1`` when none.
    spans : ndarray of int32, (series, condition, 2)
        ``[start, stop)`` steps of each condition of that clause: the earliest run of the first
        condition that satisfies the clause, and the first longest run of each further
        condition inside it; zeros beyond the clause's conditions and when none holds.
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
