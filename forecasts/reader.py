"""Reading and validating forecast files (the forecast contract of docs/design.md).

A forecast file is CF netCDF with variables ``pm25`` and ``o3`` (optional ``pm10``, ``no2``,
``so2``, ``co``), each with a ``units`` attribute, dims ``(time, lat, lon)`` or
``(member, time, lat, lon)`` — or ``(time, y, x)`` with 2-D ``lat``/``lon`` on a projected
grid — and ``time`` hourly in UTC. :func:`read_forecast` converts every pollutant to the units of
HJ 633 (µg/m³; CO mg/m³) explicitly, recording the conversion in each variable's attributes, and
raises :class:`~engine.errors.ForecastError` naming the file and the problem otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from pathlib import Path

import numpy as np
import xarray as xr

from engine.cst import CST_OFFSET
from engine.errors import ForecastError
from engine.response import ForecastIdentity
from engine.units import TARGET_UNITS, to_standard_units

__all__ = ["REQUIRED", "Forecast", "read_forecast", "touched_dates"]

log = logging.getLogger(__name__)

REQUIRED = ("pm25", "o3")
"""Pollutants every forecast file must carry."""
OPTIONAL = ("pm10", "no2", "so2", "co")
_SPATIAL_DIMS = (("lat", "lon"), ("y", "x"))
_ONE_HOUR = np.timedelta64(1, "h")


@dataclasses.dataclass(frozen=True)
class Forecast:
    """A validated forecast in HJ 633 units.

    Attributes
    ----------
    data : xarray.Dataset
        Pollutants ``(time, lat, lon)`` or ``(member, time, lat, lon)`` [µg m⁻³; CO mg m⁻³],
        ``time`` in UTC (naive ``datetime64[ns]``).
    id : str
        Forecast run identity: the ``forecast_id`` attribute, else ``model@issued``.
    model : str
        Model name (``model`` attribute), ``"unknown"`` if absent.
    issued : str
        Issue time, ISO 8601 UTC (``issued`` attribute), or ``""`` if absent.
    path : pathlib.Path
        File the forecast was read from.
    """

    data: xr.Dataset
    id: str
    model: str
    issued: str
    path: Path

    @property
    def pollutants(self) -> tuple[str, ...]:
        """Pollutants present, in house order."""
        return tuple(p for p in (*REQUIRED, *OPTIONAL) if p in self.data)

    @property
    def start(self) -> np.datetime64:
        """First forecast hour [UTC]."""
        return self.data["time"].values[0]

    @property
    def end(self) -> np.datetime64:
        """Last forecast hour [UTC]."""
        return self.data["time"].values[-1]

    def identity(self) -> ForecastIdentity:
        """The ``forecast`` of a response: the run's id and issue time."""
        return ForecastIdentity(self.id, self.issued)


def read_forecast(path: str | Path) -> Forecast:
    """Read, validate and normalise a forecast netCDF file.

    Parameters
    ----------
    path : str or pathlib.Path
        The netCDF file.

    Returns
    -------
    Forecast
        The forecast in memory, in µg/m³ (CO mg/m³), with its identity.

    Raises
    ------
    ForecastError
        The file is missing or unreadable, a required variable or a ``units`` attribute is
        missing, units are unknown, dims do not follow the contract, ``time`` is not hourly
        and strictly increasing, a time step is entirely missing (NaN block), or values are
        negative.
    """
    path = Path(path)
    if not path.is_file():
        raise ForecastError(f"forecast file {path} does not exist")
    try:
        with xr.open_dataset(path, engine="netcdf4") as opened:
            raw = opened.load()
    except Exception as error:  # netCDF4/HDF5 raise many unrelated types
        raise ForecastError(f"forecast file {path} cannot be read as netCDF: {error}") from error
    return _normalise(raw, path)


def _normalise(raw: xr.Dataset, path: Path) -> Forecast:
    where = f"forecast file {path}"
    missing = [p for p in REQUIRED if p not in raw]
    if missing:
        raise ForecastError(
            f"{where} lacks the variable(s) {', '.join(missing)}; it holds "
            f"{', '.join(map(str, raw.data_vars)) or 'no variables'}"
        )
    if "time" not in raw.coords:
        raise ForecastError(f"{where} has no 'time' coordinate")
    time = raw["time"].values
    if not np.issubdtype(time.dtype, np.datetime64):
        raise ForecastError(f"{where}: 'time' is not decodable as CF datetimes (units missing?)")
    _check_hourly(time, where)

    variables = {}
    for pollutant in (*REQUIRED, *OPTIONAL):
        if pollutant not in raw:
            continue
        variables[pollutant] = _convert(raw[pollutant], pollutant, where)
    data = xr.Dataset(variables, attrs=dict(raw.attrs))
    model = str(raw.attrs.get("model", "unknown"))
    issued = str(raw.attrs.get("issued", ""))
    forecast_id = str(raw.attrs.get("forecast_id", "")) or (
        f"{model}@{issued}" if issued else f"{path.name}#{_digest(path)}"
    )
    return Forecast(data=data, id=forecast_id, model=model, issued=issued, path=path)


def _check_hourly(time: np.ndarray, where: str) -> None:
    if time.size == 0:
        raise ForecastError(f"{where} has no time steps")
    steps = np.diff(time)
    bad = np.flatnonzero(steps != _ONE_HOUR)
    if bad.size:
        i = int(bad[0])
        raise ForecastError(
            f"{where}: time is not hourly and increasing: {_iso(time[i])} is followed by "
            f"{_iso(time[i + 1])} (a gap, a repeat or a reversal); hourly steps are required"
        )


def _convert(variable: xr.DataArray, pollutant: str, where: str) -> xr.DataArray:
    dims = variable.dims
    spatial = dims[-2:]
    if spatial not in _SPATIAL_DIMS or "time" not in dims:
        raise ForecastError(
            f"{where}: {pollutant} has dims {dims}; expected (time, lat, lon), "
            "(member, time, lat, lon) or (time, y, x)"
        )
    expected = ("member", "time") if "member" in dims else ("time",)
    if dims[:-2] != expected:
        raise ForecastError(
            f"{where}: {pollutant} has dims {dims}; leading dims must be {expected}"
        )
    units = variable.attrs.get("units")
    if not units:
        raise ForecastError(f"{where}: {pollutant} has no 'units' attribute")
    try:
        values, note = to_standard_units(variable.values, str(units), pollutant)
    except ForecastError as error:
        raise ForecastError(f"{where}: {error}") from error

    # A time step with no value anywhere is a hole in the run, not a clean-air hour.
    spatial_axes = tuple(range(values.ndim - 2, values.ndim))
    empty = np.isnan(values).all(axis=spatial_axes)
    if empty.any():
        index = np.argwhere(empty)[0]
        step = variable["time"].values[index[-1]]
        raise ForecastError(
            f"{where}: {pollutant} is missing (NaN) over the whole grid at {_iso(step)}"
            + (f" in member {int(index[0])}" if empty.ndim == 2 else "")
        )
    negative = np.nanmin(values) < 0
    if negative:
        at = np.unravel_index(np.nanargmin(values), values.shape)
        raise ForecastError(
            f"{where}: {pollutant} has negative values (minimum {np.nanmin(values):.3g} "
            f"{units} at index {tuple(int(i) for i in at)}); concentrations must be ≥ 0"
        )
    attrs = {
        "units": TARGET_UNITS[pollutant],
        "units_conversion": note,
        "source_units": str(units),
    }
    return variable.copy(data=values).assign_attrs(attrs)


def _iso(value: np.datetime64) -> str:
    return np.datetime_as_string(value, unit="m") + "Z"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def touched_dates(forecast: Forecast) -> tuple[dt.date, dt.date]:
    """First and last China Standard Time date touched by the forecast hours."""
    first = (forecast.start + CST_OFFSET).astype("datetime64[D]").item()
    last = (forecast.end + CST_OFFSET).astype("datetime64[D]").item()
    return first, last
