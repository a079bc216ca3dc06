"""An EKMA-style isopleth: a region's O3 against VOC and NOx emission factors (§7).

The Empirical Kinetic Modeling Approach draws peak O3 over a plane of precursor levels. Here
the plane is the base inventory scaled by a VOC factor and a NOx factor; the value is the
region's MDA8 averaged over the forecast days, anchored at the forecast: forecast MDA8 plus
the model's change from factors (1, 1), as every answer of the simulator is incremental. The
region's cells run as ventilated boxes without transport (the diagram is about local
chemistry), each VOC factor as one run with a coupled copy per NOx factor.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine.aggregate import CoverageWeights
from engine.daily import daily_statistics
from engine.errors import NotFoundError, RegionError
from engine.photochem._domain import Domain
from engine.photochem._ensemble import draw_members
from engine.photochem._inputs import Prepared, prepare, ug_per_ppb
from engine.photochem._mechanism import Mechanism, load_mechanism
from engine.photochem._model import emission_flux, simulate
from engine.photochem._scenario import spin_up
from engine.photochem._settings import ModelSettings, model_settings

__all__ = ["Isopleth", "isopleth"]

DEFAULT_FACTORS = np.round(np.linspace(0.0, 1.5, 7), 2)
"""Emission factors of the diagram's axes [1]."""


@dataclasses.dataclass(frozen=True)
class Isopleth:
    """``o3`` ``(voc factor, nox factor)``: the region's mean MDA8 [µg m⁻³]."""

    code: str
    voc_factors: NDArray[np.float64]
    nox_factors: NDArray[np.float64]
    o3: NDArray[np.float64]
    mechanism: str


def _subset(inputs: Prepared, cells: NDArray[np.int64]) -> Prepared:
    """The inputs of some cells, as independent boxes (no winds)."""
    d = inputs.domain
    domain = Domain(
        dims=d.dims,
        shape=(1, cells.size),
        lat=d.lat[cells],
        lon=d.lon[cells],
        area_m2=d.area_m2[cells],
        fx=np.zeros((1, cells.size + 1)),
        fy=np.zeros((2, cells.size)),
        x_sign=1.0,
        y_sign=1.0,
        coords={},
    )
    w = inputs.weather
    weather = dataclasses.replace(
        w,
        cosz=w.cosz[:, cells],
        transmission=w.transmission[:, cells],
        t2m=w.t2m[:, cells],
        pblh=w.pblh[:, cells],
        u=None,
        v=None,
        bad=w.bad[cells],
    )
    return dataclasses.replace(
        inputs,
        domain=domain,
        weather=weather,
        o3_ppb=inputs.o3_ppb[:, cells],
        no2_ppb=None if inputs.no2_ppb is None else inputs.no2_ppb[:, cells],
        voc=inputs.voc[:, cells],
        nox=inputs.nox[:, cells],
        dvoc=inputs.dvoc[:, cells],
        dnox=inputs.dnox[:, cells],
        status=inputs.status[cells],
    )


def _mean_mda8(o3_ugm3: NDArray, weights: NDArray, time: NDArray) -> float:
    """Days' mean MDA8 of the weighted hourly mean of ``o3_ugm3 (time, cell)``."""
    valid = ~np.isnan(o3_ugm3)
    hourly = (np.where(valid, o3_ugm3, 0.0) * weights).sum(axis=1) / (valid * weights).sum(axis=1)
    series = xr.Dataset({"o3": (("time",), hourly)}, coords={"time": time})
    return float(daily_statistics(series)["o3_mda8"].mean(skipna=True))


def isopleth(
    forecast: xr.Dataset,
    emissions: xr.Dataset,
    weights: CoverageWeights,
    code: str,
    *,
    voc_factors: NDArray[np.float64] = DEFAULT_FACTORS,
    nox_factors: NDArray[np.float64] = DEFAULT_FACTORS,
    mechanism: str | Mechanism = "GRS",
    settings: ModelSettings | None = None,
) -> Isopleth:
    """The isopleth of region ``code`` (docs/chemistry.md §7).

    Parameters
    ----------
    forecast, emissions : xarray.Dataset
        As :func:`engine.photochem.run_scenario` takes them.
    weights : CoverageWeights
        Area weights of the regions on the grid.
    code : str
        The region.
    voc_factors, nox_factors : ndarray
        Scale factors of the base VOC and NOx emissions [1].

    Returns
    -------
    Isopleth
        ``(voc factor, nox factor)`` mean MDA8 [µg m⁻³].
    """
    settings = settings or model_settings()
    mech = load_mechanism(mechanism) if isinstance(mechanism, str) else mechanism
    codes = list(weights.region_codes)
    if code not in codes:
        raise NotFoundError(f"region {code!r} is not among the scenario's regions")
    indptr, indices, data = weights.kernel_arrays()
    row = slice(int(indptr[codes.index(code)]), int(indptr[codes.index(code) + 1]))
    cells, w = indices[row], data[row]
    if cells.size == 0:
        raise RegionError(f"region {code!r} covers no cell of the grid")
    inputs = _subset(prepare(forecast, emissions, None, settings), cells.astype(np.int64))
    central = draw_members(1, mech, settings, settings.seed)[0]
    state, status = spin_up(mech, inputs, central, settings)
    factor = ug_per_ppb("o3")
    voc_f = np.asarray(voc_factors, np.float64)
    nox_f = np.asarray(nox_factors, np.float64)
    model = np.empty((voc_f.size, nox_f.size))
    for i, a in enumerate(voc_f):
        flux = [
            emission_flux(a * inputs.voc, b * inputs.nox, mech, inputs.domain,
                          inputs.weather.t2m, settings)
            for b in nox_f
        ]  # fmt: skip
        sim = simulate(mech, inputs.domain, inputs.weather, flux, state, settings, status=status)
        for j in range(nox_f.size):
            model[i, j] = _mean_mda8(sim.out[j, :, :, 0] * factor, w, inputs.time)
    base_run = simulate(
        mech, inputs.domain, inputs.weather,
        [emission_flux(inputs.voc, inputs.nox, mech, inputs.domain, inputs.weather.t2m, settings)],
        state, settings, status=status,
    )  # fmt: skip
    anchor = _mean_mda8(inputs.o3_ppb * factor, w, inputs.time)
    model_base = _mean_mda8(base_run.out[0, :, :, 0] * factor, w, inputs.time)
    return Isopleth(code, voc_f, nox_f, anchor + (model - model_base), mech.id)
