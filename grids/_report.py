"""What the weights say about each region: the rows of ``lantian regions``."""

from __future__ import annotations

from typing import Any

from engine.errors import RegionError
from grids._regions import RegionSet
from grids._weights import CoverageWeights

__all__ = ["coverage_report"]


def coverage_report(regions: RegionSet, weights: CoverageWeights) -> list[dict[str, Any]]:
    """One row per region of the set, covered or not.

    Parameters
    ----------
    regions : RegionSet
        The regions, in the order of the weights' rows.
    weights : CoverageWeights
        Their weights on a grid (any kind; areas are those of the area weights).

    Returns
    -------
    list of dict
        ``code``, ``name``, ``kind``, ``parent``, ``cells`` (cells with a non-zero weight),
        ``area_km2`` (the region's area on the grid, from the weights [km²]),
        ``polygon_area_km2`` (geodesic area of the polygon [km²]) and ``covered_fraction`` [1].
    """
    if list(weights.region_codes) != regions.codes:
        raise RegionError(
            f"the weights were built for {len(weights.region_codes)} regions other than the "
            f"{len(regions)} of {regions.source}: rebuild them with coverage_weights(regions, grid)"
        )
    cells, area, polygon = weights.cells, weights.region_area_km2, weights.polygon_area_km2
    covered = weights.covered_fraction
    return [
        {
            "code": r.code,
            "name": r.name,
            "kind": r.kind,
            "parent": r.parent,
            "cells": int(cells[i]),
            "area_km2": round(float(area[i]), 3),
            "polygon_area_km2": round(float(polygon[i]), 3),
            "covered_fraction": round(float(covered[i]), 6),
        }
        for i, r in enumerate(regions)
    ]
