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

Large arrays take one threaded pass over chunks. Each chunk first runs a vectorised float64
loop with a certificate: the segment's slope and intercept are picked by comparisons (no
gathers, no division) and ``slope · x + intercept`` is within ~1e-10 of the exact IAQI
(:func:`_fast_tables` checks the bound for the table). Without input rounding that value is
final unless it lies within 1e-9 of an integer; with input rounding ``x`` is an integer, whose
exact IAQI is an integer or at least ``1 / ΔBP`` above one, so the ceiling of the value lowered
by 2⁻²⁰ is exact, and only a scaled product within 1e-9 of a half (CO) is uncertain. The few
uncertain elements are flagged and recomputed by the integer path while the chunk is still in
cache. Small arrays (scalars, regional series) use the integer path only. Both are tested
against a rational oracle.

Longer than the ~400-line module limit on purpose: the integer path, the certified float pass
that falls back on it and their numpy twin share one certificate and are read together.

Output codes: IAQI ``>= 0``, or :data:`MISSING` (-1). ``flags`` tells why: :data:`FLAG_OK`,
:data:`FLAG_MISSING` (NaN input), :data:`FLAG_NEGATIVE` (negative input, invalid),
:data:`FLAG_NOT_COMPUTED` (above the top with no IAQI for this averaging period),
:data:`FLAG_FIXED` (above the top, the standard fixes the IAQI), :data:`FLAG_ABOVE_TOP` (above
the top, no rule in the standard: the caller's choice, IAQI 500 or missing).
"""

from __future__ import annotations

import math
from collections.abc import Callable

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


_NEAR = 1e-9  # float IAQIs of a non-integer C this close to an integer take the exact path
_SHIFT = 2.0**-20  # float IAQIs of an integer (rounded) C are lowered by this before ceil
_EXACT = 7  # temporary flag: recompute this element on the exact path
_CHUNK = 16384  # values per parallel task: the fix-up finds its chunk still in cache
_MAX_BREAKPOINTS = 8  # the fast pass unrolls its segment search for tables up to this size
_MAX_TERMS = 2.0**20  # certificate: bound on the terms of the float IAQI (_fast_tables)
_MAX_GAP = 2.0**18  # certificate: bound on a breakpoint gap in rounded units (1 / _SHIFT / 4)


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


@jit(_signatures())
def _fix_up(
    concentration, breakpoints, levels, scale, over_range, above_top, out, flags
):  # pragma: no cover - compiled
    """Recompute the elements flagged uncertain by the fast pass, in integer arithmetic."""
    for i in range(concentration.shape[0]):
        if flags[i] == _EXACT:
            value, flag = _exact_one(
                np.float64(concentration[i]), breakpoints, levels, scale, over_range, above_top
            )
            out[i] = value
            flags[i] = flag


_PLAIN, _INTEGER, _TENTHS = 0, 1, 2  # input rounding of the fast pass: none, C, C · scale


def _make_fast_pass(mode: int) -> Callable[..., int]:
    """The certified float64 pass for one input-rounding ``mode``, compiled for it."""

    @jit(
        [
            f"int64({t}[::1], float64[::1], float64[::1], float64[::1], float64, float64, "
            "float64, float64, int32[::1], int8[::1])"
            for t in ("float32", "float64")
        ]
    )
    def fast_pass(
        concentration, bounds, slopes, intercepts, scale, top, over_value, over_flag, out, flags
    ):  # pragma: no cover - compiled
        """Certified float64 IAQI of a chunk; returns > 0 if it flagged an element _EXACT.

        One short branch-free loop that vectorises (``mode`` is a compile-time constant):
        ``x`` is the concentration (_PLAIN), rounded to an integer (_INTEGER) or scaled by
        ``scale`` and rounded (_TENTHS), half-to-even; the segment's slope and intercept are
        selected by comparisons with the breakpoints (``bounds``, in units of ``x``) and
        ``v = slope · x + intercept`` is within ``_NEAR / 8`` of the exact IAQI
        (:func:`_fast_tables`). An integer ``x`` needs no flag: its exact IAQI is an integer
        or at least ``1 / ΔBP > 4 · _SHIFT`` above one, so ``ceil(v - _SHIFT)`` is its
        ceiling. Otherwise _PLAIN flags a ``v`` within ``_NEAR`` of an integer. _TENTHS
        flags ``C · scale`` within ``_NEAR`` of a half: only there could the float product
        round the other way than the exact one.
        """
        b1, b2, b3, b4, b5, b6 = bounds[1], bounds[2], bounds[3], bounds[4], bounds[5], bounds[6]
        k0, k1, k2, k3 = slopes[0], slopes[1], slopes[2], slopes[3]
        k4, k5, k6 = slopes[4], slopes[5], slopes[6]
        a0, a1, a2, a3 = intercepts[0], intercepts[1], intercepts[2], intercepts[3]
        a4, a5, a6 = intercepts[4], intercepts[5], intercepts[6]
        uncertain = 0
        for i in range(concentration.shape[0]):
            c = np.float64(concentration[i])
            y = c * scale if mode == _TENTHS else c
            x = c if mode == _PLAIN else np.rint(y)
            k, a = k0, a0
            if x > b1:
                k, a = k1, a1
            if x > b2:
                k, a = k2, a2
            if x > b3:
                k, a = k3, a3
            if x > b4:
                k, a = k4, a4
            if x > b5:
                k, a = k5, a5
            if x > b6:
                k, a = k6, a6
            v = k * x + a
            above = x > top
            if mode == _PLAIN:
                # an integer C (station data, zeros) is certified like a rounded one
                integral = x == np.rint(x)
                r = np.ceil(v - (_SHIFT if integral else 0.0))
                unsure = abs(v - np.rint(v)) < _NEAR and not (integral or above)
            else:
                r = np.ceil(v - _SHIFT)
                unsure = mode == _TENTHS and abs(abs(y - x) - 0.5) < _NEAR * (1.0 + y)
            value = over_value if above else r  # selects: v may be NaN or inf above the top
            flag = over_flag if above else 0.0
            flag = np.float64(_EXACT) if unsure else flag
            negative = c < 0.0
            missing = c != c
            value = -1.0 if (missing or negative) else value
            flag = 2.0 if negative else flag
            flag = 1.0 if missing else flag
            out[i] = np.int32(value)
            flags[i] = np.int8(flag)
            uncertain += unsure  # may count invalid inputs too: only a trigger
        return uncertain

    return fast_pass


_fast_plain = _make_fast_pass(_PLAIN)
_fast_integer = _make_fast_pass(_INTEGER)
_fast_tenths = _make_fast_pass(_TENTHS)


@jit(["Tuple((float64[::1], float64[::1], float64[::1], boolean))(int64[::1], int64[::1], int64)"])
def _fast_tables(breakpoints, levels, scale):  # pragma: no cover - compiled
    """Breakpoints (in units of the rounded input), slopes and intercepts of the fast pass,
    and whether its certificate holds for this table.

    A table shorter than 8 breakpoints repeats its top; its last slope carries on (selected
    only above the top, where the value is replaced). With ``u = 2⁻⁵³`` and ``x`` exact and
    in the segment, the float ``slope · x + intercept`` is within
    ``u · (4 · |slope| · BP_hi + |intercept| + I_max)`` (plus ``O(u²)``) of the exact IAQI:
    below ``_NEAR / 8`` while those terms stay below ``_MAX_TERMS``. Gaps between breakpoints
    below ``_MAX_GAP`` keep a non-integer exact IAQI of an integer ``x`` at least
    ``4 · _SHIFT`` above an integer. Other tables (more than 8 breakpoints, not increasing,
    terms too large) take the integer path.
    """
    n_bp = breakpoints.shape[0]
    sc = np.float64(max(scale, 1))
    bounds = np.zeros(_MAX_BREAKPOINTS)
    slopes = np.zeros(_MAX_BREAKPOINTS - 1)
    intercepts = np.zeros(_MAX_BREAKPOINTS - 1)
    if not 2 <= n_bp <= _MAX_BREAKPOINTS:
        return bounds, slopes, intercepts, False
    level_max = 0.0
    for t in range(n_bp):
        level_max = max(level_max, abs(np.float64(levels[t])))
        if t > 0 and not breakpoints[t] > breakpoints[t - 1]:
            return bounds, slopes, intercepts, False
    for t in range(_MAX_BREAKPOINTS):
        bounds[t] = breakpoints[min(t, n_bp - 1)] * sc
    certified = True
    for t in range(_MAX_BREAKPOINTS - 1):
        u = min(t, n_bp - 2)
        lo = breakpoints[u] * sc
        hi = breakpoints[u + 1] * sc
        slopes[t] = (levels[u + 1] - levels[u]) / (hi - lo)
        intercepts[t] = levels[u] - slopes[t] * lo
        terms = 4.0 * abs(slopes[t]) * hi + abs(intercepts[t]) + level_max
        certified = certified and terms < _MAX_TERMS and hi - lo < _MAX_GAP
    return bounds, slopes, intercepts, certified


def _iaqi_loops(
    concentration, breakpoints, levels, scale, over_range, above_top, out, flags
):  # pragma: no cover - compiled
    # Each parallel task runs the vectorised certified pass on a chunk, then (rarely) the
    # integer fix-up of the chunk's uncertain elements while they are still in cache: one
    # pass over memory, one thread start. The chunk work lives in separate functions called
    # on slices (a loop nested in the prange body lost updates in numba's parfor lowering).
    n = concentration.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    sc = np.float64(max(scale, 1))
    bounds, slopes, intercepts, fast = _fast_tables(breakpoints, levels, scale)
    if over_range >= 0:
        over_value, over_flag = np.float64(over_range), 4.0
    elif over_range == -1:
        over_value, over_flag = -1.0, 3.0
    else:
        over_value, over_flag = np.float64(above_top), 5.0
    top = bounds[breakpoints.shape[0] - 1] if fast else 0.0
    for chunk in prange(n_chunks):
        lo = chunk * _CHUNK
        hi = min(lo + _CHUNK, n)
        c, o, f = concentration[lo:hi], out[lo:hi], flags[lo:hi]
        uncertain = 0
        if not fast:
            _iaqi_small(c, breakpoints, levels, scale, over_range, above_top, o, f)
        elif scale == 0:
            uncertain = _fast_plain(
                c, bounds, slopes, intercepts, sc, top, over_value, over_flag, o, f
            )
        elif scale == 1:
            uncertain = _fast_integer(
                c, bounds, slopes, intercepts, sc, top, over_value, over_flag, o, f
            )
        else:
            uncertain = _fast_tenths(
                c, bounds, slopes, intercepts, sc, top, over_value, over_flag, o, f
            )
        if uncertain:
            _fix_up(c, breakpoints, levels, scale, over_range, above_top, o, f)


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


_PARALLEL_FROM = 512  # below this, the integer path beats starting threads (~3 µs)


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
