"""HTTP load test: response levels served by a real uvicorn on loopback.

Starts ``lantian serve`` on the demo data (written to a temporary folder) on a free
127.0.0.1 port, then sends a bounded number of requests from a few concurrent clients:

* ours — ``GET /v1/regions/{code}/response?date=`` (classification, episode look-up in the
  decision store, one SQLite write per request), rotating over every region;
* ours — ``GET /v1/response?date=`` (every region, one transaction);
* peer — ``GET /v1/health`` on the same server under the same load: the framework's own floor
  (FastAPI + uvicorn, JSON, no decision work).

Prints throughput and latency percentiles; the ratio is ours / floor per request. Traffic goes
to loopback only; the run stops by itself (request count and a time limit).

Run: ``.venv/bin/python benchmarks/bench_http.py [--requests 2000 --clients 8]``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LIMIT_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(base: str, paths: list[str], clients: int, deadline: float) -> tuple[float, np.ndarray]:
    """Send every path once from ``clients`` threads; wall time [s] and latencies [s]."""

    def worker(chunk: list[str]) -> list[float]:
        out = []
        with httpx.Client(base_url=base, timeout=60) as client:
            for path in chunk:
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                response = client.get(path)
                out.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        return out

    chunks = [paths[i::clients] for i in range(clients)]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        latencies = [x for part in pool.map(worker, chunks) for x in part]
    return time.perf_counter() - start, np.array(latencies)


def row(name: str, wall: float, latencies: np.ndarray) -> str:
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) * 1e3
    rate = latencies.size / wall
    return f"{name:<44} {latencies.size:>6} {rate:>9.0f}/s {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp)
        day = dt.date(2026, 12, 1)
        lantian = [sys.executable, "-m", "api.cli"]
        subprocess.run(
            [*lantian, "demo-data", str(demo), "--date", day.isoformat()],
            check=True, cwd=ROOT, capture_output=True,
        )  # fmt: skip
        port = free_port()
        server = subprocess.Popen(
            [
                *lantian, "serve", "--forecast", str(demo / "forecast.nc"),
                "--regions", str(demo / "regions.geojson"), "--db", str(demo / "d.sqlite"),
                "--registry", str(demo / "registry.sqlite"), "--port", str(port),
            ],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            started = time.perf_counter()
            while True:
                try:
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - started > 120 or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            print(
                f"server ready in {time.perf_counter() - started:.1f} s (forecast read, "
                f"weights, regional AQI, JIT warm-up); {args.clients} clients, loopback"
            )
            codes = [r["code"] for r in httpx.get(f"{base}/v1/regions").json()]
            deadline = time.monotonic() + LIMIT_SECONDS
            one = [
                f"/v1/regions/{codes[i % len(codes)]}/response"
                f"?date={day + dt.timedelta(days=i % 5)}"
                for i in range(args.requests)
            ]
            every = [
                f"/v1/response?date={day + dt.timedelta(days=i % 5)}"
                for i in range(args.requests // 20)
            ]
            floor = ["/v1/health"] * args.requests
            load(base, floor[:200], args.clients, deadline)  # warm the connections
            results = {
                "ours: one region's response": load(base, one, args.clients, deadline),
                f"ours: all {len(codes)} regions' responses": load(
                    base, every, args.clients, deadline
                ),
                "peer: /v1/health (framework floor)": load(base, floor, args.clients, deadline),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"\n{'case':<44} {'count':>6} {'throughput':>11} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for name, (wall, latencies) in results.items():
        print(row(name, wall, latencies))
    ours = np.median(results["ours: one region's response"][1])
    peer = np.median(results["peer: /v1/health (framework floor)"][1])
    print(f"\nmedian latency, one region's response / framework floor: {ours / peer:.1f}x")


if __name__ == "__main__":
    main()
