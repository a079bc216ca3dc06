"""Region geometries built from coordinate arrays equal those ``shapely.geometry.shape`` builds.

``grids._regions._polygons`` is the fast path of reading a region file; anything it does not
take is left to ``shape``, so a file reads to the same geometries and errors either way.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
import shapely.geometry

from engine.errors import RegionError
from grids import load_regions
from grids._regions import _polygons

SQUARE = [[116, 39], [117, 39], [117, 40], [116, 40], [116, 39]]
HOLE = [[116.2, 39.2], [116.4, 39.2], [116.4, 39.4], [116.2, 39.2]]
EAST = [[118.5, 39.1], [119.25, 39.1], [119.25, 40.3], [118.5, 39.1]]


def _wkb(geometry):
    return shapely.to_wkb(geometry, output_dimension=3, hex=True)


FAST = {
    "polygon": {"type": "Polygon", "coordinates": [SQUARE]},
    "polygon with a hole": {"type": "Polygon", "coordinates": [SQUARE, HOLE]},
    "unclosed ring": {"type": "Polygon", "coordinates": [SQUARE[:-1]]},
    "float coordinates": {
        "type": "Polygon",
        "coordinates": [[[x + 0.1, y + 1e-9] for x, y in SQUARE]],
    },
    "3-D": {"type": "Polygon", "coordinates": [[[x, y, 5.0] for x, y in SQUARE]]},
    "multipolygon": {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [EAST]]},
}


@pytest.mark.parametrize("name", FAST)
def test_plain_polygons_are_built_as_shape_builds_them(name):
    geometry = FAST[name]
    fast = _polygons(geometry)
    assert fast is not None
    expected = shapely.geometry.shape(geometry)
    assert type(fast) is type(expected)
    assert _wkb(fast) == _wkb(expected)


def test_random_rings_are_built_as_shape_builds_them():
    rng = np.random.default_rng(20261202)  # seed recorded: the case is reproducible
    for _ in range(50):
        n = int(rng.integers(3, 40))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radius = rng.uniform(0.1, 2.0, n)
        ring = np.c_[116 + radius * np.cos(angles), 39 + radius * np.sin(angles)].tolist()
        geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        assert _wkb(_polygons(geometry)) == _wkb(shapely.geometry.shape(geometry))


LEFT_TO_SHAPE = {
    "a point": {"type": "Point", "coordinates": [116, 39]},
    "three coordinates": {"type": "Polygon", "coordinates": [SQUARE[:3]]},
    "ragged ring": {"type": "Polygon", "coordinates": [[[116, 39], [117, 39, 1], *SQUARE[2:]]]},
    "2-D and 3-D rings": {
        "type": "Polygon",
        "coordinates": [[[x, y, 1.0] for x, y in SQUARE], HOLE],
    },
    "text coordinates": {"type": "Polygon", "coordinates": [[[str(x), str(y)] for x, y in SQUARE]]},
    "no rings": {"type": "Polygon", "coordinates": []},
    "empty multipolygon": {"type": "MultiPolygon", "coordinates": []},
    "not a dict": [SQUARE],
}


@pytest.mark.parametrize("name", LEFT_TO_SHAPE)
def test_anything_else_is_left_to_shape(name):
    assert _polygons(LEFT_TO_SHAPE[name]) is None


@pytest.mark.parametrize("name", [*FAST, *LEFT_TO_SHAPE])
def test_a_region_file_reads_as_with_shape_alone(tmp_path, name):
    geometry = {**FAST, **LEFT_TO_SHAPE}[name]
    feature = {
        "type": "Feature",
        "properties": {"code": "110100", "name": "R", "kind": "city", "parent": None},
        "geometry": geometry,
    }
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    try:
        expected = shapely.geometry.shape(geometry)
    except Exception:
        with pytest.raises(RegionError, match="geometry is malformed"):
            load_regions(path)
        return
    if expected.geom_type not in ("Polygon", "MultiPolygon") or expected.is_empty:
        with pytest.raises(RegionError):
            load_regions(path)
        return
    assert _wkb(load_regions(path).get("110100").geometry) == _wkb(expected)
