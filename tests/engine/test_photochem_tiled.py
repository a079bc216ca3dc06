"""The simulator in tiles on dask with halo exchange equals the whole-grid run (issue 17, part 4;
docs/chemistry.md §4)."""

from __future__ import annotations

import dask
import numpy as np
import pytest

from engine.photochem import run_scenario
from engine.photochem._tiled import tile_chunks
from tests.engine.test_photochem_scenario import SEED, _inputs

TILE = (4, 5)  # 8 × 10 cells: four tiles


def _windy():
    forecast, emissions, change = _inputs(seed=SEED + 5, winds=True)
    forecast["u"][:] = 4.0  # ≈ 1.6 cells an hour: two transport sub-steps, a ring of 3 cells
    forecast["v"][:] = -2.5
    forecast["u"][30:] = -5.0  # the wind turns: tiles receive from the other side too
    return forecast, emissions, change


@pytest.fixture(scope="module")
def whole():
    forecast, emissions, change = _windy()
    return run_scenario(forecast, emissions, change, members=2, seed=3)


def _same(tiled, whole) -> None:
    assert np.isfinite(whole.delta_o3.values).all()
    assert np.abs(whole.delta_o3.values).max() > 0.5  # the change does something
    np.testing.assert_array_equal(tiled.delta_o3.values, whole.delta_o3.values)  # bit for bit
    assert (tiled.status.values == whole.status.values).all()
    np.testing.assert_array_equal(
        tiled.sensitivity["regime"].values, whole.sensitivity["regime"].values
    )


def test_four_tiles_on_threads_equal_the_whole_grid(whole):
    forecast, emissions, change = _windy()
    with dask.config.set(scheduler="threads"):
        tiled = run_scenario(forecast, emissions, change, members=2, seed=3, tile=TILE)
    _same(tiled, whole)


def test_tiles_without_winds_equal_the_whole_grid():
    forecast, emissions, change = _inputs(seed=SEED + 6)
    one = run_scenario(forecast, emissions, change, members=1, regime=False)
    with dask.config.set(scheduler="threads"):
        many = run_scenario(forecast, emissions, change, members=1, regime=False, tile=(3, 3))
    np.testing.assert_array_equal(many.delta_o3.values, one.delta_o3.values)


def test_on_a_local_cluster_of_two_workers(whole):
    distributed = pytest.importorskip("distributed")
    forecast, emissions, change = _windy()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        tiled = run_scenario(forecast, emissions, change, members=2, seed=3, tile=TILE)
        assert client.run(lambda: 1)  # the two workers ran the tiles
    _same(tiled, whole)


def test_tile_chunks_never_leave_a_chunk_thinner_than_the_ring():
    assert tile_chunks(10, 4, 3) == (4, 6)
    assert tile_chunks(10, 4, 2) == (4, 4, 2)
    assert tile_chunks(8, 4, 3) == (4, 4)
    assert tile_chunks(2, 4, 3) == (2,)
