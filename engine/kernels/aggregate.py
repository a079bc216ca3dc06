"""Weighted regional means of gridded fields through sparse weights, NaN-aware.

Core dims: ``values (batch, cell)`` with CSR weights ``(region, cell)`` →
``mean (batch, region)`` and ``weight (batch, region)``, where ``weight`` is the sum of the
weights of the cells that were valid (not NaN). The mean renormalises over valid cells.

The numba kernel walks the field in blocks of ``batch`` rows (time steps), one or a few blocks
per thread: for each block every region's CSR row is read once and each of its cells gathers
``block`` values, so the weights are streamed once per block instead of once per row and the
field is read once. Blocks run in parallel. Sums accumulate in float64 for float32 and float64
fields.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.kernels._compile import dispatch, get_num_threads, jit, prange

__all__ = ["regional_mean"]

_MAX_BLOCK = 64
_SIGNATURES = [
    f"void({t}[:, ::1], i8[::1], i8[::1], f8[::1], i8, {t}[:, ::1], f8[:, ::1])"
    for t in ("f4", "f8")
]


@jit(_SIGNATURES, parallel=True)
def _regional_mean_numba(values, indptr, indices, weights, block, out_mean, out_weight):  # type: ignore[no-untyped-def]
    nbatch = values.shape[0]
    nregion = indptr.size - 1
    nblock = (nbatch + block - 1) // block
    for b in prange(nblock):
        t0 = b * block
        t1 = min(t0 + block, nbatch)
        total = np.empty(block)
        wsum = np.empty(block)
        for r in range(nregion):
            for t in range(t1 - t0):
                total[t] = 0.0
                wsum[t] = 0.0
            for k in range(indptr[r], indptr[r + 1]):
                c = indices[k]
                w = weights[k]
                for t in range(t0, t1):
                    v = values[t, c]
                    if v == v:  # not NaN
                        total[t - t0] += w * v
                        wsum[t - t0] += w
            for t in range(t0, t1):
                s = wsum[t - t0]
                out_weight[t, r] = s
                out_mean[t, r] = total[t - t0] / s if s > 0.0 else np.nan


def _regional_mean_numpy(
    values: NDArray[np.floating],
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    weights: NDArray[np.float64],
    block: int,
    out_mean: NDArray[np.floating],
    out_weight: NDArray[np.float64],
) -> None:
    """Twin by two sparse matrix products (sum of weighted valid values, sum of valid weights)."""
    import scipy.sparse as sp

    del block
    ncell = values.shape[1]
    matrix = sp.csr_matrix((weights, indices, indptr), shape=(indptr.size - 1, ncell))
    valid = ~np.isnan(values)
    total = (matrix @ np.where(valid, values, 0.0).astype(np.float64).T).T
    wsum = (matrix @ valid.T.astype(np.float64)).T
    out_weight[...] = wsum
    with np.errstate(invalid="ignore", divide="ignore"):
        out_mean[...] = np.where(wsum > 0, total / np.where(wsum > 0, wsum, 1.0), np.nan)


_dispatch = dispatch(_regional_mean_numba, _regional_mean_numpy)


def regional_mean(
    values: NDArray[np.floating],
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    weights: NDArray[np.float64],
    *,
    block: int = 0,
) -> tuple[NDArray[np.floating], NDArray[np.float64]]:
    """Weighted mean over each region's cells, skipping NaN cells.

    Parameters
    ----------
    values : ndarray, float32 or float64, (batch, cell)
        Field, cells flattened; C-contiguous (a copy is made otherwise).
    indptr, indices, weights : ndarray
        CSR arrays of the ``(region, cell)`` weights (int64, int64, float64) [any units].
    block : int, optional
        Batch rows per block (0: chosen from the batch size).

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
    if block <= 0:
        # as few blocks as keep every thread busy, each of at most _MAX_BLOCK rows: the weights
        # are read once per block, and each thread streams its rows of the field once
        threads = get_num_threads()
        nblock = threads * max(1, -(-nbatch // (threads * _MAX_BLOCK)))
        block = max(1, -(-nbatch // nblock))
    out_mean = np.empty((nbatch, nregion), dtype=values.dtype)
    out_weight = np.empty((nbatch, nregion), dtype=np.float64)
    if nbatch and nregion:
        _dispatch(values, indptr, indices, weights, np.int64(block), out_mean, out_weight)
    return out_mean, out_weight


regional_mean.compiled = _regional_mean_numba  # type: ignore[attr-defined]
regional_mean.twin = _regional_mean_numpy  # type: ignore[attr-defined]
