"""Guarantee firms (民生保障), docs/rules.md §3.3: never stopped; output per need (以需定产).

A guarantee firm's cap replaces a ``stop`` or a ``stop_share_of_lines``; under an output limit
the firm produces the larger of the rule's allowed output and its guaranteed output, so it is
never cut harder than its rule asks. Without a cap it keeps its rule's output limits and is
not stopped. Every line below: base min(903 000, 1 M, 1 M) = 903 000 t of current 1 M t.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.kernels._compile import use_numba
from engine.measures import EMISSION_SPECIES, build_plan, plan_rows, registry_from_records
from tests.engine.test_measures import _ent, _line

DAY = dt.date(2026, 12, 2)
REGION = {"code": "130100", "name": "石家庄市"}
RULE_30 = 1 - 0.7 * 0.903  # C yellow, limit_output 0.30 (grade fallback): cut 36.79 %
RULE_50 = 1 - 0.5 * 0.903  # C orange, limit_output 0.50: cut 54.85 %
CAP_55 = 1 - 0.55 * 0.903  # guaranteed output 0.55 × base: cut 50.34 %

ENTERPRISES = [
    _ent("G55", "C", guarantee=True, cap=0.55, industry="other"),
    _ent("GN", "C", guarantee=True, cap=None, industry="other"),
    _ent("GD", "D", guarantee=True, cap=None, industry="other"),
    _ent("GS", "C", guarantee=True, cap=0.55),  # cement: C yellow stops 50 % of clinker lines
    _ent("PLAIN", "C", industry="other"),
]
LINES = [
    _line(code, "L1", 903_000, 1_000_000, 1_000_000, (10, 100, 5, 1))
    for code in ("G55", "GN", "GD", "GS", "PLAIN")
]
KG_D = np.array([10, 100, 5, 1]) * 24.0

# (fraction of the line's emissions removed, action listed) per level and firm
EXPECTED = {
    "yellow": {
        "G55": (RULE_30, "limit_output"),  # the rule's 36.8 %, not the cap's 50.3 %
        "GN": (RULE_30, "limit_output"),  # no cap: the rule's limit holds
        "GD": (0.0, "cap_guaranteed_output"),  # D stops; no cap: no stop
        "GS": (CAP_55, "cap_guaranteed_output"),  # the cap replaces the share of lines
        "PLAIN": (RULE_30, "limit_output"),
    },
    "orange": {
        "G55": (CAP_55, "cap_guaranteed_output"),  # the cap leaves more than the rule's 54.8 %
        "GN": (RULE_50, "limit_output"),
        "GD": (0.0, "cap_guaranteed_output"),
        "GS": (CAP_55, "cap_guaranteed_output"),
        "PLAIN": (RULE_50, "limit_output"),
    },
    "red": {
        "G55": (CAP_55, "cap_guaranteed_output"),  # C red stops: the cap replaces the stop
        "GN": (0.0, "cap_guaranteed_output"),
        "GD": (0.0, "cap_guaranteed_output"),
        "GS": (CAP_55, "cap_guaranteed_output"),
        "PLAIN": (1.0, "stop"),
    },
}


@pytest.fixture(scope="module")
def registry():
    return registry_from_records(ENTERPRISES, LINES)


@pytest.mark.parametrize("numba", [True, False])
@pytest.mark.parametrize("level", ["yellow", "orange", "red"])
def test_guarantee_reductions(registry, level, numba):
    with use_numba(numba):
        document, result, _ = build_plan(registry, REGION, level, DAY)
    by_code = {e["credit_code"]: e for e in document["enterprises"]}
    for code, (fraction, action) in EXPECTED[level].items():
        got = by_code[code]["reduction_kg_d"]
        np.testing.assert_allclose(
            [got[s] for s in EMISSION_SPECIES], fraction * KG_D, atol=1e-9, err_msg=code
        )
        line = by_code[code]["measures"][0]
        assert (line["line_id"], line["action"]) == ("L1", action), code


def test_cap_value_is_listed_where_the_cap_decides(registry):
    orange = build_plan(registry, REGION, "orange", DAY)[0]
    by_code = {e["credit_code"]: e for e in orange["enterprises"]}
    assert by_code["G55"]["measures"][0]["value"] == 0.55
    assert by_code["GN"]["measures"][0]["value"] == 0.5  # the rule's limit
    yellow = build_plan(registry, REGION, "yellow", DAY)[0]
    assert {e["credit_code"]: e for e in yellow["enterprises"]}["G55"]["measures"][0][
        "value"
    ] == pytest.approx(0.3)


def _reasons(registry, level, code, language):
    document = build_plan(registry, REGION, level, DAY, language=language)[0]
    ent = next(e for e in document["enterprises"] if e["credit_code"] == code)
    return ent["measures"][0]["reason"]


def test_reasons_say_why_in_both_languages(registry):
    # the rule's limit holds because it leaves more than the guaranteed output
    en = _reasons(registry, "yellow", "G55", "en")
    zh = _reasons(registry, "yellow", "G55", "zh")
    assert "guarantee firm (民生保障)" in en and "never cut harder than its rule asks" in en
    assert "民生保障" in zh and "以需定产" in zh and "不超过规则要求" in zh
    # the cap decides: the larger output is the guaranteed one
    en = _reasons(registry, "orange", "G55", "en")
    zh = _reasons(registry, "orange", "G55", "zh")
    assert "larger of the rule's allowed output" in en and "55 %" in en
    assert "较大者" in zh and "55%" in zh
    # no cap: the rule's limit holds, and a stop becomes no stop
    assert "keeps its rule's output limit" in _reasons(registry, "orange", "GN", "en")
    assert "执行规则的限产要求" in _reasons(registry, "orange", "GN", "zh")
    en = _reasons(registry, "red", "GN", "en")
    zh = _reasons(registry, "red", "GN", "zh")
    assert "becomes no stop" in en and "set guarantee_cap" in en
    assert "不停产" in zh and "guarantee_cap" in zh


def test_check_list_rows_in_chinese(registry):
    result = build_plan(registry, REGION, "red", DAY)[1]
    rows = {r["credit_code"]: r for r in plan_rows(result, language="zh")}
    assert "不停产" in rows["GN"]["reason"]
    assert rows["PLAIN"]["action"] == "stop" and "停产" in rows["PLAIN"]["reason"]
