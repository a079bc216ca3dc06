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
    reads_need_key: bool = False
    """Require an API key (any role) for every read; by default reads are anonymous, since
    levels are public information. Writes always need a key."""
    rate_limit: float = Field(default=20.0, ge=0)
    """Requests per second allowed to each API key, across all worker processes (0: no
    limit; the buckets live in a file beside the store, docs/service.md)."""
    rate_burst: int = Field(default=40, ge=1)
    """Requests an API key may send at once before the rate limit applies."""
    busy_timeout: float = Field(default=30.0, gt=0)
    """Seconds a store operation waits for another writer's lock before failing with 503."""
    workers: int = Field(default=1, ge=1, le=64)
    """Worker processes of ``lantian serve`` (all on the one SQLite store)."""
    timeout_keep_alive: int = Field(default=5, ge=1)
    """Seconds an idle keep-alive connection is kept open."""
    header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a client has to send a request's headers (slow-header protection)."""
    reload_poll: float = Field(default=5.0, ge=0)
    """Seconds between looks at the served forecast file: a new file (inode, size or time
    changed, and unchanged for one more look) is loaded and swapped in; 0: only on SIGHUP."""
    dask_scheduler: str | None = None
    """Address of a dask scheduler (``tcp://host:8786``): the forecast is read in chunks and
    its regional means are computed on that cluster at start-up and on every reload
    (docs/distributed.md). ``lantian serve --dask-workers N`` starts a local one and sets it."""
    chunk_hours: int = Field(default=24, ge=1)
    """Forecast hours per chunk (one member each) when a dask scheduler is used."""
    store_sync: Literal["normal", "full"] = "normal"
    """normal: a committed decision survives a crash of the server (kill -9), not a power cut;
    full: every commit is synced to disk first (slower writes)."""
