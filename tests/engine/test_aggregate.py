import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
import xarray as xr

from engine.aggregate import regional_mean
from engine.errors import RegionError
from engine.kernels import aggregate as kernels
from engine.kernels import use_numba
from grids import Region, RegionSet, RegularGrid, coverage_weights


def random_case(seed, dtype, nbatch, ncell, nregion, nan_share):
    rng = np.random.default_rng(seed)
    m = sp.random(nregion, ncell, density=0.2, random_state=rng, format="csr")
    values = rng.normal(50, 20, (nbatch, ncell)).astype(dtype)
    values[rng.random(values.shape) < nan_share] = np.nan
    return values, m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("nbatch", "ncell", "nregion", "nan_share"),
    [
        (37, 300, 12, 0.0),
        (5, 80, 7, 0.5),
        (1, 1, 1, 0.0),
        (0, 10, 3, 0.0),
        (4, 10, 0, 0.0),
        (24, 60, 5, 0.97),
    ],
)
def test_kernel_matches_numpy_twin(dtype, nbatch, ncell, nregion, nan_share):
    seed = np.random.SeedSequence().entropy % 2**32
    args = random_case(seed, dtype, nbatch, ncell, nregion, nan_share)
    mean, weight = kernels.regional_mean(*args)
    with use_numba(False):
        mean_np, weight_np = kernels.regional_mean(*args)
    assert mean.dtype == dtype and mean.shape == (nbatch, nregion)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(mean, mean_np, rtol=rtol, err_msg=f"seed {seed}")
    np.testing.assert_allclose(weight, weight_np, rtol=1e-12, err_msg=f"seed {seed}")
    # rows split into any number of parallel shares (short tiles included): the same bits
    runs = kernels.cell_runs(*args[1:])
    for chunks in (1, 3, 64):
        again, again_weight = kernels.regional_mean(*args, runs=runs, chunks=chunks)
        np.testing.assert_array_equal(again, mean)
        np.testing.assert_array_equal(again_weight, weight)


def test_kernel_runs_of_unsorted_and_duplicate_cells():
    # runs form only where a region's cells are consecutive; any other order still counts
    seed = np.random.SeedSequence().entropy % 2**32
    rng = np.random.default_rng(seed)
    ncell, nregion = 40, 6
    counts = rng.integers(0, 15, nregion)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = rng.integers(0, ncell, indptr[-1]).astype(np.int64)  # unsorted, repeats
    indices[: min(5, indices.size)] = np.arange(3, 3 + min(5, indices.size))
    weights = rng.random(indptr[-1])
    values = rng.normal(50, 20, (19, ncell))
    values[rng.random(values.shape) < 0.2] = np.nan
    mean, weight = kernels.regional_mean(values, indptr, indices, weights)
    with use_numba(False):
        mean_np, weight_np = kernels.regional_mean(values, indptr, indices, weights)
    np.testing.assert_allclose(mean, mean_np, rtol=1e-12, err_msg=f"seed {seed}")
    np.testing.assert_allclose(weight, weight_np, rtol=1e-12, err_msg=f"seed {seed}")


def test_cell_runs_regroup_every_weight_once():
    indptr = np.array([0, 4, 6, 6, 9], dtype=np.int64)
    indices = np.array([2, 3, 4, 8, 0, 1, 1, 2, 9], dtype=np.int64)
    weights = np.arange(1.0, 10.0)
    runs = kernels.cell_runs(indptr, indices, weights)
    # by first cell: r1 [0, 1], r3 [1, 2], r0 [2, 3, 4], r0 [8], r3 [9]
    np.testing.assert_array_equal(runs.start, [0, 1, 2, 8, 9])
    np.testing.assert_array_equal(runs.region, [1, 3, 0, 0, 3])
    np.testing.assert_array_equal(runs.ptr, [0, 2, 4, 7, 8, 9])
    np.testing.assert_array_equal(runs.weights, [5, 6, 7, 8, 1, 2, 3, 4, 9])
    np.testing.assert_array_equal(runs.run_weight, [11, 15, 6, 4, 9])
    assert runs.nregion == 4


def test_kernel_refuses_runs_of_other_weights_or_a_short_field():
    values, indptr, indices, weights = random_case(0, np.float64, 3, 20, 4, 0.0)
    other = kernels.cell_runs(*random_case(0, np.float64, 3, 20, 5, 0.0)[1:])
    with pytest.raises(ValueError, match="runs were built for 5 regions"):
        kernels.regional_mean(values, indptr, indices, weights, runs=other)
    runs = kernels.cell_runs(indptr, indices, weights)
    assert runs.ncell == indices.max() + 1
    with pytest.raises(ValueError, match=f"reach cell {indices.max()} but the field has 5"):
        kernels.regional_mean(values[:, :5], indptr, indices, weights, runs=runs)


def test_kernel_regions_without_cells():
    values = np.array([[1.0, 2.0], [3.0, np.nan]], dtype=np.float32)
    indptr = np.array([0, 0, 1, 1], dtype=np.int64)
    indices = np.array([1], dtype=np.int64)
    mean, weight = kernels.regional_mean(values, indptr, indices, np.array([0.5]))
    np.testing.assert_array_equal(weight, [[0.0, 0.5, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(mean, [[np.nan, 2.0, np.nan], [np.nan] * 3])
    empty = (np.zeros(3, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    assert kernels.cell_runs(*empty).ncell == 0
    mean, weight = kernels.regional_mean(values, *empty)
    assert np.isnan(mean).all() and mean.shape == (2, 2) and (weight == 0).all()


def test_kernel_hand_made_nan_renormalisation():
    values = np.array([[1.0, 3.0, np.nan], [np.nan, np.nan, np.nan]])
    indptr = np.array([0, 3, 4], dtype=np.int64)
    indices = np.array([0, 1, 2, 1], dtype=np.int64)
    weights = np.array([1.0, 3.0, 4.0, 2.0])
    mean, weight = kernels.regional_mean(values, indptr, indices, weights)
    # region 0: (1*1 + 3*3) / (1 + 3), the NaN cell left out; region 1: one cell
    np.testing.assert_allclose(mean[0], [2.5, 3.0])
    np.testing.assert_allclose(weight[0], [4.0, 2.0])
    assert np.isnan(mean[1]).all() and (weight[1] == 0).all()


GRID = RegularGrid.from_bounds(110.0, 111.0, 30.0, 31.0, 0.25)


def field(values, grid=GRID, name="pm25"):
    ntime = values.shape[0]
    return xr.DataArray(
        values,
        dims=("time", "lat", "lon"),
        coords={
            "time": pd.date_range("2026-01-01", periods=ntime, freq="h"),
            "lat": grid.lat,
            "lon": grid.lon,
        },
        name=name,
        attrs={"units": "ug m-3"},
    )


def test_regional_mean_is_area_weighted_with_valid_fraction():
    # region: the whole of cell (0, 0) and half of cell (0, 1)
    rs = RegionSet([Region("a", "A", "city", None, shapely.box(110.0, 30.0, 110.375, 30.25))])
    w = coverage_weights(rs, GRID)
    values = np.full((2, 4, 4), 99.0, dtype=np.float32)
    values[:, 0, 0] = 10.0
    values[:, 0, 1] = 40.0
    values[1, 0, 1] = np.nan
    out = regional_mean(field(values), w)
    assert out["pm25"].dims == ("region", "time")
    assert out["region"].values.tolist() == ["a"]
    # weights 1 : 0.5 (equal-height cells on one row have equal areas)
    np.testing.assert_allclose(out["pm25"].values[0], [(10 + 0.5 * 40) / 1.5, 10.0], rtol=1e-6)
    np.testing.assert_allclose(out["valid_fraction"].values[0], [1.0, 1 / 1.5], rtol=1e-6)
    assert out["pm25"].attrs["units"] == "ug m-3"
    assert out["pm25"].dtype == np.float32


def test_leading_dims_and_dask_give_the_same_result():
    rs = RegionSet(
        [
            Region("a", "A", "city", None, shapely.box(110.1, 30.1, 110.6, 30.9)),
            Region("b", "B", "city", None, shapely.Point(110.7, 30.4).buffer(0.2)),
        ]
    )
    w = coverage_weights(rs, GRID)
    rng = np.random.default_rng(1)
    values = rng.random((3, 6, 4, 4))
    values[0, 2] = np.nan
    da = xr.DataArray(values, dims=("member", "time", "lat", "lon"), name="o3")
    out = regional_mean(da, w)
    assert out["o3"].dims == ("member", "region", "time")
    lazy = regional_mean(da.chunk({"member": 1, "time": 2}), w)
    np.testing.assert_allclose(lazy["o3"].values, out["o3"].values, equal_nan=True)
    assert np.isnan(out["o3"].values[0, :, 2]).all()
    assert (out["valid_fraction"].values[0, :, 2] == 0).all()
    # against a direct dense weighted mean
    dense = w.matrix.toarray()
    expected = values.reshape(3, 6, 16) @ dense.T / dense.sum(axis=1)
    np.testing.assert_allclose(out["o3"].values[1], expected[1].T)


def test_field_on_another_grid_is_refused():
    rs = RegionSet([Region("a", "A", "city", None, shapely.box(110.1, 30.1, 110.6, 30.9))])
    w = coverage_weights(rs, GRID)
    shifted = RegularGrid.from_bounds(110.5, 111.5, 30.0, 31.0, 0.25)
    with pytest.raises(RegionError, match="weights were built for grid"):
        regional_mean(field(np.zeros((1, 4, 4)), shifted), w)
    with pytest.raises(RegionError, match="grid shape"):
        regional_mean(
            field(np.zeros((1, 8, 8)), RegularGrid.from_bounds(110, 112, 30, 32, 0.25)), w
        )


def test_valid_fraction_counts_the_part_of_a_region_off_the_grid():
    # half of this region lies east of the grid: its mean is over the covered half only
    half_off = shapely.box(110.75, 30.25, 111.25, 30.5)
    inside = shapely.box(110.0, 30.0, 110.5, 30.5)
    rs = RegionSet(
        [Region("h", "H", "city", None, half_off), Region("i", "I", "city", None, inside)]
    )
    w = coverage_weights(rs, GRID)
    out = regional_mean(field(np.full((2, 4, 4), 7.0)), w)
    np.testing.assert_allclose(out["pm25"].values, 7.0)
    np.testing.assert_allclose(out["valid_fraction"].values[0], 0.5, rtol=1e-3)
    np.testing.assert_array_equal(out["valid_fraction"].values[1], 1.0)


def test_fastmath_flags_that_drop_nan_tests_are_refused():
    # the kernel fuses multiply-adds but must still see NaN cells
    from engine.kernels._compile import jit

    for flags in ({"nnan"}, {"fast"}, {"contract", "ninf"}):
        with pytest.raises(ValueError, match="drop NaN tests"):
            jit("f8(f8)", fastmath=frozenset(flags))
