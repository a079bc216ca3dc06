"""Benchmark: alert-level classification of ~2,900 counties × 7 days × 30 ensemble members.

Once the regional daily AQI exists, an alert centre classifies every county (and, for an
ensemble, every member). Ours: :func:`engine.kernels.levels.classify_series` (numba, parallel
over series) and its numpy twin, on the MEE-2024 rule table; then the whole
:func:`engine.pipeline.forecast_levels` step (both regimes, ensemble probabilities, reasons in
two languages) for every county. Peer: the same rules written as a plain Python loop per
series — what a centre's script does — timed on a sample and scaled. All three are checked to
agree before the table is printed. Compilation is timed apart.

Run: ``.venv/bin/python benchmarks/bench_levels.py [--regions 2900 --members 30 --days 7]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_t0 = time.perf_counter()
from engine.kernels.levels import classify_series  # noqa: E402  (eager compile or cache load)

COMPILE_SECONDS = time.perf_counter() - _t0

from benchmarks._common import format_seconds, print_table, timeit  # noqa: E402
from engine.kernels import use_numba  # noqa: E402
from engine.levels import LEVELS, get_rule_set, rule_table  # noqa: E402
from engine.pipeline import RegionalDaily, forecast_levels  # noqa: E402


def plain_python(aqi: np.ndarray, counts: np.ndarray, table) -> list[int]:
    """The peer: first satisfied clause per series, natural days, one series at a time."""
    rows = [
        list(zip(a.tolist(), c.tolist(), strict=True)) for a, c in zip(aqi, counts, strict=True)
    ]
    out = []
    for series in rows:
        found = -1
        for index, clause in enumerate(table.clauses):
            first = clause[0]

            def exceeds(step, cond):
                value, counted = step
                if value < 0 or not counted:
                    return False
                return value >= cond.threshold if cond.inclusive else value > cond.threshold

            run = 0
            while run < len(series) and exceeds(series[run], first):
                run += 1
            if run * 24 < first.hours:
                continue
            ok = True
            for cond in clause[1:]:
                best = length = 0
                for step in series[:run]:
                    length = length + 1 if exceeds(step, cond) else 0
                    best = max(best, length)
                if best * 24 < cond.hours:
                    ok = False
                    break
            if ok:
                found = index
                break
        out.append(found)
    return out


def synthetic_aqi(members: int, regions: int, days: int, rng: np.random.Generator) -> np.ndarray:
    """Daily AQI ``(member * region, day)``, member-major: each region has an episode of its
    own strength and timing, and members scatter around it (so every level occurs)."""
    peak = rng.gamma(2.0, 90.0, size=(1, regions, 1))
    centre = rng.uniform(0, 3, size=(1, regions, 1))
    shape = np.exp(-(((np.arange(days) - centre) / 2.0) ** 2))
    spread = rng.normal(1.0, 0.2, size=(members, regions, 1))
    aqi = 40 + peak * spread * shape + rng.normal(0, 10, size=(members, regions, days))
    return np.clip(aqi, 1, 500).astype(np.int32).reshape(members * regions, days)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=2900)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--sample", type=int, default=20000, help="series timed for the peer")
    args = parser.parse_args()

    rng = np.random.default_rng(2026)
    n = args.regions * args.members
    aqi = synthetic_aqi(args.members, args.regions, args.days, rng)
    counts = rng.random(aqi.shape) < 0.95  # a few O3-dominated days
    table = rule_table(get_rule_set("MEE-2024"))
    kernel_args = (aqi, counts, table.threshold, table.inclusive, table.hours, table.n_conditions)
    kwargs = dict(step_hours=24, window_hours=24, anchor=1)

    clause, _ = classify_series(*kernel_args, **kwargs)
    with use_numba(False):
        twin, _ = classify_series(*kernel_args, **kwargs)
    sample = min(args.sample, n)
    peer = np.array(plain_python(aqi[:sample], counts[:sample], table))
    assert np.array_equal(clause, twin) and np.array_equal(clause[:sample], peer)

    ours = timeit(lambda: classify_series(*kernel_args, **kwargs), repeat=7)
    with use_numba(False):
        ours_twin = timeit(lambda: classify_series(*kernel_args, **kwargs), repeat=3)
    t0 = time.perf_counter()
    plain_python(aqi[:sample], counts[:sample], table)
    peer_time = (time.perf_counter() - t0) * n / sample

    # The whole forecast-level step for every county from a regional daily AQI dataset.
    dates = np.datetime64("2026-12-01") + np.arange(args.days).astype("timedelta64[D]")
    codes = [f"{100000 + i:06d}" for i in range(args.regions)]
    shape = (args.members, args.regions, args.days)
    dims = ("member", "region", "date")
    primary_pm = counts.reshape(shape)
    data = xr.Dataset(
        {
            "aqi": (dims, aqi.reshape(shape)),
            "category": (dims, np.ones(shape, np.int8)),
            "pm25": (dims, np.full(shape, 100.0, np.float32)),
            "o3_8h": (dims, np.full(shape, 60.0, np.float32)),
            "primary_pm25": (dims, primary_pm),
            "primary_o3": (dims, ~primary_pm),
            "valid_fraction": (dims[:2], np.ones(shape[:2])),
        },
        coords={"date": dates.astype("datetime64[ns]"), "region": codes},
    ).assign_coords(standard=("date", ["HJ633-2026"] * args.days))
    daily = RegionalDaily(data=data, hourly=xr.Dataset())
    rules = get_rule_set("MEE-2024")
    day = dt.date(2026, 12, 1)
    levels = forecast_levels(daily, codes, day, rules)
    whole = timeit(lambda: forecast_levels(daily, codes, day, rules), repeat=3)

    counts_by_level = np.bincount(
        [LEVELS.index(v.decision.level) for v in levels.values()], minlength=len(LEVELS)
    )
    print(
        f"{args.regions} regions x {args.members} members x {args.days} days = {n:,} series; "
        f"kernel compile/cache load {format_seconds(COMPILE_SECONDS)} (not timed below); "
        f"peer timed on {sample:,} series and scaled"
    )
    print("regions per level:", dict(zip(LEVELS, counts_by_level.tolist(), strict=True)))
    print_table(
        "Alert-level classification (MEE-2024, natural days)",
        [
            {"case": "kernel, numba", "ours": ours, "peer": peer_time, "peer_name": "plain Python"},
            {
                "case": "kernel, numpy twin",
                "ours": ours_twin,
                "peer": peer_time,
                "peer_name": "plain Python",
            },
            {"case": "forecast_levels (probabilities, reasons)", "ours": whole},
        ],
    )


if __name__ == "__main__":
    main()
