"""``lantian verify`` and ``GET /v1/verification`` on hand-made ten days (real SQLite files).

The observations, decisions and forecast are those of tests/engine/test_verification.py, made
real: stations of 石家庄 (130100) report constant hourly PM2.5 each CST day, so the observed
daily AQI is 114 210 210 310 210 148 158 60 60 210 (60 60 after the period).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.settings import Settings
from api.store import DecisionStore
from engine.response import ForecastIdentity, RegionRef, Response
from observations import ObservationStore
from tests import handmade
from tests.engine.test_verification import HAND, ISSUED, OBSERVED_LEVELS, START

OBSERVED_PM25 = [75, 160, 160, 260, 160, 112, 120, 40, 40, 160, 40, 40]
FORECAST_PM25 = [75, 160, 160, 160, 120, 120, 120, 40, 40, 160]
# The forecast's own levels from each day on (days 1…10, lead days 1…10), by hand:
#   AQI 114 210 210 210 158 158 158 60 60 210 → none orange orange orange orange yellow none
#   none none yellow. Against the observed levels: yellow a 5 b 1 (day 6) c 0 d 4; orange
#   a 3 b 1 (day 5) c 0 d 6; red a 0 b 0 c 2 d 8.
FORECAST_HAND = {
    "yellow": HAND["yellow"],
    "orange": HAND["orange"],
    "red": {"hits": 0, "misses": 2, "false_alarms": 0, "correct_negatives": 8,
            "pod": 0.0, "far": None, "csi": 0.0, "hss": 0.0},
}  # fmt: skip
LAST = (START + dt.timedelta(days=9)).isoformat()


def observation_store(path):
    stations = path / "stations.csv"
    stations.write_text(
        "station_code,name,city_code,lon,lat\n"
        "1001A,华电二区,130100,114.50,38.05\n"
        "1002A,职工医院,130100,114.46,38.03\n",
        "utf-8",
    )
    lines = ["station_code,time,pm25,pm10,o3,no2,so2,co"]
    for k, pm25 in enumerate(OBSERVED_PM25):
        for hour in range(24):
            t = dt.datetime.combine(START, dt.time()) + dt.timedelta(days=k, hours=hour)
            for station in ("1001A", "1002A"):
                lines.append(f"{station},{t:%Y-%m-%d %H:%M},{pm25},30,40,30,10,0.8")
    hourly = path / "hourly.csv"
    hourly.write_text("\n".join(lines) + "\n", "utf-8")
    store = ObservationStore(path / "obs.sqlite")
    store.import_csv(stations=stations, hourly=hourly, hour_label="start")
    return path / "obs.sqlite"


def response(code: str, day: dt.date, level: str) -> Response:
    issued = f"{day - dt.timedelta(days=1)}T12:00Z"  # 20:00 CST the day before: lead day 1
    return Response(
        region=RegionRef(code, code), date=day, level=level, regime="pm25", advisories=(),
        aqi_standard="HJ633-2026", rule_set="MEE-2024", days=(), reasons=(),
        forecast=ForecastIdentity(f"F@{issued}", issued), reasons_zh=(), mode="natural",
        forecast_level=level, episode=None, probabilities=None, valid_fraction=1.0,
        degraded=False,
    )  # fmt: skip


def decision_store(path):
    store = DecisionStore(path / "decisions.sqlite")
    days = [START + dt.timedelta(days=k) for k in range(10)]
    store.record([response("130100", d, level) for d, level in zip(days, ISSUED, strict=True)])
    store.record([response("130200", d, "yellow") for d in days])  # no station: left out
    return path / "decisions.sqlite"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    path = tmp_path_factory.mktemp("verify")
    forecast, regions = handmade.write(path, handmade.forecast(FORECAST_PM25), split=False)
    return {
        "observations": observation_store(path),
        "decisions": decision_store(path),
        "forecast": forecast,
        "regions": regions,
        "dir": path,
    }


def run(capsys, *args):
    code = main(["verify", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_decisions_equal_the_hand_count(files, capsys):
    code, out, _ = run(
        capsys,
        "--observations",
        files["observations"],
        "--db",
        files["decisions"],
        "--from",
        START,
        "--to",
        LAST,
        "--format",
        "json",
    )
    assert code == 0
    document = json.loads(out)
    assert list(document)[:6] == ["from", "to", "source", "by_level", "aqi", "regions"]
    assert document["source"] == "decisions"
    assert document["by_level"] == HAND
    assert document["pairs"] == 10 and document["left_out"] == 10
    (region,) = document["regions"]
    assert [d["level_observed"] for d in region["days"]] == OBSERVED_LEVELS
    assert [d["aqi_observed"] for d in region["days"]] == [
        114,
        210,
        210,
        310,
        210,
        148,
        158,
        60,
        60,
        210,
    ]
    assert set(region["days"][0]) == {
        "date",
        "lead_day",
        "level_forecast",
        "level_observed",
        "aqi_forecast",
        "aqi_observed",
    }


def test_cli_forecast_file_equals_the_hand_count(files, capsys):
    chart = files["dir"] / "scores.png"
    code, out, _ = run(
        capsys,
        "--observations",
        files["observations"],
        "--forecast",
        files["forecast"],
        "--regions",
        files["regions"],
        "--from",
        START,
        "--to",
        LAST,
        "--format",
        "json",
        "--chart",
        chart,
    )
    assert code == 0
    document = json.loads(out)
    assert document["source"] == "forecast"
    assert document["by_level"] == FORECAST_HAND
    # AQI errors f − o: 0 0 0 −100 −52 +10 0 0 0 0; categories wrong on days 4, 5, 6
    assert document["aqi"] == {"bias": -14.2, "rmse": 35.783, "category_accuracy": 0.7}
    # ±15 around the forecast AQI: day 6 (158 → 143…173, categories 3–4) is right
    assert document["category_range_accuracy"] == 0.8
    # PM2.5 f − o: 0 0 0 −100 −40 +8 0 0 0 0
    assert document["pollutants"]["pm25"] == {"bias": -13.2, "rmse": 34.153, "n": 10}
    assert document["pollutants"]["o3_mda8"]["bias"] == 0.0
    leads = [d["lead_day"] for d in document["by_lead_day"]]
    assert leads == list(range(1, 11))
    days = document["regions"][0]["days"]
    assert [d["lead_day"] for d in days] == leads
    assert days[3]["aqi_forecast"] == 210 and days[3]["level_forecast"] == "orange"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_table_and_csv(files, capsys):
    code, out, _ = run(
        capsys,
        "--observations",
        files["observations"],
        "--db",
        files["decisions"],
        "--from",
        START,
        "--to",
        LAST,
    )
    assert code == 0
    assert "10 pairs, 10 left out" in out
    assert "red" in out and "0.38" in out  # HSS 0.375
    code, out, _ = run(
        capsys,
        "--observations",
        files["observations"],
        "--db",
        files["decisions"],
        "--from",
        START,
        "--to",
        LAST,
        "--format",
        "csv",
    )
    rows = out.splitlines()
    assert rows[0].startswith("region_code,region_name,date,lead_day,rule_set,level_forecast")
    assert len(rows) == 1 + 20
    assert sum(r.endswith(",False") for r in rows) == 10


def test_cli_errors_are_one_line(files, capsys):
    code, _, err = run(
        capsys,
        "--observations",
        files["dir"] / "absent.sqlite",
        "--db",
        files["decisions"],
        "--from",
        START,
        "--to",
        LAST,
    )
    assert code == 2 and "no observation store" in err
    code, _, err = run(
        capsys,
        "--observations",
        files["observations"],
        "--forecast",
        files["forecast"],
        "--from",
        START,
        "--to",
        LAST,
    )
    assert code == 2 and "--forecast needs --regions" in err
    code, _, err = run(
        capsys,
        "--observations",
        files["observations"],
        "--db",
        files["decisions"],
        "--from",
        LAST,
        "--to",
        START,
    )
    assert code == 2 and "before" in err


@pytest.fixture(scope="module")
def client(files):
    settings = Settings(
        forecast=files["forecast"],
        regions=str(files["regions"]),
        db=files["decisions"],
        observations=files["observations"],
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_http_verification_equals_the_hand_count(client):
    response = client.get("/v1/verification", params={"from": START.isoformat(), "to": LAST})
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == START.isoformat() and body["by_level"] == HAND
    assert body["regions"][0]["region"] == {"code": "130100", "name": "石家庄市"}
    only = client.get(
        "/v1/verification", params={"from": START.isoformat(), "to": LAST, "region": "130100"}
    ).json()
    assert only["left_out"] == 0 and only["by_level"] == HAND


def test_http_formats_and_errors(client):
    params = {"from": START.isoformat(), "to": LAST}
    png = client.get("/v1/verification", params=params | {"format": "png"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    csv = client.get("/v1/verification", params=params | {"format": "csv"})
    assert csv.status_code == 200 and csv.text.startswith("region_code,")
    bad = client.get("/v1/verification", params={"from": LAST, "to": START.isoformat()})
    assert bad.status_code == 422 and "before" in bad.json()["detail"]
    unknown = client.get("/v1/verification", params=params | {"region": "999999"})
    assert unknown.status_code == 404
