"""The loop's demo data on top of ``lantian demo-data``: verification scores that are neither
perfect nor nonsense, and the firms that do not comply found by the compliance check."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from api.cli import main
from api.demo_loop import NON_COMPLIANT, write_loop_data
from grids import load_regions
from observations import ObservationStore
from registry import RegistryStore, region_chain
from tests.conftest import DEMO_DATE


@pytest.fixture(scope="module")
def loop_dir(demo_dir, tmp_path_factory):
    directory = tmp_path_factory.mktemp("loop")
    for name in ("forecast.nc", "regions.geojson", "registry.sqlite"):
        shutil.copy(demo_dir / name, directory / name)
    lines = write_loop_data(directory, seed=11)
    return directory, lines


def test_demo_observations_verify_imperfectly(loop_dir, capsys):
    directory, lines = loop_dir
    assert any("observations.sqlite" in line for line in lines)
    store = ObservationStore(directory / "observations.sqlite")
    assert store.counts()["stations"] >= 28 * 3
    last = DEMO_DATE.replace(day=DEMO_DATE.day + 8)
    args = ["verify", "--observations", str(directory / "observations.sqlite"), "--forecast",
            str(directory / "forecast.nc"), "--regions", str(directory / "regions.geojson"),
            "--from", str(DEMO_DATE), "--to", str(last), "--format", "json"]  # fmt: skip
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["pairs"] == 28 * 9 and document["left_out"] == 0
    yellow = document["by_level"]["yellow"]
    assert 0.4 < yellow["csi"] < 0.99 and yellow["hits"] > 0 and yellow["misses"] > 0
    assert 0.4 < document["aqi"]["category_accuracy"] < 0.95
    assert 5 < document["aqi"]["rmse"] < 80


def test_demo_decisions_and_non_compliant_firms(loop_dir, capsys):
    directory, lines = loop_dir
    bad = lines[-1].split("not complying: ")[1].rstrip(")").split(", ")
    assert len(bad) == NON_COMPLIANT
    # the cities of the firms that do not comply (firms are registered in counties)
    regions = load_regions(directory / "regions.geojson")
    parents = {r.code: r.parent for r in regions}
    firms = RegistryStore(directory / "registry.sqlite").load(None, DEMO_DATE)
    county = dict(zip(firms.credit_code, np.array(firms.regions)[firms.region], strict=True))
    cities = {next(c for c in region_chain(county[code], parents) if c in parents) for code in bad}
    day = DEMO_DATE.replace(day=DEMO_DATE.day + 2)  # in the demo's episode
    found = set()
    for city in sorted(cities):
        args = ["compliance", "--date", str(day), "--region", city, "--db",
                str(directory / "decisions.sqlite"), "--registry",
                str(directory / "registry.sqlite"), "--observations",
                str(directory / "observations.sqlite"), "--regions",
                str(directory / "regions.geojson"), "--format", "json"]  # fmt: skip
        assert main(args) == 0
        document = json.loads(capsys.readouterr().out)
        assert document["level"] in ("yellow", "orange", "red")
        assert document["summary"]["compliant"] > 0  # the others did stop
        found |= {f["credit_code"] for f in document["flags"]}
    assert found == set(bad)
