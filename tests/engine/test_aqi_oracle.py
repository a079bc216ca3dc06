"""Rational-arithmetic oracle of the HJ 633 IAQI, written from docs/rules.md §1 independently of
the data file and of the kernels (test helper, imported by the AQI tests and the kernel table)."""

from __future__ import annotations

import math
from fractions import Fraction

LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
TABLE_2012 = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm25_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}
TABLE_2026 = dict(TABLE_2012)
TABLE_2026["pm10_24h"] = (0, 50, 120, 250, 350, 420, 500, 600)
TABLE_2026["pm25_24h"] = (0, 35, 60, 115, 150, 250, 350, 500)
TABLES = {"HJ633-2012": TABLE_2012, "HJ633-2026": TABLE_2026}
# Over the top: None = not computed (missing), int = fixed IAQI; absent = undefined (500).
OVER = {
    "HJ633-2012": {"so2_1h": None, "o3_8h": None},
    "HJ633-2026": {"so2_1h": 200, "o3_8h": 300},
}


def oracle(pollutant: str, value: float, standard: str, above_top: int = 500) -> int:
    """Exact IAQI: ceiling of the rational value, -1 for missing."""
    if math.isnan(value) or value < 0:
        return -1
    bp = TABLES[standard][pollutant]
    if math.isinf(value):
        c = Fraction(10**9)
    else:
        c = Fraction(value)  # the float's exact value
    if standard == "HJ633-2026":
        scale = 10 if pollutant.startswith("co") else 1
        c = Fraction(round(c * scale), scale)  # Fraction rounds half to even
    if c > bp[-1]:
        rules = OVER[standard]
        if pollutant in rules:
            return -1 if rules[pollutant] is None else rules[pollutant]
        return above_top
    for i in range(len(bp) - 1):
        if c <= bp[i + 1]:
            lo, hi = bp[i], bp[i + 1]
            exact = LEVELS[i] + Fraction(LEVELS[i + 1] - LEVELS[i], hi - lo) * (c - lo)
            return math.ceil(exact)
    raise AssertionError("unreachable")


# The oracle itself against the worked values of docs/rules.md §1.6 and hand-computed fractions.
def test_oracle_reproduces_the_worked_values():
    assert oracle("pm25_24h", 50.0, "HJ633-2012") == 69
    assert oracle("pm25_24h", 50.0, "HJ633-2026") == 80
    assert oracle("pm25_24h", 100.0, "HJ633-2012") == 132
    assert oracle("pm25_24h", 100.0, "HJ633-2026") == 137
    assert oracle("pm25_24h", 160.0, "HJ633-2012") == 210
    assert oracle("o3_8h", 170.0, "HJ633-2012") == 110
    assert oracle("o3_8h", 900.0, "HJ633-2012") == -1
    assert oracle("o3_8h", 900.0, "HJ633-2026") == 300


def test_oracle_uses_the_floats_exact_value():
    # float64 0.15 lies below 0.15, so GB/T 8170 gives 0.1; 0.25 is an exact half → 0.2
    assert Fraction(0.15) < Fraction(15, 100)
    assert oracle("co_24h", 0.15, "HJ633-2026") == math.ceil(Fraction(50, 2) * Fraction(1, 10))
    assert oracle("co_24h", 0.25, "HJ633-2026") == 5
    assert oracle("pm25_24h", 75.0, "HJ633-2012") == 100
