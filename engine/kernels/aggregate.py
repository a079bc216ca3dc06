"""Weighted regional means of gridded fields through sparse weights, NaN-aware.

Core dims: ``values (batch, cell)`` with CSR weights ``(region, cell)`` →
``mean (batch, region)`` and ``weight (batch, region)``, where ``weight`` is the sum of the
weights of the cells that were valid (not NaN). The mean renormalises over valid cells.

The numba kernel streams the field: each batch row (time step) is a contiguous row of cells,
and the weights are regrouped once (:func:`cell_runs`) into *runs* — a region's consecutive
cells — ordered by first cell, so walking the runs in order reads every row forward and
touches only the covered cells, which the hardware prefetcher serves at memory bandwidth.
Rows go by tiles of eight: a run's weights are loaded once per tile and its dot product
with the tile's rows runs as independent sums (instruction-level parallelism instead of one
latency-bound chain); the sums scatter into per-region accumulators that stay in cache. Each
thread owns a contiguous share of the rows, so there are no races and the result does not
depend on the number of threads. A run's sum is computed without a NaN test and recomputed
cell by cell only if it came out NaN. Sums accumulate in float64 for float32 and float64 fields.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from engine.kernels._compile import get_num_threads, jit, numba_enabled, prange

__all__ = ["CellRuns", "cell_runs", "regional_mean"]


class CellRuns(NamedTuple):
    """CSR weights regrouped as runs of consecutive cells, ordered by first cell.

    Run ``i`` covers cells ``start[i] .. start[i] + ptr[i + 1] - ptr[i] - 1`` of region
    ``region[i]`` with weights ``weights[ptr[i]:ptr[i + 1]]``; ``run_weight[i]`` is their sum.
    A field must have at least ``ncell`` cells (one past the last cell of any run).
    """

    start: NDArray[np.int64]
    ptr: NDArray[np.int64]
    region: NDArray[np.int64]
    weights: NDArray[np.float64]
    run_weight: NDArray[np.float64]
    nregion: int
    ncell: int


def cell_runs(
    indptr: NDArray[np.int64], indices: NDArray[np.int64], weights: NDArray[np.float64]
) -> CellRuns:
    """Regroup CSR weights ``(region, cell)`` into runs for :func:`regional_mean`.

    Build once per set of weights (it sorts the runs) and pass to every call.

    Parameters
    ----------
    indptr, indices, weights : ndarray
        CSR arrays of the ``(region, cell)`` weights [any units].

    Returns
    -------
    CellRuns
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    nregion = indptr.size - 1
    nnz = int(indptr[-1]) if indptr.size else 0
    indices, weights = indices[:nnz], weights[:nnz]
    region = np.repeat(np.arange(nregion, dtype=np.int64), np.diff(indptr))
    new = np.ones(nnz, dtype=bool)
    new[1:] = (region[1:] != region[:-1]) | (indices[1:] != indices[:-1] + 1)
    first = np.flatnonzero(new)
    order = np.lexsort((region[first], indices[first]))  # by first cell, then region
    length = np.diff(np.append(first, nnz))[order]
    ptr = np.zeros(first.size + 1, dtype=np.int64)
    np.cumsum(length, out=ptr[1:])
    take = np.repeat(first[order] - ptr[:-1], length) + np.arange(nnz)
    run_weights = np.ascontiguousarray(weights[take])
    run_weight = np.zeros(first.size)
    np.add.at(run_weight, np.repeat(np.arange(first.size), length), run_weights)
    start = np.ascontiguousarray(indices[first[order]])
    return CellRuns(
        start=start,
        ptr=ptr,
        region=np.ascontiguousarray(region[first[order]]),
        weights=run_weights,
        run_weight=run_weight,
        nregion=nregion,
        ncell=int((start + length).max()) if start.size else 0,
    )


_SIGNATURES = [
    f"void({t}[:, ::1], i8[::1], i8[::1], i8[::1], f8[::1], f8[::1], i8, {t}[:, ::1], f8[:, ::1])"
    for t in ("f4", "f8")
]


@jit(_SIGNATURES, parallel=True, fastmath=frozenset({"contract"}))  # fused multiply-add
def _regional_mean_numba(  # type: ignore[no-untyped-def]
    values, start, ptr, region, weights, run_weight, nchunk, out_mean, out_weight
):
    nbatch = values.shape[0]
    nregion = out_mean.shape[1]
    for chunk in prange(nchunk):
        t1 = (chunk + 1) * nbatch // nchunk
        total = np.empty((nregion, 8))
        wsum = np.empty((nregion, 8))
        part = np.empty(8)
        for t0 in range(chunk * nbatch // nchunk, t1, 8):
            last = t1 - 1  # a short last tile repeats its last row: one code path
            r0, r1, r2, r3 = t0, min(t0 + 1, last), min(t0 + 2, last), min(t0 + 3, last)
            r4, r5, r6, r7 = (
                min(t0 + 4, last),
                min(t0 + 5, last),
                min(t0 + 6, last),
                min(t0 + 7, last),
            )
            rows = min(8, t1 - t0)
            total[:] = 0.0
            wsum[:] = 0.0
            for i in range(start.size):
                # unsigned indices: no negative-index wraparound test on every load
                c = np.uint64(start[i] - ptr[i])  # cell of weights[k] is c + k (mod 2**64)
                s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
                for k in range(np.uint64(ptr[i]), np.uint64(ptr[i + 1])):
                    w = weights[k]
                    s0 += w * values[r0, c + k]
                    s1 += w * values[r1, c + k]
                    s2 += w * values[r2, c + k]
                    s3 += w * values[r3, c + k]
                    s4 += w * values[r4, c + k]
                    s5 += w * values[r5, c + k]
                    s6 += w * values[r6, c + k]
                    s7 += w * values[r7, c + k]
                r = region[i]
                ws = run_weight[i]
                check = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
                if check == check and rows == 8:  # no NaN cell in the tile: the common case
                    total[r, 0] += s0
                    total[r, 1] += s1
                    total[r, 2] += s2
                    total[r, 3] += s3
                    total[r, 4] += s4
                    total[r, 5] += s5
                    total[r, 6] += s6
                    total[r, 7] += s7
                    for u in range(8):
                        wsum[r, u] += ws
                    continue
                part[0], part[1], part[2], part[3] = s0, s1, s2, s3
                part[4], part[5], part[6], part[7] = s4, s5, s6, s7
                for u in range(rows):
                    s = part[u]
                    valid = ws
                    if s != s:  # a NaN cell: sum over the valid cells only
                        s = 0.0
                        valid = 0.0
                        for k in range(np.uint64(ptr[i]), np.uint64(ptr[i + 1])):
                            v = values[t0 + u, c + k]
                            if v == v:
                                s += weights[k] * v
                                valid += weights[k]
                    total[r, u] += s
                    wsum[r, u] += valid
            for u in range(rows):
                for r in range(nregion):
                    s = wsum[r, u]
                    out_weight[t0 + u, r] = s
                    out_mean[t0 + u, r] = total[r, u] / s if s > 0.0 else np.nan


def _regional_mean_numpy(
    values: NDArray[np.floating],
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    weights: NDArray[np.float64],
    out_mean: NDArray[np.floating],
    out_weight: NDArray[np.float64],
) -> None:
    """Twin by two sparse matrix products (sum of weighted valid values, sum of valid weights)."""
    import scipy.sparse as sp

    ncell = values.shape[1]
    matrix = sp.csr_matrix((weights, indices, indptr), shape=(indptr.size - 1, ncell))
    valid = ~np.isnan(values)
    total = (matrix @ np.where(valid, values, 0.0).astype(np.float64).T).T
    wsum = (matrix @ valid.T.astype(np.float64)).T
    out_weight[...] = wsum
    with np.errstate(invalid="ignore", divide="ignore"):
        out_mean[...] = np.where(wsum > 0, total / np.where(wsum > 0, wsum, 1.0), np.nan)


def regional_mean(
    values: NDArray[np.floating],
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    weights: NDArray[np.float64],
    *,
    runs: CellRuns | None = None,
    chunks: int = 0,
) -> tuple[NDArray[np.floating], NDArray[np.float64]]:
    """Weighted mean over each region's cells, skipping NaN cells.

    Parameters
    ----------
    values : ndarray, float32 or float64, (batch, cell)
        Field, cells flattened; C-contiguous (a copy is made otherwise).
    indptr, indices, weights : ndarray
        CSR arrays of the ``(region, cell)`` weights (int64, int64, float64) [any units].
    runs : CellRuns, optional
        ``cell_runs(indptr, indices, weights)``, built once per set of weights and reused (it
        is built here otherwise, which costs a sort of the weights on every call).
    chunks : int, optional
        Contiguous shares of the rows, run in parallel (0: one per numba thread). The result
        does not depend on it.

    Returns
    -------
    mean : ndarray, dtype of ``values``, (batch, region)
        Weighted mean of the valid cells; NaN where no cell is valid.
    weight : ndarray, float64, (batch, region)
        Sum of the weights of the valid cells [units of ``weights``].
    """
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float64)
    values = np.ascontiguousarray(values)
    nbatch = values.shape[0]
    nregion = indptr.size - 1
    out_mean = np.empty((nbatch, nregion), dtype=values.dtype)
    out_weight = np.empty((nbatch, nregion), dtype=np.float64)
    if not (nbatch and nregion):
        return out_mean, out_weight
    if not numba_enabled():
        _regional_mean_numpy(values, indptr, indices, weights, out_mean, out_weight)
        return out_mean, out_weight
    if runs is None:
        runs = cell_runs(indptr, indices, weights)
    if runs.nregion != nregion:
        raise ValueError(
            f"runs were built for {runs.nregion} regions but the weights have {nregion}: "
            "build them with cell_runs(indptr, indices, weights)"
        )
    if values.shape[1] < runs.ncell:  # the kernel does not check its loads
        raise ValueError(
            f"the weights reach cell {runs.ncell - 1} but the field has {values.shape[1]} "
            "cells: pass the field flattened on the grid the weights were built for"
        )
    nchunk = min(chunks if chunks > 0 else get_num_threads(), nbatch)
    _regional_mean_numba(
        values,
        runs.start,
        runs.ptr,
        runs.region,
        runs.weights,
        runs.run_weight,
        np.int64(nchunk),
        out_mean,
        out_weight,
    )
    return out_mean, out_weight


regional_mean.compiled = _regional_mean_numba  # type: ignore[attr-defined]
regional_mean.twin = _regional_mean_numpy  # type: ignore[attr-defined]
