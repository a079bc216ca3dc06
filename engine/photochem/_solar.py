"""Solar zenith angle from latitude, longitude and UTC time (docs/chemistry.md §3).

The NOAA "General Solar Position Calculations" (Spencer 1971, Search 2(5), 172, Fourier
series for the declination and the equation of time): accurate to about 0.1° in declination
and a minute in time, far inside what photolysis scaled by cos(z) needs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["cos_zenith", "local_solar_hour"]

_MINUTE = np.timedelta64(1, "m")


def _day_angle(time_utc: NDArray[np.datetime64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fractional year γ [rad] and UTC hour of day [h] of each time."""
    t = np.asarray(time_utc).astype("datetime64[s]")
    year_start = t.astype("datetime64[Y]")
    day = (t.astype("datetime64[D]") - year_start.astype("datetime64[D]")).astype(np.float64)
    hour = (t - t.astype("datetime64[D]")).astype(np.float64) / 3600.0
    years = year_start.astype(np.int64) + 1970
    leap = ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)
    gamma = 2.0 * np.pi / np.where(leap, 366.0, 365.0) * (day + (hour - 12.0) / 24.0)
    return gamma, hour


def _declination_eqtime(gamma: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray]:
    """Solar declination [rad] and equation of time [min] (Spencer 1971)."""
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * np.cos(gamma)
        - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma)
        - 0.040849 * np.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(gamma)
        + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma)
        + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma)
        + 0.00148 * np.sin(3 * gamma)
    )
    return decl, eqtime


def local_solar_hour(time_utc: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    """True solar time [h, 0–24) ``(time,) × (cell,) -> (time, cell)``; ``lon`` [° east]."""
    gamma, hour = _day_angle(np.atleast_1d(np.asarray(time_utc)))
    _, eqtime = _declination_eqtime(gamma)
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    minutes = hour[:, None] * 60.0 + eqtime[:, None] + 4.0 * lon[None, :]
    return np.mod(minutes / 60.0, 24.0)


def cos_zenith(time_utc: ArrayLike, lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    """Cosine of the solar zenith angle ``(time,) × (cell,) -> (time, cell)`` [1].

    Parameters
    ----------
    time_utc : array_like of datetime64
        Times in UTC (naive).
    lat, lon : array_like
        Cell centres [°], north and east positive, same shape (cell,).

    Returns
    -------
    ndarray
        cos(z), negative when the sun is below the horizon.
    """
    gamma, _ = _day_angle(np.atleast_1d(np.asarray(time_utc)))
    decl, _ = _declination_eqtime(gamma)
    phi = np.radians(np.atleast_1d(np.asarray(lat, dtype=np.float64)))
    hour_angle = np.radians(15.0 * (local_solar_hour(time_utc, lon) - 12.0))
    return np.sin(phi)[None, :] * np.sin(decl)[:, None] + np.cos(phi)[None, :] * np.cos(decl)[
        :, None
    ] * np.cos(hour_angle)
