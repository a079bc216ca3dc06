"""Hourly weather of the box model, with climatological defaults (docs/chemistry.md §3, §5).

The forecast may carry ``t2m`` [K], ``pblh`` [m], winds ``u``/``v`` [m s⁻¹, eastward /
northward], and ``swdown`` [W m⁻²] or ``cloud_fraction`` [1], each ``(time, cell)``. A field
that is absent takes the default of ``engine/data/mechanisms/model.toml`` and is named in
``defaulted``. A cell whose given values hold NaN at any hour is marked (not computed) and
given the defaults so the numbers stay defined. Hour ``t`` stands for ``[t, t + 1 h)``: the sun
is taken at its middle, the boundary-layer depth at both ends (``pblh`` has ``time + 1`` rows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from engine.photochem._domain import Domain
from engine.photochem._settings import ModelSettings
from engine.photochem._solar import cos_zenith, local_solar_hour

__all__ = ["WEATHER_FIELDS", "Weather", "prepare_weather"]

WEATHER_FIELDS = ("t2m", "pblh", "u", "v", "swdown", "cloud_fraction")
"""Meteorological inputs the model reads, in SI units."""
_HOUR = np.timedelta64(3600, "s")


@dataclasses.dataclass(frozen=True)
class Weather:
    """Kernel-ready weather ``(time, cell)``; ``pblh`` ``(time + 1, cell)``.

    ``cosz`` cos of the solar zenith angle at mid-hour [1]; ``transmission`` of photolysis
    through clouds [1]; ``t2m`` [K]; ``pblh`` [m]; ``u``, ``v`` along the grid's x and y
    [m s⁻¹] or None (no winds: no transport); ``defaulted`` the fields that took defaults;
    ``bad`` cells whose given fields held NaN.
    """

    cosz: NDArray[np.float64]
    transmission: NDArray[np.float64]
    t2m: NDArray[np.float64]
    pblh: NDArray[np.float64]
    u: NDArray[np.float64] | None
    v: NDArray[np.float64] | None
    defaulted: tuple[str, ...]
    bad: NDArray[np.bool_]

    def hours(self, start: int, stop: int) -> Weather:
        """The hours ``start:stop`` (a spin-up day, a time chunk)."""
        return dataclasses.replace(
            self,
            cosz=self.cosz[start:stop],
            transmission=self.transmission[start:stop],
            t2m=self.t2m[start:stop],
            pblh=self.pblh[start : stop + 1],
            u=None if self.u is None else self.u[start:stop],
            v=None if self.v is None else self.v[start:stop],
        )

    def scaled(self, pblh_scale: float, photolysis_scale: float) -> Weather:
        """Perturbed copy (ensemble members): boundary layer and photolysis scaled."""
        return dataclasses.replace(
            self, pblh=self.pblh * pblh_scale, transmission=self.transmission * photolysis_scale
        )


def _pblh_default(hour: NDArray[np.float64], p: Mapping[str, float]) -> NDArray[np.float64]:
    """Diurnal mixed-layer depth [m] at local solar ``hour``: night, morning growth, day."""
    night, day = p["night_m"], p["day_m"]
    rise, peak, collapse = (
        p["rise_start_hour_local"],
        p["peak_hour_local"],
        p["collapse_hour_local"],
    )
    grow = np.clip((hour - rise) / (peak - rise), 0.0, 1.0)
    out = night + (day - night) * np.sin(0.5 * np.pi * grow) ** 2
    fall = np.clip(hour - collapse, 0.0, 1.0)  # collapses within an hour at sunset
    return np.where(hour >= collapse, day + (night - day) * fall, out)


def prepare_weather(
    time: NDArray[np.datetime64],
    domain: Domain,
    fields: Mapping[str, NDArray[np.floating]],
    settings: ModelSettings,
) -> Weather:
    """Kernel-ready weather from the forecast's fields and the defaults.

    Parameters
    ----------
    time : ndarray of datetime64 (time,)
        Hourly UTC stamps, each the start of its hour.
    domain : Domain
    fields : mapping
        Any of :data:`WEATHER_FIELDS`, each ``(time, cell)`` in SI units (``u``/``v``
        eastward/northward; both or neither).
    settings : ModelSettings

    Returns
    -------
    Weather
    """
    nt, nc = time.size, domain.size
    bad = np.zeros(nc, bool)
    got: dict[str, NDArray[np.float64]] = {}
    for name in WEATHER_FIELDS:
        if name in fields:
            value = np.asarray(fields[name], dtype=np.float64).reshape(nt, nc)
            bad |= np.isnan(value).any(axis=0)
            got[name] = value
    defaulted = []
    mid = time.astype("datetime64[s]") + _HOUR // 2
    cosz = cos_zenith(mid, domain.lat, domain.lon)
    solar_mid = local_solar_hour(mid, domain.lon)
    if "t2m" in got:
        t2m = got["t2m"]
    else:
        p = settings.t2m
        t2m = p["mean_k"] + p["amplitude_k"] * np.cos(
            2 * np.pi * (solar_mid - p["peak_hour_local"]) / 24.0
        )
        defaulted.append("t2m")
    if "pblh" in got:
        values = got["pblh"]
        pblh = np.concatenate([values, values[-1:]], axis=0)
    else:
        edges = np.concatenate([time, time[-1:] + _HOUR]).astype("datetime64[s]")
        pblh = _pblh_default(local_solar_hour(edges, domain.lon), settings.pblh)
        defaulted.append("pblh")
    pblh = np.maximum(pblh, settings.pblh["min_m"])
    if "swdown" in got:
        clear = settings.clear_sky_swdown_w_m2 * np.maximum(cosz, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(clear > 1.0, got["swdown"] / clear, 1.0)
        transmission = np.clip(ratio, 0.0, settings.max_transmission)
    else:
        if "cloud_fraction" in got:
            cf = np.clip(got["cloud_fraction"], 0.0, 1.0)
        else:
            cf = np.full((nt, nc), settings.cloud_fraction)
            defaulted.append("cloud_fraction")
        transmission = 1.0 - settings.cloud_a * cf**settings.cloud_b
    if ("u" in got) != ("v" in got):
        raise ValueError("winds need both u and v (eastward and northward components)")
    u: NDArray[np.float64] | None = None
    v: NDArray[np.float64] | None = None
    if "u" in got:
        u, v = got["u"] * domain.x_sign, got["v"] * domain.y_sign
    else:
        defaulted.append("wind")
    # cells with NaN in a given field: defaults there, marked by the caller
    for name, array in (("t2m", t2m), ("transmission", transmission)):
        if np.isnan(array).any():
            array[np.isnan(array)] = (
                settings.t2m["mean_k"] if name == "t2m" else 1.0 - settings.cloud_a
            )
    pblh[np.isnan(pblh)] = settings.pblh["day_m"]
    if u is not None and v is not None:
        u[np.isnan(u)] = 0.0
        v[np.isnan(v)] = 0.0
    return Weather(
        cosz=np.ascontiguousarray(cosz),
        transmission=np.ascontiguousarray(transmission),
        t2m=np.ascontiguousarray(t2m),
        pblh=np.ascontiguousarray(pblh),
        u=None if u is None else np.ascontiguousarray(u),
        v=None if v is None else np.ascontiguousarray(v),
        defaulted=tuple(defaulted),
        bad=bad,
    )
