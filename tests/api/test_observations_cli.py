"""``lantian observations``: import and daily values through the CLI (real SQLite files)."""

from __future__ import annotations

from api.cli import main
from tests.observations.test_store import STATIONS


def test_import_then_daily(tmp_path, capsys):
    (tmp_path / "s.csv").write_text(STATIONS, "utf-8")
    rows = "".join(
        f"2001A,2026-12-01 {h:02d}:00,{'NA' if h == 3 else 75},80,40,30,10,0.8\n" for h in range(24)
    )
    (tmp_path / "h.csv").write_text("station_code,time,pm25,pm10,o3,no2,so2,co\n" + rows)
    db = str(tmp_path / "obs.sqlite")
    args = ["observations", "import", "--db", db, "--stations", str(tmp_path / "s.csv")]
    assert main([*args, "--hourly", str(tmp_path / "h.csv"), "--hour-label", "start"]) == 0
    out = capsys.readouterr().out
    assert "3 stations, 24 station-hours (1 values invalid or missing" in out
    assert main(["observations", "daily", "--db", db, "--from", "2026-12-01", "--to",
                 "2026-12-01", "--city", "130200"]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("region,date,pm25,")
    assert lines[1].startswith("130200,2026-12-01,75.0,")


def test_a_bad_station_row_exits_2_naming_the_row(tmp_path, capsys):
    (tmp_path / "s.csv").write_text(STATIONS + "3001A,,130300,114.0,38.0\n", "utf-8")
    db = tmp_path / "obs.sqlite"
    assert main(["observations", "import", "--db", str(db), "--stations",
                 str(tmp_path / "s.csv")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "s.csv line 5: name '': must not be empty" in err
    assert "nothing imported" in err
