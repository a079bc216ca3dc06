"""Hourly emission changes (docs/rules.md §4.3): per line before and after, and on a grid — a pure
shift conserves each day's mass in each cell, and the gridded change sums back to the per-line
kilograms."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.measures import registry_from_records
from engine.ozone import (
    default_programme,
    episode_measures,
    hourly_change,
    hourly_times,
    line_changes,
    run_programme,
)
from tests.registry.voc_registry import ENTERPRISES, EQUIPMENT, LINES

JULY = tuple(dt.date(2026, 7, 1) + dt.timedelta(days=k) for k in range(3))
CELL = np.arange(len(ENTERPRISES), dtype=np.int64)  # one firm per cell, cell k = firm k


@pytest.fixture(scope="module")
def registry():
    return registry_from_records(ENTERPRISES, LINES, (), EQUIPMENT)


def test_line_changes_before_and_after(registry):
    result = run_programme(registry, default_programme(), JULY)
    lines = line_changes(result)
    assert list(lines["credit_code"].values) == ["COAT-ADS", "PRINT"]
    ads = lines.isel(line=0)
    np.testing.assert_array_equal(ads["voc_before"].values[8:16], 10.0)
    assert ads["voc_before"].sum() == 80.0  # 8 h × 10 kg/h
    assert ads["voc_after"].sum() == 80.0  # a pure shift keeps the day's mass
    np.testing.assert_array_equal(np.flatnonzero(ads["voc_after"].values), [0, 8, *range(18, 24)])
    assert ads["nox_after"].sum() == pytest.approx(4.0)
    assert int(ads["days"]) == 3


def test_pure_shift_conserves_daily_mass_in_every_cell(registry):
    result = run_programme(registry, default_programme(), JULY)
    change, sectors = hourly_change(result, CELL, 8)
    assert change.shape == (2, 72, 8) and sectors == ()
    daily = change.reshape(2, 3, 24, 8).astype(np.float64).sum(axis=2)
    np.testing.assert_allclose(daily, 0.0, atol=1e-5)
    # the gridded change sums back to the per-line kilograms: what leaves the window arrives
    moved, removed = result.kg("voc")
    out_of_window = -np.clip(change[0], None, 0).astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(out_of_window[0], moved[0], rtol=1e-6)  # COAT-ADS, 210 kg
    np.testing.assert_allclose(out_of_window[4], 135.0, rtol=1e-6)  # PRINT
    assert out_of_window.sum() == pytest.approx(moved.sum() + removed.sum(), rel=1e-6)
    nox_moved, _ = result.kg("nox")
    assert -np.clip(change[1], None, 0).sum() == pytest.approx(nox_moved.sum(), rel=1e-6)
    # 2026-07-01 09:00 CST (01:00 UTC) loses the coating line's 10 kg/h
    times = hourly_times(JULY)
    assert times[9] == np.datetime64("2026-07-01T01:00")
    assert change[0, 9, 0] == -10.0 and change[0, 18, 0] == 10.0


def test_removed_work_sums_back_and_sectors_add_up(registry):
    result = episode_measures(registry, JULY[0], "o3", "yellow")
    change, sectors = hourly_change(result, CELL, 8, by_sector=True)
    assert sectors == ("coating", "printing", "storage_loading")
    total, _ = hourly_change(result, CELL, 8)
    np.testing.assert_allclose(change.sum(axis=1), total, atol=1e-5)
    moved, removed = result.kg("voc")
    daily = total[0].astype(np.float64).sum(axis=0)  # per cell over the day: − removed
    per_firm = np.bincount(registry.line_enterprise(), weights=removed, minlength=8)
    np.testing.assert_allclose(daily, -per_firm, atol=1e-5)
    assert daily[0] == pytest.approx(-70.0) and daily[5] == pytest.approx(0.0, abs=1e-5)


def test_untriggered_days_and_off_grid_firms_change_nothing(registry):
    on = np.array([True, False, True])
    result = run_programme(registry, default_programme(), JULY, triggered=on)
    cell = CELL.copy()
    cell[4] = -1  # PRINT off the grid
    change, _ = hourly_change(result, cell, 8)
    assert not change[:, 24:48].any()
    assert not change[:, :, 4].any()
    assert change[0, :24, 0].min() == -10.0
