"""Monitoring observations, an adapter around the engine: station list, hourly station values
and hourly electricity use in SQLite; observed daily statistics and AQI per station and city.

Imports :mod:`engine` (and may import :mod:`grids` for geometry), never :mod:`api` or
:mod:`registry` (docs/design.md, "Layout").

* :class:`ObservationStore` — schema version, atomic CSV import (every bad row named by line,
  nothing imported), column-wise hourly values per station and day, electricity use per meter;
* :func:`city_daily`, :func:`station_daily` — observed daily statistics and AQI by the official
  method (hourly mean of a city's stations, then daily statistics, then AQI), on the same engine
  code as forecasts;
* :mod:`observations.synthetic` — observations and electricity use for the demo and the tests.
"""

from observations._csv import (
    ELECTRICITY_COLUMNS,
    HOURLY_COLUMNS,
    MISSING_MARKERS,
    POLLUTANTS,
    STATION_COLUMNS,
)
from observations._daily import StationMembership, city_daily, observed_rows, station_daily
from observations.store import (
    HOUR_LABELS,
    SCHEMA_VERSION,
    ImportRejected,
    ImportSummary,
    ObservationStore,
)

__all__ = [
    "ELECTRICITY_COLUMNS",
    "HOURLY_COLUMNS",
    "HOUR_LABELS",
    "MISSING_MARKERS",
    "POLLUTANTS",
    "SCHEMA_VERSION",
    "STATION_COLUMNS",
    "ImportRejected",
    "ImportSummary",
    "ObservationStore",
    "StationMembership",
    "city_daily",
    "observed_rows",
    "station_daily",
]
