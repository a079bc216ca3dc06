"""The photochemistry kernel against its numpy twin, and transport (docs/chemistry.md §4, §8)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from engine.kernels import use_numba
from engine.photochem import load_mechanism, parse_mechanism
from engine.photochem._domain import domain_of
from engine.photochem._model import simulate
from engine.photochem._settings import model_settings
from engine.photochem._weather import prepare_weather
from tests.engine.photochem_cases import random_boxes

SEED = 4242

TRACER = {
    "id": "TRACER", "name": "inert tracer", "source": "test",
    "first_order_units": "s-1", "second_order_units": "ppb-1 s-1",
    "species": {"TR": {"molar_mass": 1.0, "nitrogen": 0, "deposition_velocity": 0.0,
                       "background": 0.0, "source": "test"}},
    "emissions": {"voc": {"molar_mass": 1.0, "species": {"TR": 1.0}},
                  "nox": {"molar_mass": 1.0, "species": {"TR": 1.0}}},
    "reaction": [{"id": "T0", "equation": "TR -> TR", "reactants": ["TR"], "products": {"TR": 1.0},
                  "rate": {"type": "arrhenius", "A": 0.0, "B": 0.0, "C": 0.0},
                  "uncertainty_factor": 1.0, "source": "test"}],
}  # fmt: skip


def _projected(ny: int, nx: int, dx: float = 10_000.0) -> xr.Dataset:
    y, x = dx * np.arange(ny), dx * np.arange(nx)
    lat = 38.0 + (y[:, None] + 0 * x[None, :]) / 111_000.0
    lon = 115.0 + (x[None, :] + 0 * y[:, None]) / 88_000.0
    return xr.Dataset(coords={"y": y, "x": x, "lat": (("y", "x"), lat), "lon": (("y", "x"), lon)})


@pytest.mark.parametrize(("u", "v"), [(5.0, 0.0), (-3.0, 4.0)])
def test_tracer_moves_the_right_distance_and_keeps_its_mass(u, v):
    mechanism = parse_mechanism(TRACER, where="test")
    ny, nx, hours = 60, 60, 6
    domain = domain_of(_projected(ny, nx))
    settings_ = model_settings()
    time = np.datetime64("2026-07-01T00:00") + np.arange(hours).astype("timedelta64[h]")
    wind = {"u": np.full((hours, ny * nx), u), "v": np.full((hours, ny * nx), v)}
    weather = prepare_weather(
        time, domain, {"pblh": np.full((hours, ny * nx), 1000.0), **wind}, settings_
    )
    yy, xx = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    blob = 100.0 * np.exp(-((yy - 26.0) ** 2 + (xx - 26.0) ** 2) / (2 * 2.0**2))
    initial = blob.reshape(-1, 1)
    sim = simulate(
        mechanism, domain, weather, [np.zeros((hours, ny * nx, 2))], initial, settings_,
        outputs=("TR",), deposition=False, entrainment=False,
    )  # fmt: skip
    final = sim.state[0][:, 0].reshape(ny, nx)
    mass0, mass1 = (blob * 1e8).sum(), (final * 1e8).sum()  # 10 km × 10 km cells
    assert mass1 == pytest.approx(mass0, rel=1e-12)
    cx0, cy0 = (blob * xx).sum() / blob.sum(), (blob * yy).sum() / blob.sum()
    cx1, cy1 = (final * xx).sum() / final.sum(), (final * yy).sum() / final.sum()
    seconds = hours * 3600.0
    assert (cx1 - cx0) * 10_000.0 == pytest.approx(u * seconds, abs=0.01 * 10_000.0)
    assert (cy1 - cy0) * 10_000.0 == pytest.approx(v * seconds, abs=0.01 * 10_000.0)
    assert final.min() >= 0.0 and final.max() < blob.max()  # upwind diffuses, never overshoots


def test_uniform_field_stays_uniform_under_divergent_winds():
    """The density correction: no spurious source where winds converge (docs/chemistry.md §4)."""
    mechanism = parse_mechanism(TRACER, where="test")
    ny, nx, hours = 12, 15, 3
    domain = domain_of(_projected(ny, nx))
    settings_ = model_settings()
    rng = np.random.default_rng(SEED)
    time = np.datetime64("2026-07-01T00:00") + np.arange(hours).astype("timedelta64[h]")
    fields = {"u": rng.normal(0, 4, (hours, ny * nx)), "v": rng.normal(0, 4, (hours, ny * nx))}
    weather = prepare_weather(time, domain, fields, settings_)
    background = np.array([30.0])
    edge = np.full((hours, domain.edge_cells.size, 1), 30.0)
    sim = simulate(
        mechanism, domain, weather, [np.zeros((hours, ny * nx, 2))], np.full((ny * nx, 1), 30.0),
        settings_, background=background, edge=edge, outputs=("TR",), deposition=False,
        entrainment=False,
    )  # fmt: skip
    np.testing.assert_allclose(sim.out[0], 30.0, rtol=1e-12)


@pytest.mark.parametrize("winds", [False, True])
@pytest.mark.parametrize("name", ["GRS", "CONDENSED"])
def test_kernel_equals_its_numpy_twin(name, winds):
    mechanism = load_mechanism(name)
    domain, weather, flux, initial, settings_ = random_boxes(mechanism, 24, 10, SEED)
    if winds:
        rng = np.random.default_rng(SEED)
        fields = {
            "u": rng.normal(3, 3, weather.cosz.shape),
            "v": rng.normal(-2, 3, weather.cosz.shape),
            "t2m": weather.t2m,
            "pblh": weather.pblh[:-1],
        }
        time = np.datetime64("2026-07-01T20:00") + np.arange(10).astype("timedelta64[h]")
        weather = prepare_weather(time, domain, fields, settings_)
    results = []
    for numba in (True, False):
        with use_numba(numba):
            results.append(
                simulate(
                    mechanism,
                    domain,
                    weather,
                    [flux, 0.5 * flux],
                    initial,
                    settings_,
                    outputs=("O3", "NO2"),
                )  # fmt: skip
            )
    fast, slow = results
    assert (fast.status == slow.status).all()
    np.testing.assert_allclose(fast.out, slow.out, rtol=2e-4, atol=1e-3)
    np.testing.assert_allclose(fast.state, slow.state, rtol=2e-3, atol=1e-3)
