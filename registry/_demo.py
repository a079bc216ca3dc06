"""The synthetic registry of the demo: generate for a region set, write CSVs, import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from grids import RegionSet, load_regions
from registry.store import ImportSummary, RegistryStore
from registry.synthetic import synthetic_registry

__all__ = ["import_synthetic"]


def import_synthetic(
    directory: str | Path,
    regions: RegionSet | str | Path,
    *,
    registry: str | Path | None = None,
    n_enterprises: int = 3000,
    seed: int = 20261130,
    as_of: dt.date | None = None,
) -> tuple[dict[str, Path], ImportSummary]:
    """Write ``DIR/registry/{enterprises,lines,baseline}.csv`` for ``regions`` and import them.

    Enterprises are placed in the leaf regions (regions no other region names as parent);
    every region gets a baseline. The registry file defaults to ``DIR/registry.sqlite`` and is
    replaced.
    """
    directory = Path(directory)
    region_set = regions if isinstance(regions, RegionSet) else load_regions(regions)
    parents = {r.code: r.parent for r in region_set}
    named = {p for p in parents.values() if p}
    leaves = [(r.code, r.geometry) for r in region_set if r.code not in named]
    synth = synthetic_registry(leaves, n_enterprises=n_enterprises, seed=seed, parents=parents)
    paths = synth.write_csv(directory / "registry")
    target = Path(registry) if registry else directory / "registry.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    summary = RegistryStore(target).import_csv(
        enterprises=paths["enterprises"],
        lines=paths["lines"],
        baseline=paths["baseline"],
        as_of=as_of,
    )
    return paths, summary
