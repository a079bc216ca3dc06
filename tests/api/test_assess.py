"""``lantian assess`` on a hand-made pair of years in a real observation store and registries."""

from __future__ import annotations

import datetime as dt
import json

from api.cli import main
from observations import ObservationStore
from registry import RegistryStore
from registry._csv import ENTERPRISE_COLUMNS, LINE_COLUMNS
from tests.engine.test_measures import _ent, _line
from tests.registry.test_store import write_csv

# PM2.5 160 µg/m³ all day → AQI 210 (heavy); 30 → good. Heavy days: 8 in 2024, 6 in 2025.
HEAVY = {
    2024: ["01-02", "01-03", "01-04", "01-05", "12-10", "12-11", "12-12", "12-13"],
    2025: ["01-02", "01-03", "01-04", "12-10", "12-11", "12-12"],
}
OZONE = {2024: ["06-10"], 2025: ["06-10", "06-20"]}  # O3 200 for 10 h: MDA8 200 → IAQI 137


def hourly(path):
    lines = ["station_code,time,pm25,pm10,o3,no2,so2,co"]
    day = dt.date(2024, 1, 1)
    while day <= dt.date(2025, 12, 31):
        heavy = day.strftime("%m-%d") in HEAVY[day.year]
        ozone = day.strftime("%m-%d") in OZONE[day.year]
        for hour in range(24):
            o3 = 200 if ozone and 9 <= hour < 19 else 40
            lines.append(f"1001A,{day} {hour:02d}:00,{160 if heavy else 30},30,{o3},30,10,0.8")
        day += dt.timedelta(days=1)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def registry(path, voc):
    enterprises = [_ent("COAT", "B", industry="industrial_coating")]
    lines = [_line("COAT", "L1", 1, 1, 1, (0, 0, 0, voc), process="coating", hours=10.0)]
    RegistryStore(path).import_csv(
        enterprises=write_csv(path.with_suffix(".e.csv"), enterprises, ENTERPRISE_COLUMNS),
        lines=write_csv(path.with_suffix(".l.csv"), lines, LINE_COLUMNS),
        as_of=dt.date(2024, 1, 1),
    )
    return path


def test_assessment_of_a_hand_made_year(tmp_path, capsys):
    stations = tmp_path / "s.csv"
    stations.write_text("station_code,name,city_code,lon,lat\n1001A,站,130100,114.5,38.0\n")
    store = ObservationStore(tmp_path / "obs.sqlite")
    store.import_csv(stations=stations, hourly=hourly(tmp_path / "h.csv"), hour_label="start")
    base = registry(tmp_path / "r2024.sqlite", voc=2.0)
    now = registry(tmp_path / "r2025.sqlite", voc=1.7)
    args = ["assess", "--observations", str(tmp_path / "obs.sqlite"), "--season", "year",
            "--year", "2025", "--registry", str(now), "--registry-base", str(base)]  # fmt: skip
    assert main([*args, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (city,) = document["cities"]
    assert city["code"] == "130100" and city["valid_days"] == 365
    assert city["heavy_days"] == 6 and city["base"]["heavy_days"] == 8
    assert city["heavy_days_change"] == -0.25 and city["heavy_days_target_met"] is True
    assert city["o3_primary_days"] == 2 and city["base"]["o3_primary_days"] == 1
    assert city["good_days"] == 365 - 6 - 2
    # VOC of the coating line: 1.7 vs 2.0 kg/h × 10 h × 365 d → 6.205 vs 7.3 t/a, −15 %
    assert document["voc_total"] == {
        "t_a": 6.205, "base_t_a": 7.3, "change": -0.15, "target_met": True
    }  # fmt: skip
    assert city["voc"]["change"] == -0.15
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "130100" in table and "-25%" in table and "VOC of key industries: 6.205 t/a" in table
    assert main([*args, "--format", "csv"]) == 0
    csv_rows = capsys.readouterr().out.splitlines()
    assert csv_rows[1].startswith("130100,130100,365,6,") and csv_rows[1].endswith(",-0.25,True")
