"""The value checks of the forecast contract on a dask-backed variable, block by block.

:func:`forecasts.normalise` checks an in-memory variable with whole-array reductions. A chunked
forecast (``read_forecast(path, chunks=…)``, docs/distributed.md) is never loaded whole, so the
same checks run inside each block when the block is computed — fused with the work that reads
it, no extra pass over the file:

* non-finite values (±Inf) become missing (NaN), with a warning in the log of the process that
  computed the block (a dask worker's log on a cluster);
* a time step missing over the whole grid, a negative value, or a value above the plausible
  bound refuses the data: :class:`~engine.errors.ForecastError` naming the file, the variable,
  the chunk's time range (and member), the count and the first place — raised where the
  pipeline computes, and on a dask.distributed cluster re-raised in the client.

Every block holds the whole grid (the grid dims are merged into one chunk), so "missing over
the whole grid" means the same as in memory. Units, dims and the hourly time axis are metadata:
:func:`forecasts.normalise` checks them when the file is opened, before any value is read.
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from engine.errors import ForecastError
from engine.units import TARGET_UNITS

__all__ = ["checked_per_chunk"]

log = logging.getLogger(__name__)


def checked_per_chunk(
    variable: xr.DataArray, pollutant: str, bound: float | None, where: str
) -> xr.DataArray:
    """``variable`` (dask-backed) with the contract's value checks run in each block, lazily.

    Parameters
    ----------
    variable : xarray.DataArray
        ``([member,] time, lat, lon)`` or ``([member,] time, y, x)`` in HJ 633 units, dask.
    pollutant : str
        Its name (``pm25``, ``o3``, …).
    bound : float, optional
        Highest plausible value [HJ 633 units]; None: no bound.
    where : str
        How messages name the data (e.g. ``forecast file data/x.nc``).

    Returns
    -------
    xarray.DataArray
        Same dims, coordinates and attributes, the grid dims in one chunk; ±Inf as NaN.
    """
    data = variable.data.rechunk({variable.ndim - 2: -1, variable.ndim - 1: -1})
    dims = tuple(str(d) for d in variable.dims)
    checked = data.map_blocks(
        _check_block,
        pollutant=pollutant,
        bound=bound,
        where=where,
        time=np.asarray(variable["time"].values),
        time_axis=dims.index("time"),
        member_axis=dims.index("member") if "member" in dims else None,
        source_units=str(variable.attrs.get("source_units", "")),
        dtype=data.dtype,
        meta=np.empty((0,) * data.ndim, dtype=data.dtype),
    )
    return variable.copy(data=checked)


def _iso(value: np.datetime64) -> str:
    return str(np.datetime_as_string(value, unit="m")) + "Z"


def _check_block(
    block: np.ndarray,
    *,
    pollutant: str,
    bound: float | None,
    where: str,
    time: np.ndarray,
    time_axis: int,
    member_axis: int | None,
    source_units: str,
    block_info: dict | None = None,
) -> np.ndarray:
    """One block: ±Inf → NaN; refuse holes, negative and implausible values.

    Module level (not a closure): a dask worker imports it by name.
    """
    location = block_info[0]["array-location"] if block_info else [(0, n) for n in block.shape]
    t0, t1 = location[time_axis]
    chunk = f"{pollutant} in the chunk {_iso(time[t0])} to {_iso(time[t1 - 1])}"
    if member_axis is not None:
        m0, m1 = location[member_axis]
        chunk += f", member {m0}" if m1 - m0 == 1 else f", members {m0}-{m1 - 1}"

    def first(mask: np.ndarray) -> str:
        index = [int(i) for i in np.argwhere(mask)[0]]
        parts = [f"at {_iso(time[t0 + index[time_axis]])}"]
        if member_axis is not None:
            parts.append(f"member {location[member_axis][0] + index[member_axis]}")
        if mask.ndim == block.ndim:
            parts.insert(0, f"{float(block[tuple(index)]):.6g}")
            parts.append(f"cell ({index[-2]}, {index[-1]})")
        return " ".join(parts)

    if block.size and _clean(block, bound):
        return block  # the common case: two read-only passes, no mask allocated
    infinite = np.isinf(block)
    if infinite.any():
        log.warning(
            "%s: %s has %d non-finite value(s), first %s: treated as missing",
            where,
            chunk,
            int(infinite.sum()),
            first(infinite),
        )
        block = np.where(infinite, block.dtype.type(np.nan), block)
    empty = np.isnan(block).all(axis=(-2, -1))
    if empty.any():
        raise ForecastError(f"{where}: {chunk} is missing (NaN) over the whole grid {first(empty)}")
    unit = TARGET_UNITS[pollutant]
    negative = block < 0
    if negative.any():
        raise ForecastError(
            f"{where}: {chunk} has negative values ({int(negative.sum())}, minimum "
            f"{float(np.nanmin(block)):.3g} {unit}, the first {first(negative)}); "
            "concentrations must be ≥ 0"
        )
    if bound is not None:
        above = block > bound
        if above.any():
            raise ForecastError(
                f"{where}: {chunk} has {int(above.sum())} value(s) above the plausible bound "
                f"{bound:g} {unit} (engine/data/plausibility.toml), the first {first(above)}; a "
                f"corrupt file, a fill value or wrong units (source units {source_units!r})"
            )
    return block


def _clean(block: np.ndarray, bound: float | None) -> bool:
    """Whether ``block`` is certainly valid: no NaN, ±Inf, negative or implausible value.

    ``min`` and ``max`` are NaN when a NaN is present, so one comparison each settles it; a
    block that is not clean goes through the masks, which find and name the problem.
    """
    low, high = block.min(), block.max()
    return bool(low >= 0 and high < np.inf and (bound is None or high <= bound))
