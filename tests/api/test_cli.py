"""The ``lantian`` CLI through a subprocess, as a user runs it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from tests.conftest import DEMO_DATE


def lantian(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_levels_json_for_the_demo(demo_dir):
    run = lantian(
        "levels",
        "--forecast",
        str(demo_dir / "forecast.nc"),
        "--regions",
        str(demo_dir / "regions.geojson"),
        "--date",
        (DEMO_DATE + dt.timedelta(days=1)).isoformat(),
    )
    assert run.returncode == 0, run.stderr
    responses = json.loads(run.stdout)
    assert len(responses) == 28
    sjz = next(r for r in responses if r["region"]["code"] == "130100")
    assert sjz["level"] == "red" and sjz["date"] == "2026-12-02"
    assert sjz["days"][0]["aqi"] > 200 and sjz["forecast"]["id"].startswith("LANTIAN-SYNTH")


def test_levels_table(demo_dir):
    run = lantian(
        "levels",
        "--forecast",
        str(demo_dir / "forecast.nc"),
        "--regions",
        str(demo_dir / "regions.geojson"),
        "--date",
        DEMO_DATE.isoformat(),
        "--format",
        "table",
    )
    assert run.returncode == 0, run.stderr
    assert "石家庄市" in run.stdout and run.stdout.count("\n") >= 30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--forecast", "missing.nc"], "forecast file missing.nc does not exist"),
        (["--date", "2031-01-01"], "2031-01-01 is outside"),
        (["--rules", "NOPE"], "unknown rule set 'NOPE'"),
    ],
)
def test_levels_errors_are_one_line(demo_dir, args, message):
    base = {
        "--forecast": str(demo_dir / "forecast.nc"),
        "--regions": str(demo_dir / "regions.geojson"),
        "--date": DEMO_DATE.isoformat(),
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    run = lantian("levels", *[x for kv in base.items() for x in kv])
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1


def test_bad_date_argument_is_rejected(demo_dir):
    run = lantian("levels", "--forecast", "f.nc", "--regions", "r.geojson", "--date", "1.12.2026")
    assert run.returncode == 2 and "'1.12.2026' is not a date of the form YYYY-MM-DD" in run.stderr


def test_demo_data_if_stale_keeps_a_current_forecast(tmp_path):
    first = lantian("demo-data", str(tmp_path), "--days", "7")
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "forecast.nc").stat().st_mtime_ns
    again = lantian("demo-data", str(tmp_path), "--if-stale")
    assert again.returncode == 0 and "kept" in again.stdout
    assert (tmp_path / "forecast.nc").stat().st_mtime_ns == before
    # A forecast for an old date no longer covers tomorrow: rewritten.
    lantian("demo-data", str(tmp_path), "--date", "2020-01-01", "--days", "7")
    rewritten = lantian("demo-data", str(tmp_path), "--if-stale")
    assert rewritten.returncode == 0 and "wrote" in rewritten.stdout
