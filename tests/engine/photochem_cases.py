"""Shared cases of the photochemistry tests: random boxes and an independent reference solver.

The reference integrates the same box equations (docs/chemistry.md §3) with SciPy's Radau at
rtol 1e-8, hour by hour, all cells at once as one block-diagonal system with a sparse
Jacobian. Its rate constants are converted here from the mechanism file's own numbers and
units, independently of ``engine.photochem._mechanism``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import xarray as xr
from scipy.integrate import solve_ivp

from engine.photochem._domain import domain_of
from engine.photochem._model import emission_flux
from engine.photochem._settings import model_settings
from engine.photochem._weather import prepare_weather

R_GAS = 8.314462618
K_BOLTZMANN = 1.380649e-23


def random_boxes(mechanism, n_cells: int, hours: int, seed: int, *, start="2026-07-01T20:00"):
    """Cells with random weather and emissions, from 04:00 CST, as the model and reference need.

    Returns ``(domain, weather, flux, initial, settings)``; every cell is an independent box
    (no winds).
    """
    rng = np.random.default_rng(seed)
    settings = model_settings()
    ny = 4
    nx = n_cells // ny
    data = xr.Dataset(
        coords={"lat": 34.0 + 0.5 * np.arange(ny), "lon": 112.0 + 0.25 * np.arange(nx)}
    )
    domain = domain_of(data)
    nc = domain.size
    time = np.datetime64(start) + np.arange(hours).astype("timedelta64[h]")
    fields = {
        "t2m": rng.uniform(288.0, 308.0, (hours, nc)),
        "pblh": rng.uniform(150.0, 2200.0, (hours, nc)),
        "cloud_fraction": rng.uniform(0.0, 0.9, (hours, nc)),
    }
    weather = prepare_weather(time, domain, fields, settings)
    voc = rng.uniform(0.0, 4000.0, nc) * rng.uniform(0.5, 1.5, (hours, nc))  # kg h⁻¹ per cell
    nox = rng.uniform(0.0, 1500.0, nc) * rng.uniform(0.5, 1.5, (hours, nc))
    flux = emission_flux(voc, nox, mechanism, domain, weather.t2m, settings)
    initial = np.tile(mechanism.background, (nc, 1))
    initial[:, mechanism.index("O3")] = rng.uniform(10.0, 90.0, nc)
    initial[:, mechanism.index("NO2")] = rng.uniform(1.0, 40.0, nc)
    return domain, weather, flux, initial, settings


def _rate_constants(mechanism, t2m: float, cosz: float, transmission: float) -> np.ndarray:
    """Rate constants [ppb, s] at one cell-hour, from the file's numbers and units."""
    units1 = {"s-1": 1.0, "min-1": 1 / 60.0}[mechanism.first_order_units]
    k = []
    for r in mechanism.reactions:
        value = r.a * (t2m / 300.0) ** r.b * np.exp(r.c / t2m)
        if r.rate_type == "photolysis":
            lmn = mechanism.photolysis_lmn[mechanism.photolysis.index(r.photolysis)]
            j = lmn[0] * cosz ** lmn[1] * np.exp(-lmn[2] / cosz) if cosz > 0 else 0.0
            value *= j * transmission
        elif len(r.reactants) == 1:
            value *= units1
        elif mechanism.second_order_units == "ppm-1 min-1":
            value *= 1e-3 / 60.0
        else:  # cm3 molecule-1 s-1 → ppb-1 s-1 at 1013.25 hPa
            value *= 1e-9 * 101325.0 / (K_BOLTZMANN * t2m) * 1e-6
        k.append(value)
    return np.array(k)


def reference(
    mechanism, domain, weather, flux, initial, *, outputs=("O3",), rtol=1e-8, closed=False
):
    """Hourly means (trapezoid) of ``outputs`` [ppb] ``(time, cell, output)`` by Radau.

    ``closed``: chemistry and emissions only (no ventilation, entrainment or deposition).
    """
    settings = model_settings()
    ns, nc = len(mechanism.species), domain.size
    index = {s: i for i, s in enumerate(mechanism.species)}
    stoich = np.zeros((len(mechanism.reactions), ns))
    for n, r in enumerate(mechanism.reactions):
        for s in r.reactants:
            stoich[n, index[s]] -= 1.0
        for s, c in r.products.items():
            stoich[n, index[s]] += c
    ra = np.array([index[r.reactants[0]] for r in mechanism.reactions])
    rb = np.array(
        [index[r.reactants[1]] if len(r.reactants) > 1 else -1 for r in mechanism.reactions]
    )
    emitted = np.concatenate([mechanism.emissions["voc"][1], mechanism.emissions["nox"][1]])
    vent = 0.0 if closed else settings.wind_speed_m_s / settings.ventilation_length_m
    deposition = 0.0 * mechanism.deposition_velocity if closed else mechanism.deposition_velocity
    pattern = np.zeros((ns, ns), bool)
    pattern[np.arange(ns), np.arange(ns)] = True
    for n in range(ra.size):
        for s in np.flatnonzero(stoich[n]):
            pattern[s, ra[n]] = True
            if rb[n] >= 0:
                pattern[s, rb[n]] = True
    sparsity = sp.block_diag([sp.csr_matrix(pattern)] * nc, format="csc")
    y = initial.astype(np.float64).ravel().copy()
    out_index = [index[s] for s in outputs]
    hours = weather.cosz.shape[0]
    result = np.empty((hours, nc, len(outputs)))
    for t in range(hours):
        k = np.stack(
            [
                _rate_constants(
                    mechanism, weather.t2m[t, c], weather.cosz[t, c], weather.transmission[t, c]
                )
                for c in range(nc)
            ]
        )  # (cell, reaction)
        h = 0.5 * (weather.pblh[t] + weather.pblh[t + 1])
        growth = 0.0 if closed else np.maximum(weather.pblh[t + 1] - weather.pblh[t], 0.0)
        entrain = growth / 3600.0 / h + vent
        loss = deposition[None, :] / h[:, None] + entrain[:, None]
        prod = entrain[:, None] * mechanism.background[None, :]
        np.add.at(prod, (slice(None), emitted), flux[t] / h[:, None])

        def rhs(_, yy, k=k, loss=loss, prod=prod):
            c = yy.reshape(nc, ns)
            rate = k * c[:, ra] * np.where(rb >= 0, c[:, np.maximum(rb, 0)], 1.0)
            return (prod - loss * c + rate @ stoich).ravel()

        solution = solve_ivp(
            rhs, (0.0, 3600.0), y, method="Radau", rtol=rtol, atol=1e-10, jac_sparsity=sparsity
        )
        assert solution.success, solution.message
        end = solution.y[:, -1]
        result[t] = 0.5 * (y.reshape(nc, ns)[:, out_index] + end.reshape(nc, ns)[:, out_index])
        y = end
    return result
