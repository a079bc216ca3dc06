"""A real uvicorn server on a free loopback port, hit by concurrent clients."""

from __future__ import annotations

import concurrent.futures
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import DEMO_DATE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_dir, tmp_path_factory):
    port = free_port()
    db = tmp_path_factory.mktemp("served") / "decisions.sqlite"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--forecast",
            str(demo_dir / "forecast.nc"),
            "--regions",
            str(demo_dir / "regions.geojson"),
            "--db",
            str(db),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stdout.read()}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start within 180 s")
    yield base
    process.terminate()
    process.wait(timeout=30)


def test_concurrent_requests_are_all_recorded(server):
    codes = httpx.get(f"{server}/v1/regions").json()
    day = DEMO_DATE.isoformat()

    def ask(code: str) -> int:
        response = httpx.get(
            f"{server}/v1/regions/{code['code']}/response", params={"date": day}, timeout=60
        )
        return response.status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(ask, codes * 3))
    assert statuses == [200] * (len(codes) * 3)
    recorded = httpx.get(f"{server}/v1/decisions", params={"date": day, "limit": 10000}).json()
    assert len(recorded) == len(codes) * 3
    assert {r["region"] for r in recorded} == {c["code"] for c in codes}


def test_docs_are_served(server):
    assert httpx.get(f"{server}/docs").status_code == 200
    schema = httpx.get(f"{server}/openapi.json").json()
    assert "/v1/regions/{code}/response" in schema["paths"]
