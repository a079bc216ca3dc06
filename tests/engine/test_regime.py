"""Which days count toward the mandatory level (docs/rules.md §2.2), and rolling-mode lifting.

Under MEE-2024 only days whose primary pollutant is O3 alone are in the ozone regime (advice,
no level); NO2, SO2, CO and PM days, and days where O3 ties with another pollutant, count.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.levels import (
    DayAQI,
    WindowAQI,
    classify,
    classify_arrays,
    get_rule_set,
    rule_sets,
    rule_table,
)

START = dt.date(2026, 12, 1)
MEE2024 = get_rule_set("MEE-2024")
POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")


def days(*aqi, primary=("pm25",)):
    return [DayAQI(START + dt.timedelta(days=i), a, primary) for i, a in enumerate(aqi)]


def test_no2_days_count_toward_the_mandatory_level():
    decision = classify(days(250, 250, 250, primary=("no2",)), MEE2024)
    assert (decision.level, decision.regime, decision.advisories) == ("orange", "pm25", ())
    assert decision.reasons[0].startswith("NO2 daily AQI > 200 forecast for 72 h")
    assert not any("O3" in r for r in decision.reasons)
    assert not any("臭氧" in r for r in decision.reasons_zh)
    assert decision.reasons_zh[0].startswith("NO2 日 AQI > 200 预计持续 72 小时")


def test_so2_and_co_days_count_too():
    assert classify(days(250, 100, primary=("so2",)), MEE2024).level == "yellow"
    assert classify(days(201, 201, primary=("co",)), MEE2024).level == "orange"


def test_a_day_where_o3_ties_with_pm25_counts():
    decision = classify(days(250, 250, 250, primary=("o3", "pm25")), MEE2024)
    assert (decision.level, decision.regime) == ("orange", "pm25")


def test_o3_alone_stays_advisory_with_a_named_reason():
    decision = classify(days(250, 250, 250, primary=("o3",)), MEE2024)
    assert (decision.level, decision.regime) == ("none", "o3")
    assert decision.advisories == ("o3_health_advice",)
    assert decision.reasons[-1].startswith("O3-dominated days would reach orange")


def test_pre_alert_tier_counts_no2_days():
    decision = classify(days(160, 100, primary=("no2",)), MEE2024, pre_alert=True)
    assert (decision.level, decision.regime) == ("pre_alert", "pm25")


def _windows(values):
    start = dt.datetime.combine(START, dt.time())
    return [
        WindowAQI(start + dt.timedelta(hours=h), v, ("pm25",) if v and v > 50 else ())
        for h, v in enumerate(values)
    ]


def test_rolling_clean_hours_end_where_a_polluted_window_begins():
    # 5 clean windows, then windows above 200: the window starting at hour 5 covers hours
    # 5..28, so the forecast is clean for 5 h, not 5 + 23 h.
    decision = classify(_windows([100] * 5 + [250] * 40), MEE2024, "rolling")
    assert decision.clear_hours["yellow"] == 5
    # Clean to the end: until the end of the last window.
    assert classify(_windows([100] * 30), MEE2024, "rolling").clear_hours["yellow"] == 30 + 23


def test_natural_clean_hours_are_24_per_clean_day():
    assert classify(days(100, 100, 250), MEE2024).clear_hours["yellow"] == 48
    assert classify(days(100, 100, 100), MEE2024).clear_hours["yellow"] == 72


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.integers(-1, 400), min_size=1, max_size=60),
    st.data(),
    st.sampled_from(["natural", "rolling"]),
    st.sampled_from(sorted(rule_sets())),
    st.booleans(),
)
def test_a_worse_forecast_never_stays_clean_longer(aqi, data, mode, rule_set_id, pre_alert):
    """Raising any step's AQI (or filling a missing step) never lengthens a clean stretch."""
    table = rule_table(get_rule_set(rule_set_id), pre_alert=pre_alert)
    i = data.draw(st.integers(0, len(aqi) - 1))
    worse = list(aqi)
    worse[i] = max(aqi[i], 0) + data.draw(st.integers(0, 300))
    arrays = np.array([aqi, worse], dtype=np.int32)
    primary = np.zeros((2, len(aqi), len(POLLUTANTS)), dtype=bool)
    primary[..., 0] = arrays > 50  # PM2.5 primary on every polluted step
    starts = [dt.datetime(2026, 12, 1) + dt.timedelta(hours=h) for h in range(len(aqi))]
    result = classify_arrays(arrays, primary, POLLUTANTS, starts, table, mode)
    for name, hours in result.clear_hours.items():
        if aqi[i] >= 0:  # a missing step is not clean, so filling it may only help if valid
            assert hours[1] <= hours[0], (name, aqi, worse)
