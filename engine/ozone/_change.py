"""Hourly emission changes of a programme: per line, and summed onto a grid (docs/rules.md §4.3).

Per line, the 24 hourly emission rates of a triggered day before and after
(:func:`line_changes`); on a grid, the change of every hour of the period in each cell,
scenario minus base, in kg h⁻¹ per cell (:func:`hourly_change`). Which cell a firm lies in is
the caller's business (an adapter that knows the grid, ``forecasts.emission_change``): the
engine takes flat cell indices.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import xarray as xr

from engine.errors import DataCoverageError
from engine.kernels.ozone import accumulate_change, shift_profiles, spread_days
from engine.measures import EMISSION_SPECIES, VOC_PROCESSES
from engine.ozone._compute import NONE, ProgrammeResult

__all__ = ["CHANGE_SPECIES", "hourly_change", "hourly_times", "line_changes"]

CHANGE_SPECIES = ("voc", "nox")
"""Species of the change files (the scenario simulator's input contract)."""


def _affected(result: ProgrammeResult) -> np.ndarray:
    return np.flatnonzero(result.action != NONE)


def line_changes(result: ProgrammeResult) -> xr.Dataset:
    """Hourly VOC and NOx of every affected line on a triggered day, before and after.

    Returns a dataset with dims ``(line, hour)``: ``voc_before``, ``voc_after``,
    ``nox_before``, ``nox_after`` [kg h⁻¹] (hour ``h`` is ``[h, h + 1)`` CST), and per line
    ``credit_code``, ``line_id``, ``voc_process``, ``days`` (triggered days of its action).
    """
    lines = _affected(result)
    reg = result.registry
    before, after = shift_profiles(
        reg.start_hour[lines],
        reg.end_hour[lines],
        result.r0[lines],
        result.r1[lines],
        result.remove[lines],
        result.move[lines],
    )
    data = {}
    for species in CHANGE_SPECIES:
        rate = reg.emission_kg_h[lines, EMISSION_SPECIES.index(species)][:, None]
        data[f"{species}_before"] = (("line", "hour"), before * rate, {"units": "kg h-1"})
        data[f"{species}_after"] = (("line", "hour"), after * rate, {"units": "kg h-1"})
    ent = reg.line_enterprise()[lines]
    coords = {
        "hour": np.arange(24),
        "credit_code": ("line", reg.credit_code[ent].astype(str)),
        "line_id": ("line", reg.line_id[lines].astype(str)),
        "voc_process": ("line", np.array(VOC_PROCESSES)[reg.voc_process[lines]]),
        "days": ("line", result.days[lines]),
    }
    return xr.Dataset(data, coords=coords, attrs={"programme": result.programme.id})


def hourly_times(dates: tuple[dt.date, ...]) -> np.ndarray:
    """UTC hours (naive ``datetime64[ns]``) of the CST days ``dates``, 24 per day, in order.

    ``dates`` must be consecutive: the change is laid on an hourly axis without gaps.
    """
    if not dates:
        return np.zeros(0, "datetime64[ns]")
    first = np.datetime64(dates[0], "h") - np.timedelta64(8, "h")  # 00:00 CST in UTC
    if (dates[-1] - dates[0]).days != len(dates) - 1:
        raise DataCoverageError("the period's dates must be consecutive days")
    return (first + np.arange(24 * len(dates)).astype("timedelta64[h]")).astype("datetime64[ns]")


def hourly_change(
    result: ProgrammeResult,
    cell: np.ndarray,
    n_cells: int,
    *,
    by_sector: bool = False,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The change of the emission rates on the grid, every hour of the period.

    Core dims ``(enterprise,) -> (species, [sector,] time, cell)``, ``time`` the hours of the
    period's CST days in order (:func:`hourly_times` gives them in UTC).

    Parameters
    ----------
    result : ProgrammeResult
        The programme over the period.
    cell : int64 (enterprise,)
        Flat grid cell of each enterprise, ``-1`` off the grid (left out).
    n_cells : int
        Cells of the grid.
    by_sector : bool
        Also split by the lines' VOC class (``sector`` dim, classes with a change only).

    Returns
    -------
    change : float32 (species, time, cell) or (species, sector, time, cell)
        Scenario minus base [kg h⁻¹ per cell], species :data:`CHANGE_SPECIES`. A pure shift
        sums to zero over each day in each cell.
    sectors : tuple of str
        The sectors (VOC classes) of the ``sector`` dim; empty when not ``by_sector``.
    """
    reg = result.registry
    cell = np.asarray(cell, np.int64)
    if cell.shape != (reg.n_enterprises,):
        raise DataCoverageError(f"cell must give one cell per enterprise ({reg.n_enterprises})")
    line_cell = cell[reg.line_enterprise()] if reg.n_lines else np.zeros(0, np.int64)
    rate = reg.emission_kg_h[:, [EMISSION_SPECIES.index(s) for s in CHANGE_SPECIES]]
    # lines of regions with the same triggered days form one group
    rows, group_of_region = np.unique(result.triggered, axis=0, return_inverse=True)
    group = group_of_region.reshape(-1)[reg.region[reg.line_enterprise()]]
    use = (result.action != NONE) & (line_cell >= 0)
    if not by_sector:
        return _grid(result, use, line_cell, group, rows, rate, n_cells), ()
    sectors = tuple(VOC_PROCESSES[k] for k in np.unique(reg.voc_process[use]).tolist())
    n_time = 24 * len(result.dates)
    out = np.zeros((len(CHANGE_SPECIES), len(sectors), n_time, int(n_cells)), np.float32)
    for k, sector in enumerate(sectors):
        mine = use & (reg.voc_process == VOC_PROCESSES.index(sector))
        out[:, k] = _grid(result, mine, line_cell, group, rows, rate, n_cells)
    return out, sectors


def _grid(result, use, line_cell, group, rows, rate, n_cells) -> np.ndarray:
    """The change of the lines marked ``use`` on the grid: pairs, then days."""
    n_cells = int(n_cells)
    n_groups = rows.shape[0]
    key = np.where(use, line_cell * n_groups + group.astype(np.int64), -1)  # by cell, then group
    pairs, pair = np.unique(key[use], return_inverse=True)
    index = np.full(key.shape[0], -1, np.int64)
    index[use] = pair.reshape(-1)
    reg = result.registry
    change = accumulate_change(
        reg.start_hour, reg.end_hour, result.r0, result.r1, result.remove, result.move,
        rate, index, pairs.size,
    )  # fmt: skip
    return spread_days(change, pairs // n_groups, pairs % n_groups, rows, n_cells)
