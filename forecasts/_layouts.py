"""Model output as it comes: CMAQ, WRF-Chem and CAMS files mapped onto the forecast contract.

The mapping is data, ``forecasts/data/model_layouts.toml`` (names, dimensions, time, units of
each model; docs/forecasts.md). :func:`apply_layout` renames the pollutants to ``pm25``,
``o3``, …, takes the surface level, decodes the model's time to ``time`` (UTC), names the grid
dimensions ``lat``/``lon`` or ``y``/``x`` and fills a missing ``units`` attribute from the
layout. It works on lazily opened files (nothing is read but time and coordinates) and on
in-memory datasets alike; unit conversion and the contract checks follow in
:mod:`forecasts._normalise`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np
import xarray as xr

from engine.errors import ForecastError, PolicyError

__all__ = ["Layout", "apply_layout", "detect_layout", "get_layout", "layouts"]

POLLUTANTS = ("pm25", "o3", "pm10", "no2", "so2", "co")
REQUIRED = ("pm25", "o3")
_FILE = "forecasts/data/model_layouts.toml"
_SURFACES = ("first", "last", "max")
_TIMES = ("cf", "tflag", "wrf")


@dataclasses.dataclass(frozen=True)
class Layout:
    """One model's conventions (see ``forecasts/data/model_layouts.toml`` for each key)."""

    id: str
    title: str
    source: str
    time: str
    time_names: tuple[str, ...]
    variables: Mapping[str, tuple[tuple[str, ...], str]]  # pollutant -> (names, units)
    level_names: tuple[str, ...] = ()
    surface: str = "first"
    y_names: tuple[str, ...] = ()
    x_names: tuple[str, ...] = ()
    lat_names: tuple[str, ...] = ()
    lon_names: tuple[str, ...] = ()
    air_density_names: tuple[str, ...] = ()

    def found(self, ds: xr.Dataset, pollutant: str) -> str | None:
        """The name ``pollutant`` has in ``ds`` under this layout, if any."""
        names = self.variables.get(pollutant, ((), ""))[0]
        return next((n for n in names if n in ds.data_vars), None)


def _required(table: Mapping[str, Any], key: str, where: str) -> Any:
    try:
        return table[key]
    except KeyError:
        raise PolicyError(f"{_FILE}: {where} lacks the required key {key!r}") from None


@functools.cache
def layouts() -> dict[str, Layout]:
    """Every layout of ``forecasts/data/model_layouts.toml`` by id, in file order."""
    text = resources.files("forecasts.data").joinpath("model_layouts.toml").read_text("utf-8")
    out = {}
    for entry in tomllib.loads(text)["layout"]:
        where = f"layout {entry.get('id', '?')!r}"
        variables = {}
        for pollutant, spec in _required(entry, "variables", where).items():
            if pollutant not in POLLUTANTS:
                raise PolicyError(f"{_FILE}: {where} maps an unknown pollutant {pollutant!r}")
            here = f"{where} variable {pollutant}"
            names = _required(spec, "names", here)
            variables[pollutant] = (tuple(names), str(_required(spec, "units", here)))
        layout = Layout(
            id=_required(entry, "id", where),
            title=_required(entry, "title", where),
            source=_required(entry, "source", where),
            time=_required(entry, "time", where),
            time_names=tuple(_required(entry, "time_names", where)),
            variables=variables,
            level_names=tuple(entry.get("level_names", ())),
            surface=entry.get("surface", "first"),
            y_names=tuple(entry.get("y_names", ())),
            x_names=tuple(entry.get("x_names", ())),
            lat_names=tuple(entry.get("lat_names", ())),
            lon_names=tuple(entry.get("lon_names", ())),
            air_density_names=tuple(entry.get("air_density_names", ())),
        )
        if layout.time not in _TIMES or layout.surface not in _SURFACES:
            raise PolicyError(
                f"{_FILE}: {where}: time must be one of {_TIMES} and surface one of {_SURFACES}"
            )
        out[layout.id] = layout
    return out


def get_layout(layout_id: str) -> Layout:
    """The layout named ``layout_id``; :class:`PolicyError` naming the known ones if none."""
    try:
        return layouts()[layout_id]
    except KeyError:
        raise PolicyError(
            f"unknown model layout {layout_id!r}; known: {', '.join(layouts())}"
        ) from None


def detect_layout(ds: xr.Dataset) -> Layout | None:
    """The layout of ``ds``: None for a file in the contract, else the first whose names of
    ``pm25`` and ``o3`` are both present.

    Raises
    ------
    ForecastError
        No layout fits: the message names what the file holds and, when one layout's names
        are half there, what is missing for it.
    """
    if all(p in ds.data_vars for p in REQUIRED):
        return None
    partial = []
    for layout in layouts().values():
        found = {p: layout.found(ds, p) for p in REQUIRED}
        if all(found.values()):
            return layout
        if any(found.values()):
            missing = [
                f"{p} ({' or '.join(layout.variables[p][0])})" for p, n in found.items() if not n
            ]
            partial.append(f"as {layout.id} it lacks {', '.join(missing)}")
    held = ", ".join(map(str, ds.data_vars)) or "no variables"
    hint = f" ({'; '.join(partial)})" if partial else ""
    raise ForecastError(
        f"lacks the variable(s) {', '.join(p for p in REQUIRED if p not in ds.data_vars)} and "
        f"matches no model layout{hint}; it holds {held}. Name them pm25 and o3 or write the "
        f"file as one of: {', '.join(f'{k} ({v.title})' for k, v in layouts().items())}"
    )


def apply_layout(ds: xr.Dataset, layout: Layout) -> xr.Dataset:
    """``ds`` in the forecast contract's names: pollutants, surface level, ``time``, grid dims.

    Returns a Dataset of the pollutants found (dims ``(time, lat, lon)`` or ``(time, y, x)``,
    lazily indexed when ``ds`` is), each with a ``units`` attribute and ``source_variable``,
    with ``ds``'s global attributes (projection parameters included) and ``source_layout``.
    """
    time = _times(ds, layout)
    variables: dict[str, xr.DataArray] = {}
    for pollutant in POLLUTANTS:
        name = layout.found(ds, pollutant)
        if name is None:
            continue
        variable = _squeezed(_surface(ds[name], layout, name), keep=_kept_dims(layout))
        units = str(variable.attrs.get("units", "")).strip() or layout.variables[pollutant][1]
        variables[pollutant] = variable.assign_attrs(units=units, source_variable=name)
    density = _air_density(ds, layout)
    out = xr.Dataset(variables)
    out = _rename_dims(out, ds, layout)
    if density is not None:
        density = _squeezed(_surface(density, layout, str(density.name)), _kept_dims(layout))
        out["air_density"] = _rename_dims(density, ds, layout)
    out = out.assign_coords(time=("time", time))
    out = _grid_coordinates(out, ds, layout)
    out.attrs = {**ds.attrs, "source_layout": layout.id}
    return out


def _kept_dims(layout: Layout) -> tuple[str, ...]:
    """Dimensions a pollutant keeps; others of length 1 (CAMS forecast_reference_time) go."""
    return (
        "member",
        *layout.time_names,
        *layout.y_names,
        *layout.x_names,
        *layout.lat_names,
        *layout.lon_names,
    )


def _squeezed(variable: xr.DataArray, keep: Sequence[str]) -> xr.DataArray:
    single = [d for d in variable.dims if variable.sizes[d] == 1 and d not in keep]
    return variable.isel(dict.fromkeys(single, 0), drop=True) if single else variable


def _dim(ds: xr.Dataset, names: Sequence[str]) -> str | None:
    return next((n for n in names if n in ds.dims), None)


def _surface(variable: xr.DataArray, layout: Layout, name: str) -> xr.DataArray:
    """The ground level of ``variable`` (a variable without a level dim is returned as is)."""
    level = next((d for d in layout.level_names if d in variable.dims), None)
    if level is None:
        return variable
    if layout.surface == "first":
        index = 0
    elif layout.surface == "last":
        index = variable.sizes[level] - 1
    else:
        if level not in variable.coords:
            raise ForecastError(
                f"{name} has a {level} dimension without coordinate values: cannot tell which "
                "level is the ground; select the surface level before reading"
            )
        index = int(np.argmax(np.asarray(variable[level].values, dtype=np.float64)))
    return variable.isel({level: index}, drop=True)


def _rename_dims(obj: Any, ds: xr.Dataset, layout: Layout) -> Any:
    mapping = {}
    for names, target in (
        (layout.time_names, "time"),
        (layout.y_names, "y"),
        (layout.x_names, "x"),
        (layout.lat_names, "lat"),
        (layout.lon_names, "lon"),
    ):
        dim = next((n for n in names if n in obj.dims), None)
        if dim is not None and dim != target:
            mapping[dim] = target
    obj = obj.drop_vars([c for c in obj.coords if c not in obj.dims], errors="ignore")
    return obj.rename(mapping) if mapping else obj


def _grid_coordinates(out: xr.Dataset, ds: xr.Dataset, layout: Layout) -> xr.Dataset:
    """1-D lat/lon as the grid's coordinates; 2-D ones (WRF XLAT/XLONG) as ``lat``/``lon``."""
    coords: dict[str, tuple[Any, np.ndarray]] = {}
    for names, target in ((layout.lat_names, "lat"), (layout.lon_names, "lon")):
        name = next((n for n in names if n in ds.variables), None)
        if name is None:
            continue
        values = ds[name]
        while values.ndim > 2:  # WRF repeats XLAT for every Time step
            values = values.isel({values.dims[0]: 0}, drop=True)
        if values.ndim == 1 and target in out.dims:
            coords[target] = (target, np.asarray(values.values))
        elif values.ndim == 2 and {"y", "x"} <= set(out.dims):
            coords[target] = (("y", "x"), np.asarray(values.values))
    return out.assign_coords(coords) if coords else out


def _air_density(ds: xr.Dataset, layout: Layout) -> xr.DataArray | None:
    name = next((n for n in layout.air_density_names if n in ds.data_vars), None)
    return None if name is None else ds[name]


def _times(ds: xr.Dataset, layout: Layout) -> np.ndarray:
    """The forecast hours [UTC] as ``datetime64[ns]``, one per step of the time dimension."""
    dim = _dim(ds, layout.time_names)
    if dim is None:
        raise ForecastError(
            f"has none of the {layout.id} time dimensions {', '.join(layout.time_names)}"
        )
    if layout.time == "tflag":
        return _tflag_times(ds, dim)
    if layout.time == "wrf":
        return _wrf_times(ds, dim)
    for candidate in (dim, "valid_time", "time"):
        if candidate not in ds.variables:
            continue
        variable = _squeezed(ds[candidate], keep=(dim,))
        values = np.asarray(variable.values)
        if variable.dims == (dim,) and np.issubdtype(values.dtype, np.datetime64):
            return values.astype("datetime64[ns]")
    raise ForecastError(
        f"its {dim} dimension has no CF time coordinate (a 'units' of the form "
        "'hours since …' is needed); a CAMS file with several forecast_reference_time values "
        "holds several runs: select one"
    )


def _tflag_times(ds: xr.Dataset, dim: str) -> np.ndarray:
    """Models-3 I/O API: TFLAG[step, 0] = (YYYYDDD, HHMMSS), else SDATE/STIME/TSTEP."""
    steps = ds.sizes[dim]
    if "TFLAG" in ds.variables:
        flag = np.asarray(ds["TFLAG"].values)
        flag = flag[:, 0, :] if flag.ndim == 3 else flag
        dates, clocks = flag[:, 0].astype(np.int64), flag[:, 1].astype(np.int64)
    elif {"SDATE", "STIME", "TSTEP"} <= set(ds.attrs):
        start = _ioapi_datetime(int(ds.attrs["SDATE"]), int(ds.attrs["STIME"]))
        step = int(ds.attrs["TSTEP"])
        delta = dt.timedelta(hours=step // 10000, minutes=step // 100 % 100, seconds=step % 100)
        return np.array([start + i * delta for i in range(steps)], dtype="datetime64[ns]")
    else:
        raise ForecastError("is an I/O API file without TFLAG or SDATE/STIME/TSTEP: no time")
    try:
        hours = [_ioapi_datetime(int(d), int(c)) for d, c in zip(dates, clocks, strict=True)]
    except ValueError as error:
        raise ForecastError(f"TFLAG holds an invalid date or time ({error})") from None
    return np.array(hours, dtype="datetime64[ns]")


def _ioapi_datetime(yyyyddd: int, hhmmss: int) -> dt.datetime:
    day = dt.datetime(yyyyddd // 1000, 1, 1) + dt.timedelta(days=yyyyddd % 1000 - 1)
    return day + dt.timedelta(
        hours=hhmmss // 10000, minutes=hhmmss // 100 % 100, seconds=hhmmss % 100
    )


def _wrf_times(ds: xr.Dataset, dim: str) -> np.ndarray:
    """WRF: ``Times`` strings (``YYYY-MM-DD_HH:MM:SS``, UTC), else a CF-decoded ``XTIME``."""
    if "Times" in ds.variables:
        raw = np.asarray(ds["Times"].values)
        if raw.ndim == 2:  # undecoded characters
            raw = np.array([b"".join(row) for row in raw.astype("S1")])
        text = [v.decode() if isinstance(v, bytes) else str(v) for v in raw.ravel()]
        try:
            return np.array([s.strip().replace("_", "T") for s in text], dtype="datetime64[ns]")
        except ValueError:
            raise ForecastError(f"WRF Times {text[:2]} are not YYYY-MM-DD_HH:MM:SS") from None
    if "XTIME" in ds.variables:
        values = np.asarray(ds["XTIME"].values)
        if np.issubdtype(values.dtype, np.datetime64):
            return values.astype("datetime64[ns]")
    raise ForecastError("is a WRF file without Times or a decodable XTIME: no time")
