"""The forecast contract on a Dataset: names, dims, hourly UTC time, HJ 633 units, sane values.

:func:`normalise` is what :func:`forecasts.read_forecast` applies to a file, offered for
datasets built in memory (a notebook's ``xr.open_dataset``): a model's own layout is mapped
first (:mod:`forecasts._layouts`), then every pollutant is converted explicitly to the units of
HJ 633 (µg m⁻³; CO mg m⁻³) — or refused — and its values checked (docs/rules.md §1.5):

* non-finite values (±Inf) are invalid data: they become missing (NaN), as a hole in the
  run does, so a region with too little valid area is degraded, never red;
* a time step missing over the whole grid, a negative value, or a value above the plausible
  bound of its pollutant (``engine/data/plausibility.toml``) refuses the data, naming the
  variable, the count and the first place.

Dask-backed (chunked) data stay lazy; the checks then compute reductions chunk by chunk, or,
with ``per_chunk=True`` (the chunked reader), run inside each block when it is computed.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
import xarray as xr

from engine.errors import ForecastError, PolicyError
from engine.units import TARGET_UNITS, conversion_factor
from forecasts._chunked import checked_per_chunk
from forecasts._layouts import Layout, apply_layout, detect_layout, get_layout

__all__ = ["OPTIONAL", "REQUIRED", "normalise", "plausibility_bounds"]

log = logging.getLogger(__name__)

REQUIRED = ("pm25", "o3")
"""Pollutants every forecast must carry."""
OPTIONAL = ("pm10", "no2", "so2", "co")
_SPATIAL_DIMS = (("lat", "lon"), ("y", "x"))
_ONE_HOUR = np.timedelta64(1, "h")
_PARTICLES = ("pm25", "pm10")
_MASS_MIXING = {"kg/kg", "kgkg-1", "kg kg-1", "kg kg**-1", "kg kg^-1"}
_PLAUSIBILITY_FILE = "engine/data/plausibility.toml"


@functools.cache
def plausibility_bounds() -> dict[str, float]:
    """Highest plausible cell-hour value of each pollutant [HJ 633 units], from
    ``engine/data/plausibility.toml`` (every key required; the units must be HJ 633's)."""
    text = resources.files("engine.data").joinpath("plausibility.toml").read_text("utf-8")
    table = tomllib.loads(text)
    out = {}
    for pollutant, entry in table.get("bounds", {}).items():
        missing = [k for k in ("max", "units", "certainty", "source") if k not in entry]
        if missing or pollutant not in TARGET_UNITS:
            raise PolicyError(
                f"{_PLAUSIBILITY_FILE}: bounds.{pollutant} is unknown or lacks {missing}"
            )
        if entry["units"] != TARGET_UNITS[pollutant]:
            raise PolicyError(
                f"{_PLAUSIBILITY_FILE}: bounds.{pollutant} is in {entry['units']!r}; give it "
                f"in {TARGET_UNITS[pollutant]!r}"
            )
        out[pollutant] = float(entry["max"])
    return out


def normalise(
    ds: xr.Dataset,
    *,
    layout: str | None = None,
    where: str = "dataset",
    per_chunk: bool = False,
) -> xr.Dataset:
    """Check ``ds`` against the forecast contract and convert it to HJ 633 units.

    Parameters
    ----------
    ds : xarray.Dataset
        Pollutants ``([member,] time, lat, lon)`` or ``([member,] time, y, x)`` with ``units``
        attributes and ``time`` in UTC — or a model's own file (CMAQ, WRF-Chem, CAMS; see
        ``forecasts/data/model_layouts.toml``), numpy- or dask-backed.
    layout : str, optional
        Model layout id (``cmaq``, ``wrf-chem``, ``cams``); default: detected from the
        variable names.
    where : str
        How messages name the data (e.g. ``forecast file data/x.nc``).
    per_chunk : bool
        Dask-backed data: defer the value checks (holes, negative, implausible, ±Inf) to each
        block, run when the data are computed (:mod:`forecasts._chunked`), instead of
        computing whole-array reductions now. Numpy-backed data are checked now either way.

    Returns
    -------
    xarray.Dataset
        ``pm25``, ``o3`` and the optional pollutants present [µg m⁻³; CO mg m⁻³], each with
        ``units``, ``units_conversion`` and ``source_units`` attributes; non-finite values
        replaced by NaN; the global attributes of ``ds``.

    Raises
    ------
    ForecastError
        A required variable, the ``time`` coordinate or a ``units`` attribute is missing;
        units are unknown; dims do not follow the contract; time is not hourly and
        increasing; a time step is missing over the whole grid; a value is negative or above
        its plausible bound.
    """
    chosen: Layout | None = get_layout(layout) if layout else None
    try:
        if chosen is None:
            chosen = detect_layout(ds)
        if chosen is not None:
            ds = apply_layout(ds, chosen)
            log.info("%s: read as %s (%s)", where, chosen.id, chosen.title)
    except ForecastError as error:
        raise ForecastError(f"{where} {error}") from None
    if "time" not in ds.coords:
        raise ForecastError(f"{where} has no 'time' coordinate")
    time = np.asarray(ds["time"].values)
    if not np.issubdtype(time.dtype, np.datetime64):
        raise ForecastError(f"{where}: 'time' is not decodable as CF datetimes (units missing?)")
    _check_hourly(time, where)
    bounds = plausibility_bounds()
    variables = {}
    for pollutant in (*REQUIRED, *OPTIONAL):
        if pollutant in ds.data_vars:
            variable = _in_standard_units(ds, pollutant, where)
            check = _checked
            if per_chunk and variable.chunks is not None:
                check = checked_per_chunk
            variables[pollutant] = check(variable, pollutant, bounds.get(pollutant), where)
    return xr.Dataset(variables, attrs=dict(ds.attrs))


def _check_hourly(time: np.ndarray, where: str) -> None:
    if time.size == 0:
        raise ForecastError(f"{where} has no time steps")
    steps = np.diff(time)
    bad = np.flatnonzero(steps != _ONE_HOUR)
    if bad.size:
        i = int(bad[0])
        raise ForecastError(
            f"{where}: time is not hourly and increasing: {iso(time[i])} is followed by "
            f"{iso(time[i + 1])} (a gap, a repeat or a reversal); hourly steps are required"
        )


def _in_standard_units(ds: xr.Dataset, pollutant: str, where: str) -> xr.DataArray:
    variable = ds[pollutant]
    dims = variable.dims
    if dims[-2:] not in _SPATIAL_DIMS or "time" not in dims:
        raise ForecastError(
            f"{where}: {pollutant} has dims {dims}; expected (time, lat, lon), "
            "(member, time, lat, lon) or (time, y, x)"
        )
    expected = ("member", "time") if "member" in dims else ("time",)
    if dims[:-2] != expected:
        raise ForecastError(
            f"{where}: {pollutant} has dims {dims}; leading dims must be {expected}"
        )
    units = str(variable.attrs.get("units", "")).strip()
    if not units:
        raise ForecastError(f"{where}: {pollutant} has no 'units' attribute")
    note_prefix = ""
    if pollutant in _PARTICLES and units.lower() in _MASS_MIXING:
        variable, units, note_prefix = _particles_from_mixing_ratio(ds, pollutant, units, where)
    try:
        factor, note = conversion_factor(units, pollutant)
    except ForecastError as error:
        raise ForecastError(f"{where}: {error}") from None
    data = variable.data
    if not np.issubdtype(variable.dtype, np.floating):
        data = data.astype(np.float64)
    if factor != 1.0:
        data = data * data.dtype.type(factor)
    attrs = {
        **{k: v for k, v in variable.attrs.items() if k not in ("units", "_FillValue")},
        "units": TARGET_UNITS[pollutant],
        "units_conversion": note_prefix + note,
        "source_units": str(ds[pollutant].attrs.get("units", "")).strip(),
    }
    return variable.copy(data=data).assign_attrs(attrs)


def _particles_from_mixing_ratio(
    ds: xr.Dataset, pollutant: str, units: str, where: str
) -> tuple[xr.DataArray, str, str]:
    """Particles as a mass mixing ratio [kg kg⁻¹] times the air density [kg m⁻³] → kg m⁻³.

    Particles are reported at actual conditions (docs/rules.md §1.5), so the model's own air
    density is needed; there is no reference-state shortcut as for gases.
    """
    if "air_density" not in ds.data_vars:
        raise ForecastError(
            f"{where}: {pollutant} is a mass mixing ratio ({units!r}); particles are reported "
            "at actual conditions, which needs the model's air density: add it as a variable "
            "'air_density' (or 'rho') [kg m-3] on the same grid, or convert to 'ug m-3' first"
        )
    density = ds["air_density"]
    density_units = str(density.attrs.get("units", "kg m-3")).replace(" ", "").lower()
    if density_units not in ("kgm-3", "kg/m3", "kgm**-3", "kgm^-3"):
        raise ForecastError(f"{where}: air_density is in {density_units!r}; expected kg m-3")
    converted = ds[pollutant] * density
    note = f"{units} x air_density [kg m-3] -> kg m-3 (model air density at actual conditions); "
    return converted.assign_attrs(ds[pollutant].attrs), "kg m-3", note


def _checked(
    variable: xr.DataArray, pollutant: str, bound: float | None, where: str
) -> xr.DataArray:
    """Non-finite values made missing; holes, negative and implausible values refused."""
    spatial = list(variable.dims[-2:])
    infinite = xr.apply_ufunc(np.isinf, variable, dask="allowed")
    count = int(infinite.sum().values)
    if count:
        log.warning(
            "%s: %s has %d non-finite value(s), first %s: treated as missing",
            where,
            pollutant,
            count,
            _first_place(infinite, variable),
        )
        variable = variable.where(~infinite)
    # A time step with no value anywhere is a hole in the run, not a clean-air hour.
    empty = variable.isnull().all(spatial)
    if bool(empty.any().values):
        raise ForecastError(
            f"{where}: {pollutant} is missing (NaN) over the whole grid at "
            f"{_first_place(empty, variable)}"
        )
    negative = variable < 0
    count = int(negative.sum().values)
    if count:
        raise ForecastError(
            f"{where}: {pollutant} has negative values ({count}, minimum "
            f"{float(variable.min().values):.3g} {TARGET_UNITS[pollutant]}, the first "
            f"{_first_place(negative, variable)}); concentrations must be ≥ 0"
        )
    if bound is not None:
        above = variable > bound
        count = int(above.sum().values)
        if count:
            raise ForecastError(
                f"{where}: {pollutant} has {count} value(s) above the plausible bound "
                f"{bound:g} {TARGET_UNITS[pollutant]} (engine/data/plausibility.toml), the first "
                f"{_first_place(above, variable)}; a corrupt file, a fill value or wrong units "
                f"(source units {variable.attrs.get('source_units')!r})"
            )
    return variable


def _first_place(mask: xr.DataArray, variable: xr.DataArray) -> str:
    """Where ``mask`` is first True: the value, the time [UTC], member and grid position."""
    flags = np.asarray(mask.values)
    index = tuple(int(i) for i in np.argwhere(flags)[0])
    at = {str(d): i for d, i in zip(mask.dims, index, strict=True)}
    parts = []
    if "time" in at:
        parts.append(f"at {iso(mask['time'].values[at['time']])}")
    if "member" in at:
        parts.append(f"member {at['member']}")
    grid = [str(d) for d in mask.dims if d not in ("time", "member")]
    if grid:
        parts.append(_grid_place(variable, {d: at[d] for d in grid}))
    if set(variable.dims) == set(mask.dims):
        value = variable.isel(at).values
        parts.insert(0, f"{float(value):.6g}")
    return " ".join(parts)


def _grid_place(variable: xr.DataArray, at: Mapping[str, int]) -> str:
    text = ", ".join(f"{d} {i}" for d, i in at.items())
    coords: dict[str, Any] = {}
    for name in ("lat", "lon"):
        if name in variable.coords:
            c = variable[name]
            try:
                coords[name] = float(c.isel({str(d): at[str(d)] for d in c.dims}).values)
            except (KeyError, ValueError):
                continue
    if coords:
        text += " (" + ", ".join(f"{k} {v:.4g}" for k, v in coords.items()) + ")"
    return f"cell {text}"


def iso(value: np.datetime64) -> str:
    """A UTC time as ``YYYY-MM-DDTHH:MMZ``."""
    return str(np.datetime_as_string(value, unit="m")) + "Z"
