"""The synthetic registry: inside the regions, valid codes, plausible mix, clean import."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely

from engine.measures import compute_plan
from registry import RegistryStore, synthetic_registry
from registry.synthetic import credit_code_check

HEXAGON = shapely.Polygon(
    [(114.3, 38.0), (114.5, 37.85), (114.7, 38.0), (114.7, 38.2), (114.5, 38.35), (114.3, 38.2)]
)
REGIONS = [
    ("130102", HEXAGON),
    ("130104", (114.8, 38.0, 115.0, 38.2)),
    ("130200", HEXAGON.buffer(0).centroid.buffer(0.1)),
]
PARENTS = {"130102": "130100", "130104": "130100", "130100": "130000", "130200": "130000"}


@pytest.fixture(scope="module")
def synth():
    return synthetic_registry(REGIONS, n_enterprises=1500, seed=3, parents=PARENTS)


def test_enterprises_lie_inside_their_region(synth):
    e = synth.enterprises
    shapes = {c: (shapely.box(*g) if isinstance(g, tuple) else g) for c, g in REGIONS}
    for code, shape in shapes.items():
        mine = e["region_code"] == code
        assert mine.sum() > 0
        assert shapely.contains_xy(shape.buffer(1e-4), e["lon"][mine], e["lat"][mine]).all()


def test_credit_codes_are_unique_and_carry_a_valid_check_character(synth):
    codes = synth.enterprises["credit_code"].tolist()
    assert len(set(codes)) == len(codes)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = np.array([[alphabet.index(ch) for ch in c[:17]] for c in codes])
    check = credit_code_check(body)
    assert [alphabet[k] for k in check] == [c[17] for c in codes]
    # GB 32100-2015 worked example
    example = "91350100M000100Y4"
    assert alphabet[credit_code_check(np.array([[alphabet.index(c) for c in example]]))[0]] == "3"


def test_mix_is_plausible(synth):
    e, x = synth.enterprises, synth.lines
    grade = e["grade"]
    assert 0.3 < np.mean(np.isin(grade, ["C", "D"])) < 0.7
    assert 0.02 < np.mean(np.isin(grade, ["A", "A+", "leading"])) < 0.12
    voc_firms = np.isin(e["industry"], ["industrial_coating", "packaging_printing", "furniture"])
    assert voc_firms.mean() > 0.35  # many small VOC firms
    heavy = np.isin(e["industry"], ["cement", "steel", "coking", "flat_glass"])
    ent_of = dict(zip(e["credit_code"].tolist(), heavy.tolist(), strict=True))
    heavy_line = np.array([ent_of[c] for c in x["credit_code"].tolist()])
    nox = x["nox_kg_h"] * x["hours_per_day"]
    assert nox[heavy_line].sum() > 0.5 * nox.sum()  # ... while a few heavy plants emit most NOx
    assert 0.02 < x["already_stopped"].mean() < 0.09
    assert (x["last_year_output"] > 0).all()
    assert np.all(x["hours_per_day"] <= 24)


def test_deterministic_and_baselines_sum_up(synth):
    again = synthetic_registry(REGIONS, n_enterprises=1500, seed=3, parents=PARENTS)
    np.testing.assert_array_equal(again.lines["nox_kg_h"], synth.lines["nox_kg_h"])
    b = synth.baseline
    value = dict(zip(b["region_code"].tolist(), b["nox_t_d"].tolist(), strict=True))
    assert value["130100"] == pytest.approx(value["130102"] + value["130104"], rel=1e-6)
    assert value["130000"] == pytest.approx(value["130100"] + value["130200"], rel=1e-6)


def test_csv_imports_cleanly_and_matches_the_in_memory_registry(tmp_path, synth):
    paths = synth.write_csv(tmp_path)
    store = RegistryStore(tmp_path / "r.sqlite")
    summary = store.import_csv(**paths)
    assert summary.enterprises == 1500 and summary.lines == synth.n_lines
    day = dt.date(2026, 12, 2)
    loaded = compute_plan(store.load(None, day), "orange", day)
    direct = compute_plan(synth.to_registry(), "orange", day)
    np.testing.assert_allclose(loaded.totals_kg_d, direct.totals_kg_d, rtol=1e-9)
    assert summary.equipment == len(synth.equipment["kind"]) > 0
    summer = dt.date(2026, 7, 1)
    from engine.ozone import default_programme, run_programme

    shifted = [
        run_programme(r, default_programme(), [summer]).kg("voc")[0].sum()
        for r in (store.load(None, summer), synth.to_registry())
    ]
    assert shifted[0] == pytest.approx(shifted[1], rel=1e-9) and shifted[0] > 0


def test_voc_sources_are_realistic(synth):
    """Coating, printing, furniture, auto repair, chemicals and petrol stations, with windows,
    treatment flags and equipment (docs/rules.md §4.1)."""
    e, x, q = synth.enterprises, synth.lines, synth.equipment
    industries = set(e["industry"].tolist())
    assert {"auto_repair", "fuel_retail", "chemical", "furniture"} <= industries
    classes = set(x["voc_process"].tolist())
    assert {"coating", "printing", "chemical_process", "storage_loading", "refuelling"} <= classes
    span = np.mod(x["end_hour"] - x["start_hour"], 24.0)
    span = np.where(span == 0, 24.0, span)
    np.testing.assert_allclose(span, x["hours_per_day"])  # windows hold the operating hours
    assert not x["shiftable"][x["hours_per_day"] >= 24].any()
    coating = x["voc_process"] == "coating"
    assert 0.8 < x["shiftable"][coating].mean() < 1.0
    assert not x["shiftable"][x["voc_process"] == "refuelling"].any()
    voc_firms = np.isin(e["industry"], ["industrial_coating", "packaging_printing", "furniture"])
    assert 0.1 < e["low_voc"][voc_firms].mean() < 0.3
    assert 0.1 < np.isin(e["voc_treatment"][voc_firms], ["rto", "rco"]).mean() < 0.35
    assert set(e["voc_treatment"][e["industry"] == "fuel_retail"]) <= {"vapour_recovery", "none"}
    # equipment never emits more VOC than its line
    key = [f"{c}/{i}" for c, i in zip(x["credit_code"], x["line_id"], strict=True)]
    line_voc = dict(zip(key, x["voc_kg_h"].tolist(), strict=True))
    summed: dict[str, float] = {}
    for c, i, v in zip(q["credit_code"], q["line_id"], q["voc_kg_h"], strict=True):
        summed[f"{c}/{i}"] = summed.get(f"{c}/{i}", 0.0) + v
    assert all(v <= line_voc[k] + 1e-12 for k, v in summed.items())
    assert {"spray_booth", "printing_press", "reactor", "dispenser", "unloading_rack"} <= set(
        q["kind"].tolist()
    )
