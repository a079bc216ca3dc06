"""The demo's registry: firms in the counties of every city; a city's plan and baseline cover
all of its counties (not only the separately listed units such as 辛集)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.measures import EMISSION_SPECIES
from grids import load_regions
from registry import RegistryStore, import_synthetic, region_chain, region_plan, synthetic_places

DAY = dt.date(2026, 12, 2)
# 石家庄 with its separately listed unit 辛集, 唐山, and 保定 with the composite 雄安新区
CODES = ["130100", "130181", "130200", "130600", "xiongan"]


@pytest.fixture(scope="module")
def hebei(tmp_path_factory):
    regions = load_regions("builtin:key-regions").select(CODES)
    directory = tmp_path_factory.mktemp("hebei")
    _, summary = import_synthetic(directory, regions, n_enterprises=1500, seed=5)
    parents = {r.code: r.parent for r in regions}
    return RegistryStore(directory / "registry.sqlite"), parents, summary


def _plan(hebei, code, level="orange"):
    store, parents, _ = hebei
    return region_plan(store, {"code": code, "name": code}, DAY, level, parents=parents)[0]


def test_firms_are_registered_in_counties():
    regions = load_regions("builtin:key-regions").select(CODES)
    places, parents = synthetic_places(regions)
    codes = {c for c, _ in places}
    counties = {r.code for r in load_regions("builtin:counties") if r.parent == "130100"}
    assert "130181" in counties and counties <= codes  # every county of 石家庄, 辛集 included
    assert "130100" not in codes  # the city itself is covered by its counties
    # 雄安新区 stands for its three counties, which are not placed a second time
    assert "xiongan" in codes and not {"130638", "130629", "130632"} & codes
    assert all(parents[c] == "130100" for c in counties if c != "130181")


def test_city_plan_lists_the_firms_of_all_its_counties(hebei):
    store, parents, _ = hebei
    plan = _plan(hebei, "130100")
    registered = {e["region_code"] for e in plan["enterprises"]}
    assert all("130100" in region_chain(c, parents) for c in registered)
    assert "130181" in registered and len(registered) >= 15
    xinji = _plan(hebei, "130181")
    assert {e["region_code"] for e in xinji["enterprises"]} == {"130181"}
    assert len(plan["enterprises"]) > 5 * len(xinji["enterprises"])
    assert plan["totals_kg_d"]["nox"] > xinji["totals_kg_d"]["nox"]


def test_city_baseline_is_the_sum_over_its_counties(hebei):
    store, parents, _ = hebei
    codes = store.region_codes()
    counties = [c for c in codes if c != "130100" and "130100" in region_chain(c, parents)]
    baselines = store.baselines(counties + ["130100", "130181"])
    total = np.sum([baselines[c] for c in counties], axis=0)
    np.testing.assert_allclose(baselines["130100"], total, rtol=1e-6)
    assert not np.allclose(baselines["130100"], baselines["130181"])
    plan = _plan(hebei, "130100")
    got = [plan["baseline_t_d"][s] for s in EMISSION_SPECIES]
    np.testing.assert_allclose(got, total, rtol=1e-6)


def test_composite_unit_and_its_city(hebei):
    xiongan = _plan(hebei, "xiongan")
    assert xiongan["enterprises"]
    assert {e["region_code"] for e in xiongan["enterprises"]} == {"xiongan"}
    baoding = {e["credit_code"] for e in _plan(hebei, "130600")["enterprises"]}
    assert {e["credit_code"] for e in xiongan["enterprises"]} <= baoding
