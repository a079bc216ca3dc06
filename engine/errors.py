"""The exception tree of Lantian, shared by every package.

Input problems subclass :class:`ValueError`; the API maps each class to an HTTP status in one
place (``api/errors.py``) and the CLI prints the message on one line.
"""

from __future__ import annotations

__all__ = [
    "DataCoverageError",
    "ForecastError",
    "LantianError",
    "NotFoundError",
    "ObservationError",
    "PolicyError",
    "RegionError",
    "RegistryError",
]


class LantianError(Exception):
    """Base of every error Lantian raises on purpose."""


class ForecastError(LantianError, ValueError):
    """A forecast file is missing, unreadable or violates the forecast contract."""


class RegionError(LantianError, ValueError):
    """Region polygons are missing, malformed or do not match the grid."""


class RegistryError(LantianError, ValueError):
    """Enterprise registry input (CSV rows, plans, baselines) is invalid."""


class PolicyError(LantianError, ValueError):
    """A policy data file (AQI standard, rule set, catalogue) is unknown or malformed."""


class ObservationError(LantianError, ValueError):
    """Observation input (station list, hourly values, electricity use) is invalid."""


class DataCoverageError(LantianError, ValueError):
    """The data do not cover what was asked (e.g. a date outside the forecast)."""


class NotFoundError(LantianError, LookupError):
    """A named thing (region, decision, notice) does not exist."""
