"""Regional daily statistics: a gridded hourly forecast → each region's daily AQI.

Order matters (docs/design.md, data flow): concentrations are averaged over each region first
(area-weighted hourly means), then daily statistics are taken in China Standard Time — MDA8 of
the regional mean, not the mean of gridded MDA8 — then the AQI under the standard in force on
each day. :class:`RegionalDaily` also scores every 24-h window for rolling mode.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine.aggregate import CoverageWeights, regional_mean
from engine.aqi import POLLUTANTS, daily_aqi_dataset
from engine.daily import daily_statistics
from engine.errors import DataCoverageError, ForecastError
from engine.units import TARGET_UNITS, conversion_factor

__all__ = [
    "DayValues",
    "RegionalDaily",
    "as_date",
    "as_datetime",
    "covered_dates",
    "regional_daily",
]

_DAY_FIELDS = {"pm25_24h": "pm25", "o3_mda8": "o3_mda8"}
"""Fields of :class:`DayValues` → the daily statistic they show."""
_HOUR = np.timedelta64(1, "h")


@dataclasses.dataclass(frozen=True)
class DayValues:
    """One CST day of a region, as a response shows it.

    ``pm25_24h`` and ``o3_mda8`` [µg m⁻³] are rounded to 0.1 and None when missing; ``aqi``
    [1] is the daily AQI under the standard in force on ``date``, ``category`` its HJ 633
    category (1–6), ``primary_pollutants`` the primary pollutants (首要污染物);
    ``above_top`` is True when a value of the day lies above the top breakpoint where the
    standard defines no IAQI, so its IAQI comes from the undefined-range rule (IAQI 500,
    docs/rules.md §1.1 [?]).
    """

    date: dt.date
    pm25_24h: float | None
    o3_mda8: float | None
    aqi: int
    category: int
    primary_pollutants: tuple[str, ...]
    above_top: bool = False


@dataclasses.dataclass(frozen=True)
class RegionalDaily:
    """Regional hourly means, daily statistics and daily AQI of every region.

    Attributes
    ----------
    data : xarray.Dataset
        ``([member,] region, date)``: daily statistics (``pm25``, ``o3_mda8``, ``o3_1h``, …
        [µg m⁻³]), ``aqi``, ``category``, ``primary_<pollutant>``, the ``standard`` per date,
        and ``valid_fraction`` ``([member,] region)`` [1], the least share of a region's area
        with valid forecast values over the forecast hours.
    hourly : xarray.Dataset
        ``([member,] region, time)`` area-weighted hourly means [µg m⁻³], ``time`` UTC.
    standard : str or None
        AQI standard forced for every day, or None for the standard in force on each day.
    """

    data: xr.Dataset
    hourly: xr.Dataset
    standard: str | None = None
    _cache: dict[Any, Any] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def region_index(self, codes: Sequence[str]) -> np.ndarray:
        """Positions of ``codes`` along the ``region`` dim."""
        if "index" not in self._cache:
            values = self.data["region"].values.tolist()
            self._cache["index"] = {code: i for i, code in enumerate(values)}
        index = self._cache["index"]
        return np.array([index[c] for c in codes], dtype=np.intp)

    def step_arrays(self, mode: str) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
        """Steps of ``mode`` as plain arrays, computed once.

        Returns ``aqi (member, region, step)``, ``primary (member, region, step, pollutant)``,
        the pollutants, and the CST start of each step ``(step,)`` (datetime64).
        """
        key = ("steps", mode)
        if key not in self._cache:
            if mode == "natural":
                source = self.data.rename(date="step")
                starts = self.data["date"].values
            else:
                source = self.rolling.rename(window="step")
                starts = self.rolling["window"].values
            if "member" not in source.dims:
                source = source.expand_dims("member")
            pollutants = [p for p in POLLUTANTS if f"primary_{p}" in source]
            order = ("member", "region", "step")
            aqi = source["aqi"].transpose(*order).values.astype(np.int32)
            primary = np.stack(
                [source[f"primary_{p}"].transpose(*order).values for p in pollutants], axis=-1
            )
            self._cache[key] = (aqi, primary, pollutants, starts)
        return self._cache[key]  # type: ignore[no-any-return]

    def day_records(self) -> dict[str, tuple[DayValues, ...]]:
        """The :class:`DayValues` of every region for every date, computed once."""
        if "records" not in self._cache:
            codes = self.data["region"].values.tolist()
            self._cache["records"] = _day_values(self, codes)
        return self._cache["records"]  # type: ignore[no-any-return]

    @property
    def ensemble(self) -> bool:
        """Whether the forecast has a ``member`` dim."""
        return "member" in self.data.dims

    @property
    def dates(self) -> list[dt.date]:
        """CST dates with a daily AQI for at least one region, in order."""
        other = [d for d in self.data["aqi"].dims if d != "date"]
        valid = (self.data["aqi"] >= 0).any(other).values
        return [as_date(d) for d, ok in zip(self.data["date"].values, valid, strict=True) if ok]

    @property
    def rolling(self) -> xr.Dataset:
        """AQI of every 24-h window ``([member,] region, window)``, one window per hour.

        Each window is scored like a natural day (same validity rules, MDA8 from the 8-h
        windows inside it, the standard in force on its start date); ``window`` holds the CST
        start of the window. Computed once.
        """
        if "rolling" not in self._cache:
            self._cache["rolling"] = self._rolling()
        return self._cache["rolling"]  # type: ignore[no-any-return]

    def _rolling(self) -> xr.Dataset:
        parts = []
        for offset in range(24):
            shifted = self.hourly.assign_coords(time=self.hourly["time"] - offset * _HOUR)
            daily = daily_statistics(shifted)
            aqi = daily_aqi_dataset(daily, self.standard)
            starts = aqi["date"].values + offset * _HOUR
            parts.append(aqi.drop_vars("standard").assign_coords(date=starts))
        windows = xr.concat(parts, "date", data_vars="minimal", coords="minimal", join="outer")
        return windows.sortby("date").rename(date="window")


def regional_daily(
    forecast: xr.Dataset, weights: CoverageWeights, *, standard: str | None = None
) -> RegionalDaily:
    """Regional daily statistics and AQI from a gridded hourly forecast.

    Parameters
    ----------
    forecast : xarray.Dataset
        Hourly pollutants ``([member,] time, lat, lon)`` in HJ 633 units [µg m⁻³; CO
        mg m⁻³], ``time`` UTC.
    weights : CoverageWeights
        Coverage weights of the regions on the forecast's grid (e.g. ``grids.coverage_weights``).
    standard : str, optional
        AQI standard id for every day; default: the standard in force on each day.

    Returns
    -------
    RegionalDaily
        ``([member,] time, lat, lon) -> ([member,] region, date)``.

    Raises
    ------
    ForecastError
        A pollutant's ``units`` attribute is missing or not its HJ 633 unit
        (:data:`engine.units.TARGET_UNITS`): a dataset built in memory goes through
        ``forecasts.normalise`` first, which converts or refuses it.

    Notes
    -----
    Non-finite values (±Inf) are invalid data and count as missing, like NaN: they lower the
    region's ``valid_fraction`` and never enter a mean (docs/rules.md §1.5). Dask-backed
    forecasts may be chunked along any dim; the grid dims are merged into one chunk, as the
    regional mean of an hour needs the whole grid. Their regional hourly means are computed
    here (on a dask.distributed cluster if a Client is open) and everything after them in
    memory, so the result equals the in-memory one bit for bit (docs/distributed.md).
    """
    means = {
        p: regional_mean(_guarded(forecast[p], p), weights) for p in POLLUTANTS if p in forecast
    }
    if any(mean.chunks for mean in means.values()):
        # A lazy (dask) forecast: one pass over it computes every pollutant's hourly regional
        # means, block by block, on the active scheduler (a dask.distributed Client if one is
        # open); what follows is small — ([member,] region, time) — and runs in memory.
        import dask

        means = dict(zip(means, dask.compute(*means.values()), strict=True))
    hourly, valid = {}, []
    for pollutant, mean in means.items():
        valid.append(mean["valid_fraction"])
        hourly[pollutant] = mean[pollutant] if pollutant in mean else mean["mean"]
    hourly_ds = xr.Dataset(hourly)
    daily = daily_statistics(hourly_ds)
    aqi = daily_aqi_dataset(daily, standard)
    data = xr.merge([daily, aqi], compat="override", join="exact")
    data["valid_fraction"] = xr.concat(valid, "pollutant").min(["pollutant", "time"])
    return RegionalDaily(data=data, hourly=hourly_ds, standard=standard)


def _guarded(field: xr.DataArray, pollutant: str) -> xr.DataArray:
    """``field`` in its HJ 633 unit, ±Inf made missing, one chunk along the grid dims."""
    units = field.attrs.get("units")
    target = TARGET_UNITS[pollutant]
    if not units:
        raise ForecastError(
            f"forecast variable {pollutant} has no 'units' attribute; regional_daily takes "
            f"{target} (HJ 633): pass the dataset through forecasts.normalise(ds) first, which "
            "checks and converts it"
        )
    try:
        factor = conversion_factor(str(units), pollutant)[0]
    except ForecastError as error:
        raise ForecastError(f"forecast variable {pollutant}: {error}") from None
    if factor != 1.0:
        raise ForecastError(
            f"forecast variable {pollutant} is in {units!r}, not {target!r} (HJ 633); "
            "regional_daily converts nothing: pass the dataset through forecasts.normalise(ds) "
            "first, which converts it"
        )
    if field.chunks is not None:
        grid = {str(d): -1 for d in field.dims[-2:]}
        field = field.chunk(grid)
        return field.copy(data=field.data.map_blocks(_inf_as_nan, dtype=field.dtype))
    if np.issubdtype(field.dtype, np.floating) and np.isinf(field.values).any():
        field = field.where(~np.isinf(field))
    return field


def _inf_as_nan(block: np.ndarray) -> np.ndarray:
    """One dask block with ±Inf as NaN; copied only if it holds one (module level: workers
    import it by name)."""
    if not np.issubdtype(block.dtype, np.floating) or not block.size:
        return block
    if np.isfinite(block.min()) and np.isfinite(block.max()):
        return block
    return np.where(np.isinf(block), block.dtype.type(np.nan), block)


def covered_dates(daily: RegionalDaily) -> tuple[dt.date, dt.date]:
    """First and last CST date with a daily AQI."""
    dates = daily.dates
    if not dates:
        raise DataCoverageError("the forecast covers no whole China Standard Time day")
    return dates[0], dates[-1]


def _day_values(daily: RegionalDaily, codes: Sequence[str]) -> dict[str, tuple[DayValues, ...]]:
    """The days of each region (ensembles: from the member-median statistics)."""
    data = daily.data.sel(region=list(codes))
    if daily.ensemble:
        stats = data[
            [v for v in ("pm25", "pm10", "so2", "no2", "co", "o3_mda8", "o3_1h") if v in data]
        ]
        median = stats.median("member")
        data = xr.merge([median, daily_aqi_dataset(median, daily.standard)], compat="override")
    out: dict[str, tuple[DayValues, ...]] = {}
    primaries = [str(v) for v in data.data_vars if str(v).startswith("primary_")]
    dates = [as_date(d) for d in data["date"].values]
    aqi = data["aqi"].transpose("region", "date").values.tolist()
    category = data["category"].transpose("region", "date").values.tolist()
    above_top = (
        data["above_top"].transpose("region", "date").values.tolist()
        if "above_top" in data
        else [[False] * len(dates) for _ in codes]
    )
    fields = {
        name: np.round(data[source].transpose("region", "date").values.astype(np.float64), 1)
        for name, source in _DAY_FIELDS.items()
        if source in data
    }
    fields_list = {name: np.where(np.isfinite(v), v, np.nan).tolist() for name, v in fields.items()}
    flags = {
        p: data[f"primary_{p}"].transpose("region", "date").values.tolist()
        for p in POLLUTANTS
        if f"primary_{p}" in primaries
    }

    def value(name: str, r: int, t: int) -> float | None:
        v = fields_list[name][r][t] if name in fields_list else None
        return None if v is None or v != v else v

    for r, code in enumerate(codes):
        out[code] = tuple(
            DayValues(
                date=date,
                pm25_24h=value("pm25_24h", r, t),
                o3_mda8=value("o3_mda8", r, t),
                aqi=aqi[r][t],
                category=category[r][t],
                primary_pollutants=tuple(p for p, f in flags.items() if f[r][t]),
                above_top=bool(above_top[r][t]),
            )
            for t, date in enumerate(dates)
            if aqi[r][t] >= 0
        )
    return out


def as_date(value: np.datetime64) -> dt.date:
    """A ``datetime64`` as a :class:`datetime.date`."""
    return np.asarray(value).astype("datetime64[D]").item()  # type: ignore[no-any-return]


def as_datetime(value: np.datetime64) -> dt.datetime:
    """A ``datetime64`` as a naive :class:`datetime.datetime` (to the second)."""
    return np.asarray(value).astype("datetime64[s]").item()  # type: ignore[no-any-return]
