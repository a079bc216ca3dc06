"""Fixtures shared by every test package: demo data written once per session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

DEMO_DATE = dt.date(2026, 12, 1)  # cold season: a PM2.5 episode


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """``lantian demo-data`` output for :data:`DEMO_DATE` (forecast.nc, regions.geojson)."""
    from api.cli import main

    directory = tmp_path_factory.mktemp("demo")
    assert main(["demo-data", str(directory), "--date", DEMO_DATE.isoformat()]) == 0
    return directory
