"""A real uvicorn server on a free loopback port, hit by concurrent clients."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import DEMO_DATE

DBS: dict = {}


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
            "--rate-limit",
            "0",  # these tests count recorded decisions, not refusals (test_access covers 429)
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
    key = subprocess.run(
        [sys.executable, "-m", "api.cli", "keys", "create", "--db", str(db), "--role", "officer"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    DBS[base] = db
    yield base, key
    process.terminate()
    process.wait(timeout=30)


def test_concurrent_issues_are_all_recorded(server):
    base, key = server
    codes = httpx.get(f"{base}/v1/regions").json()
    day = DEMO_DATE.isoformat()
    headers = {"Authorization": f"Bearer {key}"}

    def issue(code: dict) -> int:
        response = httpx.post(
            f"{base}/v1/decisions", json={"region": code["code"], "date": day},
            headers=headers, timeout=60,
        )  # fmt: skip
        return response.status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(issue, codes * 3))
    assert statuses == [201] * (len(codes) * 3)
    recorded = httpx.get(f"{base}/v1/decisions", params={"date": day, "limit": 10000}).json()
    assert len(recorded) == len(codes) * 3
    assert {r["region"] for r in recorded} == {c["code"] for c in codes}
    looks = [
        httpx.get(f"{base}/v1/regions/{c['code']}/response", params={"date": day}) for c in codes
    ]
    assert [r.status_code for r in looks] == [200] * len(codes)
    after = httpx.get(f"{base}/v1/decisions", params={"date": day, "limit": 10000}).json()
    assert len(after) == len(recorded)  # looking records nothing


def test_cli_and_api_agree_on_one_store(server, demo_dir):
    base, _ = server
    day = (DEMO_DATE + dt.timedelta(days=1)).isoformat()
    run = subprocess.run(
        [
            sys.executable, "-m", "api.cli", "issue", "--forecast", str(demo_dir / "forecast.nc"),
            "--regions", str(demo_dir / "regions.geojson"), "--db", str(server_db(base)),
            "--date", day, "--region", "110100",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    (cli,) = json.loads(run.stdout)
    api = httpx.get(f"{base}/v1/regions/110100/response", params={"date": day}).json()
    assert (cli["region"], cli["level"]) == ("110100", api["level"])
    assert cli["issued_by"].startswith("cli:")
    listed = httpx.get(f"{base}/v1/decisions", params={"region": "110100", "date": day}).json()
    assert [d["id"] for d in listed] == [cli["id"]]


def server_db(base: str):
    return DBS[base]


def test_docs_are_served(server):
    server, _ = server
    assert httpx.get(f"{server}/docs").status_code == 200
    schema = httpx.get(f"{server}/openapi.json").json()
    assert "/v1/regions/{code}/response" in schema["paths"]
