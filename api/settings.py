"""One settings object for the service, read from ``LANTIAN_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.policy import decision_defaults

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Service configuration.

    Every field can be set as an environment variable with the ``LANTIAN_`` prefix
    (e.g. ``LANTIAN_FORECAST=/data/f.nc``) or as a ``lantian serve`` option.
    """

    model_config = SettingsConfigDict(env_prefix="LANTIAN_")

    forecast: Path = Path("data/demo/forecast.nc")
    """Forecast netCDF served (see the forecast contract in the README)."""
    regions: str = "builtin:key-regions"
    """Region set: a GeoJSON path or a bundled set such as ``builtin:key-regions``."""
    db: Path = Path("data/demo/decisions.sqlite")
    """SQLite file of the decision store; created if absent."""
    registry: Path = Path("data/demo/registry.sqlite")
    """SQLite file of the enterprise registry (see ``lantian registry import``)."""
    observations: Path = Path("data/demo/observations.sqlite")
    """SQLite file of station observations and electricity use (``lantian observations
    import``), read by verification and compliance."""
    catalogue: list[Path] = []
    """Regional measure catalogues (TOML) layered, in order, over the packaged one."""
    host: str = "127.0.0.1"
    port: int = 8000
    mode: Literal["natural", "rolling"] = "natural"
    """Default evaluation mode: natural CST days, or every 24-h window across midnight."""
    pre_alert: bool = False
    """Use the local pre-alert tier (临时管控) of the rule set (docs/rules.md §2.1)."""
    rule_overrides: Path | None = None
    """TOML file of stricter regional rules (``[[override]]`` tables; see the README)."""
    linkage_share: float | None = Field(default=None, gt=0, le=1)
    """Share of a key region's member cities at a level that raises all of them to it;
    unset (default): only notices entered through the API link cities (docs/rules.md §2.1 [?])."""
    ensemble_threshold: float = Field(
        default_factory=lambda: decision_defaults().ensemble_threshold, gt=0, le=1
    )
    """Ensembles: the level issued is the highest with at least this probability (default:
    ``[decision]`` of ``engine/data/rule_sets.toml``)."""
    min_valid_fraction: float = Field(
        default_factory=lambda: decision_defaults().min_valid_fraction, ge=0, le=1
    )
    """Responses resting on less of a region's area with valid forecast values are marked
    degraded (our data-quality rule [I])."""
