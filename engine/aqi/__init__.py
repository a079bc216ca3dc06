"""Air Quality Index under HJ 633-2012 and HJ 633-2026, exact to the integer.

The breakpoint tables, over-range rules, input rounding, daily indicator sets and the category
table are data (``engine/data/aqi_standards.toml``); this module selects a standard by date and
applies it. Every IAQI goes through the exact integer kernel :mod:`engine.kernels.aqi`, so a value
whose exact IAQI is an integer is never pushed up by float noise.

Conventions
-----------
* Pollutant ids: ``pm25_24h``, ``pm10_24h``, ``o3_8h``, ``o3_1h``, ``so2_24h``, ``so2_1h``,
  ``no2_24h``, ``no2_1h``, ``co_24h``, ``co_1h``; concentrations in µg/m³, CO in mg/m³.
* :data:`MISSING` (-1) is the IAQI / AQI of no value: NaN input, a negative concentration, or
  (HJ 633-2012) a value above the top of a column that has no IAQI for that averaging period
  (SO2 1h > 800, O3 8h > 800: the caller uses the other period). ``not_computed="raise"``
  raises :class:`~engine.errors.PolicyError` for the latter instead.
* A value above the top of any other column is undefined in both texts (docs/rules.md §1.1 [?]); by
  default its IAQI is 500 and it is flagged (``above_top="cap"``); ``above_top="missing"``
  gives :data:`MISSING` instead.
"""

from engine.aqi._compute import (
    DailyAQI,
    daily_aqi,
    daily_aqi_dataset,
    iaqi,
    iaqi_with_flags,
)
from engine.aqi._standards import (
    AQI_MISSING,
    DAILY_KEYS,
    MISSING,
    POLLUTANT_IDS,
    POLLUTANTS,
    Category,
    Standard,
    categories,
    category,
    get_standard,
    species_of,
    standard_for,
    standards,
)
from engine.aqi._standards import (
    _column as _column,  # internal: a column as kernel arrays, for tests and benchmarks
)

__all__ = [
    "AQI_MISSING",
    "DAILY_KEYS",
    "MISSING",
    "POLLUTANT_IDS",
    "POLLUTANTS",
    "Category",
    "DailyAQI",
    "Standard",
    "categories",
    "category",
    "daily_aqi",
    "daily_aqi_dataset",
    "get_standard",
    "iaqi",
    "iaqi_with_flags",
    "species_of",
    "standard_for",
    "standards",
]
