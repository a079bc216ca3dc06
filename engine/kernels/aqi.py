"""IAQI kernel: exact piecewise-linear index with ceiling, on plain arrays.

The IAQI of HJ 633 is ``I_lo + (I_hi - I_lo) * (C - BP_lo) / (BP_hi - BP_lo)`` rounded up. A
float formula gets the ceiling wrong when the exact value is an integer (``100.00000000001``
becomes 101), so the kernel works on the float's exact value in integer arithmetic:

* without input rounding (HJ 633-2012) the concentration ``C`` is a float64 (float32 inputs are
  widened exactly); ``D = C - BP_lo`` is exact because breakpoints are integers and ``C`` is far
  below 2⁵², and ``D = m · 2⁻ᵏ`` with an integer ``m < 2⁵³``, so
  ``ceil(ΔI · D / ΔBP) = ceil(ceil(ΔI · m / 2ᵏ) / ΔBP)`` in int64 (nested ceiling division);
* with input rounding (HJ 633-2026, GB/T 8170) ``C · scale`` (scale 1 or 10) is rounded to an
  integer half-to-even on the float's exact binary value (an exact half only when the float is
  exactly one), then the IAQI of the rational ``n / scale`` is one integer ceiling division.

Breakpoints are integers (checked where the tables are loaded); ``ΔI ≤ 256``.

Large arrays take a vectorised threaded pass in float64 that carries a certificate: its IAQI is
within ~1e-13 of the exact value, so it is final unless it lies within 1e-9 of an integer (or the
input-rounding product within 1e-9 of a half); those few elements are flagged and recomputed by
the integer path in a second pass. Small arrays (scalars, regional series) use the integer path
only. Both are tested against a rational oracle.

Output codes: IAQI ``>= 0``, or :data:`MISSING` (-1). ``flags`` tells why: :data:`FLAG_OK`,
:data:`FLAG_MISSING` (NaN input), :data:`FLAG_NEGATIVE` (negative input, invalid),
:data:`FLAG_NOT_COMPUTED` (above the top with no IAQI for this averaging period),
:data:`FLAG_FIXED` (above the top, the standard fixes the IAQI), :data:`FLAG_ABOVE_TOP` (above
the top, no rule in the standard: the caller's choice, IAQI 500 or missing).
"""

from __future__ import annotations

import math

import numpy as np

from engine.kernels._compile import dispatch, jit, prange

__all__ = [
    "FLAG_ABOVE_TOP",
    "FLAG_FIXED",
    "FLAG_MISSING",
    "FLAG_NEGATIVE",
    "FLAG_NOT_COMPUTED",
    "FLAG_OK",
    "MISSING",
    "OVER_RANGE_NOT_COMPUTED",
    "OVER_RANGE_UNDEFINED",
    "iaqi",
]

MISSING = -1
"""IAQI code of a missing value [1]."""
OVER_RANGE_NOT_COMPUTED = -1
"""``over_range`` argument: above the top breakpoint there is no IAQI (HJ 633-2012 (a), (b))."""
OVER_RANGE_UNDEFINED = -2
"""``over_range`` argument: the standard says nothing; ``above_top`` decides."""

FLAG_OK = 0
FLAG_MISSING = 1
FLAG_NEGATIVE = 2
FLAG_NOT_COMPUTED = 3
FLAG_FIXED = 4
FLAG_ABOVE_TOP = 5

_TWO53 = 9007199254740992.0  # 2**53


@jit(["int64(float64, int64)"])
def _round_scaled(value, scale):  # pragma: no cover - compiled
    """``round_half_even(value * scale)`` on the exact value; ``0 <= value < 2**20``."""
    f, ex = math.frexp(value)
    sm = scale * np.int64(f * _TWO53)
    k = 53 - ex
    if k <= 0:
        return sm << (-k)
    if k >= 63:
        return 0
    q = sm >> k
    rem = sm - (q << k)
    half = np.int64(1) << (k - 1)
    if rem > half or (rem == half and (q & 1) == 1):
        q += 1
    return q


@jit(["int64(float64, int64, int64)"])
def _ceil_scaled(delta, d_iaqi, d_bp):  # pragma: no cover - compiled
    """``ceil(d_iaqi * delta / d_bp)`` on the exact value of ``0 <= delta < 2**20``."""
    if delta == 0.0:
        return 0
    f, ex = math.frexp(delta)
    big_n = d_iaqi * np.int64(f * _TWO53)
    k = 53 - ex
    if k <= 0:
        t = big_n << (-k)
    elif k >= 61:
        t = 1
    else:
        t = (big_n + (np.int64(1) << k) - 1) >> k
    return (t + d_bp - 1) // d_bp


def _signatures() -> list[str]:
    return [
        f"void({t}[::1], int64[::1], int64[::1], int64, int64, int64, int32[::1], int8[::1])"
        for t in ("float32", "float64")
    ]


_NEAR = 1e-9  # float results this close to an integer (or a half) take the exact path
_EXACT = 7  # temporary flag: recompute this element on the exact path
_CHUNK = 16384  # values per parallel task


@jit(["UniTuple(int64, 2)(float64, int64[::1], int64[::1], int64, int64, int64)"])
def _exact_one(c, breakpoints, levels, scale, over_range, above_top):  # pragma: no cover
    """(IAQI, flag) of one valid (non-NaN, non-negative) value, all in integer arithmetic."""
    n_seg = breakpoints.shape[0] - 1
    top = breakpoints[n_seg]
    above = False
    value = 0
    if scale > 0:
        if c > 2.0 * top:
            above = True
        else:
            n = _round_scaled(c, scale)
            if n > top * scale:
                above = True
            else:
                j = 0
                while n > breakpoints[j + 1] * scale:
                    j += 1
                d_bp = (breakpoints[j + 1] - breakpoints[j]) * scale
                d_iaqi = levels[j + 1] - levels[j]
                value = levels[j] + (d_iaqi * (n - breakpoints[j] * scale) + d_bp - 1) // d_bp
    elif c > top:
        above = True
    else:
        j = 0
        while c > breakpoints[j + 1]:
            j += 1
        value = levels[j] + _ceil_scaled(
            c - breakpoints[j], levels[j + 1] - levels[j], breakpoints[j + 1] - breakpoints[j]
        )
    if not above:
        return value, 0
    if over_range >= 0:
        return over_range, 4
    if over_range == -1:
        return -1, 3
    return above_top, 5


@jit(
    [
        f"void({t}[::1], int64[::1], int64[::1], int64, int64, int64, int32[::1], int8[::1], "
        "int64, int64)"
        for t in ("float32", "float64")
    ]
)
def _fix_up(
    concentration, breakpoints, levels, scale, over_range, above_top, out, flags, lo, hi
):  # pragma: no cover - compiled
    """Recompute the elements ``lo … hi-1`` flagged uncertain, in integer arithmetic."""
    for i in range(lo, hi):
        if flags[i] == _EXACT:
            value, flag = _exact_one(
                np.float64(concentration[i]), breakpoints, levels, scale, over_range, above_top
            )
            out[i] = value
            flags[i] = flag


def _iaqi_loops(
    concentration, breakpoints, levels, scale, over_range, above_top, out, flags
):  # pragma: no cover - compiled
    # Pass 1 is branch-free so that it vectorises: float64 with a certificate. The segment is
    # found by comparisons and its bounds and slope by selects (no gathers); the
    # float IAQI is within ~1e-13 of the exact one, so unless it lies within _NEAR of an
    # integer (of a half, for the input rounding) its ceiling (rounding) is the exact one.
    # Pass 2 recomputes the rare uncertain elements in integer arithmetic.
    n_seg = breakpoints.shape[0] - 1
    sc = np.float64(max(scale, 1))
    bp = np.empty(8)
    lv = np.empty(8)
    for t in range(8):
        u = min(t, n_seg)  # columns shorter than 8 repeat their top: zero-width segments
        bp[t] = breakpoints[u] * sc
        lv[t] = levels[u]
    sl = np.zeros(8)
    for t in range(7):
        if bp[t + 1] > bp[t]:
            sl[t] = (lv[t + 1] - lv[t]) / (bp[t + 1] - bp[t])
    b0, b1, b2, b3, b4, b5, b6, b7 = bp[0], bp[1], bp[2], bp[3], bp[4], bp[5], bp[6], bp[7]
    l0, l1, l2, l3, l4, l5, l6, l7 = lv[0], lv[1], lv[2], lv[3], lv[4], lv[5], lv[6], lv[7]
    k0, k1, k2, k3, k4, k5, k6 = sl[0], sl[1], sl[2], sl[3], sl[4], sl[5], sl[6]
    top = bp[n_seg]
    if over_range >= 0:
        over_value, over_flag = np.float64(over_range), np.float64(4)
    elif over_range == -1:
        over_value, over_flag = np.float64(-1), np.float64(3)
    else:
        over_value, over_flag = np.float64(above_top), np.float64(5)
    rounding = scale > 0
    fine = np.float64(scale > 1)
    certify = np.float64(scale == 0)
    n = concentration.shape[0]
    for i in prange(n):
        c = np.float64(concentration[i])
        y = c * sc
        x = np.rint(y) if rounding else y
        lo = b0
        base = l0
        slope = k0
        d_bp = b1 - b0
        d_lv = l1 - l0
        if x > b1:
            lo, base, slope, d_bp, d_lv = b1, l1, k1, b2 - b1, l2 - l1
        if x > b2:
            lo, base, slope, d_bp, d_lv = b2, l2, k2, b3 - b2, l3 - l2
        if x > b3:
            lo, base, slope, d_bp, d_lv = b3, l3, k3, b4 - b3, l4 - l3
        if x > b4:
            lo, base, slope, d_bp, d_lv = b4, l4, k4, b5 - b4, l5 - l4
        if x > b5:
            lo, base, slope, d_bp, d_lv = b5, l5, k5, b6 - b5, l6 - l5
        if x > b6:
            lo, base, slope, d_bp, d_lv = b6, l6, k6, b7 - b6, l7 - l6
        if rounding:  # integers: the correctly rounded quotient has the exact ceiling
            v = np.true_divide(d_lv * (x - lo), d_bp)  # ufunc: no zero check, vectorises
        else:
            v = slope * (x - lo)
        r = np.ceil(v)
        above = x > top
        tie = fine > 0.0 and abs(abs(y - x) - 0.5) < _NEAR * (1.0 + y)
        near = certify > 0.0 and ((r - v < _NEAR) | (v - (r - 1.0) < _NEAR))
        value = over_value if above else base + r  # selects: v may be NaN above the top
        flag = over_flag if above else 0.0
        flag = np.float64(_EXACT) if (tie or (near and not above)) else flag
        negative = c < 0.0
        missing = c != c
        value = -1.0 if (missing or negative) else value
        flag = 2.0 if negative else flag
        flag = 1.0 if missing else flag
        out[i] = np.int32(value)
        flags[i] = np.int8(flag)
    # The fix-up is its own parallel loop: called inside a chunked version of the loop above
    # it lost updates (numba parfor lowering), and a flat loop above vectorises better.
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        lo = chunk * _CHUNK
        hi = min(lo + _CHUNK, n)
        _fix_up(
            concentration, breakpoints, levels, scale, over_range, above_top, out, flags, lo, hi
        )


def _iaqi_numpy(
    concentration: np.ndarray,
    breakpoints: np.ndarray,
    levels: np.ndarray,
    scale: int,
    over_range: int,
    above_top: int,
    out: np.ndarray,
    flags: np.ndarray,
) -> None:
    """Numpy twin of the IAQI kernel: the same integer arithmetic, vectorised."""
    c = concentration.astype(np.float64)
    top = int(breakpoints[-1])
    with np.errstate(invalid="ignore"):
        nan = np.isnan(c)
        negative = c < 0.0
        valid = ~nan & ~negative
        if scale > 0:
            inside = valid & (c <= 2.0 * top)
            f, ex = np.frexp(np.where(inside, c, 0.0))
            sm = scale * (f * _TWO53).astype(np.int64)
            k = 53 - ex.astype(np.int64)
            ks = np.clip(k, 1, 62)
            q = sm >> ks
            rem = sm - (q << ks)
            half = np.int64(1) << (ks - 1)
            q = q + ((rem > half) | ((rem == half) & ((q & 1) == 1)))
            n = np.where(k >= 63, 0, q)
            above = valid & (~inside | (n > top * scale))
            scaled = breakpoints * scale
            n = np.where(above | ~valid, 0, n)
            j = np.clip(np.searchsorted(scaled[1:], n, side="left"), 0, len(scaled) - 2)
            d_bp = scaled[j + 1] - scaled[j]
            d_iaqi = levels[j + 1] - levels[j]
            value = levels[j] + (d_iaqi * (n - scaled[j]) + d_bp - 1) // d_bp
        else:
            above = valid & (c > top)
            cc = np.where(valid & ~above, c, 0.0)
            bpf = breakpoints.astype(np.float64)
            j = np.clip(np.searchsorted(bpf[1:], cc, side="left"), 0, len(bpf) - 2)
            delta = cc - bpf[j]
            f, ex = np.frexp(delta)
            big_n = (levels[j + 1] - levels[j]) * (f * _TWO53).astype(np.int64)
            k = 53 - ex.astype(np.int64)
            ks = np.clip(k, 0, 60)
            t = np.where(k >= 61, (big_n > 0).astype(np.int64), (big_n + (1 << ks) - 1) >> ks)
            d_bp = breakpoints[j + 1] - breakpoints[j]
            value = levels[j] + (t + d_bp - 1) // d_bp
    if over_range >= 0:
        above_value, above_flag = over_range, FLAG_FIXED
    elif over_range == OVER_RANGE_NOT_COMPUTED:
        above_value, above_flag = MISSING, FLAG_NOT_COMPUTED
    else:
        above_value, above_flag = above_top, FLAG_ABOVE_TOP
    result = np.where(above, above_value, np.where(valid, value, MISSING))
    out[:] = result.astype(np.int32)
    flags[:] = np.select(
        [nan, negative, above], [FLAG_MISSING, FLAG_NEGATIVE, above_flag], FLAG_OK
    ).astype(np.int8)


_iaqi_parallel = jit(_signatures(), parallel=True)(_iaqi_loops)


@jit(_signatures())
def _iaqi_small(
    concentration, breakpoints, levels, scale, over_range, above_top, out, flags
):  # pragma: no cover - compiled
    """Few values (scalars, regional series): integer arithmetic only, no threads."""
    for i in range(concentration.shape[0]):
        c = np.float64(concentration[i])
        if c != c:
            out[i] = -1
            flags[i] = 1
        elif c < 0.0:
            out[i] = -1
            flags[i] = 2
        else:
            value, flag = _exact_one(c, breakpoints, levels, scale, over_range, above_top)
            out[i] = value
            flags[i] = flag


_PARALLEL_FROM = 4096  # below this many values, starting threads costs more than it saves


def _iaqi_numba(
    concentration: np.ndarray,
    breakpoints: np.ndarray,
    levels: np.ndarray,
    scale: int,
    over_range: int,
    above_top: int,
    out: np.ndarray,
    flags: np.ndarray,
) -> None:
    """The compiled kernel: the vectorised threaded one for large arrays, the integer one for
    small ones (both exact; the tests run each against the oracle)."""
    kernel = _iaqi_parallel if concentration.shape[0] >= _PARALLEL_FROM else _iaqi_small
    kernel(concentration, breakpoints, levels, scale, over_range, above_top, out, flags)


iaqi = dispatch(_iaqi_numba, _iaqi_numpy)
"""``iaqi(concentration, breakpoints, levels, scale, over_range, above_top, out, flags)``.

Parameters
----------
concentration : ndarray, float32 or float64, (n,) C-contiguous
    Concentrations in the units of the table [µg m⁻³; CO mg m⁻³].
breakpoints : ndarray, int64, (k,)
    Concentration breakpoints, starting at 0, increasing [same units].
levels : ndarray, int64, (k,)
    IAQI at each breakpoint [1].
scale : int
    0: no input rounding; otherwise round ``C · scale`` half-to-even to an integer first
    (1: integer, 10: one decimal — GB/T 8170).
over_range : int
    Above the top breakpoint: ``>= 0`` that IAQI; :data:`OVER_RANGE_NOT_COMPUTED`;
    :data:`OVER_RANGE_UNDEFINED` (use ``above_top``).
above_top : int
    IAQI for an undefined over-range value (500, or :data:`MISSING`).
out : ndarray, int32, (n,)
    IAQI [1] or :data:`MISSING`; written in place.
flags : ndarray, int8, (n,)
    ``FLAG_*`` codes; written in place.
"""
