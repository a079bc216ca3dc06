"""The decision pipeline: a forecast on a grid → regional daily AQI → response per region.

Order matters (DESIGN.md): concentrations are averaged over each region first (area-weighted
hourly means), then daily statistics are taken in China Standard Time — MDA8 of the regional
mean, not the mean of gridded MDA8 — then the daily AQI under the standard in force on each day,
then the level under the rule set in force on the requested date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine.aggregate import regional_mean
from engine.aqi import daily_aqi_dataset
from engine.daily import daily_statistics
from engine.errors import DataCoverageError, ForecastError
from engine.levels import LEVELS, DayAQI, RuleSet, classify, get_rule_set, rule_set_for

__all__ = [
    "POLLUTANTS",
    "RegionalDaily",
    "build_response",
    "covered_dates",
    "regional_daily",
    "summarise",
]

POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
_DAY_FIELDS = {"pm25_24h": "pm25", "o3_mda8": "o3_8h"}


@dataclasses.dataclass(frozen=True)
class RegionalDaily:
    """Daily statistics and AQI of every region.

    Attributes
    ----------
    data : xarray.Dataset
        ``(region, date)``: daily statistics (``pm25``, ``o3_8h``, ``o3_1h``, … [µg m⁻³]),
        ``aqi``, ``category``, ``primary_<pollutant>`` and the ``standard`` per date; plus
        ``valid_fraction`` ``(region,)`` [1], the least share of a region's area with valid
        forecast values over the forecast hours.
    """

    data: xr.Dataset

    @property
    def dates(self) -> list[dt.date]:
        """CST dates with a daily AQI for at least one region, in order."""
        valid = (self.data["aqi"] >= 0).any("region").values
        return [_as_date(d) for d, ok in zip(self.data["date"].values, valid, strict=True) if ok]


def regional_daily(
    forecast: xr.Dataset, weights: Any, *, standard: str | None = None
) -> RegionalDaily:
    """Regional daily statistics and AQI from a gridded hourly forecast.

    Parameters
    ----------
    forecast : xarray.Dataset
        Hourly pollutants ``(time, lat, lon)`` in HJ 633 units [µg m⁻³; CO mg m⁻³], ``time`` UTC.
    weights : grids.CoverageWeights
        Coverage weights of the regions on the forecast's grid.
    standard : str, optional
        AQI standard id for every day; default: the standard in force on each day.

    Returns
    -------
    RegionalDaily
        ``(time, lat, lon) -> (region, date)``.
    """
    if "member" in forecast.dims:
        raise ForecastError(
            "ensemble forecasts (a 'member' dim) are not supported yet; pass one member"
        )
    hourly = {}
    valid = []
    for pollutant in POLLUTANTS:
        if pollutant not in forecast:
            continue
        mean = regional_mean(forecast[pollutant], weights)
        if isinstance(mean, xr.Dataset):
            valid.append(mean["valid_fraction"])
            mean = mean[pollutant] if pollutant in mean else mean["mean"]
        hourly[pollutant] = mean
    daily = daily_statistics(xr.Dataset(hourly))
    aqi = daily_aqi_dataset(daily, standard)
    data = xr.merge([daily, aqi], compat="override", join="exact")
    if valid:
        data["valid_fraction"] = xr.concat(valid, "pollutant").min(["pollutant", "time"])
    return RegionalDaily(data=data)


def covered_dates(daily: RegionalDaily) -> tuple[dt.date, dt.date]:
    """First and last CST date with a daily AQI."""
    dates = daily.dates
    if not dates:
        raise DataCoverageError("the forecast covers no whole China Standard Time day")
    return dates[0], dates[-1]


def build_response(
    daily: RegionalDaily,
    region: Mapping[str, str],
    day: dt.date,
    forecast_identity: Mapping[str, str],
    *,
    rule_set: str | RuleSet | None = None,
) -> dict[str, Any]:
    """The response of one region for the days from ``day`` on (the JSON of the API).

    Parameters
    ----------
    daily : RegionalDaily
        Output of :func:`regional_daily`.
    region : mapping
        ``{"code", "name"}`` of the region.
    day : datetime.date
        First CST day the response applies to.
    forecast_identity : mapping
        ``{"id", "issued", ...}`` of the forecast run.
    rule_set : str or RuleSet, optional
        Alert rule set; default: the one in force on ``day``.

    Raises
    ------
    DataCoverageError
        ``day`` is not a whole forecast day; the message names the dates covered.
    """
    first, last = covered_dates(daily)
    if not first <= day <= last:
        raise DataCoverageError(
            f"the forecast {forecast_identity.get('id', '')} has daily values for "
            f"{first.isoformat()} to {last.isoformat()} (China Standard Time); "
            f"{day.isoformat()} is outside"
        )
    rules = (
        rule_set
        if isinstance(rule_set, RuleSet)
        else get_rule_set(rule_set)
        if rule_set
        else rule_set_for(day)
    )
    series = daily.data.sel(region=region["code"])
    days = _days_from(series, day)
    decision = classify([d for d, _ in days], rules)
    return {
        "region": {"code": region["code"], "name": region["name"]},
        "date": day.isoformat(),
        "level": decision.level,
        "regime": decision.regime,
        "advisories": list(decision.advisories),
        "aqi_standard": str(series["standard"].sel(date=np.datetime64(day, "ns")).item()),
        "rule_set": decision.rule_set,
        "days": [record for _, record in days if record is not None],
        "reasons": list(decision.reasons),
        "forecast": {"id": forecast_identity["id"], "issued": forecast_identity["issued"]},
    }


def _days_from(series: xr.Dataset, day: dt.date) -> Sequence[tuple[DayAQI, dict[str, Any] | None]]:
    """Days from ``day`` to the last day with an AQI; a day without one breaks every run."""
    primaries = [name for name in series.data_vars if str(name).startswith("primary_")]
    aqi_values = series["aqi"].values
    valid_index = np.flatnonzero(aqi_values >= 0)
    out: list[tuple[DayAQI, dict[str, Any] | None]] = []
    for i, stamp in enumerate(series["date"].values):
        date = _as_date(stamp)
        if date < day or not valid_index.size or i > valid_index[-1]:
            continue
        aqi = int(aqi_values[i])
        if aqi < 0:
            out.append((DayAQI(date=date, aqi=None, primary_pollutants=()), None))
            continue
        primary = tuple(str(p)[len("primary_") :] for p in primaries if bool(series[p].values[i]))
        record: dict[str, Any] = {"date": date.isoformat()}
        for field, source in _DAY_FIELDS.items():
            value = float(series[source].values[i]) if source in series else float("nan")
            record[field] = round(value, 1) if np.isfinite(value) else None
        record.update(
            aqi=aqi,
            category=int(series["category"].values[i]),
            primary_pollutants=list(primary),
        )
        out.append((DayAQI(date=date, aqi=aqi, primary_pollutants=primary), record))
    return out


def _as_date(value: np.datetime64) -> dt.date:
    return np.datetime64(value, "D").item()


def summarise(responses: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Number of responses at each level, every level listed."""
    counts = dict.fromkeys(LEVELS, 0)
    for r in responses:
        counts[r["level"]] += 1
    return counts
