import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels import use_numba
from grids import Region, RegionSet, RegularGrid, coverage_weights
from grids._rasterise import polygon_cell_moments


def regions(*geoms, kind="county"):
    return RegionSet([Region(str(i), f"r{i}", kind, None, g) for i, g in enumerate(geoms)])


def dense(weights, row):
    return weights.matrix[row].toarray().ravel()


GRID = RegularGrid.from_bounds(110.0, 111.0, 30.0, 31.0, 0.25)  # 4 x 4 cells
AREA = GRID.cell_area_km2().ravel()


def test_half_a_cell_weighs_half_its_area():
    # left half of the cell (row 1, col 2): lon 110.5..110.625, lat 30.25..30.5
    w = coverage_weights(regions(shapely.box(110.5, 30.25, 110.625, 30.5)), GRID)
    cell = 1 * 4 + 2
    row = dense(w, 0)
    assert np.count_nonzero(row) == 1
    # half in longitude is exactly half of the ellipsoidal area
    assert row[cell] == pytest.approx(0.5 * AREA[cell], rel=1e-12)
    assert w.cells[0] == 1


def test_triangle_half_of_a_cell_by_its_diagonal():
    tri = shapely.Polygon([(110.0, 30.0), (110.25, 30.0), (110.25, 30.25)])
    row = dense(coverage_weights(regions(tri), GRID), 0)
    # a diagonal halves the cell in lon/lat; the ellipsoidal area is nearly symmetric
    assert row[0] / AREA[0] == pytest.approx(0.5, abs=2e-3)
    assert np.count_nonzero(row) == 1


def test_whole_cells_and_partition_sums_to_cell_area():
    # four quadrants sharing a vertex off the cell corners partition the grid
    x, y = 110.4, 30.61
    quads = [
        shapely.box(110, 30, x, y),
        shapely.box(x, 30, 111, y),
        shapely.box(110, y, x, 31),
        shapely.box(x, y, 111, 31),
    ]
    w = coverage_weights(regions(*quads), GRID)
    np.testing.assert_allclose(np.asarray(w.matrix.sum(axis=0)).ravel(), AREA, rtol=1e-10)
    np.testing.assert_allclose(w.covered_fraction, 1.0, rtol=1e-6)


def test_hole_and_multipolygon():
    outer = shapely.box(110.0, 30.0, 110.75, 30.75)  # cells rows 0..2, cols 0..2
    with_hole = shapely.Polygon(
        outer.exterior.coords, [shapely.box(110.25, 30.25, 110.5, 30.5).exterior.coords]
    )
    assert with_hole.is_valid
    multi = shapely.MultiPolygon(
        [shapely.box(110.0, 30.75, 110.25, 31.0), shapely.box(110.75, 30.0, 111.0, 30.25)]
    )
    w = coverage_weights(regions(with_hole, multi), GRID)
    hole_row, multi_row = dense(w, 0), dense(w, 1)
    ring_cells = [0, 1, 2, 4, 6, 8, 9, 10]
    np.testing.assert_allclose(hole_row[ring_cells], AREA[ring_cells], rtol=1e-12)
    assert np.count_nonzero(hole_row) == 8
    assert hole_row[5] == pytest.approx(0.0, abs=1e-9)
    assert np.flatnonzero(multi_row).tolist() == [3, 12]
    assert w.region_area_km2[1] == pytest.approx(AREA[3] + AREA[12], rel=1e-12)


def test_region_crossing_the_grid_edge_reports_covered_fraction():
    # half of this box lies east of the grid
    w = coverage_weights(regions(shapely.box(110.75, 30.25, 111.25, 30.5)), GRID)
    assert w.covered_fraction[0] == pytest.approx(0.5, rel=1e-3)
    assert w.cells[0] == 1


def test_region_off_the_grid_and_region_smaller_than_a_cell():
    tiny = shapely.Point(110.6, 30.6).buffer(0.01, 64)
    far = shapely.box(120, 40, 121, 41)
    w = coverage_weights(regions(tiny, far), GRID)
    assert w.cells.tolist() == [1, 0]
    assert w.covered_fraction[0] == pytest.approx(1.0, rel=1e-5)
    assert w.region_area_km2[1] == 0.0 and w.covered_fraction[1] == 0.0


def test_descending_latitudes_put_weights_on_the_right_cells():
    flipped = RegularGrid(GRID.lat[::-1], GRID.lon)
    box = shapely.box(110.0, 30.0, 110.25, 30.25)  # southernmost, westernmost cell
    w = coverage_weights(regions(box), flipped)
    assert np.flatnonzero(dense(w, 0)).tolist() == [3 * 4 + 0]


def test_region_area_matches_geodesic_polygon_area_for_irregular_shape():
    grid = RegularGrid.from_bounds(115, 119, 36, 40, 0.05)
    blob = shapely.Polygon(
        [(116.03, 37.01), (118.41, 36.52), (118.77, 38.93), (117.2, 39.71), (115.5, 38.2)]
    ).difference(shapely.Point(117.3, 38.1).buffer(0.3))
    w = coverage_weights(regions(blob), grid)
    assert w.cells[0] > 1000
    assert w.region_area_km2[0] == pytest.approx(w.polygon_area_km2[0], rel=1e-4)


def random_polygon(rng, cx, cy, radius, n):
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = radius * rng.uniform(0.3, 1.0, n)
    return shapely.make_valid(
        shapely.Polygon(np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)]))
    )


def ring_arrays(part):
    coords = [np.asarray(r.coords) for r in (part.exterior, *part.interiors)]
    xs = np.concatenate([c[:, 0] for c in coords])
    ys = np.concatenate([c[:, 1] for c in coords])
    return xs, ys, np.cumsum([0] + [len(c) for c in coords]).astype(np.int64)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_kernel_matches_shapely_twin_on_random_polygons(seed):
    rng = np.random.default_rng(seed)
    geom = random_polygon(rng, 110.5, 30.5, 0.7, int(rng.integers(3, 40)))
    hole = shapely.Point(110.5, 30.5).buffer(rng.uniform(0.01, 0.2))
    geom = shapely.orient_polygons(geom.difference(hole), exterior_cw=False)
    xe, ye = GRID.lon_edges, GRID.lat_edges
    for part in getattr(geom, "geoms", [geom]):
        xs, ys, starts = ring_arrays(part)
        # bowed edges: sagittas up to 1 % of the edge length, either side
        length = np.hypot(np.diff(xs, append=xs[0]), np.diff(ys, append=ys[0]))
        sx, sy = (rng.uniform(-0.01, 0.01, xs.size) * length for _ in range(2))
        fast = polygon_cell_moments(xs, ys, sx, sy, starts, xe, ye)
        with use_numba(False):
            slow = polygon_cell_moments(xs, ys, sx, sy, starts, xe, ye)
        np.testing.assert_allclose(fast, slow, atol=1e-12)
        straight = polygon_cell_moments(xs, ys, 0 * sx, 0 * sy, starts, xe, ye)
        lon0, lon1, lat0, lat1 = GRID.bounds
        clipped = shapely.clip_by_rect(part, lon0, lat0, lon1, lat1)
        assert straight[..., 0].sum() == pytest.approx(clipped.area)


def test_moments_of_a_whole_cell_and_of_a_bowed_edge():
    xe, ye = np.array([0.0, 2.0, 3.0]), np.array([0.0, 1.0, 4.0])
    square = shapely.orient_polygons(shapely.box(-1, -1, 5, 5), exterior_cw=False)
    xs, ys, starts = ring_arrays(square)
    zero = np.zeros_like(xs)
    m = polygon_cell_moments(xs, ys, zero, zero, starts, xe, ye)
    w, h = 2.0, 3.0  # cell (1, 0)
    np.testing.assert_allclose(m[1, 0], [w * h, 0, 0, w**3 * h / 12, 0, w * h**3 / 12], atol=1e-12)
    # the bottom edge y = 0.5 of a box spanning the grid's width (x = 0 to 3), bowed down by 0.3
    # at its middle: the parabola adds 2/3 × 3 × 0.3 = 0.6 to row 0, split between the columns
    box = shapely.orient_polygons(shapely.box(0, 0.5, 3, 0.9), exterior_cw=False)
    xs, ys, starts = ring_arrays(box)
    sx, sy = np.zeros_like(xs), np.zeros_like(ys)
    bottom = int(np.flatnonzero((ys[:-1] == 0.5) & (ys[1:] == 0.5))[0])
    sy[bottom] = -0.3
    for kernel in (True, False):
        with use_numba(kernel):
            bowed = polygon_cell_moments(xs, ys, sx, sy, starts, xe, ye)
            flat = polygon_cell_moments(xs, ys, 0 * sx, 0 * sy, starts, xe, ye)
        extra = (bowed - flat)[..., 0]
        assert extra.sum() == pytest.approx(0.6, rel=1e-12)
        u = xe / 3.0  # the columns' share: the parabola's integral between their lines
        share = 0.3 * 3.0 * np.diff(2 * u**2 - 4 / 3 * u**3)
        np.testing.assert_allclose(extra[0], share, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(x=st.floats(110.01, 110.99), y=st.floats(30.01, 30.99), seed=st.integers(0, 1000))
def test_any_partition_of_the_grid_sums_to_cell_areas(x, y, seed):
    rng = np.random.default_rng(seed)
    pivot = shapely.Point(x, y)
    # a star split of the grid's bounding box around an interior point: a partition
    corners = [(110, 30), (111, 30), (111, 31), (110, 31)]
    mids = [
        (rng.uniform(110, 111), 30),
        (111, rng.uniform(30, 31)),
        (rng.uniform(110, 111), 31),
        (110, rng.uniform(30, 31)),
    ]
    ring = [corners[0], mids[0], corners[1], mids[1], corners[2], mids[2], corners[3], mids[3]]
    pieces = [shapely.Polygon([ring[i], ring[(i + 1) % 8], (pivot.x, pivot.y)]) for i in range(8)]
    w = coverage_weights(regions(*pieces), GRID)
    np.testing.assert_allclose(np.asarray(w.matrix.sum(axis=0)).ravel(), AREA, rtol=1e-9)


def test_cache_is_used_and_keyed_by_grid_and_regions(tmp_path, monkeypatch):
    rs = regions(shapely.box(110.1, 30.1, 110.6, 30.7))
    first = coverage_weights(rs, GRID, cache_dir=tmp_path)
    files = list(tmp_path.glob("weights-*.npz"))
    assert len(files) == 1 and GRID.fingerprint in files[0].name and rs.hash in files[0].name

    import grids._weights as mod

    def boom(*args, **kwargs):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(mod, "_build", boom)
    again = coverage_weights(rs, GRID, cache_dir=tmp_path)
    assert (again.matrix != first.matrix).nnz == 0
    np.testing.assert_array_equal(again.polygon_area_km2, first.polygon_area_km2)
    monkeypatch.undo()
    other_grid = RegularGrid.from_bounds(110, 111, 30, 31, 0.5)
    coverage_weights(rs, other_grid, cache_dir=tmp_path)
    coverage_weights(regions(shapely.box(110.1, 30.1, 110.6, 30.8)), GRID, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("weights-*.npz"))) == 3
