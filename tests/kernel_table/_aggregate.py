"""Regional-mean row: area-weighted NaN-aware means through sparse weights.

Cases are a field ``(batch, cell)`` on a grid of ``size`` cells, and regions that are random
rectangles of it (overlapping; fractional weights on their edges; one without cells), as CSR
``(region, cell)`` weights — each region's cells come in runs along the grid's rows, as real
boundaries give.
"""

from __future__ import annotations

import math

import numpy as np

from engine.kernels import aggregate as kernel
from tests.kernel_table._types import Case, Kernel, Outputs, Peer, Tolerance


def generate(
    seed: int,
    size: int,
    dtype=np.float64,
    *,
    batch: int | None = None,
    regions: int | None = None,
    nan_share: float | None = None,
) -> Case:
    """A field of ``size`` cells; the number of rows (time steps), of regions and the share of
    NaN cells (0 … 50 %, and a few all-NaN rows) are drawn from the seed unless given."""
    rng = np.random.default_rng(seed)
    batch = int(rng.integers(1, 40)) if batch is None else batch
    regions = max(1, math.isqrt(size) // 2) if regions is None else regions
    nan_share = float(rng.uniform(0.0, 0.5)) if nan_share is None else nan_share
    nx = max(1, math.isqrt(2 * size))
    ny = -(-size // nx)
    side = max(1.0, math.sqrt(size / regions))
    indptr, indices, weights = [0], [], []
    for r in range(regions):
        if size == 0 or (r == regions - 1 and regions > 1):  # a region off the grid: no cells
            indptr.append(indptr[-1])
            continue
        h, w = (int(x) for x in rng.integers(1, int(2 * side) + 2, 2))
        r0, c0 = int(rng.integers(0, ny)), int(rng.integers(0, nx))
        rows, cols = np.arange(r0, min(r0 + h, ny)), np.arange(c0, min(c0 + w, nx))
        cells = (rows[:, None] * nx + cols[None, :]).ravel()
        edge = np.zeros((rows.size, cols.size), bool)
        edge[[0, -1], :] = edge[:, [0, -1]] = True
        weight = np.where(edge.ravel(), rng.uniform(0.01, 1.0, cells.size), 1.0)
        keep = cells < size
        indices.append(cells[keep])
        weights.append(weight[keep])
        indptr.append(indptr[-1] + int(keep.sum()))
    values = rng.normal(50.0, 20.0, (batch, size)).astype(dtype)
    values[rng.random(values.shape) < nan_share] = np.nan
    values[rng.random(batch) < 0.05] = np.nan
    indptr_a = np.asarray(indptr, np.int64)
    indices_a = np.concatenate(indices or [np.empty(0, np.int64)]).astype(np.int64)
    weights_a = np.concatenate(weights or [np.empty(0)]).astype(np.float64)
    runs = kernel.cell_runs(indptr_a, indices_a, weights_a)  # once per weights, as the engine
    text = f"({batch}, {size:,} cells) {np.dtype(dtype).name} to {regions} regions"
    inputs = dict(values=values, indptr=indptr_a, indices=indices_a, weights=weights_a, runs=runs)
    return Case(inputs, seed, size, text)


def run(case: Case) -> Outputs:
    c = case.inputs
    return kernel.regional_mean(
        c["values"], c["indptr"], c["indices"], c["weights"], runs=c["runs"]
    )


def reference(case: Case) -> Outputs:
    """Region by region on dense blocks: weighted sum of the valid cells / their weights."""
    c = case.inputs
    values, indptr = c["values"], c["indptr"]
    mean = np.full((values.shape[0], indptr.size - 1), np.nan)
    weight = np.zeros(mean.shape)
    for r in range(indptr.size - 1):
        cells, w = c["indices"][indptr[r] : indptr[r + 1]], c["weights"][indptr[r] : indptr[r + 1]]
        block = values[:, cells].astype(np.float64)
        valid = ~np.isnan(block)
        weight[:, r] = (valid * w).sum(axis=1)
        total = np.where(valid, block, 0.0) @ w
        ok = weight[:, r] > 0
        mean[ok, r] = total[ok] / weight[ok, r]
    return mean.astype(values.dtype), weight


def _matrix(case: Case):
    import scipy.sparse as sp

    c = case.inputs
    shape = (c["indptr"].size - 1, c["values"].shape[1])
    return sp.csr_matrix((c["weights"], c["indices"], c["indptr"]), shape=shape)


def scipy_sparse(case: Case, sample: int):
    """``W @ X.T`` with the same sparse weights: NaN-unaware, a lower bound for the same work."""
    matrix, values = _matrix(case), case.inputs["values"]
    return (lambda: matrix @ values.T), 1.0


def flox_nanmean(case: Case, sample: int):
    """``flox.groupby_reduce(..., func="nanmean")`` on one label per cell (the region of largest
    weight): unweighted and without overlaps, so less work than ours."""
    import flox

    matrix, values = _matrix(case), case.inputs["values"]
    dense = matrix.tocsc()
    labels = np.full(values.shape[1], -1, np.int64)
    has = np.diff(dense.indptr) > 0
    labels[has] = np.asarray(dense.argmax(axis=0)).ravel()[has]
    groups = np.arange(matrix.shape[0])
    return (
        lambda: flox.groupby_reduce(values, labels, func="nanmean", expected_groups=groups)
    ), 1.0


REGIONAL_MEAN = Kernel(
    name="regional_mean",
    entry=kernel.regional_mean,
    run=run,
    reference=reference,
    generate=generate,
    size_of="cells",
    peers=(
        Peer("scipy.sparse W @ X.T", scipy_sparse),
        Peer("flox nanmean (one label per cell)", flox_nanmean, requires=("flox",)),
    ),
    dtypes=(np.float32, np.float64),
    twin_tolerance=Tolerance(rtol=1e-12, rtol_float32=1e-5),  # the twin sums in another order
    reference_tolerance=Tolerance(rtol=1e-12, rtol_float32=1e-5),
    test_sizes=(300, 20_000),
    reference_size=300,
    bench_size=900_000,  # the national 0.05° grid
    bench_options=dict(batch=24, nan_share=0.001),
    memory_bound=True,
)
