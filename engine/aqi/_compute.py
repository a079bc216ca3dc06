"""IAQI and daily AQI computed exactly under a standard (see :mod:`engine.aqi`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import xarray as xr

from engine.aqi._standards import (
    _FLAG_TEXT,
    _KEY_ALIASES,
    _SPECIES,
    AQI_MISSING,
    DAILY_KEYS,
    MISSING,
    Category,
    Standard,
    _column,
    _data,
    categories,
    category,
    get_standard,
    species_of,
    standard_for,
)
from engine.errors import PolicyError
from engine.kernels import aqi as _kernel


def iaqi_with_flags(
    pollutant: str,
    concentration: Any,
    standard: str | dt.date | Standard,
    *,
    above_top: Literal["cap", "missing"] = "cap",
) -> tuple[np.ndarray, np.ndarray]:
    """IAQI and the reason codes of :mod:`engine.kernels.aqi` (``FLAG_*``), as arrays.

    Same parameters as :func:`iaqi`; returns ``(iaqi int32, flags int8)`` of the input's shape.
    """
    std = get_standard(standard)
    bp, lv, scale, over = _column(pollutant, std)
    if above_top not in ("cap", "missing"):
        raise PolicyError(f"above_top must be 'cap' or 'missing', got {above_top!r}")
    top_value = int(_data()["above_top"]["iaqi"]) if above_top == "cap" else MISSING
    values = np.asarray(concentration)
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float32 if values.dtype == np.float16 else np.float64)
    flat = np.ascontiguousarray(values).reshape(-1)
    out = np.empty(flat.shape, np.int32)
    flags = np.empty(flat.shape, np.int8)
    _kernel.iaqi(flat, bp, lv, scale, over, top_value, out, flags)
    return out.reshape(values.shape), flags.reshape(values.shape)


def iaqi(
    pollutant: str,
    concentration: Any,
    standard: str | dt.date | Standard,
    *,
    above_top: Literal["cap", "missing"] = "cap",
    not_computed: Literal["missing", "raise"] = "missing",
) -> Any:
    """Individual AQI of one pollutant: the exact value, rounded up (HJ 633 §5).

    Parameters
    ----------
    pollutant : str
        Pollutant id, e.g. ``"pm25_24h"``, ``"o3_8h"`` (see :data:`POLLUTANT_IDS`).
    concentration : float or array_like
        Concentration [µg m⁻³; CO mg m⁻³]; float32 or float64, any shape.
    standard : str or datetime.date
        Standard id (``"HJ633-2012"``, ``"HJ633-2026"``) or a date (the standard in force).
        Under HJ633-2026 the input is first rounded by GB/T 8170 (integer; CO one decimal;
        half to even only at an exact half of the float's exact value).
    above_top : {"cap", "missing"}
        A value above the top breakpoint of a column without a rule in the standard
        (docs/rules.md §1.1 [?]): IAQI 500 (default) or :data:`MISSING`. Use
        :func:`iaqi_with_flags` to see which values were capped.
    not_computed : {"missing", "raise"}
        HJ633-2012 SO2 1h > 800 and O3 8h > 800 have no IAQI (use the 24-h / 1-h value):
        return :data:`MISSING` (default) or raise :class:`~engine.errors.PolicyError`.

    Returns
    -------
    int or numpy.ndarray of int32 or xarray.DataArray
        IAQI [1]; :data:`MISSING` (-1) for NaN, negative or not-computed input. A DataArray
        input gives a DataArray with its dims and coordinates.
    """
    out, flags = iaqi_with_flags(pollutant, concentration, standard, above_top=above_top)
    if not_computed == "raise" and np.any(flags == _kernel.FLAG_NOT_COMPUTED):
        std = get_standard(standard)
        rule = std.over_range[pollutant]
        top = std.breakpoints[pollutant][-1]
        raise PolicyError(
            f"{pollutant} above {top} has no IAQI under {std.id}; use {rule[1]} instead"
        )
    if isinstance(concentration, xr.DataArray):
        return concentration.copy(data=out).assign_attrs(
            {
                "long_name": f"IAQI of {pollutant}",
                "units": "1",
                "aqi_standard": get_standard(standard).id,
                "missing_value": MISSING,
            }
        )
    if np.ndim(concentration) == 0 and not isinstance(concentration, np.ndarray):
        return int(out.reshape(()))
    return out


@dataclasses.dataclass(frozen=True)
class DailyAQI:
    """Daily AQI of one place and day.

    Attributes
    ----------
    aqi : int
        AQI [1]; :data:`AQI_MISSING` (-1) when no pollutant has an IAQI.
    iaqi : dict of str to int
        IAQI per pollutant id entering the daily AQI under ``standard`` and given in the
        input [1]; :data:`MISSING` for a missing or not-computed value.
    primary_pollutants : tuple of str
        Pollutant names (``pm25``, ``o3``, …) whose IAQI equals the AQI, ties all listed; empty
        when AQI <= 50 or missing.
    category : Category or None
        ``None`` when the AQI is missing.
    standard : str
        Standard id used.
    notes : dict of str to str
        Per pollutant id, why its IAQI is special (missing, over-range, capped at 500).
    non_attainment : tuple of str
        HJ633-2012 only: pollutant names with an IAQI above 100 (超标污染物); the 2026 text
        drops the term, so always empty under HJ633-2026.
    """

    aqi: int
    iaqi: dict[str, int]
    primary_pollutants: tuple[str, ...]
    category: Category | None
    standard: str
    notes: dict[str, str] = dataclasses.field(default_factory=dict)
    non_attainment: tuple[str, ...] = ()


def daily_aqi(
    values: Mapping[str, float],
    standard: str | dt.date | Standard,
    *,
    above_top: Literal["cap", "missing"] = "cap",
) -> DailyAQI:
    """Daily AQI from a day's statistics (HJ 633 §4–5).

    Parameters
    ----------
    values : mapping
        Any subset of ``pm25``, ``pm10``, ``so2``, ``no2``, ``co`` (daily means), ``o3_mda8``
        (MDA8) and ``o3_1h`` (daily max 1-h; enters under HJ633-2012 only) [µg m⁻³; CO
        mg m⁻³]. Pollutant ids (``pm25_24h``, ``o3_8h``) are accepted as keys too. NaN or
        ``None`` values are skipped.
    standard : str or datetime.date
        Standard id, or the day (its standard in force).
    above_top : {"cap", "missing"}
        See :func:`iaqi`.

    Returns
    -------
    DailyAQI
        Under HJ633-2012, O3 8h > 800 has no IAQI and the O3 1h IAQI (which enters the daily
        AQI under 2012) stands for O3; under HJ633-2026, O3 8h > 800 gives 300 and the O3 1h
        value is ignored.
    """
    std = get_standard(standard)
    iaqis: dict[str, int] = {}
    notes: dict[str, str] = {}
    for key, value in values.items():
        name = _KEY_ALIASES.get(key, key)
        if name not in DAILY_KEYS:
            raise PolicyError(
                f"unknown daily statistic {key!r}; expected one of {', '.join(DAILY_KEYS)}"
            )
        pid = DAILY_KEYS[name]
        if pid not in std.daily:
            continue
        number = np.nan if value is None else float(value)
        result, flag = iaqi_with_flags(pid, np.float64(number), std, above_top=above_top)
        iaqis[pid] = int(result)
        if int(flag) != _kernel.FLAG_OK:
            notes[pid] = _FLAG_TEXT[int(flag)]
    if (
        notes.get("o3_8h") == _FLAG_TEXT[_kernel.FLAG_NOT_COMPUTED]
        and iaqis.get("o3_1h", MISSING) == MISSING
    ):
        notes["o3_8h"] += "; the O3 1h value it falls back to is missing"
    present = [v for v in iaqis.values() if v >= 0]
    if not present:
        return DailyAQI(AQI_MISSING, iaqis, (), None, std.id, notes)
    aqi_value = min(max(max(present), std.aqi_min), std.aqi_max)
    primary: tuple[str, ...] = ()
    if aqi_value > 50:
        winners = {species_of(pid) for pid, v in iaqis.items() if v == aqi_value}
        primary = tuple(s for s in _SPECIES if s in winners)
    exceeding: tuple[str, ...] = ()
    if std.non_attainment_above is not None:
        over = {species_of(pid) for pid, v in iaqis.items() if v > std.non_attainment_above}
        exceeding = tuple(s for s in _SPECIES if s in over)
    return DailyAQI(aqi_value, iaqis, primary, category(aqi_value), std.id, notes, exceeding)


def daily_aqi_dataset(
    daily: xr.Dataset,
    standard: str | None = None,
    *,
    above_top: Literal["cap", "missing"] = "cap",
) -> xr.Dataset:
    """Daily AQI of every element of a dataset of daily statistics.

    Parameters
    ----------
    daily : xarray.Dataset
        Output of :func:`engine.daily.daily_statistics`: any of ``pm25``, ``pm10``, ``so2``,
        ``no2``, ``co``, ``o3_mda8``, ``o3_1h`` with a ``date`` dim [µg m⁻³; CO mg m⁻³].
    standard : str, optional
        Standard id for every date; default: :func:`standard_for` of each date.
    above_top : {"cap", "missing"}
        See :func:`iaqi`.

    Returns
    -------
    xarray.Dataset
        Same dims as the inputs (``(..., date)``): ``aqi`` int32 (-1: no data), ``category``
        int8 (1–6; 0: no data), ``iaqi_<pollutant id>`` int32 for each statistic present (-1:
        missing, not computed, or — ``iaqi_o3_1h`` on HJ633-2026 dates — not part of the daily
        AQI), ``primary_<pollutant>`` bool (all False when AQI <= 50), ``above_top`` bool (some
        IAQI was set by the undefined-over-range rule), and a ``standard`` coordinate along
        ``date``.
    """
    if "date" not in daily.dims:
        raise PolicyError(f"daily statistics need a 'date' dim, got dims {tuple(daily.dims)}")
    keys = [k for k in DAILY_KEYS if k in daily.data_vars]
    dates = daily["date"].values
    if standard is not None:
        ids = np.array([get_standard(standard).id] * len(dates), dtype=object)
    else:
        ids = np.array([standard_for(d) for d in dates], dtype=object)
    if keys:
        arrays = xr.broadcast(*[daily[k] for k in keys])
        dims = arrays[0].dims
        data = {k: a.transpose(*dims).values for k, a in zip(keys, arrays, strict=True)}
        coords = arrays[0].coords
    else:
        dims, data, coords = ("date",), {}, daily["date"].coords
    shape = tuple(daily.sizes[d] for d in dims)
    axis = dims.index("date")
    iaqis = {DAILY_KEYS[k]: np.full(shape, MISSING, np.int32) for k in keys}
    above = np.zeros(shape, bool)
    aqi_min = np.zeros(len(dates), np.int32)
    for sid in dict.fromkeys(ids):
        std = get_standard(sid)
        sel = np.flatnonzero(ids == sid)
        index = (slice(None),) * axis + (sel,)
        aqi_min[sel] = std.aqi_min
        for key in keys:
            pid = DAILY_KEYS[key]
            if pid not in std.daily:
                continue
            out, flags = iaqi_with_flags(pid, data[key][index], std, above_top=above_top)
            iaqis[pid][index] = out
            above[index] |= flags == _kernel.FLAG_ABOVE_TOP
    if iaqis:
        aqi = np.max(np.stack(list(iaqis.values())), axis=0)
    else:
        aqi = np.full(shape, AQI_MISSING, np.int32)
    floor = aqi_min.reshape((-1,) + (1,) * (len(shape) - axis - 1))
    aqi = np.where(aqi >= 0, np.maximum(aqi, floor), AQI_MISSING).astype(np.int32)
    uppers = np.array([c.upper for c in categories()])
    level = np.minimum(np.searchsorted(uppers, aqi, side="left") + 1, len(uppers))
    level = np.where(aqi >= 0, level, 0).astype(np.int8)
    out_vars: dict[str, Any] = {
        "aqi": (
            dims,
            aqi,
            {
                "long_name": "daily air quality index",
                "units": "1",
                "missing_value": AQI_MISSING,
                "comment": "HJ 633; -1 where no pollutant has an IAQI",
            },
        ),
        "category": (
            dims,
            level,
            {
                "long_name": "AQI category level (HJ 633 Table 2)",
                "units": "1",
                "flag_values": "1 2 3 4 5 6",
                "flag_meanings": "excellent good lightly_polluted "
                "moderately_polluted heavily_polluted severely_polluted",
                "comment": "0 where the AQI is missing",
            },
        ),
    }
    for pid, values in iaqis.items():
        attrs = {"long_name": f"individual AQI of {pid}", "units": "1", "missing_value": MISSING}
        if pid == "o3_1h":
            attrs["comment"] = "enters the daily AQI under HJ633-2012 only; -1 on other dates"
        out_vars[f"iaqi_{pid}"] = (dims, values, attrs)
    for species in _SPECIES:
        pids = [pid for pid in iaqis if species_of(pid) == species]
        if not pids:
            continue
        hit = np.zeros(shape, bool)
        for pid in pids:
            hit |= iaqis[pid] == aqi
        out_vars[f"primary_{species}"] = (
            dims,
            hit & (aqi > 50),
            {"long_name": f"{species} is a primary pollutant (首要污染物)", "units": "1"},
        )
    out_vars["above_top"] = (
        dims,
        above,
        {
            "long_name": "some value above the top breakpoint, IAQI by the undefined-range rule",
            "comment": f"docs/rules.md §1.1 [?]: above_top={above_top!r}",
        },
    )
    result = xr.Dataset(out_vars, coords={k: v for k, v in coords.items()})
    result = result.assign_coords(standard=("date", ids.astype(str)))
    result.attrs.update(
        {"aqi_standards": ", ".join(dict.fromkeys(ids)), "aqi_missing_value": AQI_MISSING}
    )
    return result
