"""Compliance from electricity use: a stopped line drawing 60 % of its baseline is flagged, one
at 3 % is not; caps, whole-plant meters, missing readings and baselines (docs/rules.md §6.2).

Hand-made cement plants at orange (docs/rules.md §3.2: D and C stop, B cuts output 20 %).
Every meter draws a flat 100 kWh an hour on ordinary days, so a line's baseline over the 24
hours of the checked day is 2,400 kWh.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.compliance import (
    STATUSES,
    baseline_profile,
    check_use,
    checks_for_plan,
    combine_meters,
    compliance_document,
    compliance_rows,
    compliance_rules,
    expected_use,
)
from engine.measures import compute_plan, registry_from_records
from tests.engine.test_measures import _ent, _line

DAY = dt.date(2026, 12, 2)  # a Wednesday
RULES = compliance_rules()
RATES = (1.0, 2.0, 0.5, 0.1)


def plan():
    enterprises = [
        _ent("CEM-A", "A"),  # self-directed: nothing to check
        _ent("CEM-B", "B"),
        _ent("CEM-B2", "B"),
        _ent("CEM-C", "C"),
        _ent("CEM-D", "D"),
        _ent("CEM-D2", "D"),
        _ent("CEM-X", "D"),
    ]
    lines = [_line(e["credit_code"], "L1", 1000, 1000, 1000, RATES) for e in enterprises]
    lines.append(_line("CEM-C", "L2", 1000, 1000, 1000, RATES))
    return compute_plan(registry_from_records(enterprises, lines, []), "orange", DAY)


# meter → (credit code, line id, share of the baseline drawn on the checked day)
METERS = {
    "m-b": ("CEM-B", "L1", 0.95),  # capped at 80 %, limit 90 %: flagged
    "m-b2": ("CEM-B2", "L1", 0.85),  # within 90 %
    "m-c": ("CEM-C", "", 0.10),  # whole plant, both lines stop: within 25 %
    "m-d": ("CEM-D", "L1", 0.60),  # stopped but drawing 60 %: flagged
    "m-d2": ("CEM-D2", "L1", 0.03),  # stopped, 3 %: compliant
}


def test_measures_become_checks():
    result = plan()
    credit = [m[0] for m in METERS.values()]
    line = [m[1] for m in METERS.values()]
    checks = checks_for_plan(result, credit, line)
    reg = result.registry
    rows = [
        (str(reg.credit_code[e]), str(reg.line_id[i]) if i >= 0 else "", int(k), float(a))
        for e, i, k, a in zip(
            checks.enterprise, checks.line, checks.kind, checks.allowed_share, strict=True
        )
    ]
    assert rows == [
        ("CEM-B", "L1", 2, pytest.approx(0.8)),
        ("CEM-B2", "L1", 2, pytest.approx(0.8)),
        ("CEM-C", "", 1, 0.0),
        ("CEM-D", "L1", 1, 0.0),
        ("CEM-D2", "L1", 1, 0.0),
        ("CEM-X", "L1", 1, 0.0),
    ]
    assert checks.meters == ((0,), (1,), (2,), (3,), (4,), ())


def use_history(shares, lookback=28, alert_days=()):
    """Meters' hourly use over ``lookback`` days then the checked day [kWh]."""
    use = np.full((len(shares), (lookback + 1) * 24), 100.0)
    for day in alert_days:  # under an alert the plants drew little: not part of the baseline
        use[:, day * 24 : (day + 1) * 24] = 5.0
    use[:, lookback * 24 :] = 100.0 * np.asarray(shares)[:, None]
    return use


def run_checks(use, alert, rules=RULES):
    result = plan()
    credit = [m[0] for m in METERS.values()]
    line = [m[1] for m in METERS.values()]
    checks = checks_for_plan(result, credit, line)
    series = combine_meters(use, checks)
    start = DAY - dt.timedelta(days=rules.lookback_days)
    lookback = rules.lookback_days * 24
    profile = baseline_profile(series[:, :lookback], start.weekday(), alert,
                               min_samples=rules.min_samples)  # fmt: skip
    expected = expected_use(profile, DAY.weekday(), 1)
    has_meter = np.array([bool(m) for m in checks.meters])
    outcome = check_use(series[:, lookback:], expected, np.ones(24, bool), checks.kind,
                        checks.allowed_share, rules, has_meter)  # fmt: skip
    return result, checks, outcome


def test_a_stopped_line_at_60_percent_is_flagged_and_one_at_3_percent_is_not():
    alert = np.zeros(28, bool)
    alert[[3, 10]] = True
    use = use_history([m[2] for m in METERS.values()], alert_days=[3, 10])
    _, _, outcome = run_checks(use, alert)
    status = [STATUSES[s] for s in outcome.status]
    assert status == ["flagged", "compliant", "compliant", "flagged", "compliant", "no_meter"]
    # evidence: 24 h, kWh used and of the baseline (alert days left out of the baseline)
    assert outcome.hours.tolist() == [24, 24, 24, 24, 24, 0]
    assert outcome.baseline_kwh[:5].tolist() == [2400.0] * 5
    assert outcome.use_kwh[3] == pytest.approx(1440.0)  # 60 %
    assert outcome.use_kwh[4] == pytest.approx(72.0)  # 3 %
    assert outcome.limit_share.tolist()[:5] == pytest.approx([0.9, 0.9, 0.25, 0.25, 0.25])
    assert outcome.hours_above.tolist()[:5] == [24, 0, 0, 24, 0]


def test_alert_days_would_have_lowered_the_baseline():
    use = use_history([m[2] for m in METERS.values()], alert_days=list(range(28)))
    _, _, outcome = run_checks(use, np.zeros(28, bool))  # alerts not left out: baseline 5 kWh
    assert outcome.baseline_kwh[3] == pytest.approx(120.0)
    assert STATUSES[outcome.status[4]] == "flagged"  # 3 kWh an hour is then 60 % of 5


def test_missing_readings_and_baselines():
    use = use_history([m[2] for m in METERS.values()])
    use[0, 28 * 24 :] = np.nan  # CEM-B sent nothing on the day
    use[1, : 28 * 24] = np.nan  # CEM-B2 has no history
    use[3, 28 * 24 + 5] = np.nan  # one missing hour of CEM-D
    _, _, outcome = run_checks(use, np.zeros(28, bool))
    assert STATUSES[outcome.status[0]] == "no_data"
    assert STATUSES[outcome.status[1]] == "no_baseline"
    assert STATUSES[outcome.status[3]] == "flagged"
    assert outcome.hours[3] == 23 and outcome.missing_hours[3] == 1


def test_the_stop_share_is_configurable():
    use = use_history([m[2] for m in METERS.values()])
    _, _, outcome = run_checks(use, np.zeros(28, bool), compliance_rules(stop_share=0.7))
    assert STATUSES[outcome.status[3]] == "compliant"


def test_baseline_by_weekday_and_hour_with_fallback():
    # two weeks; Mondays draw 200 at 09:00, other days 100; the first Tuesday is missing
    use = np.full((1, 14 * 24), 100.0)
    use[0, [9, 7 * 24 + 9]] = 200.0  # day 0 is a Monday
    use[0, 24:48] = np.nan
    profile = baseline_profile(use, 0, np.zeros(14, bool), min_samples=2)
    assert profile[0, 0, 9] == 200.0 and profile[0, 0, 8] == 100.0
    # Tuesday has one sample: the mean of 09:00 over all weekdays stands in
    assert profile[0, 1, 9] == pytest.approx((2 * 200 + 11 * 100) / 13)
    assert expected_use(profile, 0, 2).shape == (1, 48)


def test_document_and_inspectors_list():
    use = use_history([m[2] for m in METERS.values()])
    result, checks, outcome = run_checks(use, np.zeros(28, bool))
    hours = [dt.datetime(2026, 12, 2, h) for h in range(24)]
    document = compliance_document(
        result, checks, outcome, region={"code": "130100", "name": "石家庄市"}, day=DAY,
        regime="pm25", rules=RULES, meter_ids=list(METERS), hours=hours,
    )  # fmt: skip
    assert document["summary"] == {
        "checked": 6, "compliant": 3, "flagged": 2, "no_data": 0, "no_baseline": 0,
        "no_meter": 1,
    }  # fmt: skip
    flags = document["flags"]
    assert [(f["credit_code"], f["kind"]) for f in flags] == [("CEM-B", "cap"), ("CEM-D", "stop")]
    stop = flags[1]
    assert stop["use_kwh"] == 1440.0 and stop["baseline_kwh"] == 2400.0 and stop["ratio"] == 0.6
    assert stop["meters"] == ["m-d"] and len(stop["hours_above"]) == 24
    assert stop["hours_above"][0] == "2026-12-02T00:00"
    assert "ordered to stop" in stop["rule"] and "25%" in stop["rule"]
    assert "1440.0 kWh in 24 h" in stop["evidence"]
    plant = next(c for c in document["checks"] if c["credit_code"] == "CEM-C")
    assert plant["scope"] == "enterprise" and plant["line_id"] is None
    assert "CEM-X" not in {c["credit_code"] for c in document["checks"]}  # counted, not listed
    listed = compliance_document(
        result, checks, outcome, region={"code": "130100", "name": "石家庄市"}, day=DAY,
        regime="pm25", rules=RULES, meter_ids=list(METERS), hours=hours, unmetered=True,
    )  # fmt: skip
    assert listed["checks"][-1]["credit_code"] == "CEM-X"
    assert listed["checks"][-1]["status"] == "no_meter" and listed["checks"][-1]["meters"] == []
    rows = compliance_rows(document)
    assert len(rows) == 5
    assert rows[0]["credit_code"] == "CEM-B" and rows[0]["status"] == "flagged"
    assert rows[0]["hours_above"] == 24 and rows[0]["region_code"] == "130100"
