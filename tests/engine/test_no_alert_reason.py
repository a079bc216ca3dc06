"""Every decision carries a reason, a ``none`` too: its peak AQI against the weakest level."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.levels import DayAQI, WindowAQI, classify, get_rule_set

MEE2024 = get_rule_set("MEE-2024")
MEE2018 = get_rule_set("MEE-2018")
DAY = dt.date(2026, 12, 1)


def days(*aqi, primary=("pm25",)):
    return [
        DayAQI(DAY + dt.timedelta(days=i), a, primary if a is not None and a > 50 else ())
        for i, a in enumerate(aqi)
    ]


def test_a_none_names_its_peak_and_the_yellow_rule():
    decision = classify(days(117, 90, 60), MEE2024)
    assert decision.level == "none"
    assert decision.reasons == (
        "PM2.5 daily AQI peaks at 117 (12-01), short of yellow (> 200 (24 h) / > 150 (48 h)) "
        "under MEE-2024: no alert",
    )
    assert decision.reasons_zh == (
        "PM2.5 日 AQI 最高 117（12-01），未达到黄色预警条件（> 200 (24 h) / > 150 (48 h)，"
        "MEE-2024）：不预警",
    )


def test_a_short_peak_above_a_threshold_is_short_of_the_level_too():
    decision = classify(days(90, 180, 120), MEE2018)
    assert decision.level == "none"
    assert decision.reasons[0].startswith("PM2.5 daily AQI peaks at 180 (12-02), short of yellow")
    assert "(> 200 (48 h))" in decision.reasons[0]


def test_the_pre_alert_tier_is_the_weakest_level_when_on():
    decision = classify(days(40, 45), MEE2024, pre_alert=True)
    assert decision.reasons[0] == (
        "daily AQI peaks at 45 (12-02), short of pre_alert (> 150 (24 h) / > 100 (48 h)) "
        "under MEE-2024: no alert"
    )
    assert "预警提示（临时管控）条件" in decision.reasons_zh[0]


def test_no_valid_day_says_so():
    decision = classify(days(None, None), MEE2024)
    assert decision.level == "none"
    assert decision.reasons[0].startswith("no valid daily AQI in the forecast")
    assert decision.reasons_zh[0].startswith("该区域预报中无有效日 AQI")


def test_rolling_windows_name_the_window():
    start = dt.datetime(2026, 12, 1)
    steps = [WindowAQI(start + dt.timedelta(hours=h), 100 + h, ("pm25",)) for h in range(30)]
    decision = classify(steps, MEE2024, mode="rolling")
    assert decision.level == "none"
    assert decision.reasons[0].startswith(
        "PM2.5 24-h AQI peaks at 129 (window from 12-02 05:00), short of yellow"
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=1, max_size=7))
def test_every_decision_has_a_reason_in_both_languages(aqi):
    decision = classify(days(*aqi), MEE2024)
    assert decision.reasons and len(decision.reasons) == len(decision.reasons_zh)
    if decision.level == "none" and decision.regime == "none" and any(a is not None for a in aqi):
        peak = max(a for a in aqi if a is not None)
        assert f"peaks at {peak} " in decision.reasons[0]
