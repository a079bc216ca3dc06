"""Forecasts in: files and datasets checked, mapped and converted to HJ 633 units.

* :func:`read_forecast` — a netCDF file, in Lantian's contract or as a model writes it (CMAQ,
  WRF-Chem, CAMS: ``forecasts/data/model_layouts.toml``), as a :class:`Forecast`;
* :func:`normalise` — the same contract on an in-memory ``xarray.Dataset`` (a notebook's
  ``xr.open_dataset``): units converted to those of HJ 633 or a clear error, non-finite values
  made missing, implausible values refused;
* :func:`layouts` — the model layouts; :mod:`forecasts.synthetic` — the demo forecast.
"""

from forecasts._layouts import Layout, layouts
from forecasts._normalise import normalise, plausibility_bounds
from forecasts.reader import Forecast, max_forecast_bytes, read_forecast, touched_dates

__all__ = [
    "Forecast",
    "Layout",
    "layouts",
    "max_forecast_bytes",
    "normalise",
    "plausibility_bounds",
    "read_forecast",
    "touched_dates",
]
