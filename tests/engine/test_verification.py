"""Forecast verification: every count and score of a hand-made ten days equals a hand count.

Ten CST days 2026-12-01 … 12-10 of one city under MEE-2024 (docs/rules.md §2.1, §6). Observed
daily AQI (PM2.5 primary every day) and the level each day's observations trigger, by hand:

    day        1    2    3    4    5    6    7    8    9   10  (11, 12 after the period)
    AQI      114  210  210  310  210  148  158   60   60  210   60   60
    level   none red  red  orng yell none none none none yell

(day 2: > 200 for 72 h within days 2–4 and > 300 on day 4 → red; day 4: > 200 for 48 h →
orange; day 5: > 200 for 24 h → yellow; day 7: > 150 for 24 h only → none.)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from engine.levels import LEVELS, get_rule_set, rule_table
from engine.regional import RegionalDaily
from engine.verify import (
    ForecastSide,
    contingency,
    decision_side,
    horizon_days,
    observed_levels,
    pair_rows,
    pair_with_observations,
    skill_scores,
    verification_document,
)

START = dt.date(2026, 12, 1)
OBSERVED_AQI = [114, 210, 210, 310, 210, 148, 158, 60, 60, 210, 60, 60]
OBSERVED_LEVELS = ["none", "red", "red", "orange", "yellow", "none", "none", "none", "none",
                   "yellow"]  # fmt: skip
ISSUED = [
    "none", "orange", "red", "red", "yellow", "none", "yellow", "none", "none", "orange"
]  # fmt: skip
# Hand count of the issued levels against the observed ones ("event at L" = level >= L):
#   yellow: forecast on days 2 3 4 5 7 10, observed on 2 3 4 5 10 → a 5, c 0, b 1 (day 7), d 4
#   orange: forecast 2 3 4 10, observed 2 3 4 → a 3, c 0, b 1 (day 10), d 6
#   red: forecast 3 4, observed 2 3 → a 1 (day 3), c 1 (day 2), b 1 (day 4), d 7
HAND = {
    "yellow": {"hits": 5, "misses": 0, "false_alarms": 1, "correct_negatives": 4,
               "pod": 1.0, "far": 0.1667, "csi": 0.8333, "hss": 0.8},  # 40 / 50
    "orange": {"hits": 3, "misses": 0, "false_alarms": 1, "correct_negatives": 6,
               "pod": 1.0, "far": 0.25, "csi": 0.75, "hss": 0.7826},  # 36 / 46
    "red": {"hits": 1, "misses": 1, "false_alarms": 1, "correct_negatives": 7,
            "pod": 0.5, "far": 0.5, "csi": 0.3333, "hss": 0.375},  # 12 / 32
}  # fmt: skip
MEE_2024 = rule_table(get_rule_set("MEE-2024"))


def observed(codes=("130100",), aqi=OBSERVED_AQI) -> RegionalDaily:
    """Observed daily values as the observation store gives them (PM2.5 primary)."""
    dates = np.array([np.datetime64(START, "D") + k for k in range(len(aqi))], "datetime64[ns]")
    values = np.array([aqi] * len(codes), np.int32)
    dims = ("region", "date")
    data = xr.Dataset(
        {
            "aqi": (dims, values),
            "primary_pm25": (dims, values > 50),
            "primary_o3": (dims, np.zeros(values.shape, bool)),
            "pm25": (dims, np.where(values >= 0, values / 2.0, np.nan)),
        },
        coords={"region": list(codes), "date": dates},
    )
    return RegionalDaily(data=data, hourly=xr.Dataset())


def decisions(levels=ISSUED, code="130100", lead=1):
    return [
        {
            "id": k,
            "region": code,
            "date": (START + dt.timedelta(days=k)).isoformat(),
            "level": level,
            "rule_set": "MEE-2024",
            "mode": "natural",
            # issued at 20:00 CST, ``lead`` days before the date
            "forecast": {"issued": f"{START + dt.timedelta(days=k - lead)}T12:00Z"},
        }
        for k, level in enumerate(levels)
    ]


def test_observed_levels_follow_the_rule_set_from_each_day_on():
    assert horizon_days(MEE_2024) == 3
    aqi = np.array([OBSERVED_AQI], np.int32)
    primary = (aqi > 50)[..., None]
    levels = observed_levels(aqi, primary, ["pm25"], MEE_2024)
    assert [LEVELS[k] for k in levels[0, :10]] == OBSERVED_LEVELS


def test_observed_ozone_days_trigger_no_mandatory_level():
    aqi = np.array([[310, 310, 310]], np.int32)
    o3_only = np.zeros((1, 3, 2), bool)
    o3_only[..., 1] = True
    assert observed_levels(aqi, o3_only, ["pm25", "o3"], MEE_2024).tolist() == [[0, 0, 0]]


def test_missing_observations_are_minus_one():
    aqi = np.array([[210, -1, 210]], np.int32)
    levels = observed_levels(aqi, (aqi > 0)[..., None], ["pm25"], MEE_2024)
    assert levels.tolist() == [[LEVELS.index("yellow"), -1, LEVELS.index("yellow")]]


def test_contingency_and_scores_equal_the_hand_count():
    f = np.array([LEVELS.index(x) for x in ISSUED])
    o = np.array([LEVELS.index(x) for x in OBSERVED_LEVELS])
    counts = contingency(f, o, np.array([2, 3, 4]))[0]
    assert counts.tolist() == [
        [HAND[k][n] for n in ("hits", "misses", "false_alarms", "correct_negatives")]
        for k in ("yellow", "orange", "red")
    ]
    scores = skill_scores(counts)
    for k, level in enumerate(("yellow", "orange", "red")):
        for name in ("pod", "far", "csi", "hss"):
            assert scores[name][k] == pytest.approx(HAND[level][name], abs=5e-5)


def test_undefined_scores_are_nan():
    scores = skill_scores(np.array([[0, 2, 0, 8], [0, 0, 0, 10]]))
    assert np.isnan(scores["far"][0]) and scores["pod"][0] == 0 and scores["hss"][0] == 0
    assert np.isnan(scores["pod"][1]) and np.isnan(scores["csi"][1]) and np.isnan(scores["hss"][1])


def test_document_of_decisions_equals_the_hand_count():
    side = decision_side(decisions())
    assert side.lead_day.tolist() == [1] * 10
    pairs = pair_with_observations(side, observed())
    document = verification_document(
        pairs, START, START + dt.timedelta(days=9), {"130100": "石家庄"}
    )
    assert document["from"] == "2026-12-01" and document["to"] == "2026-12-10"
    assert document["source"] == "decisions"
    assert document["by_level"] == HAND
    assert document["aqi"] == {"bias": None, "rmse": None, "category_accuracy": None}
    assert document["pairs"] == 10 and document["left_out"] == 0
    (region,) = document["regions"]
    assert region["region"] == {"code": "130100", "name": "石家庄"}
    assert [d["level_observed"] for d in region["days"]] == OBSERVED_LEVELS
    assert region["days"][3] == {
        "date": "2026-12-04",
        "lead_day": 1,
        "level_forecast": "red",
        "level_observed": "orange",
        "aqi_forecast": None,
        "aqi_observed": 310,
    }
    (lead,) = document["by_lead_day"]
    assert lead["lead_day"] == 1 and lead["by_level"] == HAND
    rolling = document["rolling"]["30"]
    assert len(rolling) == 10 and rolling[-1]["pairs"] == 10
    assert rolling[-1]["by_level"]["red"]["csi"] == HAND["red"]["csi"]
    assert rolling[0]["by_level"]["yellow"]["pod"] is None  # day 1: no event yet


def test_left_out_days_are_counted_apart_and_the_last_decision_counts():
    records = decisions() + decisions(code="130200")
    again = dict(records[4], id=100, level="red")  # day 5 asked again: the later one counts
    side = decision_side([*records, again])
    observations = observed(aqi=OBSERVED_AQI[:4] + [-1] + OBSERVED_AQI[5:])
    document = verification_document(
        pair_with_observations(side, observations), START, START + dt.timedelta(days=9)
    )
    assert document["left_out"] == 10 + 1  # 130200 has no station; day 5 has no valid AQI
    assert document["pairs"] == 9
    assert [r["region"]["code"] for r in document["regions"]] == ["130100"]
    rows = pair_rows(pair_with_observations(side, observations))
    day5 = [r for r in rows if r["region_code"] == "130100" and r["date"] == "2026-12-05"]
    assert day5[0]["level_forecast"] == "red" and day5[0]["verified"] is False


def test_scores_by_lead_day_and_continuous_errors():
    rows = [
        {"region": "130100", "date": START + dt.timedelta(days=k), "lead_day": lead,
         "level": "none", "rule_set": "MEE-2024", "aqi": aqi, "pm25": None}
        for k, (lead, aqi) in enumerate([(1, 124), (1, 200), (2, 210), (2, 310)])
    ]  # fmt: skip
    pairs = pair_with_observations(ForecastSide.from_rows("forecast", rows), observed())
    document = verification_document(pairs, START, START + dt.timedelta(days=3))
    # errors: +10, -10, 0, 0 → bias 0, RMSE sqrt(200 / 4)
    assert document["aqi"]["bias"] == 0.0
    assert document["aqi"]["rmse"] == pytest.approx(np.sqrt(50.0), abs=1e-3)
    # categories: 124/114 both 3; 200 (4) vs 210 (5); 210/210; 310/310 → 3 of 4
    assert document["aqi"]["category_accuracy"] == 0.75
    # ranges ±15: 200 → 185…215 spans 4–5, so day 2 is right too
    assert document["category_range_accuracy"] == 1.0
    by_lead = {d["lead_day"]: d for d in document["by_lead_day"]}
    assert by_lead[1]["pairs"] == 2 and by_lead[1]["aqi"]["bias"] == 0.0
    assert by_lead[2]["aqi"]["rmse"] == 0.0
    assert document["pollutants"]["pm25"] == {"bias": None, "rmse": None, "n": 0}


def test_nothing_to_verify():
    pairs = pair_with_observations(decision_side([]), None)
    document = verification_document(pairs, START, START + dt.timedelta(days=9))
    assert document["pairs"] == 0 and document["left_out"] == 0 and document["regions"] == []
    assert document["by_level"]["red"]["hits"] == 0 and document["by_level"]["red"]["pod"] is None
    assert document["by_lead_day"] == [] and document["rolling"]["30"] == []
