"""One entry point for region sets: a GeoJSON path or a bundled set (``builtin:<name>``)."""

from __future__ import annotations

from pathlib import Path

from grids._builtin import load_builtin
from grids._regions import RegionSet, read_geojson

__all__ = ["BUILTIN_PREFIX", "load_regions"]

BUILTIN_PREFIX = "builtin:"
"""Prefix of the specs of bundled region sets (see :func:`grids.builtin_sets`)."""


def load_regions(spec: str | Path) -> RegionSet:
    """Region set from a spec: a GeoJSON path or ``builtin:<name>``.

    Parameters
    ----------
    spec : str or Path
        ``"path/to/regions.geojson"`` (FeatureCollection whose features carry ``code``, ``name``,
        ``kind`` and ``parent`` properties) or ``"builtin:key-regions"`` and the other names of
        :func:`grids.builtin_sets`.

    Returns
    -------
    RegionSet

    Raises
    ------
    RegionError
        Missing or unreadable file, bad JSON, missing properties, unknown kind, duplicate codes,
        empty or invalid geometry — the message names the file and the feature.
    NotFoundError
        Unknown ``builtin:`` name.
    """
    if isinstance(spec, str) and spec.startswith(BUILTIN_PREFIX):
        return load_builtin(spec[len(BUILTIN_PREFIX) :])
    return read_geojson(Path(spec))
