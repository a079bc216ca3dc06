"""The forecast reloads without dropping a request: on SIGHUP (a real server) and when the file
is replaced (the watcher), and a file that cannot be read leaves the old one served."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.test_faults import wait_ready
from tests.api.test_server import free_port

DAY = "2026-12-02"
REVISED = "LANTIAN-SYNTH@revised"


@pytest.fixture(scope="module")
def revised(demo_dir, tmp_path_factory):
    """The demo forecast with PM2.5 at a third and a new identity (another run's file)."""
    path = tmp_path_factory.mktemp("revised") / "forecast.nc"
    with xr.open_dataset(demo_dir / "forecast.nc") as data:
        changed = data.load().assign(pm25=data.pm25 * 0.3)
        changed.attrs["forecast_id"] = REVISED
        changed.to_netcdf(path)
    return path


def replace(source, served):
    """Put ``source`` in place of ``served`` as a deployment should: copy aside, then rename."""
    aside = served.with_suffix(".new")
    shutil.copy(source, aside)
    os.replace(aside, served)


def hammer(base: str, stop: threading.Event, seen: list) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            for path in (f"/v1/regions/130100/response?date={DAY}", f"/v1/response?date={DAY}"):
                try:
                    response = client.get(path)
                except httpx.HTTPError as error:
                    seen.append((type(error).__name__, None))
                    continue
                body = response.json()
                forecast = (
                    body["forecast"] if "forecast" in body else body["responses"][0]["forecast"]
                )
                seen.append((response.status_code, forecast["id"]))


def test_sighup_reloads_while_requests_run(demo_dir, revised, tmp_path):
    served = tmp_path / "forecast.nc"
    shutil.copy(demo_dir / "forecast.nc", served)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "api.cli", "serve", "--forecast", str(served),
            "--regions", str(demo_dir / "regions.geojson"), "--db", str(tmp_path / "d.sqlite"),
            "--port", str(port), "--reload-poll", "0",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_ready(process, base)
        before = httpx.get(f"{base}/v1/regions/130100/response", params={"date": DAY}).json()
        stop, seen = threading.Event(), []
        clients = [threading.Thread(target=hammer, args=(base, stop, seen)) for _ in range(4)]
        for client in clients:
            client.start()
        time.sleep(1)
        replace(revised, served)
        os.kill(process.pid, signal.SIGHUP)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and (not seen or seen[-1][1] != REVISED):
            time.sleep(0.2)
        time.sleep(1)  # requests after the swap too
        stop.set()
        for client in clients:
            client.join()
        after = httpx.get(f"{base}/v1/regions/130100/response", params={"date": DAY}).json()
    finally:
        process.terminate()
        process.wait(timeout=30)
    statuses = {status for status, _ in seen}
    assert statuses == {200}, f"not all requests succeeded during the reload: {statuses}"
    ids = [forecast for _, forecast in seen]
    assert ids[0] == before["forecast"]["id"] != REVISED and ids[-1] == REVISED
    assert REVISED not in ids[: ids.index(REVISED)]  # one swap: old, then only new
    assert set(ids[ids.index(REVISED) :]) == {REVISED}
    assert after["forecast"]["id"] == REVISED
    old_pm = [d["pm25_24h"] for d in before["days"]]
    new_pm = [d["pm25_24h"] for d in after["days"]]
    assert new_pm == pytest.approx([0.3 * x for x in old_pm], rel=0.05)  # the new values


def test_a_new_file_is_loaded_and_a_broken_one_is_not(demo_dir, revised, tmp_path):
    served = tmp_path / "forecast.nc"
    shutil.copy(demo_dir / "forecast.nc", served)
    settings = Settings(
        forecast=served, regions=str(demo_dir / "regions.geojson"), db=tmp_path / "d.sqlite",
        reload_poll=0.2,
    )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        app = client.app
        first = app.state.service.forecast.id
        broken = tmp_path / "broken.nc"
        broken.write_bytes(b"not a netCDF file")
        replace(broken, served)
        deadline = time.monotonic() + 60
        while app.state.reloader.seen != os_identity(served) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        assert app.state.service.forecast.id == first  # the broken file was refused
        assert client.get("/v1/health").json()["forecast"]["id"] == first
        replace(revised, served)
        deadline = time.monotonic() + 180
        while app.state.service.forecast.id != REVISED and time.monotonic() < deadline:
            time.sleep(0.2)
        response = client.get("/v1/regions/130100/response", params={"date": DAY})
    assert response.status_code == 200 and response.json()["forecast"]["id"] == REVISED
    assert app.state.reloader.reloads == 1


def os_identity(path):
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
