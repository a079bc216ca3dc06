"""Numba's OpenMP workers after a parallel kernel: sleeping (ours) or spinning (numba's default).

A service alternates parallel kernels (many regions, hours) with small serial calls. With
numba's default, libgomp's idle workers spin for a while after each parallel region: on a
machine shared with other work they burn CPU and slow the serial calls that follow.
:mod:`engine.kernels._compile` sets ``OMP_WAIT_POLICY=PASSIVE`` before numba loads OpenMP
(unless the variable is set), so idle workers sleep.

Each side runs in a fresh process: ``--loops`` times, a parallel reduction over 200,000 values
then 20 serial sums over 2,000 values (both compiled and warmed before timing). Printed: wall
and CPU (user + system) of the loop and the time of its serial calls, ours beside numba's
default, with the ratio, and the load average (the difference grows with the load).

Run: ``.venv/bin/python benchmarks/bench_threads.py [--loops 2000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
if sys.argv[1] == "ours":
    import engine.kernels._compile  # noqa: F401  (sets the wait policy before numba loads OpenMP)
import numba, numpy as np
from numba import prange

@numba.njit(parallel=True)
def par(a):
    s = 0.0
    for i in prange(a.size):
        s += np.sqrt(a[i])
    return s

@numba.njit
def ser(a):
    s = 0.0
    for i in range(a.size):
        s += a[i] * 1.0001
    return s

big, small = np.ones(200_000), np.ones(2_000)
par(big), ser(small)
r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
serial = 0.0
for _ in range(int(sys.argv[2])):
    par(big)
    t = time.perf_counter()
    for _ in range(20):
        ser(small)
    serial += time.perf_counter() - t
wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
print(json.dumps({"wall": wall, "cpu": cpu, "serial": serial, "layer": numba.threading_layer(),
                  "threads": numba.get_num_threads()}))
"""


def run(side: str, loops: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(loops)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="processes per side (median)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results: dict[str, list[dict]] = {"ours": [], "numba": []}
    for _ in range(args.repeat):  # interleaved, so that both sides see the same load
        for side in results:
            results[side].append(run(side, args.loops))
    load = (load_before + os.getloadavg()[0]) / 2
    first = results["ours"][0]
    print(
        f"\nnumba threads after parallel kernels: {args.loops} loops, median of {args.repeat} "
        f"processes; layer {first['layer']}, {first['threads']} threads; load average "
        f"{load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'':<30} {'ours (passive)':>15} {'numba default':>15} {'ratio':>7}")
    rows = (("wall", "loop wall [s]"), ("cpu", "loop CPU [s]"), ("serial", "serial calls [s]"))
    for key, label in rows:
        ours = statistics.median(r[key] for r in results["ours"])
        peer = statistics.median(r[key] for r in results["numba"])
        print(f"{label:<30} {ours:>15.2f} {peer:>15.2f} {ours / peer:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
