"""Issue 11, "Done when": the hand-made VOC registry under the default programme and two city
programmes, to the gram; exempt firms move nothing, with the reason named; the O3-episode plan
names equipment (docs/rules.md §4.2–§4.4).

Every expected number is worked out by hand: kilograms = VOC rate [kg/h] × hours of work inside
the restricted window [h/day] × triggered days. The registry is
:mod:`tests.registry.voc_registry`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest

from engine.errors import DataCoverageError, PolicyError
from engine.kernels._compile import use_numba
from engine.levels import get_rule_set
from engine.measures import registry_from_records
from engine.ozone import (
    CSV_COLUMNS,
    default_programme,
    default_programme_text,
    episode_measures,
    episode_section,
    o3_alone_level,
    parse_programme,
    programme_csv,
    programme_document,
    run_programme,
    trigger_days,
)
from engine.regional import DayValues
from tests.registry.voc_registry import ENTERPRISES, EQUIPMENT, LINES, REGION

JULY = [dt.date(2026, 7, 1) + dt.timedelta(days=k) for k in range(3)]

NANJING = """
id = "nanjing-2020"
status = "local"
source = "南京 2020 (docs/rules.md §4 [S]): VOC processes of all enterprises, 10:00–18:00"
regions = ["320100"]
[defaults]
window = ["10:00", "18:00"]
exempt_grades = []
exempt_low_voc = false
exempt_efficient_treatment = false
[[rule]]
id = "voc-daytime"
processes = ["coating", "printing", "solvent_use", "chemical_process", "other_voc"]
"""

TAIYUAN = """
id = "taiyuan-2024"
status = "local"
source = "太原 2024 (docs/rules.md §4 [S]): coating 09:00–18:00 when T ≥ 25 °C and O3 ≥ 160"
trigger = { kind = "forecast", o3_mda8_at_least = 160, t2m_max_at_least = 25 }
drop_rules = ["voc-daytime"]
[[rule]]
id = "coating-hot-days"
processes = ["coating"]
industries = ["industrial_coating", "auto_repair"]
"""

FUEL = """
id = "fuel-loading-at-night"
status = "local"
source = "日照 (docs/rules.md §4 [S]): fuel loading 18:00–08:00 only"
drop_rules = ["voc-daytime"]
[[rule]]
id = "fuel-loading"
processes = ["storage_loading"]
window = ["08:00", "18:00"]
exempt_grades = []
exempt_low_voc = false
exempt_efficient_treatment = false
"""


@pytest.fixture(scope="module")
def registry():
    return registry_from_records(ENTERPRISES, LINES, (), EQUIPMENT)


def _programme(*layers, chain=("320100", "320000")):
    return parse_programme(default_programme_text(), *layers, region_chain=chain)


def _by_firm(document):
    return {e["credit_code"]: e for e in document["enterprises"]}


def _run(registry, programme, days=JULY, **kwargs):
    return programme_document(run_programme(registry, programme, days, **kwargs), REGION)


@pytest.mark.parametrize("numba", [True, False])
def test_default_programme_to_the_gram(registry, numba):
    with use_numba(numba):
        doc = _run(registry, default_programme())
    firms = _by_firm(doc)
    assert "CEMENT" not in firms  # no VOC process: not listed
    ads = firms["COAT-ADS"]["lines"][0]
    # 08:00–16:00, window 09:00–18:00: 7 h/day × 10 kg/h × 3 days, moved to 18:00–01:00
    assert (ads["action"], ads["voc_moved_kg"], ads["voc_removed_kg"]) == ("shift", 210.0, 0.0)
    assert ads["days"] == ["2026-07-01", "2026-07-02", "2026-07-03"]
    assert ads["window"] == ["09:00", "18:00"]
    assert "09:00–16:00" in ads["reason"] and "18:00–01:00" in ads["reason"]
    assert ads["equipment"] == [
        {"equipment_id": "SB1", "kind": "spray_booth"},
        {"equipment_id": "DO1", "kind": "drying_oven"},
    ]
    printing = firms["PRINT"]["lines"][0]  # 08:00–20:00: 9 h × 5 kg/h × 3, to 20:00–05:00
    assert (printing["voc_moved_kg"], printing["voc_removed_kg"]) == (135.0, 0.0)
    assert "20:00–05:00" in printing["reason"]
    assert doc["totals"] == {
        "voc_moved_kg": 345.0,
        "voc_removed_kg": 0.0,
        "lines": 2,
        "enterprises": 2,
    }
    assert doc["programme"]["window"] == ["09:00", "18:00"]
    assert doc["programme"]["status"] == "local_default"


def test_exempt_firms_move_nothing_and_the_reason_is_named(registry):
    firms = _by_firm(_run(registry, default_programme()))
    expected = {
        "COAT-RTO": "efficient VOC treatment (rto, combustion-type)",
        "COAT-A": "exempt: grade A",
        "FURN-LOW": "low-VOC raw materials",
        "PETROL": "covered by no rule",
    }
    for code, phrase in expected.items():
        firm = firms[code]
        assert firm["eligible"] is False and phrase in firm["exempt_reason"], code
        assert firm["voc_moved_kg"] == firm["voc_removed_kg"] == 0.0
        assert all(x["action"] == "none" and x["days"] == [] for x in firm["lines"])


def test_nanjing_10_to_18_all_vocs(registry):
    doc = _run(registry, _programme(NANJING), days=JULY[:1])
    firms = _by_firm(doc)
    assert doc["programme"]["id"] == "nanjing-2020"
    assert doc["programme"]["window"] == ["10:00", "18:00"]
    # 08:00–16:00 → 6 h inside 10:00–18:00 × 10 kg/h, moved to 18:00–24:00; no exemptions
    for code in ("COAT-ADS", "COAT-RTO", "COAT-A"):
        line = firms[code]["lines"][0]
        assert (line["action"], line["voc_moved_kg"]) == ("shift", 60.0), code
        assert "18:00–24:00" in line["reason"]
    furniture = firms["FURN-LOW"]["lines"][0]  # 08:00–18:00: 8 h × 4 kg/h, to 18:00–02:00
    assert furniture["voc_moved_kg"] == 32.0 and "18:00–02:00" in furniture["reason"]
    printing = firms["PRINT"]["lines"][0]  # 08:00–20:00: 8 h × 5 kg/h, to 20:00–04:00
    assert printing["voc_moved_kg"] == 40.0 and "20:00–04:00" in printing["reason"]
    assert firms["PETROL"]["eligible"] is False
    assert doc["totals"]["voc_moved_kg"] == 252.0 and doc["totals"]["voc_removed_kg"] == 0.0


def test_a_layer_for_another_region_does_not_apply(registry):
    programme = _programme(NANJING, chain=("140100", "140000"))
    assert programme.id == "lantian-ozone-default" and len(programme.layers) == 1


def test_taiyuan_on_hot_ozone_days_only(registry):
    days = [dt.date(2024, 7, 10) + dt.timedelta(days=k) for k in range(4)]
    programme = _programme(TAIYUAN, chain=("140100",))
    o3 = np.array([170.0, 160.0, 159.9, 200.0])
    t2m = np.array([30.0, 25.0, 35.0, 24.9])
    on, notes = trigger_days(programme, days, o3, t2m)
    np.testing.assert_array_equal(on, [True, True, False, False])  # both ≥ at 160 and 25
    assert notes == []
    doc = _run(registry, programme, days=days, triggered=on)
    firms = _by_firm(doc)
    ads = firms["COAT-ADS"]["lines"][0]
    assert ads["days"] == ["2024-07-10", "2024-07-11"]
    assert (ads["voc_moved_kg"], ads["window"]) == (140.0, ["09:00", "18:00"])
    # the national exemptions hold under the Taiyuan layer; furniture and printing not covered
    assert "rto" in firms["COAT-RTO"]["exempt_reason"]
    assert "grade A" in firms["COAT-A"]["exempt_reason"]
    assert "covered by no rule" in firms["FURN-LOW"]["exempt_reason"]
    assert "covered by no rule" in firms["PRINT"]["exempt_reason"]
    assert doc["totals"] == {
        "voc_moved_kg": 140.0,
        "voc_removed_kg": 0.0,
        "lines": 1,
        "enterprises": 1,
    }
    assert "≥ 160" in doc["programme"]["trigger"] and "≥ 25 °C" in doc["programme"]["trigger"]


def test_forecast_trigger_needs_a_forecast_and_notes_what_is_missing(registry):
    programme = _programme(TAIYUAN)
    with pytest.raises(DataCoverageError, match="give a forecast"):
        trigger_days(programme, JULY)
    on, notes = trigger_days(programme, JULY, np.array([170.0, np.nan, 150.0]))
    np.testing.assert_array_equal(on, [True, False, False])
    assert any("2026-07-02" in en for en, _ in notes)
    assert any("no t2m" in en for en, _ in notes)  # the temperature condition not checked


def test_refuelling_rule_loading_at_night(registry):
    doc = _run(registry, _programme(FUEL), days=JULY[:1])
    firms = _by_firm(doc)
    unloading = next(x for x in firms["PETROL"]["lines"] if x["line_id"] == "UL1")
    # 10:00–13:00 inside 08:00–18:00: 3 h × 20 kg/h, moved to 18:00–21:00
    assert (unloading["action"], unloading["voc_moved_kg"]) == ("shift", 60.0)
    assert "18:00–21:00" in unloading["reason"]
    assert unloading["equipment"] == [{"equipment_id": "RACK1", "kind": "unloading_rack"}]
    dispensing = next(x for x in firms["PETROL"]["lines"] if x["line_id"] == "DISP")
    assert dispensing["action"] == "none"  # refuelling is not fuel loading
    assert doc["totals"]["lines"] == 1 and doc["totals"]["voc_moved_kg"] == 60.0


def test_unshiftable_lines_drop_or_keep(registry):
    layer = FUEL.replace('["storage_loading"]', '["storage_loading", "refuelling"]')
    firms = _by_firm(_run(registry, _programme(layer), days=JULY[:1]))
    dispensing = next(x for x in firms["PETROL"]["lines"] if x["line_id"] == "DISP")
    # 06:00–22:00 cannot shift: its 10 h inside 08:00–18:00 are dropped, 20 kg
    assert (dispensing["action"], dispensing["voc_removed_kg"]) == ("stop_daytime", 20.0)
    assert "cannot move its work" in dispensing["reason"]
    keep = layer + 'unshiftable = "keep"\n'
    firms = _by_firm(_run(registry, _programme(keep), days=JULY[:1]))
    dispensing = next(x for x in firms["PETROL"]["lines"] if x["line_id"] == "DISP")
    assert dispensing["action"] == "none" and dispensing["voc_removed_kg"] == 0.0
    assert "keeps working" in dispensing["reason"]


def test_work_that_does_not_fit_is_dropped(registry):
    """A 20-h line with a 9-h window has 4 free hours: 5 of its 9 hours in the window drop."""
    lines = [dict(x) for x in LINES]
    lines[0].update(hours_per_day=20.0, start_hour=6.0, end_hour=2.0)
    reg = registry_from_records(ENTERPRISES, lines, (), EQUIPMENT)
    line = _by_firm(_run(reg, default_programme(), days=JULY[:1]))["COAT-ADS"]["lines"][0]
    # works 06:00–02:00; free hours 02:00–06:00 (4 h) take 4 of the 9 h, 5 h × 10 kg/h drop
    assert (line["voc_moved_kg"], line["voc_removed_kg"]) == (40.0, 50.0)
    assert "do not fit" in line["reason"]


def test_days_outside_the_season_are_not_triggered(registry):
    days = [dt.date(2026, 9, 29) + dt.timedelta(days=k) for k in range(4)]
    on, notes = trigger_days(default_programme(), days)
    np.testing.assert_array_equal(on, [True, True, False, False])
    assert "2 day(s)" in notes[0][0]
    doc = _run(registry, default_programme(), days=days, triggered=on)
    assert _by_firm(doc)["COAT-ADS"]["lines"][0]["voc_moved_kg"] == 140.0


def test_check_list_names_who_must_not_work_and_when(registry):
    result = run_programme(registry, default_programme(), JULY)
    rows = list(csv.DictReader(io.StringIO(programme_csv(result, "320100"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = {r["credit_code"]: r for r in rows}
    assert set(body) == {"COAT-ADS", "PRINT"}
    ads = body["COAT-ADS"]
    assert ads["equipment"] == "SB1(spray_booth) DO1(drying_oven)"
    assert (ads["window_start"], ads["window_end"]) == ("09:00", "18:00")
    assert (ads["works"], ads["works_after"]) == ("08:00–16:00", "08:00–09:00; 18:00–01:00")
    assert (ads["days"], ads["n_days"]) == ("2026-07-01/2026-07-03", "3")
    assert (ads["voc_moved_kg"], ads["voc_removed_kg"]) == ("210.0", "0.0")


def test_programme_data_errors_are_named():
    with pytest.raises(PolicyError, match="processes"):
        _programme('[[rule]]\nid = "x"\nprocesses = ["painting"]\n')
    with pytest.raises(PolicyError, match="not a time HH:MM"):
        _programme('[defaults]\nwindow = ["9", "18:00"]\n')
    with pytest.raises(PolicyError, match="reduce needs a value"):
        _programme('[[rule]]\nid = "x"\nprocesses = ["coating"]\naction = "reduce"\n')
    with pytest.raises(PolicyError, match="trigger kind"):
        _programme('trigger = { kind = "sometimes" }\n')
    with pytest.raises(PolicyError, match="no rule"):
        _programme('drop_rules = ["voc-daytime"]\n')


# ---------------------------------------------------------------------- O3-episode measures


def test_o3_episode_measures_name_equipment(registry):
    day = dt.date(2026, 7, 1)
    assert episode_measures(registry, day, "pm25", "red") is None
    assert episode_measures(registry, day, "o3", "pre_alert") is None
    result = episode_measures(registry, day, "o3", "yellow", region_chain=("320100",))
    section = episode_section(result, "yellow")
    firms = _by_firm(section)
    ads = firms["COAT-ADS"]["lines"][0]  # grade C: stop daytime, 7 h × 10 kg/h
    assert (ads["action"], ads["voc_removed_kg"]) == ("stop_daytime", 70.0)
    assert ads["equipment"] == [
        {"equipment_id": "SB1", "kind": "spray_booth", "voc_moved_kg": 0.0, "voc_removed_kg": 42.0},
        {"equipment_id": "DO1", "kind": "drying_oven", "voc_moved_kg": 0.0, "voc_removed_kg": 28.0},
    ]
    rto = firms["COAT-RTO"]["lines"][0]  # grade B: 30 % of 7 h × 10 kg/h
    assert (rto["action"], rto["voc_removed_kg"]) == ("reduce", 21.0)
    assert firms["COAT-A"]["self_directed"] is True
    assert firms["COAT-A"]["lines"][0]["action"] == "none"
    assert firms["FURN-LOW"]["lines"][0]["voc_removed_kg"] == pytest.approx(10.8, abs=1e-9)
    assert firms["PRINT"]["lines"][0]["voc_removed_kg"] == 13.5
    petrol = {x["line_id"]: x for x in firms["PETROL"]["lines"]}  # ungraded → D
    assert (petrol["UL1"]["action"], petrol["UL1"]["voc_moved_kg"]) == ("shift", 60.0)
    assert petrol["UL1"]["equipment"][0]["voc_moved_kg"] == 60.0
    assert petrol["DISP"]["action"] == "none" and "keeps working" in petrol["DISP"]["reason"]
    assert section["totals"]["voc_removed_kg"] == pytest.approx(115.3, abs=1e-9)
    assert section["totals"]["voc_moved_kg"] == 60.0
    assert section["status"] == "local_default" and section["o3_level"] == "yellow"


def test_o3_alone_level_counts_ozone_days():
    rules = get_rule_set("MEE-2024")
    days = [
        DayValues(dt.date(2026, 7, 1) + dt.timedelta(days=k), 30.0, 300.0, 207, 5, ("o3",))
        for k in range(2)
    ]
    assert o3_alone_level(days, rules) == "orange"  # > 200 for 48 h, O3 counted
    assert o3_alone_level(days[:1], rules) == "yellow"
    assert o3_alone_level([], rules) == "none"
