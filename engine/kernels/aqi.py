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

Output codes: IAQI ``>= 0``, or :data:`MISSING` (-1). ``flags`` tells why: :data:`FLAG_OK`,
:data:`FLAG_MISSING` (NaN input), :data:`FLAG_NEGATIVE` (negative input, invalid),
:data:`FLAG_NOT_COMPUTED` (above the top with no IAQI for this averaging period),
:data:`FLAG_FIXED` (above the top, the standard fixes the IAQI), :data:`FLAG_ABOVE_TOP` (above
the top, no rule in the standard: the caller's choice, IAQI 500 or missing).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange  # loop syntax only; compilation policy stays in _compile

from engine.kernels._compile import dispatch, jit

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


@jit(_signatures(), parallel=True)
def _iaqi_numba(
    concentration, breakpoints, levels, scale, over_range, above_top, out, flags
):  # pragma: no cover - compiled
    n_seg = breakpoints.shape[0] - 1
    top = breakpoints[n_seg]
    for i in prange(concentration.shape[0]):
        c = np.float64(concentration[i])
        if c != c:
            out[i] = -1
            flags[i] = 1
            continue
        if c < 0.0:
            out[i] = -1
            flags[i] = 2
            continue
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
                    delta = n - breakpoints[j] * scale
                    value = levels[j] + (d_iaqi * delta + d_bp - 1) // d_bp
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
            out[i] = value
            flags[i] = 0
        elif over_range >= 0:
            out[i] = over_range
            flags[i] = 4
        elif over_range == -1:
            out[i] = -1
            flags[i] = 3
        else:
            out[i] = above_top
            flags[i] = 5


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
