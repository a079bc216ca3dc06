"""Alert levels under the rule sets of docs/rules.md §2.1 (natural-day mode)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.errors import PolicyError
from engine.levels import DayAQI, classify, get_rule_set, rule_set_for

START = dt.date(2026, 12, 1)
MEE2024 = get_rule_set("MEE-2024")
MEE2018 = get_rule_set("MEE-2018")


def days(*aqi, primary=("pm25",)):
    return [
        DayAQI(START + dt.timedelta(days=i), a, primary if a is not None else ())
        for i, a in enumerate(aqi)
    ]


@pytest.mark.parametrize(
    ("aqi", "level"),
    [
        ((150, 150, 150, 150), "none"),  # "> 150" is strict
        ((200, 150), "none"),  # "> 200" is strict
        ((201, 100), "yellow"),  # > 200 for a day
        ((151, 151, 100), "yellow"),  # > 150 lasting 48 h
        ((151, 100, 151), "none"),  # not consecutive
        ((201, 201, 100), "orange"),  # > 200 lasting 48 h
        ((151, 160, 170, 100), "orange"),  # > 150 lasting 72 h
        ((201, 250, 280, 100), "orange"),  # > 200 for 72 h but never > 300
        ((201, 250, 301, 100), "red"),  # > 200 for 72 h and > 300 for 24 h
        ((301, 301, 150), "orange"),  # > 300 but only 48 h above 200
        ((100, 301, 301, 301), "none"),  # runs start on the requested day
    ],
)
def test_mee_2024_ladder(aqi, level):
    assert classify(days(*aqi), MEE2024).level == level


@pytest.mark.parametrize(
    ("aqi", "level"),
    [
        ((201, 150), "none"),  # one day > 200 is not enough in 2018
        ((201, 201, 150), "yellow"),
        ((201, 201, 201, 150), "orange"),
        ((301, 301, 201, 201, 100), "red"),  # > 200 for 96 h and > 300 for 48 h
        ((301, 250, 250, 201, 100), "orange"),  # > 300 only 24 h
        ((500, 100), "red"),  # AQI reaches 500
    ],
)
def test_mee_2018_ladder(aqi, level):
    assert classify(days(*aqi), MEE2018).level == level


def test_missing_day_breaks_a_run():
    assert classify(days(201, None, 201), MEE2024).level == "yellow"
    assert classify(days(201, 201, None), MEE2024).level == "orange"


def test_ozone_days_give_advice_not_a_level_under_mee_2024():
    decision = classify(days(210, 220, 120, primary=("o3",)), MEE2024)
    assert (decision.level, decision.regime) == ("none", "o3")
    assert decision.advisories == ("o3_health_advice",)
    assert any("O3 daily AQI > 200" in r for r in decision.reasons)
    # Under the 2018-era ladder every pollutant counts.
    assert classify(days(210, 220, 120, primary=("o3",)), MEE2018).level == "yellow"


def test_reason_names_rule_days_and_values():
    decision = classify(days(226, 241, 120), MEE2024)
    assert decision.regime == "pm25"
    assert decision.reasons == (
        "PM2.5 daily AQI > 200 forecast for 48 h (12-01, 12-02; AQI 226, 241) → orange "
        "under MEE-2024",
    )


def test_rule_set_in_force_by_date():
    assert rule_set_for(dt.date(2024, 1, 23)).id == "MEE-2024"
    assert rule_set_for(dt.date(2024, 1, 22)).id == "MEE-2018"
    with pytest.raises(PolicyError, match="no alert rule set is in force on 2010-01-01"):
        rule_set_for(dt.date(2010, 1, 1))
    with pytest.raises(PolicyError, match="unknown rule set 'MEE-1999'; known: MEE-2018, MEE-2024"):
        get_rule_set("MEE-1999")


def windows(*aqi, primary=("pm25",), start=dt.datetime(2026, 12, 1)):
    from engine.levels import WindowAQI

    return [
        WindowAQI(start + dt.timedelta(hours=i), a, primary if a is not None else ())
        for i, a in enumerate(aqi)
    ]


def test_rolling_run_lasts_from_first_window_start_to_last_window_end():
    # 25 consecutive windows > 200, starting 12-01 00:00 … 12-02 00:00: 48 h in all.
    decision = classify(windows(*[210] * 25, *[100] * 30), MEE2024, "rolling")
    assert decision.level == "orange"
    assert "forecast for 48 h (12-01 00:00 – 12-03 00:00; peak AQI 210)" in decision.reasons[0]
    # 24 windows: 47 h, not yet 48 h → yellow (> 200 for 24 h).
    assert classify(windows(*[210] * 24, *[100] * 30), MEE2024, "rolling").level == "yellow"


def test_rolling_run_may_start_later_on_the_first_day_but_not_after():
    assert classify(windows(*[100] * 23, *[210] * 30), MEE2024, "rolling").level == "orange"
    assert classify(windows(*[100] * 24, *[210] * 30), MEE2024, "rolling").level == "none"


def test_pre_alert_tier_is_optional():
    assert classify(days(160, 90), MEE2024).level == "none"
    assert classify(days(160, 90), MEE2024, pre_alert=True).level == "pre_alert"
    assert classify(days(110, 120, 90), MEE2024, pre_alert=True).level == "pre_alert"
    assert classify(days(110, 90), MEE2024, pre_alert=True).level == "none"


def test_chinese_reasons_name_the_rule_days_and_values():
    decision = classify(days(226, 241, 120), MEE2024)
    assert decision.reasons_zh == (
        "PM2.5 日 AQI > 200 预计持续 48 小时（12-01、12-02；AQI 226、241）→ 按 MEE-2024 为橙色预警",
    )


def test_clear_hours_count_clean_days_from_the_start():
    decision = classify(days(120, 140, 160, 90), MEE2024)
    assert decision.clear_hours["yellow"] == 48  # below 150 for two days
    assert decision.clear_hours["red"] == 96  # red never starts below 200
    assert classify(days(120, None, 90), MEE2024).clear_hours["yellow"] == 24


def test_regional_override_can_only_add_stricter_clauses():
    from engine.kernels.levels import classify_series
    from engine.levels import Condition, rule_table

    extra = (("orange", ((Condition(200, False, 24), Condition(300, False, 24)),)),)
    table = rule_table(MEE2024, extra=extra)
    aqi = np.array([[310, 120], [250, 120]], dtype=np.int32)
    clause, _ = classify_series(
        aqi, np.ones_like(aqi, dtype=bool), table.threshold, table.inclusive, table.hours,
        table.n_conditions, step_hours=24, window_hours=24, anchor=1,
    )  # fmt: skip
    assert [table.levels[c] for c in clause] == ["orange", "yellow"]


def test_overrides_file_form():
    from engine.levels import parse_overrides

    data = {
        "override": [
            {
                "region": "130100",
                "rule_set": "MEE-2024",
                "level": "orange",
                "clauses": [[{"aqi_above": 200, "hours": 24}, {"aqi_above": 300, "hours": 24}]],
                "source": "城市预案 (example)",
            }
        ]
    }
    parsed = parse_overrides(data)
    assert list(parsed) == ["MEE-2024"] and list(parsed["MEE-2024"]) == ["130100"]
    with pytest.raises(PolicyError, match="override #1 lacks source"):
        parse_overrides(
            {"override": [{k: v for k, v in data["override"][0].items() if k != "source"}]}
        )
    bad = dict(data["override"][0], level="purple")
    with pytest.raises(PolicyError, match="has no level 'purple'"):
        parse_overrides({"override": [bad]})
