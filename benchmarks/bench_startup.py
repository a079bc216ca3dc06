"""Start-up of the ``lantian`` command line: process wall time, several runs each.

Cases (each a fresh process, as a user starts it):

* ``lantian --help`` — goal < 0.5 s; peer: ``python -c pass``, the interpreter's own start;
* a warm ``lantian levels`` on the demo data (kernels and coverage weights already cached,
  ``--format json`` to a pipe) — goal < 2 s; peer: a Python process that imports xarray and
  reads the same forecast file (``xr.open_dataset(...).load()``), the least any xarray tool
  pays for it.

* a cold ``make run`` — goal: serving in < 30 s after install: the time from ``lantian
  demo-data DIR --if-stale`` (no demo data yet) to the first 200 of ``GET /v1/health`` from
  ``lantian serve``, the two commands of ``make run``. Measured twice, each in a fresh cache
  directory (``LANTIAN_CACHE_DIR``): "after install", the kernels compiled by ``lantian
  compile`` (what ``make setup`` runs; its time is printed apart), and "empty kernel cache",
  every kernel compiled on its first use. ``--no-cold`` skips both (minutes on a busy machine).

The demo data are written to a temporary folder and one untimed ``lantian levels`` fills the
caches first (the cold figure of that run is printed too: it includes compiling every kernel
when the kernel cache of this numba/CPU is empty). CPU time (user + system, of the child) is
printed beside the wall time: on a machine shared with other work, the wall time grows with
the load while the CPU time does not. The last line reads
``help_s <median> levels_warm_s <median> cold_run_s <after install> goals <met|missed>``.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELP_GOAL_S = 0.5
LEVELS_GOAL_S = 2.0
COLD_RUN_GOAL_S = 30.0
DEMO_DATE = "2026-12-01"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def series(argv: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = timed(argv, env)
        walls.append(wall)
        cpus.append(cpu)
    return walls, cpus


def line(case: str, ours: tuple[list[float], list[float]], peer, peer_name: str, goal: float):
    wall, cpu = statistics.median(ours[0]), statistics.median(ours[1])
    peer_wall, peer_cpu = statistics.median(peer[0]), statistics.median(peer[1])
    verdict = "met" if wall < goal else "missed"
    print(
        f"{case:<24} {wall:7.2f} s (min {min(ours[0]):.2f}, cpu {cpu:.2f})  "
        f"{peer_wall:7.2f} s (cpu {peer_cpu:.2f}) {peer_name:<28} {wall / peer_wall:6.1f}x   "
        f"< {goal:g} s: {verdict}"
    )
    return wall


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cold_run(lantian: list[str], env: dict[str, str], compiled: bool) -> dict[str, float]:
    """Seconds of ``make run``'s two commands in a fresh cache: demo data, then serving.

    ``compiled``: ``lantian compile`` runs first (untimed here; its time is returned as
    ``install``), as ``make setup`` does. Returns ``install``, ``demo``, ``serve`` (start to
    the first 200 of /v1/health) and ``total`` (demo + serve).
    """
    with tempfile.TemporaryDirectory() as scratch:
        env = {**env, "LANTIAN_CACHE_DIR": str(Path(scratch) / "cache")}
        quiet = {
            "cwd": ROOT,
            "env": env,
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
        }
        install = 0.0
        if compiled:
            start = time.perf_counter()
            subprocess.run([*lantian, "compile"], check=True, **quiet)  # type: ignore[call-overload]
            install = time.perf_counter() - start
        demo = Path(scratch) / "demo"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([*lantian, "demo-data", str(demo), "--if-stale"], check=True, **quiet)  # type: ignore[call-overload]
        demo_s = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        demo_cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        port = _free_port()
        serve = [*lantian, "serve", "--forecast", str(demo / "forecast.nc"), "--regions",
                 str(demo / "regions.geojson"), "--db", str(demo / "decisions.sqlite"),
                 "--registry", str(demo / "registry.sqlite"), "--observations",
                 str(demo / "observations.sqlite"), "--port", str(port)]  # fmt: skip
        start = time.perf_counter()
        server = subprocess.Popen(serve, **quiet)  # type: ignore[call-overload]
        try:
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"lantian serve exited with status {server.returncode}")
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/v1/health", timeout=5
                    ) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            serve_s = time.perf_counter() - start
            serve_cpu = _cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
    return {
        "install": install,
        "demo": demo_s,
        "serve": serve_s,
        "total": demo_s + serve_s,
        "cpu": demo_cpu + serve_cpu,
    }


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each case")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold make run")
    args = parser.parse_args()

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    lantian = [sys.executable, "-m", "api.cli"]
    with tempfile.TemporaryDirectory() as scratch:
        demo = Path(scratch) / "demo"
        subprocess.run(
            [*lantian, "demo-data", str(demo), "--date", DEMO_DATE],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        forecast = str(demo / "forecast.nc")
        levels = [*lantian, "levels", "--forecast", forecast, "--regions"]
        levels += [str(demo / "regions.geojson"), "--date", "2026-12-02", "--format", "json"]
        cold_wall, cold_cpu = timed(levels, env)  # fills the kernel and weights caches

        read = f"import xarray as xr; xr.open_dataset({forecast!r}, engine='netcdf4').load()"
        cases = {
            "help": series([*lantian, "--help"], env, args.runs),
            "help_peer": series([sys.executable, "-c", "pass"], env, args.runs),
            "levels": series(levels, env, args.runs),
            "levels_peer": series([sys.executable, "-c", read], env, args.runs),
        }
    colds = {}
    if not args.no_cold:
        colds["after install"] = cold_run(lantian, env, compiled=True)
        colds["empty kernel cache"] = cold_run(lantian, env, compiled=False)
    load = os.getloadavg()[0]
    print(
        f"\nlantian start-up, {args.runs} runs each (median wall; CPU = user + system); "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'case':<24} {'ours':>7}{'':30}{'peer':>7} {'':<28} {'ratio':>6}   goal")
    help_s = line("lantian --help", cases["help"], cases["help_peer"], "(python -c pass)", 0.5)
    levels_s = line(
        "lantian levels (warm)",
        cases["levels"],
        cases["levels_peer"],
        "(xarray reads the forecast)",
        LEVELS_GOAL_S,
    )
    print(f"first lantian levels after writing the demo: {cold_wall:.2f} s (cpu {cold_cpu:.2f})")
    met = help_s < HELP_GOAL_S and levels_s < LEVELS_GOAL_S
    for name, cold in colds.items():
        verdict = "met" if cold["total"] < COLD_RUN_GOAL_S else "missed"
        install = f"; lantian compile before it {cold['install']:.1f} s" if cold["install"] else ""
        print(
            f"cold make run, {name:<18}: serving after {cold['total']:6.1f} s (demo-data "
            f"{cold['demo']:.1f} s + serve {cold['serve']:.1f} s; cpu {cold['cpu']:.1f} s)"
            f"{install}  < {COLD_RUN_GOAL_S:g} s: {verdict}"
        )
    cold_s = colds["after install"]["total"] if colds else float("nan")
    met = met and (not colds or cold_s < COLD_RUN_GOAL_S)
    print(
        f"help_s {help_s:.3f} levels_warm_s {levels_s:.3f} cold_run_s {cold_s:.1f} "
        f"goals {'met' if met else 'missed'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
