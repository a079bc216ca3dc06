"""The photochemical box model against a stiff reference solver and chemical invariants.

Checks of docs/chemistry.md §9 (issue 12, item 7): Radau at rtol 1e-8 on ≥ 100 random cells
(O3 within 0.5 % or 0.5 ppb), the noon photostationary state within 1 %, nitrogen conserved
to 1e-6 in a closed box, a zero emission change giving exactly zero, VOC- and NOx-limited
responses, and no negative concentration ever.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import PolicyError
from engine.photochem import load_mechanism, parse_mechanism
from engine.photochem._domain import domain_of
from engine.photochem._model import emission_flux, simulate
from engine.photochem._settings import model_settings
from engine.photochem._solar import cos_zenith
from engine.photochem._weather import prepare_weather
from tests.engine.photochem_cases import random_boxes, reference

SEED = 20260712  # the random cells of the Radau comparison (recorded, not drawn per run)


def _agree(model: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Cell-hours where O3 agrees within 0.5 % or 0.5 ppb (issue 12, item 7)."""
    diff = np.abs(model - ref)
    return (diff <= 0.5) | (diff <= 0.005 * np.abs(ref))


def test_grs_against_radau_on_100_random_cells():
    mechanism = load_mechanism("GRS")
    domain, weather, flux, initial, settings_ = random_boxes(mechanism, 100, 24, SEED)
    ref = reference(mechanism, domain, weather, flux, initial)
    sim = simulate(mechanism, domain, weather, [flux], initial, settings_)
    assert (sim.status == 0).all()
    assert ref.shape == sim.out[0].shape == (24, 100, 1)
    assert ref.max() > 40.0  # real photochemistry happened
    ok = _agree(sim.out[0], ref)
    assert ok.all(), (
        f"{(~ok).sum()} cell-hours differ; worst {np.abs(sim.out[0] - ref).max():.3g} ppb"
    )


def test_condensed_mechanism_against_radau():
    """The same solver, unchanged, on a 22-reaction mechanism of 15 species."""
    mechanism = load_mechanism("CONDENSED")
    assert len(mechanism.reactions) >= 20 and len(mechanism.species) == 15
    domain, weather, flux, initial, settings_ = random_boxes(mechanism, 12, 24, SEED + 1)
    ref = reference(mechanism, domain, weather, flux, initial, outputs=("O3", "NO2"))
    sim = simulate(mechanism, domain, weather, [flux], initial, settings_, outputs=("O3", "NO2"))
    assert _agree(sim.out[0][..., :1], ref[..., :1]).all()
    assert np.allclose(sim.out[0][..., 1], ref[..., 1], rtol=0.01, atol=0.2)


def _noon_box(mechanism, roc: float, hours: int = 1):
    settings_ = model_settings()
    domain = domain_of(xr.Dataset(coords={"lat": [39.0, 39.1], "lon": [116.0, 116.1]}))
    time = np.datetime64("2026-06-21T04:00") + np.arange(hours).astype("timedelta64[h]")
    weather = prepare_weather(
        time, domain, {"t2m": np.full((hours, 4), 298.15), "pblh": np.full((hours, 4), 1000.0),
                       "cloud_fraction": np.zeros((hours, 4))}, settings_,
    )  # fmt: skip
    initial = np.zeros((4, len(mechanism.species)))
    initial[:, mechanism.index("NO")] = [5.0, 20.0, 40.0, 2.0]
    initial[:, mechanism.index("NO2")] = [20.0, 15.0, 30.0, 8.0]
    initial[:, mechanism.index("O3")] = [40.0, 60.0, 30.0, 80.0]
    if "ROC" in mechanism.species:
        initial[:, mechanism.index("ROC")] = roc
    flux = np.zeros((hours, 4, 3))
    return domain, weather, flux, initial, settings_


def test_noon_photostationary_state_within_one_percent():
    """j(NO2)·[NO2] = k4·[NO]·[O3] (+ k2·[RP]·[NO] with radicals) after an hour at noon."""
    m = load_mechanism("GRS")
    for roc in (0.0, 300.0):
        domain, weather, flux, initial, settings_ = _noon_box(m, roc)
        sim = simulate(
            m, domain, weather, [flux], initial, settings_,
            deposition=False, ventilation=False, entrainment=False,
        )  # fmt: skip
        final = sim.state[0]
        mu, trans, t2m = weather.cosz[0], weather.transmission[0], 298.15
        assert (mu > 0.9).all()  # noon, midsummer, 39° N
        a = m.kernel_arrays
        j = a["pl"][0] * mu ** a["pm"][0] * np.exp(-a["pn"][0] / mu) * trans
        k4 = a["ka"][3] * np.exp(a["kc"][3] / t2m)
        k2 = a["ka"][1] * np.exp(a["kc"][1] / t2m)
        no, no2, o3, rp = (final[:, m.index(s)] for s in ("NO", "NO2", "O3", "RP"))
        ratio = j * no2 / (no * (k4 * o3 + k2 * rp))
        np.testing.assert_allclose(ratio, 1.0, rtol=0.01)
        if roc == 0.0:
            np.testing.assert_allclose(j * no2 / (k4 * no * o3), 1.0, rtol=0.01)


@pytest.mark.parametrize("name", ["GRS", "CONDENSED"])
def test_nitrogen_conserved_in_a_closed_box(name):
    m = load_mechanism(name)
    domain, weather, flux, initial, settings_ = random_boxes(m, 8, 36, SEED + 2)
    sim = simulate(
        m, domain, weather, [np.zeros_like(flux)], initial, settings_,
        deposition=False, ventilation=False, entrainment=False,
    )  # fmt: skip
    before = initial @ m.nitrogen
    after = sim.state[0] @ m.nitrogen
    assert before.min() > 1.0
    np.testing.assert_allclose(after, before, rtol=1e-6)
    # and chemistry did convert nitrogen: products hold part of it now
    products = [s for s in m.species if m.nitrogen[m.index(s)] and s not in ("NO", "NO2")]
    assert sum(sim.state[0][:, m.index(s)].sum() for s in products) > 0.01


def test_zero_change_gives_exactly_zero_difference():
    m = load_mechanism("GRS")
    domain, weather, flux, initial, settings_ = random_boxes(m, 40, 30, SEED + 3)
    sim = simulate(m, domain, weather, [flux, flux.copy()], initial, settings_)
    assert np.array_equal(sim.out[0], sim.out[1])
    assert (sim.out[1] - sim.out[0] == 0.0).all()


def _regime_box(voc_kg_h: float, nox_kg_h: float) -> tuple[float, float, float]:
    """Two sunny days in one ~10-km cell with steady emissions: afternoon O3 of day 2 [ppb]
    with base emissions, with VOC cut by 30 %, with NOx cut by 30 %."""
    m = load_mechanism("GRS")
    settings_ = model_settings()
    domain = domain_of(xr.Dataset(coords={"lat": [38.0, 38.09], "lon": [115.0, 115.114]}))
    hours = 48
    time = np.datetime64("2026-07-01T16:00") + np.arange(hours).astype("timedelta64[h]")
    weather = prepare_weather(time, domain, {"cloud_fraction": np.zeros((hours, 4))}, settings_)
    voc = np.full((hours, 4), voc_kg_h)
    nox = np.full((hours, 4), nox_kg_h)
    flux = [
        emission_flux(a * voc, b * nox, m, domain, weather.t2m, settings_)
        for a, b in ((1.0, 1.0), (0.7, 1.0), (1.0, 0.7))
    ]
    sim = simulate(m, domain, weather, flux, np.tile(m.background, (4, 1)), settings_)
    afternoon = slice(24 + 20, 24 + 24)  # 12:00-16:00 CST of day 2 (04-08 UTC)
    base, voc_cut, nox_cut = sim.out[:, afternoon, 0, 0].mean(axis=1)
    return float(base), float(voc_cut), float(nox_cut)


def test_voc_cut_lowers_o3_in_a_voc_limited_cell():
    base, voc_cut, nox_cut = _regime_box(voc_kg_h=500.0, nox_kg_h=600.0)  # NOx-rich town
    assert nox_cut > base  # VOC-limited: less NOx, less titration, more O3
    assert voc_cut < base - 1.0


def test_voc_cut_barely_changes_o3_in_a_nox_limited_cell():
    # VOC/NOx of 18 by mass: O3 follows NOx, not VOC (docs/chemistry.md §7)
    base, voc_cut, nox_cut = _regime_box(voc_kg_h=550.0, nox_kg_h=30.0)
    assert base - nox_cut > 0.02 * base  # NOx-limited: a NOx cut lowers O3 by several %
    assert abs(voc_cut - base) < 0.01 * base


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(1e-3, 1e3),
    name=st.sampled_from(["GRS", "CONDENSED"]),
)
def test_concentrations_never_negative(seed, scale, name):
    m = load_mechanism(name)
    domain, weather, flux, initial, settings_ = random_boxes(m, 8, 12, seed)
    sim = simulate(m, domain, weather, [flux * scale], initial, settings_, outputs=m.species)
    assert (sim.status == 0).all()
    assert (sim.out >= 0.0).all() and (sim.state >= 0.0).all()


def test_nan_inputs_mark_cells_and_the_rest_is_computed():
    m = load_mechanism("GRS")
    settings_ = model_settings()
    domain = domain_of(xr.Dataset(coords={"lat": [38.0, 38.1, 38.2], "lon": [115.0, 115.1]}))
    hours = 6
    time = np.datetime64("2026-07-02T00:00") + np.arange(hours).astype("timedelta64[h]")
    t2m = np.full((hours, 6), 300.0)
    t2m[3, 4] = np.nan
    weather = prepare_weather(time, domain, {"t2m": t2m}, settings_)
    assert weather.defaulted == ("pblh", "cloud_fraction", "wind")
    flux = np.zeros((hours, 6, 3))
    sim = simulate(m, domain, weather, [flux], np.tile(m.background, (6, 1)), settings_)
    assert sim.status.tolist() == [0, 0, 0, 0, 2, 0]
    assert np.isnan(sim.out[0, :, 4]).all() and np.isfinite(np.delete(sim.out[0], 4, axis=1)).all()


def test_a_cell_that_cannot_converge_is_marked_and_the_run_goes_on():
    m = load_mechanism("GRS")
    domain, weather, flux, initial, settings_ = random_boxes(m, 8, 6, SEED + 4)
    strict = settings_.replace(max_steps=3)  # no cell can cross a sunny hour in 3 steps
    sim = simulate(m, domain, weather, [flux], initial, strict)
    assert (sim.status == 1).any()
    failed = sim.status == 1
    assert np.isnan(sim.out[0][-1, failed]).all()


def test_solar_zenith_angle_at_known_places():
    # 21 June, solar noon at Greenwich, 51.5° N: 90 − (51.5 − 23.44) = 28.06°
    z = np.degrees(
        np.arccos(cos_zenith(np.array(["2026-06-21T12:00"], "datetime64[m]"), [51.5], [0.0]))
    )
    assert abs(z[0, 0] - 28.06) < 0.15
    # equinox, local solar noon on the equator at 120° E (04:00 UTC): the sun is overhead
    z = np.degrees(
        np.arccos(cos_zenith(np.array(["2026-03-20T04:00"], "datetime64[m]"), [0.0], [120.0]))
    )
    assert z[0, 0] < 2.5
    # midnight in Beijing: below the horizon
    assert cos_zenith(np.array(["2026-06-21T16:00"], "datetime64[m]"), [39.9], [116.4])[0, 0] < 0


def test_grs_constants_in_solver_units():
    m = load_mechanism("GRS")
    a = m.kernel_arrays
    t = 298.15
    # R2: 5482 exp(242/T) ppm⁻¹ min⁻¹ = … / 1000 / 60 ppb⁻¹ s⁻¹; R4 likewise;
    # R1 is j · 1e4 exp(−4710/T)
    assert a["ka"][1] * np.exp(a["kc"][1] / t) == pytest.approx(5482 * np.exp(242 / t) / 6e4)
    assert a["ka"][3] * np.exp(a["kc"][3] / t) == pytest.approx(2643 * np.exp(-1370 / t) / 6e4)
    assert a["ka"][0] * np.exp(a["kc"][0] / t) == pytest.approx(1e4 * np.exp(-4710 / t))
    assert m.deposition_velocity[m.index("O3")] == pytest.approx(0.004)  # 0.4 cm s⁻¹
    # a cm³ molecule⁻¹ s⁻¹ constant of the condensed mechanism: O3 + NO at 298 K ≈ 1.9e-14
    c = load_mechanism("CONDENSED")
    b = c.kernel_arrays
    k = b["ka"][1] * (t / 300.0) ** b["kb"][1] * np.exp(b["kc"][1] / t)
    assert k == pytest.approx(2.07e-12 * np.exp(-1400 / t) * 2.4621e10, rel=1e-3)


def test_mechanism_errors_name_the_file_and_key():
    with pytest.raises(PolicyError, match="x.toml.*missing required key 'first_order_units'"):
        parse_mechanism({"id": "X"}, where="x.toml")
    good = {
        "id": "T", "name": "t", "source": "s",
        "first_order_units": "s-1", "second_order_units": "ppb-1 s-1",
        "species": {"A": {"molar_mass": 1.0, "nitrogen": 0, "deposition_velocity": 0.0,
                          "background": 0.0, "source": "s"}},
        "emissions": {"voc": {"molar_mass": 1.0, "species": {"A": 1.0}},
                      "nox": {"molar_mass": 1.0, "species": {"A": 1.0}}},
        "reaction": [{"id": "R", "equation": "A -> B", "reactants": ["A"], "products": {"B": 1.0},
                      "rate": {"type": "arrhenius", "A": 1.0, "B": 0.0, "C": 0.0},
                      "uncertainty_factor": 1.2, "source": "s"}],
    }  # fmt: skip
    with pytest.raises(PolicyError, match="reaction R: unknown species 'B'"):
        parse_mechanism(good, where="t.toml")
    with pytest.raises(PolicyError, match="no packaged mechanism 'NOPE'"):
        load_mechanism("NOPE")
