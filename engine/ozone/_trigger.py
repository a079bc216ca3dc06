"""On which days a programme applies: its season, and its trigger (docs/rules.md §4.2).

``season``: every day of the season. ``forecast``: only the days whose forecast regional O3
MDA8 passes the threshold — and, when the programme asks for it and the forecast carries
``t2m``, whose daily maximum 2-m temperature passes its own. A day without a forecast value is
not triggered, and a note says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from engine.cst import CST_OFFSET
from engine.errors import DataCoverageError, ForecastError, PolicyError
from engine.ozone._programme import Programme
from engine.regional import RegionalDaily
from engine.texts import say

__all__ = ["MIN_T2M_HOURS", "regional_o3_mda8", "t2m_daily_max", "trigger_days", "trigger_text"]


def _pass(values: np.ndarray, threshold: float, inclusive: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return values >= threshold if inclusive else values > threshold


def trigger_days(
    programme: Programme,
    dates: Sequence[dt.date],
    o3_mda8: np.ndarray | None = None,
    t2m_max: np.ndarray | None = None,
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Days the programme applies, ``(…, day) -> (…, day)``, and notes (English, Chinese).

    Parameters
    ----------
    programme : Programme
        Season and trigger.
    dates : sequence of datetime.date
        The CST days of the period, in order.
    o3_mda8 : float (…, day), optional
        Forecast regional O3 MDA8 [µg m⁻³] (NaN: no forecast). Required by a forecast trigger;
        leading dims (e.g. region) carry through.
    t2m_max : float (…, day), optional
        Daily maximum of the regional 2-m temperature [°C] (NaN: none), same shape.

    Returns
    -------
    triggered : bool (…, day)
        ``(day,)`` for a season trigger without forecast values.
    notes : list of (str, str)
    """
    season = np.array([programme.in_season(d) for d in dates], bool)
    notes: list[tuple[str, str]] = []
    outside = int((~season).sum())
    if outside:
        (m0, d0), (m1, d1) = programme.season
        notes.append(
            say(
                "ozone.note.out_of_season",
                count=outside,
                start=f"{m0:02d}-{d0:02d}",
                end=f"{m1:02d}-{d1:02d}",
            )
        )
    trig = programme.trigger
    if not trig.needs_forecast:
        if o3_mda8 is None:
            return season, notes
        return np.broadcast_to(season, np.shape(o3_mda8)).copy(), notes
    if o3_mda8 is None:
        raise DataCoverageError(
            f"programme {programme.id} applies only on days with a forecast regional O3 MDA8 "
            f"({trigger_text(programme)[0]}): give a forecast (--forecast)"
        )
    o3 = np.asarray(o3_mda8, np.float64)
    if o3.shape[-1] != len(dates):
        raise DataCoverageError(f"o3_mda8 has {o3.shape[-1]} days, the period {len(dates)}")
    assert trig.o3_mda8 is not None  # a forecast trigger always has one (parsing)
    on = season & _pass(o3, trig.o3_mda8, trig.o3_inclusive)
    missing = np.isnan(o3).any(axis=tuple(range(o3.ndim - 1))) & season
    if missing.any():
        days = ", ".join(d.isoformat() for d, m in zip(dates, missing, strict=True) if m)
        notes.append(say("ozone.note.no_forecast", days=days))
    if trig.t2m_max is not None:
        if t2m_max is None:
            if trig.t2m_missing == "error":
                raise PolicyError(
                    f"programme {programme.id} has a temperature condition and "
                    't2m_missing = "error", but the forecast carries no t2m'
                )
            notes.append(say("ozone.note.no_t2m"))
        else:
            t2m = np.broadcast_to(np.asarray(t2m_max, np.float64), o3.shape)
            on &= _pass(t2m, trig.t2m_max, trig.t2m_inclusive)
    return on, notes


def trigger_text(programme: Programme) -> tuple[str, str]:
    """The programme's trigger in words (English, Chinese)."""
    (m0, d0), (m1, d1) = programme.season
    start, end = f"{m0:02d}-{d0:02d}", f"{m1:02d}-{d1:02d}"
    trig = programme.trigger
    if not trig.needs_forecast:
        return say("ozone.trigger.season", start=start, end=end)
    assert trig.o3_mda8 is not None
    o3 = say("ozone.trigger.o3", op="≥" if trig.o3_inclusive else ">", value=trig.o3_mda8)
    t2m = ("", "")
    if trig.t2m_max is not None:
        op = "≥" if trig.t2m_inclusive else ">"
        t2m = say("ozone.trigger.t2m", op=op, value=trig.t2m_max)
    en = say("ozone.trigger.forecast", o3=o3[0], t2m=t2m[0], start=start, end=end)[0]
    zh = say("ozone.trigger.forecast", o3=o3[1], t2m=t2m[1], start=start, end=end)[1]
    return en, zh


def regional_o3_mda8(daily: RegionalDaily, code: str, dates: Sequence[dt.date]) -> np.ndarray:
    """Forecast O3 MDA8 of region ``code`` on ``dates``, ``(day,)`` [µg m⁻³]; NaN where the
    forecast has no value. An ensemble gives its members' median [I]."""
    values = daily.data["o3_mda8"].isel(region=int(daily.region_index([code])[0]))
    if "member" in values.dims:
        values = values.median("member")
    wanted = np.array([np.datetime64(d, "ns") for d in dates], "datetime64[ns]")
    return np.asarray(values.reindex(date=wanted).values, np.float64)


_KELVIN = ("K", "kelvin", "Kelvin")
_CELSIUS = ("degC", "°C", "C", "celsius", "degree_Celsius", "degrees_Celsius")
MIN_T2M_HOURS = 20
"""Hours of a CST day a daily maximum of t2m needs [I], as a daily mean (docs/rules.md §1.5)."""


def t2m_daily_max(
    t2m: np.ndarray, times: np.ndarray, units: str, dates: Sequence[dt.date]
) -> np.ndarray:
    """Daily maximum of a regional hourly 2-m temperature, ``(time,) -> (day,)`` [°C].

    ``t2m`` [``units``: K or °C], ``times`` UTC (``datetime64``); each CST day of ``dates``
    needs :data:`MIN_T2M_HOURS` valid hours, else NaN (the temperature condition fails).
    """
    values = np.asarray(t2m, np.float64)
    if units in _KELVIN:
        values = values - 273.15
    elif units not in _CELSIUS:
        raise ForecastError(f"t2m has units {units!r}; expected K or degC")
    day = (np.asarray(times, "datetime64[h]") + CST_OFFSET).astype("datetime64[D]")
    out = np.full(len(dates), np.nan)
    for k, d in enumerate(dates):
        mine = values[(day == np.datetime64(d, "D")) & np.isfinite(values)]
        if mine.size >= MIN_T2M_HOURS:
            out[k] = mine.max()
    return out
