"""The synthetic registry of the demo: where firms are registered, generation, CSVs, import.

Real firms are registered in counties, and a city's plan covers the firms of all its counties
(:func:`registry.regions.region_members`). So synthetic firms are placed in the counties of the
bundled boundaries (grids ``builtin:counties``) below each region of the set, not only in the
set's leaves: under ``builtin:key-regions``, 石家庄 (130100) gets the firms of its 22 counties,
辛集 (130181) among them, and its baseline sums theirs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from grids import RegionSet, load_regions
from registry.regions import region_chain
from registry.store import ImportSummary, RegistryStore
from registry.synthetic import synthetic_registry

__all__ = ["FIRMS_PER_REGION", "import_synthetic", "synthetic_places"]

FIRMS_PER_REGION = 300
"""Synthetic firms per top region of a set (a city), on average [I]: a large city's plan lists
hundreds, as a key-region city's emergency list does."""


def synthetic_places(
    regions: RegionSet,
) -> tuple[list[tuple[str, Any]], dict[str, str | None]]:
    """Where synthetic firms are registered, and the hierarchy above those places.

    Every bundled county lying below a region of the set (by the set's ``parent`` links, else
    by the administrative code, as plans resolve it: :func:`registry.regions.region_chain`) is a
    place; a leaf region of the set with no such county below it stands for itself (a custom
    region, a city without counties); bundled counties inside such a leaf (the three counties of
    the composite 雄安新区) are left out, so no place counts twice.

    Parameters
    ----------
    regions : grids.RegionSet
        The region set of the plans (e.g. the demo's cities).

    Returns
    -------
    places : list of (code, shapely geometry)
        Places to register firms in, by code.
    parents : dict code → parent code
        The set's hierarchy plus each county's parent, for baselines summed up the hierarchy.
    """
    parents: dict[str, str | None] = {r.code: r.parent for r in regions}
    counties: list[tuple[str, Any]] = []
    if any(len(c) == 6 and c.isdigit() for c in parents):  # administrative codes: counties exist
        for county in load_regions("builtin:counties"):
            if any(code in parents for code in region_chain(county.code, parents)):
                counties.append((county.code, county.geometry))
    covered = {code for c, _ in counties for code in region_chain(c, parents)}
    named = {p for p in parents.values() if p}
    standing = [(r.code, r.geometry) for r in regions if r.code not in named | covered]
    if standing and counties:
        points = shapely.point_on_surface([g for _, g in counties])
        inside = np.zeros(len(counties), bool)
        for _, geometry in standing:
            inside |= shapely.contains(geometry, points)
        counties = [c for c, keep in zip(counties, ~inside, strict=True) if keep]
    for code, _ in counties:
        if code not in parents:
            chain = region_chain(code, parents)
            parents[code] = chain[1] if len(chain) > 1 else None
    return counties + standing, parents


def import_synthetic(
    directory: str | Path,
    regions: RegionSet | str | Path,
    *,
    registry: str | Path | None = None,
    n_enterprises: int | None = None,
    seed: int = 20261130,
    as_of: dt.date | None = None,
) -> tuple[dict[str, Path], ImportSummary]:
    """Write ``DIR/registry/{enterprises,lines,baseline,equipment}.csv`` for ``regions`` and
    import them.

    Enterprises are registered in the places of :func:`synthetic_places` (the counties below
    the set's regions); every place and every region above one gets a baseline (the sum of its
    places'). ``n_enterprises`` defaults to :data:`FIRMS_PER_REGION` per top region of the set
    (a region whose parent is not in it). The registry file defaults to
    ``DIR/registry.sqlite`` and is replaced.
    """
    directory = Path(directory)
    region_set = regions if isinstance(regions, RegionSet) else load_regions(regions)
    places, parents = synthetic_places(region_set)
    if n_enterprises is None:
        top = [r for r in region_set if r.parent not in region_set]
        n_enterprises = FIRMS_PER_REGION * max(len(top), 1)
    synth = synthetic_registry(places, n_enterprises=n_enterprises, seed=seed, parents=parents)
    paths = synth.write_csv(directory / "registry")
    target = Path(registry) if registry else directory / "registry.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    summary = RegistryStore(target).import_csv(
        enterprises=paths["enterprises"],
        lines=paths["lines"],
        baseline=paths["baseline"],
        equipment=paths["equipment"],
        as_of=as_of,
    )
    return paths, summary
