"""``lantian serve --workers 2``: both processes serve one store, and a key's rate limit is one
budget across them."""

from __future__ import annotations

import concurrent.futures
import os
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from tests.api.test_faults import wait_ready
from tests.api.test_server import free_port
from tests.conftest import DEMO_DATE

RATE, BURST = 1, 40


def key(db, role):
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "keys", "create", "--db", str(db), "--role", role],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


@pytest.fixture(scope="module")
def workers(demo_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("workers") / "d.sqlite"
    officer, reader = key(db, "officer"), key(db, "reader")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "api.cli", "serve", "--forecast", str(demo_dir / "forecast.nc"),
            "--regions", str(demo_dir / "regions.geojson"), "--db", str(db), "--port", str(port),
            "--workers", "2", "--rate-limit", str(RATE),
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "LANTIAN_RATE_BURST": str(BURST)},
    )  # fmt: skip
    try:
        wait_ready(process, base, seconds=240)
        # both workers up: fresh connections reach each of them
        pids: set[int] = set()
        deadline = time.monotonic() + 120
        while len(pids) < 2 and time.monotonic() < deadline:
            health = httpx.get(f"{base}/v1/health", timeout=30)
            if health.status_code == 200:
                pids.add(health.json()["worker"])
        yield base, db, officer, reader, pids
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_both_workers_issue_on_one_store(workers):
    base, db, officer, _, pids = workers
    assert len(pids) == 2, f"only worker {pids} answered"
    codes = [r["code"] for r in httpx.get(f"{base}/v1/regions").json()]
    headers = {"Authorization": f"Bearer {officer}"}
    days = [str(DEMO_DATE.fromordinal(DEMO_DATE.toordinal() + k)) for k in range(4)]

    def issue(day: str) -> tuple[int, list[int]]:
        # a fresh connection per request: the kernel hands them to either worker
        body = [{"region": code, "date": day} for code in codes]
        response = httpx.post(f"{base}/v1/decisions", json=body, headers=headers, timeout=120)
        return response.status_code, [d["id"] for d in response.json()]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(issue, days * 4))  # 16 requests: within the burst
    assert [status for status, _ in results] == [201] * 16
    acknowledged = {i for _, ids in results for i in ids}
    assert len(acknowledged) == 16 * len(codes)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in connection.execute("SELECT id FROM decisions")}
    assert acknowledged <= stored


def test_one_rate_limit_across_workers(workers):
    base, _, _, reader, pids = workers
    headers = {"Authorization": f"Bearer {reader}"}
    started = time.monotonic()
    statuses = [
        httpx.get(f"{base}/v1/regions", headers=headers, timeout=30).status_code
        for _ in range(2 * BURST)
    ]  # fresh connections: spread over both workers
    elapsed = time.monotonic() - started
    allowed = statuses.count(200)
    # one bucket of BURST, refilled at RATE per second; per worker it would be twice the burst
    assert allowed <= BURST + RATE * elapsed + 1, (allowed, elapsed)
    assert statuses.count(429) == len(statuses) - allowed > 0
