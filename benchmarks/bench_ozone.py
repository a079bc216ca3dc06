"""Benchmark: a peak-shift programme for 1 M production lines over the ozone season (153 days),
with its hourly VOC and NOx change on a 0.1° grid of 京津冀及周边.

Ours: :func:`engine.ozone.run_programme` (eligibility on columnar arrays, one numba kernel over
the lines) then :func:`engine.ozone.hourly_change` (per-cell daily changes, then laid onto the
3,672 hours; :mod:`engine.kernels.ozone`), with the firms' cells from
:func:`forecasts.emission_change.firm_cells`. Peer: a straightforward pandas version of the
same rules (lines merged with their firms, exploded to line × hour, free hours filled by a
group-wise cumulative sum, grouped by cell and hour, laid onto the triggered days), timed on
the same data in the same run. Both results are checked to agree before the table is printed;
compilation (or loading the cached machine code) is timed apart.

Cases: the default programme all season (one trigger group), and a forecast trigger that
differs between the 624 county boxes (each box its own days, about half of them triggered).

Run: ``.venv/bin/python benchmarks/bench_ozone.py [--lines 1000000] [--days 153]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_t0 = time.perf_counter()
import engine.kernels.ozone  # noqa: E402, F401  (eager compilation or cache load)

COMPILE_SECONDS = time.perf_counter() - _t0

import numba  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks._common import (  # noqa: E402
    bandwidth_floor_seconds,
    format_seconds,
    print_table,
    timeit,
)
from engine.measures import GRADES, VOC_PROCESSES, Registry, efficient_treatment  # noqa: E402
from engine.ozone import default_programme, hourly_change, run_programme  # noqa: E402
from forecasts.emission_change import firm_cells  # noqa: E402
from grids import RegularGrid  # noqa: E402
from registry.synthetic import synthetic_registry  # noqa: E402

FIRST = dt.date(2026, 5, 1)
# 京津冀及周边 (2+36) with a margin: 110–123 °E, 31–43 °N at 0.1°
BOUNDS = (110.0, 123.0, 31.0, 43.0)


def make_registry(n_lines: int, seed: int = 11) -> Registry:
    """~``n_lines`` synthetic lines over 624 county-sized boxes of 0.5° covering the grid."""
    lon0, lon1, lat0, lat1 = BOUNDS
    nx, ny = int((lon1 - lon0) / 0.5), int((lat1 - lat0) / 0.5)
    boxes = [
        (
            f"9{k:05d}",
            (
                lon0 + (k % nx) * 0.5,
                lat0 + (k // nx) * 0.5,
                lon0 + (k % nx + 1) * 0.5,
                lat0 + (k // nx + 1) * 0.5,
            ),
        )
        for k in range(nx * ny)
    ]
    return synthetic_registry(boxes, n_enterprises=int(n_lines / 2.1), seed=seed).to_registry()


def ours(registry, grid, dates, triggered):
    result = run_programme(registry, default_programme(), dates, triggered=triggered)
    cells = firm_cells(grid, registry.lon, registry.lat)
    change, _ = hourly_change(result, cells, grid.size)
    return result, change


def pandas_change(registry: Registry, grid, dates, triggered) -> np.ndarray:
    """The same programme and gridded change, written plainly with pandas (species, time, cell)."""
    rule = default_programme().rules[0]
    r0, r1 = rule.window
    ent = pd.DataFrame(
        {
            "ent": np.arange(registry.n_enterprises),
            "region": registry.region,
            "grade": np.asarray(GRADES, object)[registry.grade],
            "low_voc": registry.low_voc,
            "efficient": efficient_treatment(registry.voc_treatment),
            "lon": registry.lon,
            "lat": registry.lat,
        }
    )
    lon_edges, lat_edges = grid.lon_edges, grid.lat_edges
    ent["col"] = pd.cut(ent["lon"], lon_edges, right=False, labels=False)
    ent["row"] = pd.cut(ent["lat"], lat_edges, right=False, labels=False)
    ent = ent.dropna(subset=["col", "row"])
    ent["cell"] = (ent["row"] * grid.shape[1] + ent["col"]).astype(np.int64)
    lines = pd.DataFrame(
        {
            "line": np.arange(registry.n_lines),
            "ent": registry.line_enterprise(),
            "process": np.asarray(VOC_PROCESSES, object)[registry.voc_process],
            "start": registry.start_hour % 24,
            "end": registry.end_hour % 24,
            "shiftable": registry.shiftable,
            "stopped": registry.already_stopped,
            "voc": registry.emission_kg_h[:, 3],
            "nox": registry.emission_kg_h[:, 1],
        }
    ).merge(ent, on="ent")
    grade_index = pd.Series(registry.grade[lines["ent"]], index=lines.index)
    ungraded = grade_index == GRADES.index("ungraded")
    lines.loc[ungraded.to_numpy(), "grade"] = "D"
    eligible = (
        lines["process"].isin(rule.processes)
        & ~lines["grade"].isin(rule.exempt_grades)
        & ~lines["low_voc"]
        & ~lines["efficient"]
        & ~lines["stopped"]
    )
    el = lines[eligible]
    hours = el.loc[el.index.repeat(24)].reset_index(drop=True)
    hours["h"] = np.tile(np.arange(24), len(el))

    def overlap(a, b, h):
        linear = (np.minimum(b, h + 1) - np.maximum(a, h)).clip(min=0)
        wrapped = (np.minimum(24, h + 1) - np.maximum(a, h)).clip(min=0) + (
            np.minimum(b, h + 1) - np.maximum(0, h)
        ).clip(min=0)
        return np.where(a == b, 1.0, np.where(a < b, linear, wrapped))

    h = hours["h"].to_numpy()
    s, e = hours["start"].to_numpy(), hours["end"].to_numpy()
    hours["w"] = overlap(s, e, h)
    hours["r"] = overlap(np.full(len(h), r0), np.full(len(h), r1), h)
    hours["wr"] = np.minimum(hours["w"], hours["r"])  # whole-hour windows in this registry
    hours["free"] = (1 - (hours["w"] + hours["r"] - hours["wr"])).clip(lower=0)
    pool = hours.groupby("line")["wr"].transform("sum") * hours["shiftable"]
    hours["rank"] = (hours["h"] - int(r1)) % 24
    hours = hours.sort_values(["line", "rank"])
    before_fill = hours.groupby("line")["free"].cumsum() - hours["free"]
    hours["placed"] = np.minimum(hours["free"], (pool - before_fill).clip(lower=0))
    hours["after"] = hours["w"] - hours["wr"] + hours["placed"]
    hours["delta"] = hours["after"] - hours["w"]
    hours["dvoc"] = hours["delta"] * hours["voc"]
    hours["dnox"] = hours["delta"] * hours["nox"]
    per_cell = hours.groupby(["region", "cell", "h"], as_index=False)[["dvoc", "dnox"]].sum()
    out = np.zeros((2, len(dates) * 24, grid.size), np.float32)
    trig = pd.DataFrame(np.asarray(triggered), columns=range(len(dates)))
    for d in range(len(dates)):
        on = per_cell[trig[d].to_numpy()[per_cell["region"].to_numpy()]]
        t = d * 24 + on["h"].to_numpy()
        c = on["cell"].to_numpy()
        np.add.at(out[0], (t, c), on["dvoc"].to_numpy())
        np.add.at(out[1], (t, c), on["dnox"].to_numpy())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=153)
    args = parser.parse_args()
    start = time.perf_counter()
    registry = make_registry(args.lines)
    generated = format_seconds(time.perf_counter() - start)
    grid = RegularGrid.from_bounds(*BOUNDS, 0.1)
    dates = [FIRST + dt.timedelta(days=k) for k in range(args.days)]
    print(
        f"registry: {registry.n_enterprises:,} enterprises, {registry.n_lines:,} lines in "
        f"{len(registry.regions)} boxes (generated in {generated}); "
        f"grid {grid.shape[0]} x {grid.shape[1]} at 0.1°, {len(dates)} days = {24 * len(dates):,} "
        f"hours; numba threads: {numba.get_num_threads()}; kernel compile/cache load "
        f"{format_seconds(COMPILE_SECONDS)} (not timed below)"
    )
    season = np.ones((len(registry.regions), len(dates)), bool)
    rng = np.random.default_rng(5)
    forecast = rng.random((len(registry.regions), len(dates))) < 0.5
    rows = []
    for case, triggered in (("all season", season), ("forecast days per box", forecast)):
        result, change = ours(registry, grid, dates, triggered)
        peer_start = time.perf_counter()
        peer = pandas_change(registry, grid, dates, triggered)
        t_peer = time.perf_counter() - peer_start
        scale = np.abs(change).max()
        np.testing.assert_allclose(change, peer, atol=1e-5 * scale)
        moved, removed = result.kg("voc")
        print(
            f"{case}: {int((result.action > 0).sum()):,} lines act; VOC moved "
            f"{moved.sum() / 1e3:,.1f} t, removed {removed.sum() / 1e3:,.1f} t; the grid change "
            f"agrees with pandas to {np.abs(change - peer).max():.2g} kg/h"
        )
        del peer
        t_ours = timeit(lambda tr=triggered: ours(registry, grid, dates, tr), repeat=3)
        rows.append(
            {
                "case": f"{case}: programme + hourly grid change",
                "ours": t_ours,
                "peer": t_peer,
                "peer_name": "pandas",
                "floor": bandwidth_floor_seconds(0, change.nbytes),
            }
        )
    print_table(
        f"peak-shift programme, {registry.n_lines:,} lines x {len(dates)} days, gridded change "
        f"(goal: < 2 s)",
        rows,
    )


if __name__ == "__main__":
    main()
