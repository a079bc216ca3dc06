"""Rasteriser row: exact area of a polygon (with a hole) inside each cell of a grid.

The twin clips each ring against every cell as a box (GEOS intersection); the reference
clips the whole polygon to each cell's rectangle (GEOS ``clip_by_rect``, another algorithm).
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from grids import _rasterise as kernel
from tests.kernel_table._types import Case, Kernel, Outputs, Peer, Tolerance


def _star(rng: np.random.Generator, cx: float, cy: float, radius: float, n: int) -> np.ndarray:
    """A closed counter-clockwise ring of ``n`` vertices around the centre, at angles less than
    90° apart (``n >= 8``), so it keeps a disc of ``0.35 * radius`` inside."""
    angles = (np.arange(n) + rng.uniform(0.0, 0.8, n)) * (2.0 * np.pi / n)
    r = radius * rng.uniform(0.5, 1.0, n)
    ring = np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)])
    return np.vstack([ring, ring[:1]])


def generate(seed: int, size: int, dtype=np.float64, *, vertices: int | None = None) -> Case:
    """A grid of about ``size`` cells of uneven widths and a star polygon reaching past its
    edge, with a clockwise hole; ``vertices`` (default: grows with the grid) on the outer ring."""
    rng = np.random.default_rng(seed)
    nx = math.isqrt(size)
    ny = size // nx if nx else 0
    x_edges = np.concatenate([[0.0], np.cumsum(rng.uniform(0.5, 1.5, nx))])
    y_edges = np.concatenate([[0.0], np.cumsum(rng.uniform(0.5, 1.5, ny))])
    cx, cy = 0.5 * x_edges[-1], 0.5 * y_edges[-1]
    extent = max(x_edges[-1], y_edges[-1], 1.0)
    n = vertices if vertices is not None else 8 + 4 * math.isqrt(max(size, 1))
    outer = _star(rng, cx + 0.2 * extent, cy, 0.6 * extent, n)  # partly off the grid
    hole = _star(rng, cx + 0.2 * extent, cy, 0.2 * extent, 12)[::-1]  # clockwise
    rings = [outer, hole]
    ring_start = np.cumsum([0] + [len(r) for r in rings]).astype(np.int64)
    xy = np.vstack(rings)
    inputs = dict(
        xs=np.ascontiguousarray(xy[:, 0]), ys=np.ascontiguousarray(xy[:, 1]),
        ring_start=ring_start, x_edges=x_edges, y_edges=y_edges,
    )  # fmt: skip
    return Case(inputs, seed, size, f"{ny} x {nx} cells, polygon of {n} + 12 vertices")


def run(case: Case) -> Outputs:
    """The area (the first of the kernel's moments) with straight edges (no sagitta)."""
    c = case.inputs
    flat = np.zeros_like(c["xs"])
    moments = kernel.polygon_cell_moments(
        c["xs"], c["ys"], flat, flat, c["ring_start"], c["x_edges"], c["y_edges"]
    )
    return (np.ascontiguousarray(moments[..., 0]),)


def _polygon(case: Case):
    c = case.inputs
    start = c["ring_start"]
    rings = [
        np.column_stack([c["xs"][a:b], c["ys"][a:b]])
        for a, b in zip(start[:-1], start[1:], strict=True)
    ]
    return shapely.make_valid(shapely.Polygon(rings[0], rings[1:]))


def reference(case: Case) -> Outputs:
    """``clip_by_rect`` of the whole polygon to each cell."""
    c = case.inputs
    polygon = _polygon(case)
    xe, ye = c["x_edges"], c["y_edges"]
    out = np.zeros((ye.size - 1, xe.size - 1))
    for r in range(out.shape[0]):
        for k in range(out.shape[1]):
            out[r, k] = shapely.clip_by_rect(polygon, xe[k], ye[r], xe[k + 1], ye[r + 1]).area
    return (out,)


def shapely_cells(case: Case, sample: int):
    """GEOS intersection of the polygon with every cell as a box (vectorised shapely)."""
    c = case.inputs
    polygon = _polygon(case)
    xe, ye = c["x_edges"], c["y_edges"]
    boxes = shapely.box(xe[None, :-1], ye[:-1, None], xe[None, 1:], ye[1:, None])
    shapely.prepare(polygon)
    return (lambda: shapely.area(shapely.intersection(polygon, boxes))), 1.0


POLYGON_CELL_AREA = Kernel(
    name="polygon_cell_area",
    entry=kernel.polygon_cell_moments,
    run=run,
    reference=reference,
    generate=generate,
    size_of="cells",
    peers=(Peer("shapely intersection per cell", shapely_cells),),
    dtypes=(np.float64,),
    twin_tolerance=Tolerance(atol=1e-9),  # cells of about 1 unit²: areas to 1e-9 of a cell
    reference_tolerance=Tolerance(atol=1e-9),
    test_sizes=(60, 2500),
    reference_size=400,
    bench_size=10_000,  # the shapely peer clips every cell: seconds already
)
