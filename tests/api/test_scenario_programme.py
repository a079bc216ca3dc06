"""``lantian scenario run --programme P.toml --db R``: the programme's change, as ``lantian ozone
plan --format netcdf`` writes it, run through the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from api.cli import main
from tests.api.test_scenario_cli import START, write_small_scenario

SEED = 7  # of the ensemble's perturbations


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    from registry import import_synthetic

    directory = tmp_path_factory.mktemp("programme")
    paths = write_small_scenario(directory)
    import_synthetic(directory, paths["regions"], n_enterprises=300, seed=5)
    paths["db"] = directory / "registry.sqlite"
    return paths


def _run(files, out, *source, fmt="json"):
    return [
        "scenario", "run", "--forecast", str(files["forecast"]),
        "--emissions", str(files["emissions"]), *source, "--regions", str(files["regions"]),
        "--out", str(out), "--members", "3", "--seed", str(SEED), "--format", fmt,
    ]  # fmt: skip


def test_programme_equals_the_change_files_of_ozone_plan(files, tmp_path, capsys):
    """The default programme gives exactly what the regions' `ozone plan` change files give."""
    plans = []
    for code in ("130100", "130500"):
        path = tmp_path / f"plan-{code}.nc"
        args = ["ozone", "plan", "--db", str(files["db"]), "--region", code,
                "--from", str(START), "--to", "2026-07-02", "--format", "netcdf",
                "--out", str(path), "--forecast", str(files["forecast"]),
                "--regions", str(files["regions"])]  # fmt: skip
        assert main(args) == 0
        plans.append(xr.open_dataset(path).load())
    summed = (plans[0][["voc", "nox"]] + plans[1][["voc", "nox"]]).astype(np.float64)
    for name in ("voc", "nox"):
        summed[name].attrs["units"] = "kg h-1"
    change = tmp_path / "summed.nc"
    summed.to_netcdf(change)
    capsys.readouterr()

    by_programme = tmp_path / "programme.nc"
    programme = ["--programme", "default", "--db", str(files["db"])]
    assert main(_run(files, by_programme, *programme)) == 0
    regions = json.loads(capsys.readouterr().out)
    by_file = tmp_path / "file.nc"
    assert main(_run(files, by_file, "--change", str(change))) == 0
    from_file = json.loads(capsys.readouterr().out)

    moved = float(np.maximum(-summed["voc"].values, 0).sum())  # on the grid [kg]
    assert moved > 0
    assert regions == from_file
    assert sum(r["voc_moved_kg"] for r in regions) == pytest.approx(moved, rel=1e-3)
    a, b = xr.open_dataset(by_programme), xr.open_dataset(by_file)
    np.testing.assert_array_equal(a["delta_o3"].values, b["delta_o3"].values)
    assert np.abs(a["delta_o3"].values).max() > 0
    for r in regions:
        assert r["regime"] in ("voc_limited", "nox_limited", "transitional")
        assert r["days"] and all(d["mda8_base"] > 0 for d in r["days"])


def test_programme_table_prints_every_column(files, tmp_path, capsys):
    out = tmp_path / "r.nc"
    args = _run(files, out, "--programme", "default", "--db", str(files["db"]), fmt="table")
    assert main(args) == 0
    text = capsys.readouterr().out
    for needle in ("130100", "130500", "MDA8", "ΔMDA8 P10/P50/P90", "exceed.", "VOC moved t"):
        assert needle in text
    assert xr.open_dataset(out)["delta_mda8"].dims == ("date", "lat", "lon")


def test_a_layer_over_the_default_changes_the_answer(files, tmp_path, capsys):
    layer = tmp_path / "short.toml"
    layer.write_text('[defaults]\nwindow = ["12:00", "15:00"]\n', "utf-8")
    main(_run(files, tmp_path / "a.nc", "--programme", "default", "--db", str(files["db"])))
    default = json.loads(capsys.readouterr().out)
    main(_run(files, tmp_path / "b.nc", "--programme", str(layer), "--db", str(files["db"])))
    short = json.loads(capsys.readouterr().out)
    for a, b in zip(default, short, strict=True):
        assert 0 < b["voc_moved_kg"] < a["voc_moved_kg"]  # a 3-hour window moves less


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (["--programme", "default"], "--programme default needs --db"),
        (["--programme", "default", "--db", "/nowhere/r.sqlite"], "no registry file"),
        (["--programme", "/nowhere/p.toml", "--db", "DB"], "programme file /nowhere/p.toml"),
        (["--programme", "LATE", "--db", "DB"], "moves no VOC in the regions"),
    ],
)
def test_bad_programme_inputs_are_one_line_errors(files, tmp_path, capsys, source, message):
    late = tmp_path / "late.toml"
    late.write_text('season = { start = "08-01", end = "09-30" }\n', "utf-8")
    source = [{"DB": str(files["db"]), "LATE": str(late)}.get(s, s) for s in source]
    assert main(_run(files, tmp_path / "r.nc", *source)) == 2
    err = capsys.readouterr().err
    assert err.startswith("lantian scenario: error: ") and err.count("\n") == 1
    assert message in err, err


def test_change_and_programme_exclude_each_other(files, tmp_path, capsys):
    source = ["--change", str(files["change"]), "--programme", "default", "--db", "x"]
    with pytest.raises(SystemExit) as stop:
        main(_run(files, tmp_path / "r.nc", *source))
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_forecast_trigger_reads_each_region_s_forecast(files, tmp_path, capsys):
    always = tmp_path / "always.toml"
    always.write_text('trigger = { kind = "forecast", o3_mda8_at_least = 0 }\n', "utf-8")
    never = tmp_path / "never.toml"
    never.write_text('trigger = { kind = "forecast", o3_mda8_at_least = 900 }\n', "utf-8")
    db = ["--db", str(files["db"])]
    assert main(_run(files, tmp_path / "d.nc", "--programme", "default", *db)) == 0
    default = json.loads(capsys.readouterr().out)
    assert main(_run(files, tmp_path / "a.nc", "--programme", str(always), *db)) == 0
    triggered = json.loads(capsys.readouterr().out)
    assert [r["voc_moved_kg"] for r in triggered] == [r["voc_moved_kg"] for r in default]
    assert main(_run(files, tmp_path / "n.nc", "--programme", str(never), *db)) == 2
    assert "moves no VOC in the regions" in capsys.readouterr().err
