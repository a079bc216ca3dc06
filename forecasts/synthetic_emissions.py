"""A synthetic hourly emission inventory for the demo, on the synthetic forecast's grid.

Sectors (each also written as ``voc_<sector>`` / ``nox_<sector>``) [kg h⁻¹ per cell]:

* ``industry`` — the synthetic registry's production lines as point sources in their cells,
  running ``hours_per_day`` from 08:00 China Standard Time (round the clock at 24 h), so the
  daytime VOC processes of coating, printing and furniture overlap the 09:00–18:00 window of
  peak-shift programmes (docs/rules.md §4);
* ``traffic`` — NOx-rich, double-peaked at the morning and evening rush hours, following the
  population of the plain;
* ``residential`` — cooking, heating and solvents, evening peak;
* ``biogenic`` — isoprene from vegetation, more on the forested mountains, by the light and
  temperature dependence of Guenther et al. (1993, J. Geophys. Res. 98, 12609): a standard
  emission factor at 303 K and 1000 µmol m⁻² s⁻¹ of PAR times C_L(PAR) · C_T(T).

:func:`demo_change` builds a demonstration peak shift from the same lines: the VOC of the
shiftable lines between 09:00 and 18:00 CST moves evenly to the other hours of the day. It is
a stand-in for the ozone-season programme's change files, written by ``lantian demo-data``.
Magnitudes are invented to look like the North China Plain [I]; not an inventory.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine.errors import ForecastError
from engine.measures import EMISSION_SPECIES, GRADES, Registry

__all__ = ["PointSources", "demo_change", "point_sources", "synthetic_emissions"]

# Area sources per km² where the plain field is 1 [kg km⁻² h⁻¹] (daily means) [I]
_TRAFFIC = {"voc": 0.6, "nox": 0.9}
_RESIDENTIAL = {"voc": 0.5, "nox": 0.12}
_ISOPRENE_STANDARD = 1.5  # forest, at 303 K and PAR 1000 [kg km⁻² h⁻¹] (1.5 mg m⁻² h⁻¹) [I]
# Guenther et al. (1993) constants
_ALPHA, _CL1 = 0.0027, 1.066
_CT1, _CT2, _TS, _TM, _R = 95_000.0, 230_000.0, 303.0, 314.0, 8.314
_PAR_PER_SW = 2.06  # µmol m⁻² s⁻¹ of PAR per W m⁻² of shortwave (0.45 × 4.57) [S]


@dataclasses.dataclass(frozen=True)
class PointSources:
    """Production lines as point sources (one entry per line).

    ``lon``, ``lat`` [°]; ``voc_kg_h``, ``nox_kg_h`` emission rates while running [kg h⁻¹];
    ``hours_per_day`` [h d⁻¹]; ``shiftable``: the line's VOC moves under the demo peak shift.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    voc_kg_h: NDArray[np.float64]
    nox_kg_h: NDArray[np.float64]
    hours_per_day: NDArray[np.float64]
    shiftable: NDArray[np.bool_]


# The demo's stand-in for a programme's eligibility (docs/rules.md §4 defaults [I]): daytime
# VOC processes of these industries, without low-VOC materials or combustion-type treatment,
# grades below A.
_SHIFT_INDUSTRIES = ("industrial_coating", "packaging_printing", "furniture")
_EXEMPT_GRADES = ("A+", "A", "leading")


def point_sources(registry: Registry) -> PointSources:
    """The lines of an enterprise registry as point sources (stopped lines emit nothing)."""
    owner = registry.line_enterprise()
    voc = registry.emission_kg_h[:, EMISSION_SPECIES.index("voc")]
    nox = registry.emission_kg_h[:, EMISSION_SPECIES.index("nox")]
    running = ~registry.already_stopped.astype(bool)
    industry = np.array(registry.industries, object)[registry.industry][owner]
    grade = np.array(GRADES, object)[registry.grade][owner]
    shiftable = (
        np.isin(industry, _SHIFT_INDUSTRIES)
        & ~registry.low_voc.astype(bool)[owner]
        & (registry.voc_treatment[owner] != "combustion")
        & ~np.isin(grade, _EXEMPT_GRADES)
        & (registry.hours_per_day < 24)
    )
    return PointSources(
        lon=registry.lon[owner].astype(np.float64),
        lat=registry.lat[owner].astype(np.float64),
        voc_kg_h=np.where(running, voc, 0.0).astype(np.float64),
        nox_kg_h=np.where(running, nox, 0.0).astype(np.float64),
        hours_per_day=registry.hours_per_day.astype(np.float64),
        shiftable=shiftable & running,
    )


def _cst_hour(time: NDArray[np.datetime64]) -> NDArray[np.int64]:
    return ((time.astype("datetime64[h]").astype(np.int64) + 8) % 24).astype(np.int64)


def _cells(grid: xr.Dataset, lon: NDArray, lat: NDArray) -> NDArray[np.int64]:
    """Flat cell index of each point on the regular grid (−1 off the grid)."""
    glon, glat = grid["lon"].values, grid["lat"].values
    if glon.ndim != 1 or glat.ndim != 1:
        raise ForecastError("synthetic emissions are made on a regular lat/lon grid")
    out = []
    for values, centres in ((lon, glon), (lat, glat)):
        edges = np.concatenate([[1.5 * centres[0] - 0.5 * centres[1]],
                                0.5 * (centres[1:] + centres[:-1]),
                                [1.5 * centres[-1] - 0.5 * centres[-2]]])  # fmt: skip
        index = np.searchsorted(edges, values) - 1
        out.append(np.where((index >= 0) & (index < centres.size), index, -1))
    i, j = out
    return np.where((i >= 0) & (j >= 0), j * glon.size + i, -1)


def _running(hours_per_day: NDArray, cst_hour: NDArray) -> NDArray[np.bool_]:
    """(time, line): whether each line runs, from 08:00 CST for its hours per day."""
    h = np.clip(np.round(hours_per_day), 0, 24)
    offset = (cst_hour[:, None] - 8) % 24
    return offset < h[None, :]


def _cell_area_km2(grid: xr.Dataset) -> NDArray[np.float64]:
    lat, lon = grid["lat"].values, grid["lon"].values
    dlat, dlon = np.radians(abs(lat[1] - lat[0])), np.radians(abs(lon[1] - lon[0]))
    return (6371.0088**2 * dlon * dlat * np.cos(np.radians(lat)))[:, None] * np.ones(lon.size)


def _plain(grid: xr.Dataset) -> NDArray[np.float64]:
    from forecasts.synthetic import _plain_field  # the same plain as the forecast's

    lon2, lat2 = np.meshgrid(grid["lon"].values, grid["lat"].values)
    return np.clip(_plain_field(lon2, lat2), 0.0, None)


def _isoprene(t2m: NDArray, swdown: NDArray) -> NDArray[np.float64]:
    """Guenther (1993) activity C_L · C_T [1] from temperature [K] and shortwave [W m⁻²]."""
    par = _PAR_PER_SW * np.clip(swdown, 0.0, None)
    light = _ALPHA * _CL1 * par / np.sqrt(1.0 + _ALPHA**2 * par**2)
    temp = np.exp(_CT1 * (t2m - _TS) / (_R * _TS * t2m)) / (
        1.0 + np.exp(_CT2 * (t2m - _TM) / (_R * _TS * t2m))
    )
    return light * temp


def synthetic_emissions(forecast: xr.Dataset, sources: PointSources | None = None) -> xr.Dataset:
    """Hourly VOC and NOx by sector on the grid and hours of a synthetic forecast.

    Parameters
    ----------
    forecast : xarray.Dataset
        :func:`forecasts.synthetic.synthetic_forecast` output with its weather (``t2m``,
        ``swdown``): grid ``(lat, lon)`` and hourly UTC ``time``.
    sources : PointSources, optional
        Industrial lines (the synthetic registry's); none without.

    Returns
    -------
    xarray.Dataset
        ``voc``, ``nox`` and ``voc_<sector>``, ``nox_<sector>`` ``(time, lat, lon)``
        [kg h⁻¹ per cell], float32, CF attributes.
    """
    for name in ("t2m", "swdown"):
        if name not in forecast:
            raise ForecastError(f"synthetic emissions need the forecast's {name!r} (weather=True)")
    time = forecast["time"].values
    ny, nx = forecast.sizes["lat"], forecast.sizes["lon"]
    hour = _cst_hour(time)
    area = _cell_area_km2(forecast)
    people = _plain(forecast) + 0.05
    rush = (
        0.6 + 0.9 * np.exp(-(((hour - 8) / 1.5) ** 2)) + 0.9 * np.exp(-(((hour - 18) / 1.8) ** 2))
    )
    rush = rush / rush.mean() if hour.size >= 24 else rush
    evening = 0.7 + 0.8 * np.exp(-(((hour - 19) / 2.5) ** 2))
    evening = evening / evening.mean() if hour.size >= 24 else evening
    sectors: dict[str, dict[str, NDArray]] = {"voc": {}, "nox": {}}
    for species in ("voc", "nox"):
        sectors[species]["traffic"] = (
            _TRAFFIC[species] * rush[:, None, None] * (people * area)[None]
        )
        sectors[species]["residential"] = (
            _RESIDENTIAL[species] * evening[:, None, None] * (people * area)[None]
        )
    forest = np.clip(1.2 - _plain(forecast), 0.0, 1.0)  # mountains are forested
    activity = _isoprene(forecast["t2m"].values.astype(np.float64), forecast["swdown"].values)
    sectors["voc"]["biogenic"] = _ISOPRENE_STANDARD * (0.15 + forest)[None] * area[None] * activity
    sectors["nox"]["biogenic"] = np.zeros((time.size, ny, nx))
    industry = {"voc": np.zeros((time.size, ny * nx)), "nox": np.zeros((time.size, ny * nx))}
    if sources is not None and sources.lon.size:
        cell = _cells(forecast, sources.lon, sources.lat)
        on = cell >= 0
        running = _running(sources.hours_per_day[on], hour).astype(np.float64)
        for species, rate in (("voc", sources.voc_kg_h), ("nox", sources.nox_kg_h)):
            per_line = running * rate[on][None, :]
            for t in range(time.size):
                industry[species][t] = np.bincount(cell[on], per_line[t], minlength=ny * nx)
    for species in ("voc", "nox"):
        sectors[species]["industry"] = industry[species].reshape(time.size, ny, nx)
    coords = {"time": forecast["time"], "lat": forecast["lat"], "lon": forecast["lon"]}
    variables = {}
    for species, parts in sectors.items():
        total = sum(parts.values())
        label = "VOC (NMVOC mass)" if species == "voc" else "NOx (as NO2 mass)"
        variables[species] = (
            ("time", "lat", "lon"),
            np.asarray(total, np.float32),
            {"units": "kg h-1", "long_name": f"{label} emission rate per cell"},
        )
        for sector, values in parts.items():
            variables[f"{species}_{sector}"] = (
                ("time", "lat", "lon"),
                np.asarray(values, np.float32),
                {"units": "kg h-1", "long_name": f"{label} emission rate per cell, {sector}"},
            )
    return xr.Dataset(
        variables,
        coords=coords,
        attrs={
            "Conventions": "CF-1.8",
            "title": "Lantian synthetic hourly emissions (demonstration, not an inventory)",
            "sectors": "industry traffic residential biogenic",
            "forecast_id": str(forecast.attrs.get("forecast_id", "")),
        },
    )


def demo_change(
    forecast: xr.Dataset, sources: PointSources, *, window: tuple[int, int] = (9, 18)
) -> xr.Dataset:
    """A demonstration peak shift: shiftable lines' VOC leaves ``window`` (CST hours).

    Each day, the VOC a shiftable line would emit in ``[start, end)`` CST is removed there and
    spread evenly over the day's other hours; the change sums to zero over each CST day in
    every cell (a shift moves VOC, it removes none; docs/rules.md §4).

    Returns
    -------
    xarray.Dataset
        ``voc`` and ``nox`` (zero) ``(time, lat, lon)`` [kg h⁻¹ per cell], scenario minus base.
    """
    time = forecast["time"].values
    ny, nx = forecast.sizes["lat"], forecast.sizes["lon"]
    hour = _cst_hour(time)
    inside = (hour >= window[0]) & (hour < window[1])
    keep = sources.shiftable & (_cells(forecast, sources.lon, sources.lat) >= 0)
    cell = _cells(forecast, sources.lon[keep], sources.lat[keep])
    running = _running(sources.hours_per_day[keep], hour) * sources.voc_kg_h[keep][None, :]
    day = ((time.astype("datetime64[h]").astype(np.int64) + 8) // 24).astype(np.int64)
    change = np.zeros((time.size, ny * nx))
    for d in np.unique(day):
        rows = np.flatnonzero(day == d)
        moved = running[rows][inside[rows]].sum(axis=0)  # kg per line that day
        outside = rows[~inside[rows]]
        if outside.size == 0:
            continue
        for t in rows[inside[rows]]:
            change[t] -= np.bincount(cell, running[t], minlength=ny * nx)
        spread = np.bincount(cell, moved, minlength=ny * nx) / outside.size
        change[outside] += spread[None, :]
    coords = {"time": forecast["time"], "lat": forecast["lat"], "lon": forecast["lon"]}
    attrs = {"units": "kg h-1"}
    return xr.Dataset(
        {
            "voc": (
                ("time", "lat", "lon"),
                change.reshape(time.size, ny, nx).astype(np.float32),
                attrs | {"long_name": "VOC emission change per cell, scenario minus base"},
            ),
            "nox": (
                ("time", "lat", "lon"),
                np.zeros((time.size, ny, nx), np.float32),
                attrs | {"long_name": "NOx emission change per cell, scenario minus base"},
            ),
        },  # fmt: skip
        coords=coords,
        attrs={
            "Conventions": "CF-1.8",
            "title": "Lantian demonstration peak shift (stand-in for an ozone-season programme)",
            "window_cst": f"{window[0]:02d}:00-{window[1]:02d}:00",
        },
    )
