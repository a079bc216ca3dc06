"""Faults of a real ``lantian serve``: kill -9 under concurrent issuing, a read-only directory."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.api.test_server import free_port
from tests.conftest import DEMO_DATE


def start(demo_dir, db, port):
    return subprocess.Popen(
        [
            sys.executable, "-m", "api.cli", "serve", "--forecast", str(demo_dir / "forecast.nc"),
            "--regions", str(demo_dir / "regions.geojson"), "--db", str(db),
            "--port", str(port), "--rate-limit", "0",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_ready(process, base, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stderr.read()}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("server did not start")


def test_kill_9_under_concurrent_issuing_loses_no_acknowledged_decision(demo_dir, tmp_path):
    db = tmp_path / "d.sqlite"
    key = subprocess.run(
        [sys.executable, "-m", "api.cli", "keys", "create", "--db", str(db), "--role", "officer"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(demo_dir, db, port)
    wait_ready(process, base)
    codes = [r["code"] for r in httpx.get(f"{base}/v1/regions").json()]
    acknowledged: list[int] = []
    lock, stop = threading.Lock(), threading.Event()

    def officer(worker: int) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            i = 0
            while not stop.is_set():
                day = DEMO_DATE.toordinal() + (i % 5)
                body = {"region": codes[(worker + i) % len(codes)], "date": str(date(day))}
                i += 1
                try:
                    response = client.post("/v1/decisions", json=body)
                except httpx.HTTPError:
                    continue  # not acknowledged: may or may not be stored
                if response.status_code == 201:
                    with lock:
                        acknowledged.extend(d["id"] for d in response.json())

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(officer, w) for w in range(8)]
        time.sleep(3)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        time.sleep(0.5)
        stop.set()
        for future in futures:
            future.result()
    assert len(acknowledged) > 20  # the load really ran
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in connection.execute("SELECT id FROM decisions")}
    assert set(acknowledged) <= stored


def date(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_serve_on_a_read_only_directory_is_one_line_and_exit_2(demo_dir, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        process = start(demo_dir, folder / "d.sqlite", free_port())
        _, stderr = process.communicate(timeout=120)
    finally:
        folder.chmod(0o755)
    assert process.returncode == 2
    assert len(stderr.strip().splitlines()) == 1 and "d.sqlite" in stderr


def test_serve_on_a_store_that_cannot_be_created_is_one_line_and_exit_2(demo_dir, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    process = start(demo_dir, blocker / "d.sqlite", free_port())
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert len(stderr.strip().splitlines()) == 1 and "d.sqlite" in stderr, stderr
    assert "Traceback" not in stderr
