"""``/v1/scenarios``: jobs queued to a worker process, status, results, restart recovery."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_key
from api.jobs import JobStore, ScenarioRequest
from api.settings import Settings
from tests.api.test_scenario_cli import write_small_scenario


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    files = write_small_scenario(tmp_path_factory.mktemp("http-scenario"))
    db = tmp_path_factory.mktemp("db") / "decisions.sqlite"
    settings = Settings(forecast=files["forecast"], regions=str(files["regions"]), db=db)
    with TestClient(create_app(settings)) as client:
        _, key = create_key(client.app.state.service.store, "officer", None, "planner")
        client.headers["Authorization"] = f"Bearer {key}"
        yield client, files, settings


def _wait(client, job: str, timeout: float = 600.0) -> list[dict]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/v1/scenarios/{job}").json()
        seen.append(status)
        if status["status"] in ("done", "failed"):
            return seen
        time.sleep(0.5)
    raise AssertionError(f"job {job} still {seen[-1]['status']} after {timeout} s")


def test_a_job_runs_in_a_worker_and_gives_json_and_netcdf(setup):
    client, files, _ = setup
    posted = client.post(
        "/v1/scenarios",
        json={"emissions": str(files["emissions"]), "change": str(files["change"]), "members": 2},
    )
    assert posted.status_code == 202
    job = posted.json()["id"]
    assert posted.headers["location"] == f"/v1/scenarios/{job}"
    assert posted.json()["status"] in ("queued", "running")
    assert posted.json()["request"]["forecast"] == str(files["forecast"])  # the served one
    seen = _wait(client, job)
    final = seen[-1]
    assert final["status"] == "done", final["error"]
    assert final["progress"] == 1.0 and final["finished"] >= final["started"] >= final["created"]
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress)
    result = client.get(f"/v1/scenarios/{job}/result")
    assert result.status_code == 200
    regions = result.json()
    assert [r["region"]["code"] for r in regions] == ["130100", "130500"]
    assert all(r["members"] == 2 and r["days"] for r in regions)
    netcdf = client.get(f"/v1/scenarios/{job}/result.nc")
    assert netcdf.status_code == 200
    assert netcdf.headers["content-type"] == "application/x-netcdf"
    assert netcdf.content[:4] == b"\x89HDF"


def test_a_failing_job_records_its_error_and_has_no_result(setup, tmp_path):
    client, files, _ = setup
    import xarray as xr

    bad = files["change"].parent / "bad.nc"  # inputs must lie in the service's data folders
    data = xr.open_dataset(files["change"]).load()
    data["voc"].attrs["units"] = "t a-1"
    data.to_netcdf(bad)
    job = client.post(
        "/v1/scenarios", json={"emissions": str(files["emissions"]), "change": str(bad)}
    ).json()["id"]
    final = _wait(client, job)[-1]
    assert final["status"] == "failed"
    assert "voc has units 't a-1'; expected 'kg h-1'" in final["error"]
    result = client.get(f"/v1/scenarios/{job}/result")
    assert result.status_code == 409
    assert "failed" in result.json()["detail"]


def test_bad_requests_are_refused_at_once(setup):
    client, files, _ = setup
    missing = client.post("/v1/scenarios", json={"emissions": str(files["emissions"])})
    assert missing.status_code == 422 and "needs 'change'" in missing.json()["detail"]
    nowhere = client.post(
        "/v1/scenarios", json={"emissions": "/nowhere/e.nc", "change": str(files["change"])}
    )
    assert (
        nowhere.status_code == 422
        and "only files in the service's data folders" in (nowhere.json()["detail"])
    )
    absent = client.post(
        "/v1/scenarios",
        json={"emissions": str(files["change"].parent / "e.nc"), "change": str(files["change"])},
    )
    assert absent.status_code == 422 and "e.nc does not exist" in absent.json()["detail"]
    anonymous = client.post(
        "/v1/scenarios",
        json={"emissions": str(files["emissions"]), "change": str(files["change"])},
        headers={"Authorization": ""},
    )
    assert anonymous.status_code == 401
    assert client.get("/v1/scenarios/0123456789abcdef").status_code == 404
    assert client.get("/v1/scenarios/0123456789abcdef/result").status_code == 404


def test_after_a_restart_an_unfinished_job_shows_as_failed(tmp_path):
    path = tmp_path / "scenarios.sqlite"
    store = JobStore(path)
    request = ScenarioRequest(forecast="f.nc", emissions="e.nc", change="c.nc")
    running, queued = store.create(request), store.create(request)
    store.update(running, status="running", progress=0.4, stage="member 3 of 20")
    done = store.create(request)
    store.update(done, status="done", progress=1.0)
    again = JobStore(path)  # the service starts again
    for job in (running, queued):
        status = again.get(job)
        assert status.status == "failed" and "interrupted" in (status.error or "")
    assert again.get(done).status == "done"
    assert again.get(running).request == request


def test_a_programme_job_runs_on_the_registry(setup, tmp_path):
    client, files, _ = setup
    from registry import import_synthetic

    directory = files["forecast"].parent  # inputs must lie in the service's data folders
    import_synthetic(directory, files["regions"], n_enterprises=200, seed=5)
    db = directory / "registry.sqlite"
    outside = client.post(
        "/v1/scenarios",
        json={"emissions": str(files["emissions"]), "programme": str(tmp_path / "p.toml"),
              "db": str(db)},
    )  # fmt: skip
    assert outside.status_code == 422
    assert "programme: only files in the service's data folders" in outside.json()["detail"]
    without_db = client.post(
        "/v1/scenarios", json={"emissions": str(files["emissions"]), "programme": "default"}
    )
    assert without_db.status_code == 422 and "needs 'db'" in without_db.json()["detail"]
    posted = client.post(
        "/v1/scenarios",
        json={"emissions": str(files["emissions"]), "programme": "default", "db": str(db),
              "members": 2},
    )  # fmt: skip
    assert posted.status_code == 202
    final = _wait(client, posted.json()["id"])[-1]
    assert final["status"] == "done", final["error"]
    regions = client.get(f"/v1/scenarios/{final['id']}/result").json()
    assert [r["region"]["code"] for r in regions] == ["130100", "130500"]
    assert all(r["voc_moved_kg"] > 0 and r["days"] for r in regions)
