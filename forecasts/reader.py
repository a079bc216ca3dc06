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

By default the file is read whole into memory. ``read_forecast(path, chunks={"time": 24,
"member": 1})`` opens it lazily with dask instead (a national ensemble larger than memory,
``lantian levels --workers N``; docs/distributed.md): nothing is read until the pipeline
computes, the value checks run in each chunk then (:mod:`forecasts._chunked`), and the memory
budget bounds one chunk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from engine.cst import CST_OFFSET
from engine.errors import ForecastError
from engine.response import ForecastIdentity
from forecasts._layouts import POLLUTANTS, Layout, apply_layout, detect_layout, get_layout
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


def read_forecast(
    path: str | Path,
    *,
    layout: str | None = None,
    chunks: Mapping[str, int] | None = None,
) -> Forecast:
    """Read, validate and normalise a forecast netCDF file.

    Parameters
    ----------
    path : str or pathlib.Path
        The netCDF file.
    layout : str, optional
        Model layout id (``cmaq``, ``wrf-chem``, ``cams``); default: detected from the
        variable names (none for a file in Lantian's contract).
    chunks : mapping of str to int, optional
        Open lazily with dask instead of loading the file: chunk sizes along ``time`` [h] and
        ``member`` (the contract's names, for a model's own layout too; the grid is always
        one chunk and a model's vertical levels one level per chunk). The value checks then
        run in each chunk when it is computed, and a bad chunk raises naming its variable
        and time range (:mod:`forecasts._chunked`); the memory budget applies to one chunk.
        Default: the whole file in memory.

    Returns
    -------
    Forecast
        The forecast in µg/m³ (CO mg/m³), with its identity: in memory, or dask-backed with
        ``chunks`` (the file then stays open while the forecast is used).

    Raises
    ------
    ForecastError
        The file is missing or unreadable; the pollutants it declares (with ``chunks``: one
        chunk of them) exceed the memory budget (:func:`max_forecast_bytes`); or it breaks
        the forecast contract (see :func:`forecasts.normalise`).
    """
    path = Path(path)
    where = f"forecast file {path}"
    if not path.is_file():
        raise ForecastError(f"forecast file {path} does not exist")
    if chunks is not None:
        return _read_chunked(path, layout, chunks, where)
    opened = _open(path)
    with opened:
        lazy = _mapped(opened, layout, where)
        _check_budget(lazy, where)
        try:
            raw = lazy.load()
        except Exception as error:  # a truncated or corrupt variable
            raise ForecastError(f"{where} cannot be read: {error}") from error
    return _forecast(normalise(raw, where=where), raw.attrs, path)


def _open(path: Path, chunks: Mapping[str, int] | None = None) -> xr.Dataset:
    try:
        with warnings.catch_warnings():  # asked-for chunks may cut the file's own: not news
            warnings.filterwarnings("ignore", "The specified chunks separate", UserWarning)
            return xr.open_dataset(path, engine="netcdf4", chunks=chunks)
    except Exception as error:  # netCDF4/HDF5 raise many unrelated types
        raise ForecastError(f"forecast file {path} cannot be read as netCDF: {error}") from error


def _mapped(opened: xr.Dataset, layout: str | None, where: str) -> xr.Dataset:
    """The pollutants in the contract's names (a model layout mapped), still unread."""
    try:
        chosen = get_layout(layout) if layout else detect_layout(opened)
        # Only the pollutants (at the surface) are read: a wrfout or CMAQ file holds more.
        return apply_layout(opened, chosen) if chosen else _pollutants(opened)
    except ForecastError as error:
        raise ForecastError(f"{where} {error}") from None


def _forecast(data: xr.Dataset, attrs: Mapping[str, Any], path: Path) -> Forecast:
    model = str(attrs.get("model", "unknown"))
    issued = str(attrs.get("issued", ""))
    forecast_id = str(attrs.get("forecast_id", "")) or (
        f"{model}@{issued}" if issued else f"{path.name}#{_digest(path)}"
    )
    return Forecast(data=data, id=forecast_id, model=model, issued=issued, path=path)


def _read_chunked(
    path: Path, layout: str | None, chunks: Mapping[str, int], where: str
) -> Forecast:
    """:func:`read_forecast` with ``chunks``: dask-backed, checked per chunk when computed."""
    unknown = sorted(set(chunks) - {"time", "member"})
    if unknown or any(int(n) < 1 for n in chunks.values()):
        raise ForecastError(
            f"chunks {dict(chunks)} for {where}: give positive sizes along 'time' and 'member' "
            "only (the grid is one chunk)"
        )
    with _open(path) as probe:  # metadata only: which dims the file calls time, levels, grid
        chosen = get_layout(layout) if layout else _detected(probe, where)
        names: dict[str, tuple[str, ...]] = {"time": ("time",), "member": ("member",)}
        levels: tuple[str, ...] = ()
        if chosen is not None:
            names["time"] = chosen.time_names
            levels = chosen.level_names
        on_disk: dict[str, int] = {}
        for name in map(str, probe.dims):
            on_disk[name] = 1 if name in levels else -1
        for key, size in chunks.items():
            for name in names[key]:
                if name in on_disk:
                    on_disk[name] = int(size)
    opened = _open(path, on_disk)
    lazy = _mapped(opened, layout, where)
    lazy = lazy.chunk({d: -1 for d in lazy.dims if d not in ("time", "member")})
    _check_budget(lazy, where, per_chunk=True)
    data = normalise(lazy, where=where, per_chunk=True)
    log.info("%s opened lazily in chunks %s", where, dict(data.chunks))
    return _forecast(data, lazy.attrs, path)


def _detected(probe: xr.Dataset, where: str) -> Layout | None:
    try:
        return detect_layout(probe)
    except ForecastError as error:
        raise ForecastError(f"{where} {error}") from None


def _pollutants(opened: xr.Dataset) -> xr.Dataset:
    """The pollutant variables of a file in the contract, with the file's attributes."""
    return opened[[p for p in POLLUTANTS if p in opened.data_vars]]


def _check_budget(lazy: xr.Dataset, where: str, *, per_chunk: bool = False) -> None:
    """Refuse data declaring more bytes than the budget, before any is read.

    ``per_chunk``: the budget bounds the largest chunk of any variable (what one task holds),
    not the file, which a chunked read never holds whole.
    """
    budget = max_forecast_bytes()
    if per_chunk:
        chunk = {
            str(n): int(np.prod([max(c) for c in v.chunks])) * v.dtype.itemsize
            for n, v in lazy.data_vars.items()
            if v.chunks
        }
        name = max(chunk, key=chunk.__getitem__, default=None)
        if name is not None and chunk[name] > budget:
            raise ForecastError(
                f"{where}: one chunk of {name} holds {chunk[name] / 2**30:.3g} GiB "
                f"(chunks {dict(lazy.chunks)}), more than the memory budget of "
                f"{budget / 2**30:.3g} GiB; give fewer hours or members per chunk, or raise "
                "LANTIAN_MAX_FORECAST_BYTES"
            )
        return
    declared = sum(int(v.size) * v.dtype.itemsize for v in lazy.variables.values())
    if declared > budget:
        sizes = ", ".join(f"{n} {tuple(lazy[n].shape)}" for n in lazy.data_vars)
        raise ForecastError(
            f"{where} declares {declared / 2**30:.3g} GiB of data ({sizes}), more than the "
            f"memory budget of {budget / 2**30:.3g} GiB; check the file, or raise "
            "LANTIAN_MAX_FORECAST_BYTES if it is genuine, or read it in chunks "
            "(read_forecast(path, chunks=...); lantian levels --workers N)"
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
