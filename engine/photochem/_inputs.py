"""The inputs of a scenario, checked and made kernel-ready (docs/chemistry.md §5).

The forecast brings O3 (and optionally NO2) in HJ 633 units and any meteorological fields;
the emissions and the change bring ``voc`` and ``nox`` [kg h⁻¹ per cell] on the same grid and
hours. The adapters (``forecasts.emissions``) read and align files; here the arrays are checked
against each other and turned into what :func:`engine.photochem._model.simulate` takes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine.errors import ForecastError
from engine.kernels.photochem import STATUS_INPUT
from engine.photochem._domain import Domain, domain_of
from engine.photochem._mechanism import Mechanism
from engine.photochem._settings import ModelSettings
from engine.photochem._weather import WEATHER_FIELDS, Weather, prepare_weather
from engine.units import MOLAR_MASS, MOLAR_VOLUME_L

__all__ = ["Prepared", "prepare", "ug_per_ppb"]


def ug_per_ppb(species: str) -> float:
    """µg m⁻³ per ppb at the HJ 633 reference state (docs/rules.md §1.5) [µg m⁻³ ppb⁻¹]."""
    return MOLAR_MASS[species] / MOLAR_VOLUME_L


@dataclasses.dataclass(frozen=True, eq=False)
class Prepared:
    """Kernel-ready inputs of one scenario.

    Attributes
    ----------
    time : ndarray (time,) datetime64[ns] UTC
    domain : Domain
    weather : Weather
    o3_ppb, no2_ppb : ndarray (time, cell) [ppb]; ``no2_ppb`` None without forecast NO2
    voc, nox : ndarray (time, cell)
        Base emissions [kg h⁻¹ per cell].
    dvoc, dnox : ndarray (time, cell)
        Change, scenario minus base [kg h⁻¹ per cell] (zeros without a change).
    status : ndarray (cell,) int8
        Cells marked before any computation (NaN inputs): ``STATUS_INPUT``.
    grid : xarray.Dataset
        The forecast's grid coordinates and ``time``, to rebuild outputs.
    """

    time: NDArray[np.datetime64]
    domain: Domain
    weather: Weather
    o3_ppb: NDArray[np.float64]
    no2_ppb: NDArray[np.float64] | None
    voc: NDArray[np.float64]
    nox: NDArray[np.float64]
    dvoc: NDArray[np.float64]
    dnox: NDArray[np.float64]
    status: NDArray[np.int8]
    grid: xr.Dataset

    def initial(self, mechanism: Mechanism, background_o3_offset: float = 0.0) -> NDArray:
        """Initial state ``(cell, species)`` [ppb]: background air, forecast O3 and NO2."""
        state = np.tile(mechanism.background, (self.domain.size, 1))
        state[:, mechanism.index("O3")] = np.nan_to_num(self.o3_ppb[0]) + background_o3_offset
        if self.no2_ppb is not None and "NO2" in mechanism.species:
            state[:, mechanism.index("NO2")] = np.nan_to_num(self.no2_ppb[0])
        return np.maximum(state, 0.0)

    def edge(self, mechanism: Mechanism, background: NDArray[np.float64]) -> NDArray:
        """Halo ``(time, edge cell, species)`` [ppb]: forecast O3 and NO2, else background."""
        cells = self.domain.edge_cells
        halo = np.tile(background, (self.time.size, cells.size, 1))
        o3 = self.o3_ppb[:, cells]
        halo[:, :, mechanism.index("O3")] = np.where(
            np.isnan(o3), background[mechanism.index("O3")], o3
        )
        if self.no2_ppb is not None and "NO2" in mechanism.species:
            no2 = self.no2_ppb[:, cells]
            k = mechanism.index("NO2")
            halo[:, :, k] = np.where(np.isnan(no2), background[k], no2)
        return halo


def _grid_values(data: xr.DataArray, name: str, dims: tuple[str, ...], nt: int) -> NDArray:
    if tuple(data.dims) != dims:
        raise ForecastError(f"{name} has dims {tuple(data.dims)}; expected {dims}")
    return np.asarray(data.values, dtype=np.float64).reshape(nt, -1)


def prepare(
    forecast: xr.Dataset,
    emissions: xr.Dataset,
    change: xr.Dataset | None,
    settings: ModelSettings,
) -> Prepared:
    """Check and flatten a scenario's inputs.

    Parameters
    ----------
    forecast : xarray.Dataset
        ``o3`` [µg m⁻³] ``(time, lat, lon)`` or ``(time, y, x)`` (an ensemble's ``member`` dim
        is averaged), optional ``no2`` [µg m⁻³], and any of ``t2m`` [K], ``pblh`` [m], ``u``,
        ``v`` [m s⁻¹], ``swdown`` [W m⁻²], ``cloud_fraction`` [1].
    emissions, change : xarray.Dataset
        ``voc`` and ``nox`` [kg h⁻¹ per cell] with the forecast's dims and ``time``; ``change``
        is scenario minus base (None: no change).
    settings : ModelSettings

    Raises
    ------
    ForecastError
        Dims or hours differ, or base plus change is negative somewhere.
    """
    if "o3" not in forecast:
        raise ForecastError("the forecast has no 'o3': the scenario adds ΔO3 to the forecast's O3")
    if "member" in forecast.dims:
        forecast = forecast.mean("member", keep_attrs=True)
    o3 = forecast["o3"]
    dims = tuple(str(d) for d in o3.dims)
    if dims not in (("time", "lat", "lon"), ("time", "y", "x")):
        raise ForecastError(
            f"forecast o3 has dims {dims}; expected (time, lat, lon) or (time, y, x)"
        )
    domain = domain_of(o3)
    time = np.asarray(o3["time"].values).astype("datetime64[ns]")
    nt = time.size
    fields = {
        name: _grid_values(forecast[name], f"forecast {name}", dims, nt)
        for name in WEATHER_FIELDS
        if name in forecast
    }
    weather = prepare_weather(time, domain, fields, settings)
    arrays = {}
    for label, data in (("emissions", emissions), ("change", change)):
        for name in ("voc", "nox"):
            if data is None:
                arrays[f"{label}.{name}"] = np.zeros((nt, domain.size))
                continue
            if name not in data:
                raise ForecastError(f"the {label} have no variable {name!r}")
            var = data[name]
            if (
                "time" not in var.dims
                or var.sizes["time"] != nt
                or not np.array_equal(np.asarray(var["time"].values).astype("datetime64[ns]"), time)
            ):
                raise ForecastError(
                    f"the {label}' {name} do not cover the forecast's {nt} hours "
                    f"({np.datetime_as_string(time[0], 'h')}Z …): align them to its time"
                )
            arrays[f"{label}.{name}"] = _grid_values(var, f"{label} {name}", dims, nt)
    voc, nox = arrays["emissions.voc"], arrays["emissions.nox"]
    dvoc, dnox = arrays["change.voc"], arrays["change.nox"]
    status = np.zeros(domain.size, np.int8)
    bad = np.zeros(domain.size, bool)
    for values in (voc, nox, dvoc, dnox):
        bad |= np.isnan(values).any(axis=0)
    status[bad | weather.bad] = STATUS_INPUT
    for values in (voc, nox, dvoc, dnox):
        values[:, bad] = 0.0
    for name, base, delta in (("voc", voc, dvoc), ("nox", nox, dnox)):
        scenario = base + delta
        if (scenario < -1e-6 * (1.0 + np.abs(base))).any():
            t, c = np.unravel_index(np.argmin(scenario), scenario.shape)
            raise ForecastError(
                f"base {name} plus its change is negative ({scenario[t, c]:.4g} kg h⁻¹ at "
                f"{np.datetime_as_string(time[t], 'h')}Z, cell {int(c)}): a change may remove "
                "at most what is emitted"
            )
    o3_ppb = _grid_values(o3, "forecast o3", dims, nt) / ug_per_ppb("o3")
    no2_ppb = (
        _grid_values(forecast["no2"], "forecast no2", dims, nt) / ug_per_ppb("no2")
        if "no2" in forecast
        else None
    )
    grid = xr.Dataset(coords={"time": time, **domain.coords})
    return Prepared(
        time=time,
        domain=domain,
        weather=weather,
        o3_ppb=o3_ppb,
        no2_ppb=no2_ppb,
        voc=voc,
        nox=nox,
        dvoc=dvoc,
        dnox=dnox,
        status=status,
        grid=grid,
    )
