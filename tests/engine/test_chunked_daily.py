"""CST daily statistics of dask data chunked along time equal the in-memory ones bit for bit,
also when a CST day is split between two time chunks (docs/distributed.md)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from engine.daily import _day_aligned, daily_statistics

SEED = 17017


def _hourly(start: str = "2026-07-01T05:00", hours: int = 96) -> xr.Dataset:
    rng = np.random.default_rng(SEED)
    time = np.datetime64(start, "ns") + np.arange(hours) * np.timedelta64(1, "h")
    shape = (2, hours, 3)  # (member, time, region)
    o3 = rng.gamma(4.0, 40.0, shape).astype(np.float32)  # some windows above 160 µg/m³
    pm25 = rng.gamma(3.0, 25.0, shape).astype(np.float32)
    o3[0, 30:35, 1] = np.nan  # holes: validity rules must see the same hours in both runs
    pm25[1, 40:46, 2] = np.nan
    dims = ("member", "time", "region")
    return xr.Dataset({"o3": (dims, o3), "pm25": (dims, pm25)}, coords={"time": time})


@pytest.mark.parametrize("chunk", [1, 5, 7, 13, 24, 30, 50])
def test_day_split_between_chunks_gives_the_in_memory_values(chunk: int) -> None:
    hourly = _hourly()
    # 05:00 UTC is 13:00 CST: with these chunk sizes CST days straddle chunk boundaries
    chunked = hourly.chunk({"time": chunk, "member": 1})
    assert any((13 + b) % 24 != 0 for b in np.cumsum(chunked.chunks["time"])[:-1]), (
        "the test needs a CST day split between two input chunks"
    )
    expected = daily_statistics(hourly)
    lazy = daily_statistics(chunked)
    assert lazy["o3_mda8"].chunks is not None  # stayed lazy
    got = lazy.compute()
    for name in ("o3_mda8", "o3_1h", "pm25"):
        a, b = expected[name].values, got[name].values
        assert a.dtype == b.dtype == np.float32
        assert np.isfinite(a).sum() > 0
        assert a.tobytes() == b.tobytes(), name  # bit for bit, NaN where NaN
    np.testing.assert_array_equal(expected["date"].values, got["date"].values)


def test_day_aligned_chunks_start_at_cst_midnight() -> None:
    sizes, firsts, days = _day_aligned(100, 30, 13)
    assert sum(sizes) == 100
    assert firsts[0] == 13 and set(firsts[1:]) == {0}
    starts = 13 + np.cumsum((0, *sizes[:-1]))
    assert all(s % 24 == 0 for s in starts[1:])
    assert sum(days) == (13 + 100 - 1) // 24 + 1
