"""Benchmark: a national 0.05° ensemble to regional levels on a 2-worker dask LocalCluster.

Data: :func:`forecasts.synthetic_national.write_national_forecast` — ``pm25`` and ``o3``
``(member, time, lat, lon)`` float32 on 700 × 1100 cells (80–135° E, 18–53° N), written chunk
by chunk (one member × 24 h per HDF5 chunk, uncompressed; never whole in memory), default 10
members × 240 h (≈ 14.8 GB). Regions: the demo's 2+26 cities (``builtin:key-regions-2017``, what
``lantian demo-data`` writes); cells outside them do not count.

Cases, all in the same run on the same cluster (``--workers`` processes × ``--threads-per-worker``
threads, numba sized to match):

* ours, levels — the pipeline of ``lantian levels --workers N``
  (:func:`api.commands._pipeline.compute_responses` with chunks of one member × 24 h): the lazy
  read with the contract checks in every chunk, the regional hourly means on the workers (numba,
  area-weighted, NaN-aware), then daily statistics, AQI and ensemble levels in the client;
* ours, regional means — that pipeline's distributed step alone (read + checks + means);
* peer — xarray + dask + flox: ``open_dataset(chunks=…)[["pm25", "o3"]].groupby(label).mean()``
  with one label per cell (the region of largest weight; unweighted and unchecked, so less
  work than ours) computed on the same cluster;
* one member — the same pipeline on a one-member file (member 0): in memory in this process
  (no dask) vs on the cluster; the overhead of distribution, and the levels compared.

The peak memory of each worker process (resident set, sampled every 0.2 s from here with
psutil) is printed per case; the goal is < 4 GB per worker. Compilation is kept out: the
workers load the kernels before any timing.

Run: ``.venv/bin/python benchmarks/bench_distributed.py [--members 10] [--hours 240]
[--dir DIR] [--keep]`` (a quick run: ``--members 2 --hours 48``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import format_seconds, print_table  # noqa: E402

START = dt.date(2026, 12, 1)  # cold season: a PM2.5 episode, orange and red levels
REGIONS = "builtin:key-regions-2017"
GOAL = 4 * 2**30


class PeakRSS:
    """Peak resident memory of processes, sampled from a thread [bytes]."""

    def __init__(self, pids: list[int], every: float = 0.2) -> None:
        import psutil

        self.processes = {pid: psutil.Process(pid) for pid in pids}
        self.every = every

    def __enter__(self) -> PeakRSS:
        self.peak = dict.fromkeys(self.processes, 0)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while True:
            for pid, process in self.processes.items():
                try:
                    self.peak[pid] = max(self.peak[pid], process.memory_info().rss)
                except Exception:  # a worker restarting: keep what was seen
                    continue
            if self.stop.wait(self.every):
                return

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def text(self) -> str:
        return ", ".join(f"{v / 2**30:.2f} GiB" for v in self.peak.values())


def labels_of(weights, grid) -> np.ndarray:  # noqa: ANN001
    """One region index per cell, the region of largest weight; NaN outside every region."""
    indptr, indices, data = weights.kernel_arrays()
    best = np.zeros(grid.size)
    label = np.full(grid.size, np.nan)
    for r in range(indptr.size - 1):
        cells, w = indices[indptr[r] : indptr[r + 1]], data[indptr[r] : indptr[r + 1]]
        better = w > best[cells]
        best[cells[better]] = w[better]
        label[cells[better]] = r
    return label.reshape(grid.shape)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--hours", type=int, default=240)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--chunk-hours", type=int, default=24)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/lantian-bench-distributed"))
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the files")
    args = parser.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}")

    import xarray as xr

    from api.cluster import ClusterSettings, numba_threads, open_cluster
    from api.commands._pipeline import compute_responses, weights_cache_dir
    from forecasts.reader import read_forecast
    from forecasts.synthetic_national import write_national_forecast
    from grids import coverage_weights, grid_from_dataset, load_regions

    args.dir.mkdir(parents=True, exist_ok=True)
    big = args.dir / f"national_{args.members}x{args.hours}.nc"
    one = args.dir / f"national_1x{args.hours}.nc"
    for path, members in ((big, args.members), (one, None)):
        if path.is_file() and args.keep:
            print(f"reusing {path} ({path.stat().st_size / 1e9:.2f} GB)")
            continue
        started = time.perf_counter()
        write_national_forecast(path, START, members=members, hours=args.hours)
        print(
            f"wrote {path}: {members or 1} member(s) × {args.hours} h × 700 × 1100 cells, "
            f"{path.stat().st_size / 1e9:.2f} GB on disk, in {time.perf_counter() - started:.0f} s"
        )

    regions = load_regions(REGIONS)
    lazy = read_forecast(big, chunks={"time": args.chunk_hours, "member": 1})
    grid = grid_from_dataset(lazy.data)
    weights = coverage_weights(regions, grid, cache_dir=weights_cache_dir())
    day = START + dt.timedelta(days=1)
    chunk_mb = args.chunk_hours * grid.size * 4 / 1e6
    print(
        f"regions: {len(regions)} ({REGIONS}) covering {weights.kernel_arrays()[0][-1]} cell "
        f"weights; chunks: 1 member × {args.chunk_hours} h × {grid.shape} = {chunk_mb:.0f} MB "
        f"per pollutant"
    )

    settings = ClusterSettings(
        workers=args.workers,
        threads_per_worker=args.threads_per_worker,
        chunk_hours=args.chunk_hours,
        dashboard_address=":0",
    )
    rows, memory, same = [], {}, None
    with open_cluster(settings) as client:
        reports = client.run(numba_threads)  # the workers load the kernels: no compile timed
        for module in ("engine.aggregate", "forecasts._chunked"):  # nor any import
            client.run(importlib.import_module, module)
        pids = [r["pid"] for r in reports.values()]
        print("workers (numba threads):", [r["numba_threads"] for r in reports.values()])

        def ours_levels(path: Path) -> list:
            return compute_responses(path, REGIONS, day, chunks=settings.chunks())[0]

        def ours_means() -> None:
            from engine.regional import regional_daily

            data = read_forecast(big, chunks=settings.chunks()).data
            regional_daily(data, weights)

        labels = xr.DataArray(
            labels_of(weights, grid), dims=("lat", "lon"), coords=lazy.data[["lat", "lon"]].coords
        ).rename("region")

        def peer_means() -> None:
            opened = xr.open_dataset(
                big, engine="netcdf4", chunks={"member": 1, "time": args.chunk_hours}
            )
            with opened:
                opened[["pm25", "o3"]].groupby(labels).mean().compute()

        timings = {}
        for name, fn in (
            ("ours: levels", lambda: ours_levels(big)),
            ("ours: regional means", ours_means),
            ("peer: flox groupby", peer_means),
        ):
            with PeakRSS(pids) as peak:
                started = time.perf_counter()
                fn()
                timings[name] = time.perf_counter() - started
            memory[name] = peak
            print(f"{name}: {format_seconds(timings[name])}, peak RSS per worker {peak.text()}")
        gb = big.stat().st_size / 1e9
        rows.append(
            dict(
                case=f"{args.members} members × {args.hours} h ({gb:.1f} GB): regional means",
                ours=timings["ours: regional means"],
                peer=timings["peer: flox groupby"],
                peer_name="xarray+dask+flox",
            )
        )
        rows.append(dict(case="  … to levels (read, check, means, daily, AQI, levels)",
                         ours=timings["ours: levels"]))  # fmt: skip
        with PeakRSS(pids) as peak:
            started = time.perf_counter()
            distributed = ours_levels(one)
            seconds = time.perf_counter() - started
        memory["one member: distributed"] = peak
    started = time.perf_counter()
    in_memory = compute_responses(one, REGIONS, day)[0]
    local = time.perf_counter() - started
    same = distributed == in_memory
    rows.append(
        dict(
            case=f"1 member × {args.hours} h: levels, distributed vs in memory",
            ours=seconds,
            peer=local,
            peer_name="ours in memory",
        )
    )
    print_table(
        f"National 0.05° to {len(regions)} regions on {args.workers} workers × "
        f"{args.threads_per_worker} thread(s) (load average now {os.getloadavg()})",
        rows,
    )
    print("\npeak resident memory per worker (goal < 4 GiB):")
    for name, peak in memory.items():
        flag = "ok" if max(peak.peak.values()) < GOAL else "ABOVE THE GOAL"
        print(f"  {name}: {peak.text()} ({flag})")
    levels = sorted({r["level"] for r in in_memory})
    print(f"one member: distributed levels == in-memory levels: {same} (levels seen: {levels})")
    if not args.keep:
        shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
