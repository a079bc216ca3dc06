"""``lantian compliance`` and ``GET /v1/regions/{code}/compliance`` on real SQLite files: the
registry (hand-made cement plants), electricity use and the decisions issued."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.settings import Settings
from api.store import DecisionStore
from observations import ObservationStore
from registry import RegistryStore
from registry._csv import ENTERPRISE_COLUMNS, LINE_COLUMNS
from tests import handmade
from tests.api.test_verify import response
from tests.engine.test_compliance import DAY, METERS, RATES
from tests.engine.test_measures import _ent, _line
from tests.registry.test_store import write_csv


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    path = tmp_path_factory.mktemp("compliance")
    enterprises = [_ent(c, g) for c, g in (("CEM-A", "A"), ("CEM-B", "B"), ("CEM-B2", "B"),
                                           ("CEM-C", "C"), ("CEM-D", "D"), ("CEM-D2", "D"),
                                           ("CEM-X", "D"))]  # fmt: skip
    lines = [_line(e["credit_code"], "L1", 1000, 1000, 1000, RATES) for e in enterprises]
    lines.append(_line("CEM-C", "L2", 1000, 1000, 1000, RATES))
    RegistryStore(path / "registry.sqlite").import_csv(
        enterprises=write_csv(path / "e.csv", enterprises, ENTERPRISE_COLUMNS),
        lines=write_csv(path / "l.csv", lines, LINE_COLUMNS),
        as_of=dt.date(2026, 1, 1),
    )
    # 28 days of 100 kWh an hour, 5 kWh on an alert day (Nov 20), then the checked day
    start = DAY - dt.timedelta(days=28)
    rows = ["credit_code,meter_id,line_id,time,kwh"]
    for meter, (credit, line, share) in METERS.items():
        for hour in range(29 * 24):
            t = dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=hour)
            kwh = 100.0 * share if t.date() == DAY else (5.0 if t.date() == ALERT else 100.0)
            rows.append(f"{credit},{meter},{line},{t:%Y-%m-%d %H:%M},{kwh:g}")
    (path / "use.csv").write_text("\n".join(rows) + "\n", "utf-8")
    ObservationStore(path / "obs.sqlite").import_csv(electricity=path / "use.csv")
    decisions = DecisionStore(path / "decisions.sqlite")
    decisions.record([response("130100", ALERT, "yellow"), response("130100", DAY, "orange")])
    forecast, regions = handmade.write(path, handmade.forecast([75.0] * 9))
    return {"dir": path, "forecast": forecast, "regions": regions}


ALERT = dt.date(2026, 11, 20)


def cli(files, *extra):
    path = files["dir"]
    return main(["compliance", "--date", DAY.isoformat(), "--region", "130100",
                 "--db", str(path / "decisions.sqlite"), "--registry",
                 str(path / "registry.sqlite"), "--observations", str(path / "obs.sqlite"),
                 "--regions", str(files["regions"]), *map(str, extra)])  # fmt: skip


def test_cli_flags_the_firm_that_kept_drawing_60_percent(files, capsys):
    assert cli(files, "--format", "json", "--chart", files["dir"] / "charts") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["level"] == "orange" and document["level_issued"] == "orange"
    assert document["region"] == {"code": "130100", "name": "石家庄市"}
    assert document["summary"]["flagged"] == 2 and document["summary"]["no_meter"] == 1
    flagged = {(f["credit_code"], f["kind"]): f for f in document["flags"]}
    stop = flagged[("CEM-D", "stop")]
    # the alert day of Nov 20 is left out of the baseline: still 100 kWh an hour
    assert stop["baseline_kwh"] == 2400.0 and stop["use_kwh"] == 1440.0
    assert ("CEM-B", "cap") in flagged
    d2 = next(c for c in document["checks"] if c["credit_code"] == "CEM-D2")
    assert d2["status"] == "compliant" and d2["ratio"] == 0.03
    charts = sorted(p.name for p in (files["dir"] / "charts").iterdir())
    assert charts == ["CEM-B_L1.png", "CEM-D_L1.png"]


def test_cli_csv_list_and_table(files, capsys):
    assert cli(files, "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["status"] for r in rows][:2] == ["flagged", "flagged"]
    assert rows[0]["rule"].startswith("output capped at 80%")
    assert cli(files, "--language", "zh") == 0
    out = capsys.readouterr().out
    assert "6 checks: 2 flagged" in out and "应停产" not in out  # table shows the evidence
    assert "基准" in out


def test_cli_what_if_level_and_no_decision(files, capsys):
    assert cli(files, "--level", "none", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["checked"] == 0 and document["level_issued"] == "orange"
    absent = str(files["dir"] / "absent.sqlite")
    code = main(["compliance", "--date", DAY.isoformat(), "--region", "130100", "--registry",
                 absent, "--regions", str(files["regions"])])  # fmt: skip
    assert code == 2 and "no enterprise registry" in capsys.readouterr().err


def test_http_compliance(files):
    path = files["dir"]
    settings = Settings(
        forecast=files["forecast"], regions=str(files["regions"]),
        db=path / "decisions.sqlite", registry=path / "registry.sqlite",
        observations=path / "obs.sqlite",
    )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        url = "/v1/regions/130100/compliance"
        body = client.get(url, params={"date": DAY.isoformat()}).json()
        assert body["summary"]["flagged"] == 2
        assert {f["credit_code"] for f in body["flags"]} == {"CEM-B", "CEM-D"}
        lenient = client.get(url, params={"date": DAY.isoformat(), "stop_share": 0.7}).json()
        assert {f["credit_code"] for f in lenient["flags"]} == {"CEM-B"}
        listing = client.get(url, params={"date": DAY.isoformat(), "format": "csv"})
        assert listing.headers["content-type"].startswith("text/csv")
        assert listing.text.splitlines()[0].startswith("region_code,date,credit_code")
        assert client.get("/v1/regions/999999/compliance").status_code == 404
