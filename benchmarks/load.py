"""Load test: Lantian's HTTP service beside a bare FastAPI app, on the loopback only.

Starts ``lantian serve`` on the demo data (written to a temporary folder, rate limit off, one
officer key; ``--workers N`` processes) and a bare FastAPI app (one JSON route, the same
uvicorn, one process), then drives both with the same load generator: ``wrk`` when installed
(``apt-get install wrk``; one thread, ``--clients`` connections, rotating paths from a Lua
script) for the read mixes, else, and always for issuing (whose acknowledged ids are checked),
a bundled asyncio HTTP/1.1 keep-alive client. User mixes:

* ``bare``: ``GET /bare`` on the bare app (the framework's floor);
* ``region-response``: duty officers polling one region's response (rotating regions/dates);
* ``responses+plans``: nine polls of responses to one of a region's plan;
* ``issue``: officers issuing decisions (``POST /v1/decisions``), ``--batch`` regions of one
  date per request (an officer of a province issues for several cities at once); every
  acknowledged id is checked in the store afterwards (none lost);
* ``all-regions``: the dashboard's all-region call ``GET /v1/response``.

Prints throughput, p50, p99 and errors (non-2xx or failed connections) per mix and client count,
the ratio of throughput to the bare app at the same count, decisions issued per second, a
latency PNG when matplotlib is installed, and last ``ratio <x> p99_ms <y> errors <n>`` for
region-response at 64 clients. Bounded: each run stops after ``--seconds`` or
``--max-requests`` (asyncio client), whichever comes first.

Run: ``python benchmarks/load.py [--seconds 5] [--clients 8,64,256] [--workers 1] [--batch 8]
[--mixes issue]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 12, 1)
HOST = "127.0.0.1"  # loopback only
MIXES = ("bare", "region-response", "responses+plans", "issue", "all-regions")

BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/bare")
def bare() -> dict:
    return {"region": {"code": "130100", "name": "石家庄市"}, "level": "red", "reasons": ["x"]}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


async def _call(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def _request(method: str, path: str, body: bytes | None = None, key: str | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n"
    if key:
        head += f"Authorization: Bearer {key}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body or b"")


async def drive(
    port: int,
    make: Callable[[int], bytes],
    clients: int,
    seconds: float,
    max_requests: int,
    on_body: Callable[[bytes], None] | None = None,
) -> dict:
    """Run ``clients`` keep-alive connections; per-request latencies [s], errors, wall [s]."""
    latencies: list[float] = []
    errors = {"n": 0, "5xx": 0}
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        connection = None
        while time.perf_counter() < deadline:
            i = next(counter, None)
            if i is None:
                return
            try:
                if connection is None:
                    connection = await asyncio.open_connection(HOST, port)
                t0 = time.perf_counter()
                status, body = await asyncio.wait_for(_call(*connection, make(i)), 30)
                latencies.append(time.perf_counter() - t0)
                if status >= 300:
                    errors["n"] += 1
                    errors["5xx"] += status >= 500
                elif on_body is not None:
                    on_body(body)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                errors["n"] += 1
                if connection is not None:
                    connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - start
    p50, p99 = np.percentile(latencies, [50, 99]) if latencies else (np.nan, np.nan)
    return {
        "n": len(latencies), "wall": wall, "p50": p50, "p99": p99,
        "errors": errors["n"], "5xx": errors["5xx"], "latencies": np.array(latencies),
    }  # fmt: skip


WRK_SCRIPT = """
local threads = {}
paths = {%s}
function setup(thread) table.insert(threads, thread) end
function init(args) i = 0; fivexx = 0 end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
function response(status, headers, body) if status >= 500 then fivexx = fivexx + 1 end end
function done(summary, latency, requests)
  local n5 = 0
  for _, t in ipairs(threads) do n5 = n5 + t:get("fivexx") end
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout, n5))
end
"""


def drive_wrk(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """``wrk`` with one thread and ``clients`` connections over ``paths`` in turn."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        out = subprocess.run(
            [
                "wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                "-s", script.name, f"http://{HOST}:{port}",
            ],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if match is None:
        raise SystemExit(f"wrk printed no result: {out}")
    n, duration_us, p50_us, p99_us, errors, fivexx = map(int, match.groups())
    return {
        "n": n, "wall": duration_us / 1e6, "p50": p50_us / 1e6, "p99": p99_us / 1e6,
        "errors": errors, "5xx": fivexx, "latencies": None,
    }  # fmt: skip


def wait_for(port: int, path: str, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server exited while starting (port {port})")
        try:
            status, _ = asyncio.run(_probe(port, path))
            if status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no server on port {port} after {seconds} s")


async def _probe(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        return await _call(reader, writer, _request("GET", path))
    finally:
        writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per mix and client count")
    parser.add_argument("--clients", default="8,64,256", help="comma-separated client counts")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per run")
    parser.add_argument("--png", type=Path, default=Path("load-latency.png"))
    parser.add_argument("--workers", type=int, default=1, help="lantian serve --workers")
    parser.add_argument("--batch", type=int, default=8, help="decisions per POST (issue mix)")
    parser.add_argument(
        "--mixes", default=",".join(MIXES),
        help="comma-separated mixes to run (bare is always run: the ratios need it)",
    )  # fmt: skip
    parser.add_argument(
        "--generator", choices=("auto", "wrk", "asyncio"), default="auto",
        help="load generator of the read mixes (auto: wrk when installed)",
    )  # fmt: skip
    args = parser.parse_args()
    args.wrk = args.generator == "wrk" or (args.generator == "auto" and bool(shutil.which("wrk")))
    counts = [int(c) for c in args.clients.split(",")]
    lantian = [sys.executable, "-m", "api.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp)
        subprocess.run(
            [*lantian, "demo-data", str(demo), "--date", DAY.isoformat()],
            check=True, cwd=ROOT, capture_output=True,
        )  # fmt: skip
        db = demo / "d.sqlite"
        key = subprocess.run(
            [*lantian, "keys", "create", "--db", str(db), "--role", "officer", "--name", "load"],
            check=True, cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        ours, bare = free_port(), free_port()
        servers = [
            subprocess.Popen(
                [
                    *lantian, "serve", "--forecast", str(demo / "forecast.nc"),
                    "--regions", str(demo / "regions.geojson"), "--db", str(db),
                    "--registry", str(demo / "registry.sqlite"), "--port", str(ours),
                    "--rate-limit", "0", "--workers", str(args.workers),
                ],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [sys.executable, "-c", BARE_APP, str(bare)],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
        ]  # fmt: skip
        try:
            started = time.perf_counter()
            wait_for(ours, "/v1/health", servers[0])
            wait_for(bare, "/bare", servers[1])
            print(
                f"servers ready in {time.perf_counter() - started:.1f} s; loopback; lantian "
                f"workers {args.workers}; reads by {'wrk' if args.wrk else 'asyncio client'}; "
                f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
            )
            results, acknowledged = run_mixes(ours, bare, key, counts, args)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
        with sqlite3.connect(db) as connection:
            stored = {row[0] for row in connection.execute("SELECT id FROM decisions")}
    lost = len(set(acknowledged) - stored)
    report(results, counts, lost, len(acknowledged), args.png)


def run_mixes(ours: int, bare: int, key: str, counts: list[int], args) -> tuple[dict, list[int]]:
    codes = [
        "110100", "120100", "130100", "130200", "131000", "130600", "130900", "131100",
        "130500", "130400", "140100", "140300", "370100", "410100",
    ]  # fmt: skip

    def region(i: int) -> str:
        day = DAY + dt.timedelta(days=i % 5)
        return f"/v1/regions/{codes[i % len(codes)]}/response?date={day}"

    def polls(i: int) -> str:
        if i % 10 == 9:
            return f"/v1/regions/{codes[i % len(codes)]}/plan?date={DAY}&level=orange"
        return region(i)

    def every(i: int) -> str:
        return f"/v1/response?date={DAY + dt.timedelta(days=i % 5)}"

    def issue(i: int) -> bytes:
        day = str(DAY + dt.timedelta(days=i % 5))
        body = [{"region": codes[(i + k) % len(codes)], "date": day} for k in range(args.batch)]
        return _request("POST", "/v1/decisions", json.dumps(body).encode(), key)

    acknowledged: list[int] = []

    def record(body: bytes) -> None:
        acknowledged.extend(d["id"] for d in json.loads(body))

    reads: list[tuple[str, int, Callable[[int], str]]] = [
        ("bare", bare, lambda i: "/bare"),
        ("region-response", ours, region),
        ("responses+plans", ours, polls),
    ]
    mixes = set(args.mixes.split(",")) | {"bare"}
    unknown = mixes - set(MIXES)
    if unknown:
        raise SystemExit(f"unknown mix {', '.join(sorted(unknown))}; known: {', '.join(MIXES)}")
    reads = [r for r in reads if r[0] in mixes]
    results = {}

    def read(name: str, port: int, path: Callable[[int], str], clients: int) -> None:
        asyncio.run(drive(port, lambda i: _request("GET", path(i)), min(clients, 8), 0.5, 200))
        if args.wrk:
            paths = [path(i) for i in range(10 * len(codes))]
            results[name, clients] = drive_wrk(port, paths, clients, args.seconds)
        else:
            results[name, clients] = asyncio.run(
                drive(
                    port, lambda i: _request("GET", path(i)), clients, args.seconds,
                    args.max_requests,
                )
            )  # fmt: skip

    for name, port, path in reads:
        for clients in counts:
            read(name, port, path, clients)
    for clients in counts if "issue" in mixes else ():
        asyncio.run(drive(ours, issue, min(clients, 8), 0.5, 20, record))  # warm-up
        results["issue", clients] = asyncio.run(
            drive(ours, issue, clients, args.seconds, args.max_requests, record)
        )
        results["issue", clients]["decisions"] = results["issue", clients]["n"] * args.batch
    for clients in counts if "all-regions" in mixes else ():
        read("all-regions", ours, every, clients)
    return results, acknowledged


def report(results: dict, counts: list[int], lost: int, issued: int, png: Path) -> None:
    print(f"\n{'mix':<16} {'clients':>7} {'requests':>9} {'req/s':>8} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'errors':>7} {'5xx':>5} {'× bare':>7}")  # fmt: skip
    for (name, clients), r in results.items():
        rate = r["n"] / r["wall"]
        bare = results["bare", clients]
        bare_rate = bare["n"] / bare["wall"]
        print(f"{name:<16} {clients:>7} {r['n']:>9} {rate:>8.0f} {r['p50'] * 1e3:>8.1f} "
              f"{r['p99'] * 1e3:>8.1f} {r['errors']:>7} {r['5xx']:>5} "
              f"{rate / bare_rate:>7.2f}")  # fmt: skip
    for clients in counts if ("issue", counts[0]) in results else ():
        r = results["issue", clients]
        print(f"issue at {clients} clients: {r['decisions'] / r['wall']:.0f} decisions/s")
    print(f"issued: {issued} decisions acknowledged, {lost} missing from the store")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no latency PNG)")
    else:
        figure, axis = plt.subplots(figsize=(8, 4.5))
        names = sorted({name for name, _ in results})
        for name in names:
            p99 = [results[name, c]["p99"] * 1e3 for c in counts]
            axis.plot(counts, p99, marker="o", label=name)
        axis.set(xscale="log", yscale="log", xlabel="clients", ylabel="p99 latency [ms]")
        axis.legend()
        figure.savefig(png, dpi=100, bbox_inches="tight")
        print(f"latency plot: {png}")
    at = 64 if 64 in counts else min(counts, key=lambda c: abs(c - 64))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if ("region-response", at) not in results:
        return
    ours, bare = results["region-response", at], results["bare", at]
    ratio = (ours["n"] / ours["wall"]) / (bare["n"] / bare["wall"])
    print(f"ratio {ratio:.2f} p99_ms {ours['p99'] * 1e3:.1f} errors {ours['errors']}")


if __name__ == "__main__":
    main()
