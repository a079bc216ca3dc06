"""Scenario inputs from files: hourly emissions, emission changes, the forecast's weather.

Contract (docs/design.md, data contracts; docs/chemistry.md §5):

* **Emissions** and **changes** are CF netCDF with variables ``voc`` and ``nox`` in kg h⁻¹ per
  cell (``units`` ``kg h-1``; NOx counted as NO2 mass) on the forecast's grid, dims
  ``(time, lat, lon)`` or ``(time, y, x)`` — an optional leading ``sector`` dim is summed —
  and ``time`` hourly in UTC. A change is scenario minus base; base emissions must cover
  every forecast hour, a change file may cover part of them (no change elsewhere). NaN marks
  cells that are then not computed.
* The forecast file may carry ``t2m`` [K or °C], ``pblh`` [m], winds ``u``/``v`` (boundary-layer
  mean, preferred) or ``u10``/``v10`` [m s⁻¹], and ``swdown`` [W m⁻²] or a cloud fraction
  (``cloud_fraction`` or ``tcc``, [1] or %). :func:`scenario_forecast` reads them beside the
  pollutants of :func:`forecasts.reader.read_forecast`.

Every problem is a :class:`~engine.errors.ForecastError` naming the file and the mismatch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from engine.errors import ForecastError
from forecasts.reader import Forecast

__all__ = [
    "EMISSION_VARIABLES",
    "align_change",
    "read_change",
    "read_emissions",
    "read_population",
    "scenario_forecast",
]

EMISSION_VARIABLES = ("voc", "nox")
"""Variables of an emissions or change file [kg h⁻¹ per cell]."""
_KG_PER_HOUR = {"kgh-1", "kg/h", "kghr-1", "kg/hr", "kgh**-1", "kgh^-1", "kilogramsperhour"}
_GRIDS = (("lat", "lon"), ("y", "x"))
_TEMPERATURE = {
    "k": 0.0,
    "kelvin": 0.0,
    "degc": 273.15,
    "°c": 273.15,
    "c": 273.15,
    "celsius": 273.15,
}
_SPEED = dict.fromkeys(("ms-1", "m/s", "ms**-1", "ms^-1"), 1.0)
_LENGTH = {"m": 1.0, "metre": 1.0, "meter": 1.0, "km": 1000.0}
_FLUX = dict.fromkeys(("wm-2", "w/m2", "wm**-2", "wm^-2"), 1.0)
_FRACTION = {"1": 1.0, "0-1": 1.0, "fraction": 1.0, "": 1.0, "%": 0.01, "percent": 0.01}


def _unit(value: object) -> str:
    return str(value or "").strip().lower().replace(" ", "").replace("⁻¹", "-1")


def _open(path: Path, what: str) -> xr.Dataset:
    if not path.is_file():
        raise ForecastError(f"{what} file {path} does not exist")
    try:
        with xr.open_dataset(path, engine="netcdf4") as opened:
            return opened.load()
    except Exception as error:  # netCDF4/HDF5 raise many unrelated types
        raise ForecastError(f"{what} file {path} cannot be read as netCDF: {error}") from error


def _grid_dims(forecast: xr.Dataset) -> tuple[str, str]:
    dims = tuple(str(d) for d in forecast["o3"].dims[-2:])
    if dims not in _GRIDS:
        raise ForecastError(f"the forecast's grid dims {dims} are neither (lat, lon) nor (y, x)")
    return dims  # type: ignore[return-value]


def _check_grid(data: xr.Dataset, forecast: xr.Dataset, where: str) -> None:
    dims = _grid_dims(forecast)
    for name in dims:
        if name not in data.coords:
            raise ForecastError(
                f"{where} has no {name!r} coordinate; the forecast's grid is {dims}"
            )
        ours, theirs = np.asarray(data[name].values), np.asarray(forecast[name].values)
        tolerance = 1e-5 if name in ("lat", "lon") else 1.0  # degrees; metres
        if ours.shape != theirs.shape or not np.allclose(ours, theirs, atol=tolerance, rtol=0):
            raise ForecastError(
                f"{where} is on another grid: its {name} has {ours.size} values "
                f"{ours.min():.6g}…{ours.max():.6g}, the forecast's {theirs.size} values "
                f"{theirs.min():.6g}…{theirs.max():.6g}; regrid it to the forecast's grid"
            )


def _variable(data: xr.Dataset, name: str, forecast: xr.Dataset, where: str) -> xr.DataArray:
    if name not in data:
        held = ", ".join(map(str, data.data_vars)) or "no variables"
        raise ForecastError(f"{where} lacks the variable {name!r} (it holds {held})")
    var = data[name]
    units = _unit(var.attrs.get("units"))
    if units not in _KG_PER_HOUR:
        raise ForecastError(
            f"{where}: {name} has units {var.attrs.get('units')!r}; expected 'kg h-1' per cell"
        )
    dims = ("time", *_grid_dims(forecast))
    if var.dims[:1] == ("sector",) and tuple(var.dims[1:]) == dims:
        var = var.sum("sector", skipna=False, keep_attrs=True)
    if tuple(var.dims) != dims:
        raise ForecastError(
            f"{where}: {name} has dims {tuple(var.dims)}; expected {dims} (the forecast's grid) "
            "or ('sector', ...) before them"
        )
    if not np.issubdtype(var["time"].dtype, np.datetime64):
        raise ForecastError(f"{where}: 'time' is not decodable as CF datetimes (units missing?)")
    return var.astype(np.float64)


def _read(path: str | Path, forecast: Forecast, what: str) -> tuple[xr.Dataset, str]:
    path = Path(path)
    where = f"{what} file {path}"
    data = _open(path, what)
    _check_grid(data, forecast.data, where)
    out = {name: _variable(data, name, forecast.data, where) for name in EMISSION_VARIABLES}
    time = np.asarray(data["time"].values)
    if time.size > 1 and not (np.diff(time) > np.timedelta64(0, "ns")).all():
        raise ForecastError(f"{where}: 'time' must increase strictly (sorted, no repeated hour)")
    return xr.Dataset(out), where


def read_emissions(path: str | Path, forecast: Forecast) -> xr.Dataset:
    """Base hourly emissions on the forecast's grid and hours.

    Parameters
    ----------
    path : str or pathlib.Path
        CF netCDF file (contract in the module docstring).
    forecast : Forecast
        The forecast the scenario runs on.

    Returns
    -------
    xarray.Dataset
        ``voc``, ``nox`` [kg h⁻¹ per cell] with the forecast's ``time`` and grid.

    Raises
    ------
    ForecastError
        Missing file or variable, wrong units or dims, another grid, a forecast hour without
        emissions, or negative emissions.
    """
    data, where = _read(path, forecast, "emissions")
    time = forecast.data["time"].values
    missing = np.setdiff1d(time, data["time"].values)
    if missing.size:
        raise ForecastError(
            f"{where} lacks {missing.size} of the forecast's hours, the first "
            f"{np.datetime_as_string(missing[0], 'm')}Z: base emissions must cover every hour"
        )
    data = data.sel(time=time)
    for name in EMISSION_VARIABLES:
        low = float(np.nanmin(data[name].values)) if data[name].size else 0.0
        if low < 0:
            raise ForecastError(
                f"{where}: {name} has negative emissions (minimum {low:.4g} kg h-1)"
            )
    return data.assign_coords(time=time)


def read_change(path: str | Path, forecast: Forecast) -> xr.Dataset:
    """An emission change (scenario minus base) on the forecast's grid and hours.

    Hours of the forecast that the file does not hold get no change; hours of the file outside
    the forecast are ignored (logged by the caller through the returned ``hours_outside``
    attribute).

    Returns
    -------
    xarray.Dataset
        ``voc``, ``nox`` [kg h⁻¹ per cell] on the forecast's ``time`` and grid; attributes
        ``hours_in_forecast`` and ``hours_outside``.
    """
    data, where = _read(path, forecast, "change")
    return align_change(data, forecast, where)


def align_change(data: xr.Dataset, forecast: Forecast, where: str) -> xr.Dataset:
    """A change dataset (``voc``, ``nox`` on the forecast's grid) put on the forecast's hours,
    as :func:`read_change` does with a file's; ``where`` names the source in errors."""
    time = forecast.data["time"].values
    inside = np.isin(data["time"].values, time)
    if not inside.any():
        first, last = data["time"].values[[0, -1]]
        raise ForecastError(
            f"{where} covers {np.datetime_as_string(first, 'h')}Z…"
            f"{np.datetime_as_string(last, 'h')}Z, none of the forecast's hours"
        )
    aligned = data.isel(time=np.flatnonzero(inside)).reindex(time=time, fill_value=0.0)
    aligned.attrs.update(
        {"hours_in_forecast": int(inside.sum()), "hours_outside": int((~inside).sum())}
    )
    return aligned


def _weather_field(raw: xr.Dataset, names: tuple[str, ...]) -> xr.DataArray | None:
    for name in names:
        if name in raw:
            var = raw[name]
            if "member" in var.dims:
                var = var.mean("member", keep_attrs=True)
            return var.astype(np.float64)
    return None


def _converted(
    var: xr.DataArray, table: dict[str, float], expected: str, where: str, *, offset: bool = False
) -> xr.DataArray:
    """``var`` in SI units by ``table`` (unit → factor, or → offset for temperatures)."""
    units = _unit(var.attrs.get("units"))
    if units not in table:
        raise ForecastError(
            f"{where}: {var.name} has units {var.attrs.get('units')!r}; expected {expected}"
        )
    return var + table[units] if offset else var * table[units]


def scenario_forecast(forecast: Forecast) -> xr.Dataset:
    """The forecast as the scenario engine takes it: pollutants and any weather fields.

    Returns
    -------
    xarray.Dataset
        ``o3`` (and ``no2`` when present) [µg m⁻³] of ``forecast.data`` plus ``t2m`` [K],
        ``pblh`` [m], ``u``, ``v`` [m s⁻¹], ``swdown`` [W m⁻²], ``cloud_fraction`` [1] for
        the fields the file holds, with the forecast's dims (an ensemble's fields averaged).
    """
    where = f"forecast file {forecast.path}"
    raw = _open(Path(forecast.path), "forecast")
    out = forecast.data[[p for p in ("o3", "no2") if p in forecast.data]]
    fields: dict[str, xr.DataArray] = {}
    t2m = _weather_field(raw, ("t2m",))
    if t2m is not None:
        fields["t2m"] = _converted(t2m, _TEMPERATURE, "K or degC", where, offset=True)
    pblh = _weather_field(raw, ("pblh",))
    if pblh is not None:
        fields["pblh"] = _converted(pblh, _LENGTH, "m or km", where)
    for u_name, v_name in (("u", "v"), ("u10", "v10")):
        u = _weather_field(raw, (u_name,))
        v = _weather_field(raw, (v_name,))
        if (u is None) != (v is None):
            raise ForecastError(f"{where} has only one of {u_name}/{v_name}; winds need both")
        if u is not None and v is not None:
            fields["u"] = _converted(u, _SPEED, "m s-1", where)
            fields["v"] = _converted(v, _SPEED, "m s-1", where)
            break
    swdown = _weather_field(raw, ("swdown",))
    if swdown is not None:
        fields["swdown"] = _converted(swdown, _FLUX, "W m-2", where)
    else:
        cloud = _weather_field(raw, ("cloud_fraction", "tcc"))
        if cloud is not None:
            fields["cloud_fraction"] = _converted(cloud, _FRACTION, "1 or %", where)
    dims = tuple(str(d) for d in out["o3"].dims if d != "member")
    for name, var in fields.items():
        if tuple(var.dims) != dims:
            raise ForecastError(f"{where}: {name} has dims {tuple(var.dims)}; expected {dims}")
        out[name] = var.assign_coords({d: out[d] for d in dims})
    return out


def read_population(path: str | Path, forecast: Forecast) -> np.ndarray:
    """Population density on the forecast's grid [people km⁻²] ``(y, x)``.

    The file holds ``population_density`` [people km⁻², units ``km-2``] or ``population``
    [people per cell, units ``1``] with the forecast's two grid dims; NaN counts as nobody.
    """
    path = Path(path)
    where = f"population file {path}"
    data = _open(path, "population")
    _check_grid(data, forecast.data, where)
    dims = _grid_dims(forecast.data)
    if "population_density" in data:
        var, per_cell = data["population_density"], False
    elif "population" in data:
        var, per_cell = data["population"], True
    else:
        raise ForecastError(f"{where} holds neither 'population_density' nor 'population'")
    if tuple(var.dims) != dims:
        raise ForecastError(f"{where}: {var.name} has dims {tuple(var.dims)}; expected {dims}")
    units = _unit(var.attrs.get("units"))
    expected = {"1", "", "people", "persons"} if per_cell else {"km-2", "peoplekm-2", "km**-2"}
    if units not in expected:
        raise ForecastError(
            f"{where}: {var.name} has units {var.attrs.get('units')!r}; expected "
            + ("'1' (people per cell)" if per_cell else "'km-2' (people per km²)")
        )
    values = np.nan_to_num(np.asarray(var.values, np.float64))
    if (values < 0).any():
        raise ForecastError(f"{where}: {var.name} has negative values")
    if per_cell:
        from grids import grid_from_dataset

        values = values / grid_from_dataset(forecast.data).cell_area_km2()
    return values
