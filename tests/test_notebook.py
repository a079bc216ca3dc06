"""The "Lantian in a notebook" lines of docs/forecasts.md run as written, on the demo data."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.conftest import DEMO_DATE

DOC = Path(__file__).resolve().parents[1] / "docs" / "forecasts.md"


def notebook_lines() -> str:
    section = DOC.read_text("utf-8").split("## Lantian in a notebook", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_notebook_lines_run(demo_dir, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo").symlink_to(demo_dir)
    monkeypatch.chdir(tmp_path)
    # The demo forecast starts on DEMO_DATE; "tomorrow" is the day after it.
    monkeypatch.setattr("engine.cst.today_cst", lambda: DEMO_DATE)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(notebook_lines(), str(DOC), "exec"), {})
    text = out.getvalue()
    assert "2026-12-02" in text and "北京市" in text and "under MEE-2024" in text


def test_a_mislabelled_unit_in_a_notebook_pipeline_is_refused(demo_dir):
    import xarray as xr

    import grids
    from engine.errors import ForecastError
    from engine.regional import regional_daily

    ds = xr.open_dataset(demo_dir / "forecast.nc")
    ds["o3"].attrs["units"] = "ppb"  # relabelled without normalise: never silently used
    regions = grids.load_regions(str(demo_dir / "regions.geojson"))
    weights = grids.coverage_weights(regions, grids.grid_from_dataset(ds))
    with pytest.raises(ForecastError, match="o3 is in 'ppb'.*forecasts.normalise"):
        regional_daily(ds, weights)
