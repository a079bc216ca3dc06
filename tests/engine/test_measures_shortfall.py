"""Shortfall proposals: D first, then C, then B; by reduction per unit of output lost."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.measures import build_plan, registry_from_records

DAY = dt.date(2026, 12, 2)


def _ent(code, grade, guarantee=False):
    return {
        "credit_code": code,
        "name": code,
        "region_code": "130100",
        "lon": 114.5,
        "lat": 38.0,
        "industry": "other",
        "grade": grade,
        "guarantee": guarantee,
        "guarantee_cap": None,
        "positive_list": False,
        "low_voc": False,
        "voc_treatment": "none",
    }


def _line(code, nox_kg_h, output):
    return {
        "credit_code": code,
        "line_id": "L1",
        "process": "production",
        "permitted_capacity": output,
        "licensed_capacity": output,
        "last_year_output": output,
        "capacity_unit": "t",
        "so2_kg_h": 0.0,
        "nox_kg_h": nox_kg_h,
        "pm_kg_h": 0.0,
        "voc_kg_h": 0.0,
        "hours_per_day": 24.0,
        "already_stopped": False,
    }


# nox/day, output/day (output/365) and, at yellow, the mandatory cut:
#   D1 240 kg, 1000 t → 0.24 kg/t; own plan limits 20 % → 192 kg left
#   D2 120 kg,  100 t → 1.2 kg/t;  own plan limits 20 % →  96 kg left
#   C1 2400 kg, 1000 t → 2.4 kg/t; fallback limit 30 % → 1680 kg left
#   C2 1200 kg,  100 t → 12 kg/t;  fallback limit 30 % →  840 kg left
#   B1 480 kg, 1000 t → 0.48 kg/t; transport only    →  480 kg left
#   G1 24 000 kg, guarantee without a cap: keeps the fallback limit 30 % → cuts 7 200 kg
#   A1 and G1 (guarantee) emit much more but are never candidates
ENTERPRISES = [
    _ent("D1", "D"),
    _ent("D2", "D"),
    _ent("C1", "C"),
    _ent("C2", "C"),
    _ent("B1", "B"),
    _ent("A1", "A"),
    _ent("G1", "C", guarantee=True),
]
LINES = [
    _line("D1", 10, 365_000),
    _line("D2", 5, 36_500),
    _line("C1", 100, 365_000),
    _line("C2", 50, 36_500),
    _line("B1", 20, 365_000),
    _line("A1", 1000, 365_000),
    _line("G1", 1000, 365_000),
]
PLANS = [
    {"credit_code": c, "level": "yellow", "line_id": "L1", "action": "limit_output", "value": 0.2}
    for c in ("D1", "D2")
]
MANDATORY_NOX = 48 + 24 + 720 + 360 + 7200


def _plan(baseline_nox_t_d, baseline_so2=0.0):
    registry = registry_from_records(ENTERPRISES, LINES, PLANS)
    return build_plan(
        registry,
        {"code": "130100", "name": "石家庄市"},
        "yellow",
        DAY,
        baseline_t_d=[baseline_so2, baseline_nox_t_d, 0.0, 0.0],
    )


def test_grade_order_then_efficiency_until_met():
    need = MANDATORY_NOX + 96 + 192 + 840 + 1  # one kilogram more than D2, D1 and C2 give
    document, result, proposals = _plan(need / 100)  # 10 % of the baseline [t/d]
    assert document["totals_kg_d"]["nox"] == pytest.approx(MANDATORY_NOX)
    assert document["target_met"]["nox"] is False
    got = [(p["credit_code"], p["pollutant"]) for p in document["shortfall_proposals"]]
    assert got == [("D2", "nox"), ("D1", "nox"), ("C2", "nox"), ("C1", "nox")]
    gains = [p["reduction_kg_d"]["nox"] for p in document["shortfall_proposals"]]
    np.testing.assert_allclose(gains, [96, 192, 840, 1680])
    first = document["shortfall_proposals"][0]
    assert first["reduction_per_output"] == pytest.approx(1.2)
    assert first["output_lost_per_day"] == pytest.approx(80.0)  # 80 % of 100 t still produced
    assert "tier D" in first["reason"] and "not mandatory" in first["reason"]
    after = document["after_proposals"]
    assert after["target_met"]["nox"] is True
    assert after["totals_kg_d"]["nox"] == pytest.approx(MANDATORY_NOX + 96 + 192 + 840 + 1680)
    # proposals are apart: the mandatory list is unchanged
    assert document["totals_kg_d"]["nox"] == pytest.approx(MANDATORY_NOX)


def test_no_proposal_when_met():
    document, _, proposals = _plan(MANDATORY_NOX / 100)
    assert document["target_met"]["nox"] is True
    assert document["shortfall_proposals"] == [] and len(proposals) == 0


def test_exhausted_candidates_are_reported():
    document, _, proposals = _plan(1e6, baseline_so2=1.0)
    codes = [p["credit_code"] for p in document["shortfall_proposals"]]
    assert codes == ["D2", "D1", "C2", "C1", "B1"]  # never A1 or the guarantee firm G1
    assert set(proposals.exhausted) == {"so2", "nox"}  # nobody emits so2
    assert document["after_proposals"]["target_met"]["nox"] is False
    assert document["after_proposals"]["exhausted"] == ["so2", "nox"]
