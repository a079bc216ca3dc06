"""One settings object for the service, read from ``LANTIAN_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Service configuration.

    Every field can be set as an environment variable with the ``LANTIAN_`` prefix
    (e.g. ``LANTIAN_FORECAST=/data/f.nc``) or as a ``lantian serve`` option.
    """

    model_config = SettingsConfigDict(env_prefix="LANTIAN_")

    forecast: Path = Path("data/demo/forecast.nc")
    """Forecast netCDF served (see the forecast contract in the README)."""
    regions: str = "data/demo/regions.geojson"
    """Region set: a GeoJSON path (or a ``builtin:`` name once bundled sets exist)."""
    db: Path = Path("data/demo/decisions.sqlite")
    """SQLite file of the decision store; created if absent."""
    registry: Path = Path("data/demo/registry.sqlite")
    """SQLite file of the enterprise registry (see ``lantian registry import``)."""
    host: str = "127.0.0.1"
    port: int = 8000
