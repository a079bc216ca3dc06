"""Regional means of gridded fields: ``(..., time, lat, lon) -> (..., region, time)``.

The xarray layer over :mod:`engine.kernels.aggregate`. The weights are anything that has the
shape of :class:`CoverageWeights` (the engine's own protocol): in practice
``grids.coverage_weights`` (area of region ∩ cell, the default) or one of the pluggable
weightings of ``grids`` (population, stations). Cells that are NaN are left out and the mean
renormalised over the valid ones; the valid part of each region's weight is reported as
``valid_fraction`` so that a mean over a mostly missing (or mostly off-grid) region is never
silent.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine.errors import RegionError
from engine.kernels import aggregate as kernels

__all__ = ["CoverageWeights", "regional_mean"]


class CoverageWeights(Protocol):
    """What the engine needs of the weights of a region set on a grid.

    ``region_codes`` name the regions in row order; ``grid_shape`` is the grid's ``(ny, nx)``;
    ``kind`` says what the weights are (``"area"`` [km²], ``"population"``, ``"stations"``);
    ``reference_weight`` [same units as the weights] is each whole region's weight, the
    denominator of the valid fraction; ``kernel_arrays`` gives the sparse rows as
    ``(row_start (region + 1,), cell (nnz,), weight (nnz,))``, cells in C order of the grid.
    """

    @property
    def region_codes(self) -> Sequence[str]: ...

    @property
    def grid_shape(self) -> tuple[int, int]: ...

    @property
    def kind(self) -> str: ...

    @property
    def reference_weight(self) -> NDArray[np.float64]: ...

    def kernel_arrays(
        self,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]: ...


# the kernel's streaming layout of each set of weights, built on first use and kept as long as
# the weights live (weights are immutable: a new weighting is a new object)
_RUNS: weakref.WeakKeyDictionary[Any, kernels.CellRuns] = weakref.WeakKeyDictionary()


def _cell_runs(weights: CoverageWeights) -> kernels.CellRuns:
    try:
        return _RUNS[weights]
    except KeyError:
        runs = _RUNS[weights] = kernels.cell_runs(*weights.kernel_arrays())
        return runs
    except TypeError:  # weights that cannot be weakly referenced: built on every call
        return kernels.cell_runs(*weights.kernel_arrays())


def regional_mean(field: xr.DataArray, weights: CoverageWeights) -> xr.Dataset:
    """Weighted mean of ``field`` over each region of ``weights``, NaN-aware.

    Parameters
    ----------
    field : xarray.DataArray
        Gridded values, dims ``(..., time, lat, lon)`` (or ``(..., time, y, x)`` on a
        projected grid): the last two dims are the grid of ``weights``. float32 or float64,
        numpy- or dask-backed (any chunks of the leading dims; the grid dims are merged into
        one chunk). Any units; kept.
    weights : CoverageWeights
        Weights ``(region, cell)`` on the same grid (checked against the field's coordinates
        when it has them).

    Returns
    -------
    xarray.Dataset
        Two variables of dims ``(..., region, time)`` — ``region`` placed before the last
        non-grid dim — and coordinate ``region`` (codes):

        * the mean, named like the field (``"mean"`` if unnamed), with its dtype and attributes;
          NaN where no cell of the region is valid (or the region is off the grid);
        * ``valid_fraction`` [1]: the weight of the valid cells over the weight of the whole
          region (:attr:`CoverageWeights.reference_weight`: for area weights the area of
          its polygon, so a region half off the grid has at most 0.5); 0 where the region has
          no cell.
    """
    if field.ndim < 2:
        raise RegionError(f"field {field.name!r} has dims {field.dims}; expected (..., lat, lon)")
    grid_dims = list(field.dims[-2:])
    shape = tuple(field.shape[-2:])
    if shape != tuple(weights.grid_shape):
        raise RegionError(
            f"field {field.name!r} has grid shape {shape} but the weights were built for "
            f"{tuple(weights.grid_shape)}: rebuild the weights on the forecast's grid"
        )
    check = getattr(weights, "check_field", None)
    if check is not None:
        check(field)
    dtype = field.dtype if field.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    packed = _Packed(
        *weights.kernel_arrays(),
        _cell_runs(weights),
        np.asarray(weights.reference_weight, dtype=np.float64),
        len(weights.region_codes),
        np.dtype(dtype).name,
    )
    if field.chunks is not None:
        mean, fraction = _lazy_means(field, grid_dims, packed)
    else:
        mean, fraction = xr.apply_ufunc(
            _means_fractions,
            field,
            kwargs={"packed": packed},
            input_core_dims=[grid_dims],
            output_core_dims=[["region"], ["region"]],
            keep_attrs=True,
        )
    lead_dims = list(field.dims[:-2])
    order = [*lead_dims[:-1], "region", *lead_dims[-1:]]
    name = str(field.name) if field.name is not None else "mean"
    mean = mean.transpose(*order)
    mean.attrs = dict(field.attrs)
    mean.attrs["cell_methods"] = f"area: mean (weights: {weights.kind}, NaN cells excluded)"
    fraction = fraction.transpose(*order)
    fraction.attrs = {"units": "1", "long_name": "valid part of the region's weight"}
    out = xr.Dataset({name: mean, "valid_fraction": fraction})
    return out.assign_coords(region=("region", list(weights.region_codes)))


class _Packed(NamedTuple):
    """What one block of the regional mean needs of the weights (plain arrays: picklable)."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    data: NDArray[np.float64]
    runs: kernels.CellRuns
    total: NDArray[np.float64]
    nregion: int
    dtype: str


def _means_fractions(values: np.ndarray, packed: _Packed) -> tuple[np.ndarray, np.ndarray]:
    """``(..., ny, nx) -> (..., region)`` twice: the mean and the valid fraction.

    Module-level (not a closure) so that a dask worker imports it, and the numba kernel it
    calls, by name instead of receiving a pickled function (docs/distributed.md).
    """
    dtype = np.dtype(packed.dtype)
    lead = values.shape[:-2]
    flat = values.reshape(-1, values.shape[-2] * values.shape[-1])
    mean, valid = kernels.regional_mean(
        flat.astype(dtype, copy=False), packed.indptr, packed.indices, packed.data, runs=packed.runs
    )
    total = packed.total
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(total > 0, valid / np.where(total > 0, total, 1.0), 0.0)
        fraction = np.minimum(fraction, 1.0)
    return (
        mean.reshape(*lead, packed.nregion),
        fraction.astype(dtype).reshape(*lead, packed.nregion),
    )


def _stacked_block(values: np.ndarray, packed: _Packed) -> np.ndarray:
    """One dask block: ``(..., ny, nx) -> (..., 2, region)``, mean then valid fraction."""
    mean, fraction = _means_fractions(values, packed)
    return np.stack([mean, fraction], axis=-2)


def _lazy_means(
    field: xr.DataArray, grid_dims: list[Any], packed: _Packed
) -> tuple[xr.DataArray, xr.DataArray]:
    """The regional means of a dask-backed field, block by block (lazy).

    Each block of the field (any chunks of the leading dims; the grid dims are merged into
    one chunk, since an hour's mean needs the whole grid) goes through the numba kernel. The
    weights enter the graph once, as one delayed object shared by every task, not copied
    into each task. A row's mean does not depend on the rows beside it, so the result is
    the in-memory one bit for bit, however the leading dims are chunked.
    """
    import dask
    import dask.array as da

    data = field.chunk({str(d): -1 for d in grid_dims}).data
    nd = data.ndim
    lead = tuple(range(nd - 2))
    stacked = da.blockwise(
        _stacked_block,
        (*lead, nd, nd + 1),
        data,
        (*lead, nd - 2, nd - 1),
        dask.delayed(packed, pure=True),
        None,
        new_axes={nd: 2, nd + 1: packed.nregion},
        concatenate=True,
        dtype=np.dtype(packed.dtype),
    )
    dims = [*field.dims[:-2], "region"]
    coords = {k: c for k, c in field.coords.items() if set(c.dims) <= set(field.dims[:-2])}
    mean = xr.DataArray(stacked[..., 0, :], dims=dims, coords=coords, attrs=dict(field.attrs))
    fraction = xr.DataArray(stacked[..., 1, :], dims=dims, coords=coords)
    return mean, fraction
