"""Plans of a hand-made registry of cement plants of every grade, checked to the kilogram.

Each expected fraction below is worked out by hand from the cement table (docs/rules.md §3.2) and
the accounting rules; reductions are ``fraction × rate [kg/h] × hours [h/d]``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.errors import PolicyError
from engine.kernels._compile import use_numba
from engine.measures import (
    EMISSION_SPECIES,
    build_plan,
    compute_plan,
    default_catalogue_text,
    parse_catalogue,
    plan_rows,
    registry_from_records,
)

DAY = dt.date(2026, 12, 2)
REGION = {"code": "130100", "name": "石家庄市"}


def _ent(
    code, grade, *, guarantee=False, cap=None, positive=False, industry="cement", region="130100"
):
    return {
        "credit_code": code,
        "name": f"{code} 水泥",
        "region_code": region,
        "lon": 114.5,
        "lat": 38.0,
        "industry": industry,
        "grade": grade,
        "guarantee": guarantee,
        "guarantee_cap": cap,
        "positive_list": positive,
        "low_voc": False,
        "voc_treatment": "none",
    }


def _line(
    code, line_id, permitted, licensed, last, rates, *, process="clinker", hours=24.0, stopped=False
):
    so2, nox, pm, voc = rates
    return {
        "credit_code": code,
        "line_id": line_id,
        "process": process,
        "permitted_capacity": permitted,
        "licensed_capacity": licensed,
        "last_year_output": last,
        "capacity_unit": "t",
        "so2_kg_h": so2,
        "nox_kg_h": nox,
        "pm_kg_h": pm,
        "voc_kg_h": voc,
        "hours_per_day": hours,
        "already_stopped": stopped,
    }


ENTERPRISES = [
    _ent("CEM-A", "A"),
    _ent("CEM-AP", "A+"),
    _ent("CEM-LEAD", "leading"),
    _ent("CEM-B", "B"),
    _ent("CEM-BM", "B-"),
    _ent("CEM-C", "C"),
    _ent("CEM-D", "D"),
    _ent("CEM-U", "ungraded"),
    _ent("CEM-G", "C", guarantee=True, cap=0.6),
    _ent("CEM-GN", "D", guarantee=True, cap=None),
    _ent("CEM-P", "C"),
    _ent("CEM-POS", "D", positive=True),
]

LINES = [
    _line("CEM-A", "K1", 1_500_000, 1_500_000, 1_200_000, (10, 100, 5, 0)),
    _line("CEM-AP", "K1", 1_500_000, 1_500_000, 1_200_000, (10, 100, 5, 0)),
    _line("CEM-LEAD", "K1", 1_500_000, 1_500_000, 1_200_000, (10, 100, 5, 0)),
    # base = licensed 1.5 M < last year 1.6 M: limit 20 % cuts 1 - 0.8 × 1.5/1.6 = 25 %
    _line("CEM-B", "K1", 1_550_000, 1_500_000, 1_600_000, (20, 200, 10, 1)),
    # base = last year: limit 20 % cuts 20 %
    _line("CEM-B", "K2", 800_000, 900_000, 800_000, (10, 100, 5, 0.5)),
    _line("CEM-BM", "K1", 1_000_000, 1_000_000, 1_000_000, (10, 100, 5, 0)),
    # C: 4.5 M t clinker capacity, K2 (1.5 M) already stopped → yellow stops K1 (2 M) too
    _line("CEM-C", "K1", 2_000_000, 2_000_000, 1_800_000, (30, 300, 15, 2)),
    _line("CEM-C", "K2", 1_500_000, 1_500_000, 1_400_000, (25, 250, 12, 2), stopped=True),
    _line("CEM-C", "K3", 1_000_000, 1_000_000, 900_000, (15, 150, 8, 1)),
    _line(
        "CEM-C", "G1", 3_000_000, 3_000_000, 2_500_000, (0, 0, 6, 0), process="grinding", hours=16.0
    ),
    _line("CEM-D", "K1", 700_000, 700_000, 600_000, (12, 120, 6, 0.5)),
    _line("CEM-U", "K1", 700_000, 700_000, 600_000, (8, 80, 4, 0)),
    # guarantee, cap 0.6 of base; base = 1.0 M = current → cap cuts 40 %
    _line("CEM-G", "K1", 1_000_000, 1_000_000, 1_000_000, (10, 100, 5, 0)),
    # guarantee, base 0.9 M, current 1.2 M: cap 0.6 × 0.9/1.2 = 0.45 → cuts 55 %
    _line("CEM-G", "K2", 900_000, 1_000_000, 1_200_000, (10, 100, 5, 0)),
    _line("CEM-GN", "K1", 1_000_000, 1_000_000, 1_000_000, (10, 100, 5, 0)),
    _line("CEM-P", "K1", 1_000_000, 1_000_000, 1_000_000, (10, 100, 5, 0)),
    _line("CEM-P", "K2", 1_000_000, 1_000_000, 1_000_000, (10, 100, 5, 0)),
    _line("CEM-POS", "K1", 500_000, 500_000, 500_000, (4, 40, 2, 0)),
]

PLANS = [
    # CEM-P's own plan at orange: limit K1 by 50 %, keep K2 (the catalogue would stop both)
    {
        "credit_code": "CEM-P",
        "level": "orange",
        "line_id": "K1",
        "action": "limit_output",
        "value": 0.5,
    },
    {
        "credit_code": "CEM-P",
        "level": "orange",
        "line_id": None,
        "action": "transport_restriction",
        "value": None,
    },
]

RATES = {
    (x["credit_code"], x["line_id"]): np.array([x[f"{p}_kg_h"] for p in EMISSION_SPECIES])
    * x["hours_per_day"]
    for x in LINES
}

# Hand-derived fraction of each line's emissions removed, per level (absent: 0).
EXPECTED = {
    "yellow": {
        ("CEM-BM", "K1"): 0.1,  # B- in cement: no official row → grade fallback, limit 10 %
        ("CEM-C", "K1"): 1.0,  # 50 % of clinker: K2 (1.5 M, already stopped) + K1 (2 M) ≥ 2.25 M
        ("CEM-D", "K1"): 1.0,
        ("CEM-U", "K1"): 1.0,  # ungraded → D
        ("CEM-G", "K1"): 0.4,  # guarantee: capped at 0.6 × base, base = current
        ("CEM-G", "K2"): 0.55,  # 1 - 0.6 × 0.9 M / 1.2 M
        ("CEM-P", "K1"): 1.0,  # C, two equal lines: the first reaches 50 %
        ("CEM-POS", "K1"): 1.0,  # positive list does not exempt by default
    },
    "orange": {
        ("CEM-B", "K1"): 0.25,  # 1 - 0.8 × 1.5 M / 1.6 M
        ("CEM-B", "K2"): 0.2,
        ("CEM-BM", "K1"): 0.3,
        ("CEM-C", "K1"): 1.0,
        ("CEM-C", "K3"): 1.0,
        ("CEM-C", "G1"): 1.0,
        ("CEM-D", "K1"): 1.0,
        ("CEM-U", "K1"): 1.0,
        ("CEM-G", "K1"): 0.4,
        ("CEM-G", "K2"): 0.55,
        ("CEM-P", "K1"): 0.5,  # own plan overrides the catalogue's stop
        ("CEM-POS", "K1"): 1.0,
    },
    "red": {
        ("CEM-B", "K1"): 1.0,
        ("CEM-B", "K2"): 1.0,
        ("CEM-BM", "K1"): 0.3,
        ("CEM-C", "K1"): 1.0,
        ("CEM-C", "K3"): 1.0,
        ("CEM-C", "G1"): 1.0,
        ("CEM-D", "K1"): 1.0,
        ("CEM-U", "K1"): 1.0,
        ("CEM-G", "K1"): 0.4,
        ("CEM-G", "K2"): 0.55,
        ("CEM-P", "K1"): 1.0,
        ("CEM-P", "K2"): 1.0,
        ("CEM-POS", "K1"): 1.0,
    },
}

# Hand-written actions of the measures listed per line (line_id → action), per level.
ACTIONS = {
    "yellow": {
        "CEM-B": {None: "transport_restriction"},
        "CEM-C": {
            "K1": "stop_share_of_lines",
            "K2": "stop_share_of_lines",
            None: "transport_restriction",
        },
        "CEM-G": {
            "K1": "cap_guaranteed_output",
            "K2": "cap_guaranteed_output",
            None: "transport_restriction",
        },
        "CEM-GN": {"K1": "cap_guaranteed_output", None: "transport_restriction"},
    },
    "orange": {
        "CEM-B": {"K1": "limit_output", "K2": "limit_output", None: "transport_restriction"},
        "CEM-C": {
            "K1": "stop",
            "K2": "stop",
            "K3": "stop",
            "G1": "stop",
            None: "transport_restriction",
        },
        "CEM-P": {"K1": "limit_output", None: "transport_restriction"},
    },
    "red": {
        "CEM-B": {"K1": "stop", "K2": "stop", None: "transport_restriction"},
        "CEM-D": {"K1": "stop", None: "transport_restriction"},
    },
}


@pytest.fixture(scope="module")
def registry():
    return registry_from_records(ENTERPRISES, LINES, PLANS)


def _plan(registry, level, **kwargs):
    document, result, proposals = build_plan(registry, REGION, level, DAY, **kwargs)
    return document, result


@pytest.mark.parametrize("level", ["yellow", "orange", "red"])
@pytest.mark.parametrize("numba", [True, False])
def test_cement_plan_to_the_kilogram(registry, level, numba):
    with use_numba(numba):
        document, result = _plan(registry, level)
    expected_total = np.zeros(4)
    by_code = {e["credit_code"]: e for e in document["enterprises"]}
    assert set(by_code) == {e["credit_code"] for e in ENTERPRISES}  # every firm is listed
    for ent in ENTERPRISES:
        code = ent["credit_code"]
        expected_ent = np.zeros(4)
        for key, kg_d in RATES.items():
            if key[0] != code:
                continue
            expected = EXPECTED[level].get(key, 0.0) * kg_d
            expected_ent += expected
            i = next(
                k
                for k in range(registry.n_lines)
                if (
                    registry.credit_code[np.searchsorted(registry.line_start, k, "right") - 1],
                    registry.line_id[k],
                )
                == key
            )
            np.testing.assert_allclose(result.line_reduction_kg_d[i], expected, atol=1e-9)
        got = by_code[code]["reduction_kg_d"]
        np.testing.assert_allclose([got[p] for p in EMISSION_SPECIES], expected_ent, atol=1e-9)
        expected_total += expected_ent
    np.testing.assert_allclose(
        [document["totals_kg_d"][p] for p in EMISSION_SPECIES], expected_total, atol=1e-9
    )


def test_literal_kilograms(registry):
    orange, _ = _plan(registry, "orange")
    by_code = {e["credit_code"]: e for e in orange["enterprises"]}
    assert by_code["CEM-B"]["reduction_kg_d"]["nox"] == pytest.approx(1200 + 480, abs=1e-9)
    assert by_code["CEM-G"]["reduction_kg_d"]["nox"] == pytest.approx(960 + 1320, abs=1e-9)
    assert by_code["CEM-C"]["reduction_kg_d"]["pm"] == pytest.approx(360 + 192 + 96, abs=1e-9)
    assert by_code["CEM-P"]["reduction_kg_d"]["so2"] == pytest.approx(120, abs=1e-9)
    yellow, _ = _plan(registry, "yellow")
    assert yellow["totals_kg_d"]["so2"] == pytest.approx(1788, abs=1e-9)
    red, _ = _plan(registry, "red")
    assert red["totals_kg_d"]["nox"] == pytest.approx(31560, abs=1e-9)


@pytest.mark.parametrize("level", ["yellow", "orange", "red"])
def test_listed_actions_follow_the_table(registry, level):
    document, _ = _plan(registry, level)
    by_code = {e["credit_code"]: e for e in document["enterprises"]}
    for code, wanted in ACTIONS[level].items():
        got = {m["line_id"]: m["action"] for m in by_code[code]["measures"]}
        assert got == wanted, code
    for code in ("CEM-A", "CEM-AP", "CEM-LEAD"):
        ent = by_code[code]
        assert ent["self_directed"] is True and ent["measures"] == []
        assert ent["reduction_kg_d"] == {p: 0.0 for p in EMISSION_SPECIES}


def test_sources_and_status_never_pass_a_default_as_national(registry):
    document, _ = _plan(registry, "orange")
    by_code = {e["credit_code"]: e for e in document["enterprises"]}
    cement = by_code["CEM-B"]["measures"][0]
    assert cement["status"] == "official"
    assert "环办大气函〔2020〕340号" in cement["source"] and "中国水泥网" in cement["source"]
    assert "secondary source" in cement["source"]
    fallback = by_code["CEM-BM"]["measures"][0]
    assert fallback["status"] == "local_default"
    assert "NOT a national rule" in fallback["source"]
    assert "not a national rule" in fallback["reason"]
    plan = by_code["CEM-P"]["measures"][0]
    assert plan["status"] == "plan" and by_code["CEM-P"]["basis"] == "plan"
    guarantee = by_code["CEM-G"]["measures"][0]
    assert "never stopped" in guarantee["reason"] and guarantee["value"] == 0.6


def test_already_stopped_lines_count_nothing(registry):
    document, result = _plan(registry, "red")
    by_code = {e["credit_code"]: e for e in document["enterprises"]}
    k2 = next(m for m in by_code["CEM-C"]["measures"] if m["line_id"] == "K2")
    assert k2["already_stopped"] is True and k2["action"] == "stop"
    assert k2["reduction_kg_d"] == {p: 0.0 for p in EMISSION_SPECIES}
    assert k2["reason"].startswith("already stopped before the alert")


def test_share_rule_reason_and_kept_line_in_check_list(registry):
    _, result = _plan(registry, "yellow")
    rows = [r for r in plan_rows(result) if r["credit_code"] == "CEM-C"]
    assert [(r["line_id"], r["action"]) for r in rows] == [
        ("K1", "stop_share_of_lines"),
        ("K2", "stop_share_of_lines"),
        ("K3", "none"),
        ("G1", "none"),
    ]
    assert "77.78 % stopped (3.5e+06 of 4.5e+06)" in rows[0]["reason"]
    assert rows[2]["reason"].startswith("cement grade C at yellow")
    assert "keeps running" in rows[2]["reason"]
    assert all("transport_restriction" in r["enterprise_measures"] for r in rows)
    assert sum(1 for r in plan_rows(result)) == len(LINES)


def test_response_document_keys(registry):
    document, _ = _plan(registry, "orange", baseline_t_d=[10.0, 100.0, 5.0, 1.0])
    assert set(document) >= {
        "region",
        "date",
        "level",
        "enterprises",
        "totals_kg_d",
        "baseline_t_d",
        "required_ratio",
        "achieved_ratio",
        "target_met",
        "shortfall_proposals",
    }
    assert document["region"] == REGION and document["date"] == "2026-12-02"
    assert document["required_ratio"] == 0.2
    ent = document["enterprises"][0]
    assert set(ent) >= {
        "credit_code",
        "name",
        "industry",
        "grade",
        "self_directed",
        "guarantee",
        "measures",
        "reduction_kg_d",
    }
    m = next(e for e in document["enterprises"] if e["measures"])["measures"][0]
    assert set(m) >= {"line_id", "action", "value", "reason", "source"}
    so2 = document["totals_kg_d"]["so2"]
    assert document["achieved_ratio"]["so2"] == pytest.approx(so2 / 10_000)
    assert document["target_met"]["so2"] is (so2 >= 2000)
    assert document["target_met"]["voc"] is (document["totals_kg_d"]["voc"] >= 200)


def test_no_alert_and_ozone_regime_have_no_mandatory_measure(registry):
    none, result = _plan(registry, "none")
    assert none["enterprises"] == [] and none["required_ratio"] is None
    assert float(result.totals_kg_d.sum()) == 0.0
    ozone, result = _plan(registry, "orange", regime="o3")
    assert float(result.totals_kg_d.sum()) == 0.0 and ozone["required_ratio"] is None
    assert all(e["measures"] == [] for e in ozone["enterprises"])
    assert any("O3" in n for n in ozone["notes"])


def test_regional_layer_options_and_rules(registry):
    layer = """
[region."130100"]
positive_list_exempt = true
ungraded_as = "C"
required_ratio = { orange = 0.4 }

[[rule]]
id = "sjz-cement-B-orange"
industry = "cement"
grades = ["B"]
levels = ["orange"]
regions = ["130000"]
status = "local_default"
source = "石家庄 local plan (test)"
actions = [{ action = "limit_output", value = 0.5, scope = "whole_plant" }]
"""
    catalogue = parse_catalogue(default_catalogue_text(), layer)
    document, result = build_plan(
        registry, REGION, "orange", DAY, catalogue=catalogue, region_chain=("130100", "130000")
    )[:2]
    by_code = {e["credit_code"]: e for e in document["enterprises"]}
    assert document["required_ratio"] == 0.4
    assert by_code["CEM-POS"]["basis"] == "positive_list_exempt"
    assert by_code["CEM-POS"]["measures"] == []
    # ungraded → C at orange: stop + transport (cement C row)
    assert [m["action"] for m in by_code["CEM-U"]["measures"]] == ["stop", "transport_restriction"]
    # the province's cement rule replaces the national B row: 1 - 0.5 × 1.5/1.6 = 53.125 %
    b = by_code["CEM-B"]
    assert b["measures"][0]["source"] == "石家庄 local plan (test)"
    assert b["reduction_kg_d"]["nox"] == pytest.approx(0.53125 * 4800 + 0.5 * 2400, abs=1e-9)
    # elsewhere the national table still holds
    other = build_plan(
        registry, {"code": "140100", "name": "太原市"}, "orange", DAY, catalogue=catalogue
    )[0]
    assert {e["credit_code"]: e for e in other["enterprises"]}["CEM-B"]["reduction_kg_d"][
        "nox"
    ] == pytest.approx(1680, abs=1e-9)


def test_rules_in_force_by_date(registry):
    # before the 2020 guide the cement rows are not in force: the grade fallback applies
    document = build_plan(registry, REGION, "orange", dt.date(2019, 12, 1))[0]
    b = {e["credit_code"]: e for e in document["enterprises"]}["CEM-B"]
    assert b["basis"] == "grade_fallback" and b["measures"][0]["status"] == "local_default"


def test_unknown_level_is_refused(registry):
    with pytest.raises(PolicyError, match="level 'purple'"):
        compute_plan(registry, "purple", DAY)
