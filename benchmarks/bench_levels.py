"""Benchmark: alert-level classification of ~2,900 counties × 30 ensemble members.

Once the regional daily AQI exists, an alert centre classifies every county (and, for an
ensemble, every member). The data, the kernel and the peer come from the kernel table
(``tests/kernel_table``, rows ``classify_series[natural]`` and ``[rolling]``): ours is
:func:`engine.kernels.levels.classify_series` (numba, parallel over series) and its numpy twin
on the MEE-2024 rule table, for 7 natural days and for the 168 hourly 24-h windows of the same
week; then the whole :func:`engine.ensemble.forecast_levels` step (both regimes, ensemble
probabilities, reasons in two languages) for every county. Peer: the same rules written as a
plain Python loop per series — what a centre's script does — timed on a sample and scaled.
Numba, twin and peer are checked to agree before the table is printed. Compilation is timed
apart.

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
from engine.kernels.levels import classify_series  # noqa: E402, F401  (eager compile or cache load)

COMPILE_SECONDS = time.perf_counter() - _t0

from benchmarks._common import format_seconds, print_table, timeit  # noqa: E402
from engine.ensemble import forecast_levels  # noqa: E402
from engine.kernels import use_numba  # noqa: E402
from engine.levels import LEVELS, get_rule_set  # noqa: E402
from engine.policy import decision_defaults  # noqa: E402
from engine.regional import RegionalDaily  # noqa: E402
from tests.kernel_table import Case, Kernel, kernel  # noqa: E402

SEED = 2026


def kernel_rows(row: Kernel, case: Case, sample: int) -> list[dict]:
    """Numba, twin and the plain-Python peer on one case, after checking that they agree."""
    with use_numba(True):
        clause, spans = row.run(case)
        ours = timeit(lambda: row.run(case), repeat=7)
    with use_numba(False):
        twin_clause, twin_spans = row.run(case)
        twin = timeit(lambda: row.run(case), repeat=3)
    peer = row.peers[0]
    call, share = peer.prepare(case, sample)
    t0 = time.perf_counter()
    peer_clause, peer_spans = call()
    peer_time = (time.perf_counter() - t0) / share
    n = peer_clause.size
    assert np.array_equal(clause, twin_clause) and np.array_equal(spans, twin_spans)
    assert np.array_equal(clause[:n], peer_clause) and np.array_equal(spans[:n], peer_spans)
    name = f"{peer.name}, {share:.0%} timed, scaled"
    return [
        {"case": f"{row.name}: kernel, numba", "ours": ours, "peer": peer_time, "peer_name": name},
        {"case": f"{row.name}: kernel, numpy twin", "ours": twin, "peer": peer_time,
         "peer_name": name},
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=2900)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--sample", type=int, default=20000, help="series timed for the peer")
    args = parser.parse_args()

    n = args.regions * args.members
    shape = dict(days=args.days, members=args.members)
    natural = kernel("classify_series[natural]")
    case = natural.generate(SEED, n, **shape)
    rows = kernel_rows(natural, case, args.sample)
    rolling = kernel("classify_series[rolling]")
    rows += kernel_rows(rolling, rolling.generate(SEED, n, **shape), args.sample)

    # The whole forecast-level step for every county from a regional daily AQI dataset.
    aqi, counts = case.inputs["aqi"], case.inputs["counts"]
    dates = np.datetime64("2026-12-01") + np.arange(args.days).astype("timedelta64[D]")
    codes = [f"{100000 + i:06d}" for i in range(args.regions)]
    dims, cube = ("member", "region", "date"), (args.members, args.regions, args.days)
    primary_pm = counts.reshape(cube)
    data = xr.Dataset(
        {
            "aqi": (dims, aqi.reshape(cube)),
            "category": (dims, np.ones(cube, np.int8)),
            "pm25": (dims, np.full(cube, 100.0, np.float32)),
            "o3_mda8": (dims, np.full(cube, 60.0, np.float32)),
            "primary_pm25": (dims, primary_pm),
            "primary_o3": (dims, ~primary_pm),
            "valid_fraction": (dims[:2], np.ones(cube[:2])),
        },
        coords={"date": dates.astype("datetime64[ns]"), "region": codes},
    ).assign_coords(standard=("date", ["HJ633-2026"] * args.days))
    daily = RegionalDaily(data=data, hourly=xr.Dataset())
    rules = get_rule_set("MEE-2024")
    day = dt.date(2026, 12, 1)
    threshold = decision_defaults().ensemble_threshold

    def run() -> dict:
        return forecast_levels(
            daily, codes, day, rules, mode="natural", ensemble_threshold=threshold
        )

    levels = run()
    whole = timeit(run, repeat=3)
    rows.append({"case": "forecast_levels (natural; probabilities, reasons)", "ours": whole})

    counts_by_level = np.bincount(
        [LEVELS.index(v.decision.level) for v in levels.values()], minlength=len(LEVELS)
    )
    print(
        f"{args.regions} regions x {args.members} members = {n:,} series of {args.days} days "
        f"(natural) or {args.days * 24} hourly windows (rolling); kernel compile/cache load "
        f"{format_seconds(COMPILE_SECONDS)} (not timed below); peer timed on "
        f"{min(args.sample, n):,} series and scaled"
    )
    print("regions per level:", dict(zip(LEVELS, counts_by_level.tolist(), strict=True)))
    print_table("Alert-level classification (MEE-2024)", rows)


if __name__ == "__main__":
    main()
