"""IAQI row: the exact integer kernel, the ``Fraction`` oracle, python-aqi and a numpy formula."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from engine import aqi
from engine.kernels import aqi as kernel
from tests.engine.test_aqi_oracle import OVER, TABLES, oracle
from tests.kernel_table._types import Case, Kernel, Outputs, Peer

COLUMNS = tuple((p, s) for s in ("HJ633-2012", "HJ633-2026") for p in aqi.POLLUTANT_IDS)
ABOVE_TOP = 500  # IAQI of a value above the top where the standard says nothing


def generate(
    seed: int,
    size: int,
    dtype=np.float64,
    *,
    pollutant: str | None = None,
    standard: str | None = None,
) -> Case:
    """``size`` concentrations of one column (drawn from the seed unless given): a realistic
    bulk (gamma) mixed with values over the whole table and beyond, 3 % NaN, some negative
    and infinite values, tenths and integers (rounding ties, exact-integer IAQIs) and exact
    breakpoints — in every parallel chunk."""
    rng = np.random.default_rng(seed)
    if pollutant is None or standard is None:
        pollutant, standard = COLUMNS[rng.integers(len(COLUMNS))]
    bp, lv, scale, over = aqi._column(pollutant, aqi.get_standard(standard))
    top = float(bp[-1])
    values = rng.gamma(2.0, bp[min(3, bp.size - 1)] / 3.0, size)
    wide = rng.random(size) < 0.3
    values[wide] = rng.uniform(-0.05 * top, 1.3 * top, int(wide.sum()))
    values[::7] = np.round(values[::7], 1)
    values[::11] = np.round(values[::11])
    values[5::13] = rng.choice(bp, values[5::13].size)
    values[rng.random(size) < 0.03] = np.nan
    values[3::997] = np.inf
    values = values.astype(dtype)
    inputs = dict(
        concentration=values, breakpoints=bp, levels=lv, scale=scale, over_range=over,
        above_top=ABOVE_TOP, pollutant=pollutant, standard=standard,
    )  # fmt: skip
    return Case(inputs, seed, size, f"{size:,} {pollutant} {standard} {np.dtype(dtype).name}")


def run(case: Case) -> Outputs:
    c = case.inputs
    out = np.full(c["concentration"].shape, 12345, np.int32)  # never an IAQI: unwritten shows
    flags = np.full(c["concentration"].shape, 99, np.int8)
    kernel.iaqi(
        c["concentration"], c["breakpoints"], c["levels"], c["scale"], c["over_range"],
        c["above_top"], out, flags,
    )  # fmt: skip
    return out, flags


def reference(case: Case) -> Outputs:
    """IAQI by the rational oracle; flags from docs/rules.md §1.1 (NaN, negative, over the top)."""
    c = case.inputs
    pollutant, standard = c["pollutant"], c["standard"]
    top = TABLES[standard][pollutant][-1]
    rule = OVER[standard].get(pollutant, "undefined")
    out, flags = [], []
    for value in c["concentration"].astype(np.float64).tolist():
        out.append(oracle(pollutant, value, standard, ABOVE_TOP))
        if math.isnan(value):
            flags.append(kernel.FLAG_MISSING)
        elif value < 0:
            flags.append(kernel.FLAG_NEGATIVE)
        elif _rounded(value, pollutant, standard) > top:
            flags.append({None: kernel.FLAG_NOT_COMPUTED, "undefined": kernel.FLAG_ABOVE_TOP}
                         .get(rule, kernel.FLAG_FIXED))  # fmt: skip
        else:
            flags.append(kernel.FLAG_OK)
    return np.array(out, np.int32), np.array(flags, np.int8)


def _rounded(value: float, pollutant: str, standard: str) -> Fraction | float:
    """The concentration the table is read with: HJ 633-2026 first rounds the float's exact
    value half to even (GB/T 8170), to tenths for CO."""
    if standard != "HJ633-2026" or math.isinf(value):
        return value
    scale = 10 if pollutant.startswith("co") else 1
    return Fraction(round(Fraction(value) * scale), scale)


def numpy_formula(case: Case, sample: int):
    """The "obvious" vectorised formula: searchsorted, float arithmetic, ``ceil`` (inexact at
    breakpoints, no input rounding)."""
    c = case.inputs
    values = c["concentration"]
    bp, lv = c["breakpoints"].astype(float), c["levels"].astype(float)

    def call() -> np.ndarray:
        x = values.astype(np.float64)
        j = np.clip(np.searchsorted(bp[1:], x, side="left"), 0, len(bp) - 2)
        lo, hi = bp[j], bp[j + 1]
        with np.errstate(invalid="ignore"):
            out = np.ceil((lv[j + 1] - lv[j]) / (hi - lo) * (x - lo) + lv[j])
        out[x > bp[-1]] = ABOVE_TOP
        out[np.isnan(x) | (x < 0)] = -1
        return out.astype(np.int32)

    return call, 1.0


_PYTHON_AQI = {"pm25_24h": "POLLUTANT_PM25", "pm10_24h": "POLLUTANT_PM10"}


def python_aqi(case: Case, sample: int):
    """The ``python-aqi`` package (``ALGO_MEP``), one value at a time as decimal strings, on the
    first ``sample`` values (it only knows the PM columns)."""
    import aqi as python_aqi_package  # pip: python-aqi (the bench extra)

    name = _PYTHON_AQI.get(case.inputs["pollutant"])
    if name is None:
        return None
    element = getattr(python_aqi_package, name)
    values = case.inputs["concentration"][:sample]
    strings = [f"{v:.1f}" for v in values[np.isfinite(values) & (values >= 0)]]

    def call() -> list:
        return [
            python_aqi_package.to_iaqi(element, s, algo=python_aqi_package.ALGO_MEP)
            for s in strings
        ]

    return call, len(strings) / max(case.size, 1)


IAQI = Kernel(
    name="iaqi",
    entry=kernel.iaqi,
    run=run,
    reference=reference,
    generate=generate,
    size_of="concentrations",
    peers=(
        Peer("python-aqi, per value", python_aqi, requires=("aqi",)),
        Peer("numpy float formula", numpy_formula),
    ),
    dtypes=(np.float32, np.float64),
    test_sizes=(300, 40_000),  # below and above the kernel's parallel threshold (512)
    reference_size=3000,
    bench_size=6_300_000,  # a week of a 900 k-cell national daily field
    bench_options=dict(pollutant="pm25_24h", standard="HJ633-2026"),
    memory_bound=True,
)
