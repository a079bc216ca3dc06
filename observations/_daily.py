"""Observed daily statistics and AQI per station and per city, by the official method.

A city's value is the mean of its stations for each hour, then the daily statistics of that
hourly series, then the AQI (docs/rules.md §1.5) — exactly the path of a forecast region:
the hourly city means go through :func:`engine.aggregate.regional_mean` (the stations are the
"cells", each of weight 1), the daily statistics through :func:`engine.daily.daily_statistics`
and the AQI through :func:`engine.aqi.daily_aqi_dataset`. The result is an
:class:`engine.regional.RegionalDaily`, the type the verification also gets from a forecast.

Station stamps are China Standard Time; the engine's hourly ``time`` is UTC, so the stamps are
shifted by :data:`engine.cst.CST_OFFSET` before the daily statistics, which take the store's hour
label (``end`` for the national network's "1时 … 24时").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np
import xarray as xr

from engine.aggregate import regional_mean
from engine.aqi import daily_aqi_dataset
from engine.cst import CST_OFFSET
from engine.daily import daily_statistics
from engine.errors import DataCoverageError
from engine.regional import RegionalDaily
from observations._csv import POLLUTANTS
from observations.store import ObservationStore

__all__ = ["StationMembership", "city_daily", "observed_rows", "station_daily"]


@dataclasses.dataclass(eq=False)
class StationMembership:
    """The stations of each city as :class:`engine.aggregate.CoverageWeights`.

    The "grid" is the row of stations ``(1, station)``; each station weighs 1 in its city, so
    the regional mean is the mean of the valid stations and ``valid_fraction`` the share of the
    city's stations with a valid value [1].
    """

    cities: tuple[str, ...]
    station_city: np.ndarray  # (station,) index into cities

    @property
    def region_codes(self) -> Sequence[str]:
        return self.cities

    @property
    def grid_shape(self) -> tuple[int, int]:
        return (1, int(self.station_city.size))

    @property
    def kind(self) -> str:
        return "stations"

    @property
    def reference_weight(self) -> np.ndarray:
        return np.bincount(self.station_city, minlength=len(self.cities)).astype(np.float64)

    def kernel_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order = np.argsort(self.station_city, kind="stable").astype(np.int64)
        counts = np.bincount(self.station_city, minlength=len(self.cities))
        start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return start, order, np.ones(order.size, np.float64)


def _hourly(
    store: ObservationStore, first: dt.date, last: dt.date, station_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """UTC times and values ``(station, time, pollutant)`` covering CST days first … last."""
    label = store.hour_label() or "end"
    # "end": day D is stamped D 01:00 … D+1 00:00, so one more day is read
    stop = last + dt.timedelta(days=1) if label == "end" else last
    stamps, values = store.hourly_values(first, stop, station_ids)
    time = (stamps - CST_OFFSET).astype("datetime64[ns]")
    return time, values.astype(np.float64), label


def _daily(hourly: xr.Dataset, label: str, first: dt.date, last: dt.date, standard: str | None):
    daily = daily_statistics(hourly, hour_label=label)  # type: ignore[arg-type]
    daily = daily.sel(date=slice(np.datetime64(first, "ns"), np.datetime64(last, "ns")))
    aqi = daily_aqi_dataset(daily, standard)
    return xr.merge([daily, aqi], compat="override", join="exact")


def station_daily(
    store: ObservationStore,
    first: dt.date,
    last: dt.date,
    *,
    cities: Sequence[str] | None = None,
    standard: str | None = None,
) -> RegionalDaily:
    """Observed daily statistics and AQI of every station, ``(station, time) -> (region, date)``.

    Parameters
    ----------
    store : ObservationStore
    first, last : datetime.date
        CST days.
    cities : sequence of str, optional
        Only the stations of these cities.
    standard : str, optional
        AQI standard id for every day (default: the one in force on each day).

    Returns
    -------
    RegionalDaily
        ``region`` = station codes; ``pm25`` … ``o3_mda8`` [µg m⁻³], ``aqi``, ``category``,
        ``primary_<pollutant>``, ``valid_fraction`` (1 for a station with values, else 0).
    """
    stations = store.stations(cities)
    time, values, label = _hourly(store, first, last, stations["id"])
    dims = ("region", "time")
    hourly = xr.Dataset(
        {p: (dims, values[:, :, k]) for k, p in enumerate(POLLUTANTS)},
        coords={"region": stations["station_code"].astype(str), "time": time},
    )
    data = _daily(hourly, label, first, last, standard)
    valid = np.isfinite(values).any(axis=(1, 2)).astype(np.float64)
    data["valid_fraction"] = ("region", valid)
    return RegionalDaily(data=data, hourly=hourly, standard=standard)


def city_daily(
    store: ObservationStore,
    first: dt.date,
    last: dt.date,
    *,
    cities: Sequence[str] | None = None,
    standard: str | None = None,
) -> RegionalDaily:
    """Observed daily statistics and AQI of every city (the official method, see module).

    ``(station, time) -> (region, date)``: hourly mean of the city's valid stations, then the
    CST daily statistics, then the AQI. ``region`` holds the city codes (those of ``cities``
    that have stations, else every city of the store); ``valid_fraction`` is the least share of
    a city's stations with a valid hourly value [1]. Parameters as :func:`station_daily`.
    """
    stations = store.stations(cities)
    if stations["id"].size == 0:
        raise DataCoverageError(
            "no monitoring station "
            + (f"in {', '.join(cities)}" if cities is not None else "in the observation store")
            + "; import a station list with `lantian observations import --stations`"
        )
    codes, station_city = np.unique(stations["city_code"].astype(str), return_inverse=True)
    membership = StationMembership(tuple(codes.tolist()), station_city.astype(np.int64))
    time, values, label = _hourly(store, first, last, stations["id"])
    field = xr.Dataset(
        {p: (("time", "y", "x"), values[:, :, k].T[:, None, :]) for k, p in enumerate(POLLUTANTS)},
        coords={"time": time},
    )
    means, valid = {}, []
    for pollutant in POLLUTANTS:
        mean = regional_mean(field[pollutant], membership)
        means[pollutant] = mean[pollutant]
        valid.append(mean["valid_fraction"])
    hourly = xr.Dataset(means)
    data = _daily(hourly, label, first, last, standard)
    data["valid_fraction"] = xr.concat(valid, "pollutant").min(["pollutant", "time"])
    return RegionalDaily(data=data, hourly=hourly, standard=standard)


_ROW_VARIABLES = ("pm25", "pm10", "so2", "no2", "co", "o3_mda8", "o3_1h")


def observed_rows(daily: RegionalDaily) -> list[dict[str, object]]:
    """One JSON-ready row per region and date: the daily statistics rounded to 0.1 [µg m⁻³;
    CO 0.001 mg m⁻³] (None where not valid), ``aqi`` (None where missing), ``category`` and
    ``primary_pollutants`` (joined by ``+``)."""
    data = daily.data
    regions = [str(r) for r in data["region"].values]
    dates = [str(d)[:10] for d in data["date"].values.astype("datetime64[D]")]
    order = ("region", "date")
    columns = {v: data[v].transpose(*order).values for v in _ROW_VARIABLES if v in data.data_vars}
    aqi = data["aqi"].transpose(*order).values
    category = data["category"].transpose(*order).values
    primaries = [p for p in POLLUTANTS if f"primary_{p}" in data]
    flags = {p: data[f"primary_{p}"].transpose(*order).values for p in primaries}
    rows: list[dict[str, object]] = []
    for r, region in enumerate(regions):
        for t, date in enumerate(dates):
            row: dict[str, object] = {"region": region, "date": date}
            for name, values in columns.items():
                value = float(values[r, t])
                digits = 3 if name == "co" else 1
                row[name] = round(value, digits) if np.isfinite(value) else None
            row["aqi"] = int(aqi[r, t]) if aqi[r, t] >= 0 else None
            row["category"] = int(category[r, t])
            row["primary_pollutants"] = "+".join(p for p in primaries if flags[p][r, t])
            rows.append(row)
    return rows
