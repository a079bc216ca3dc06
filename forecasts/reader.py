"""Reading and validating forecast files (the forecast contract of docs/design.md).

A forecast file is CF netCDF with variables ``pm25`` and ``o3`` (optional ``pm10``, ``no2``,
``so2``, ``co``), each with a ``units`` attribute, dims ``(time, lat, lon)`` or
``(member, time, lat, lon)`` — or ``(time, y, x)`` with 2-D ``lat``/``lon`` on a projected
grid — and ``time`` hourly in UTC; or a model's own output as it comes (CMAQ, WRF-Chem, CAMS:
``forecasts/data/model_layouts.toml``). :func:`read_forecast` checks the size the file declares
against a memory budget before reading it, maps the model's layout, converts every pollutant
to the units of HJ 633 (µg/m³; CO mg/m³) explicitly and checks its values
(:func:`forecasts.normalise`), raising :class:`~engine.errors.ForecastError` naming the file
and the problem otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import re
from pathlib import Path

import numpy as np
import xarray as xr

from engine.cst import CST_OFFSET
from engine.errors import ForecastError
from engine.response import ForecastIdentity
from forecasts._layouts import POLLUTANTS, apply_layout, detect_layout, get_layout
from forecasts._normalise import OPTIONAL, REQUIRED, normalise

__all__ = [
    "DEFAULT_MAX_FORECAST_BYTES",
    "REQUIRED",
    "Forecast",
    "max_forecast_bytes",
    "read_forecast",
    "touched_dates",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_FORECAST_BYTES = 8 * 2**30
"""Memory budget of one forecast's pollutants as declared by the file [bytes] (8 GiB);
``LANTIAN_MAX_FORECAST_BYTES`` sets another (bytes, or with a suffix K, M, G, T: powers of
1024)."""
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


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


def max_forecast_bytes() -> int:
    """The memory budget of :func:`read_forecast` [bytes] (``LANTIAN_MAX_FORECAST_BYTES``)."""
    text = os.environ.get("LANTIAN_MAX_FORECAST_BYTES", "").strip()
    if not text:
        return DEFAULT_MAX_FORECAST_BYTES
    match = _SIZE.match(text)
    if not match:
        raise ForecastError(
            f"LANTIAN_MAX_FORECAST_BYTES={text!r} is not a size; give bytes, e.g. 8589934592 or 8G"
        )
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * 1024 ** "kmgt".find(unit) * 1024) if unit else int(number)


def read_forecast(path: str | Path, *, layout: str | None = None) -> Forecast:
    """Read, validate and normalise a forecast netCDF file.

    Parameters
    ----------
    path : str or pathlib.Path
        The netCDF file.
    layout : str, optional
        Model layout id (``cmaq``, ``wrf-chem``, ``cams``); default: detected from the
        variable names (none for a file in Lantian's contract).

    Returns
    -------
    Forecast
        The forecast in memory, in µg/m³ (CO mg/m³), with its identity.

    Raises
    ------
    ForecastError
        The file is missing or unreadable; the pollutants it declares exceed the memory budget
        (:func:`max_forecast_bytes`); or it breaks the forecast contract (see
        :func:`forecasts.normalise`).
    """
    path = Path(path)
    where = f"forecast file {path}"
    if not path.is_file():
        raise ForecastError(f"forecast file {path} does not exist")
    try:
        opened = xr.open_dataset(path, engine="netcdf4")
    except Exception as error:  # netCDF4/HDF5 raise many unrelated types
        raise ForecastError(f"forecast file {path} cannot be read as netCDF: {error}") from error
    with opened:
        try:
            chosen = get_layout(layout) if layout else detect_layout(opened)
            # Only the pollutants (at the surface) are read: a wrfout or CMAQ file holds more.
            lazy = apply_layout(opened, chosen) if chosen else _pollutants(opened)
        except ForecastError as error:
            raise ForecastError(f"{where} {error}") from None
        _check_budget(lazy, where)
        try:
            raw = lazy.load()
        except Exception as error:  # a truncated or corrupt variable
            raise ForecastError(f"{where} cannot be read: {error}") from error
    data = normalise(raw, where=where)
    model = str(raw.attrs.get("model", "unknown"))
    issued = str(raw.attrs.get("issued", ""))
    forecast_id = str(raw.attrs.get("forecast_id", "")) or (
        f"{model}@{issued}" if issued else f"{path.name}#{_digest(path)}"
    )
    return Forecast(data=data, id=forecast_id, model=model, issued=issued, path=path)


def _pollutants(opened: xr.Dataset) -> xr.Dataset:
    """The pollutant variables of a file in the contract, with the file's attributes."""
    return opened[[p for p in POLLUTANTS if p in opened.data_vars]]


def _check_budget(lazy: xr.Dataset, where: str) -> None:
    """Refuse data declaring more bytes than the budget, before any is read."""
    budget = max_forecast_bytes()
    declared = sum(int(v.size) * v.dtype.itemsize for v in lazy.variables.values())
    if declared > budget:
        sizes = ", ".join(f"{n} {tuple(lazy[n].shape)}" for n in lazy.data_vars)
        raise ForecastError(
            f"{where} declares {declared / 2**30:.3g} GiB of data ({sizes}), more than the "
            f"memory budget of {budget / 2**30:.3g} GiB; check the file, or raise "
            "LANTIAN_MAX_FORECAST_BYTES if it is genuine"
        )


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
