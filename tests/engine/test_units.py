"""Unit conversion to the units of HJ 633 at 298.15 K and 1013.25 hPa."""

from __future__ import annotations

import numpy as np
import pytest

from engine import units
from engine.errors import ForecastError


def test_molar_volume_at_the_reference_state():
    # R T / p = 8.314462618 * 298.15 / 101325 m³/mol
    assert units.MOLAR_VOLUME_L == pytest.approx(24.4654, abs=1e-4)


@pytest.mark.parametrize(
    ("pollutant", "unit", "factor"),
    [
        ("o3", "ppb", 48.00 / 24.4654),  # docs/rules.md §1.5: 1.962 µg/m³
        ("no2", "ppb", 46.01 / 24.4654),
        ("so2", "ppb", 64.07 / 24.4654),
        ("o3", "ppm", 1000 * 48.00 / 24.4654),
        ("co", "ppm", 28.01 / 24.4654),  # mg/m³ per ppm
        ("co", "ppb", 28.01 / 24.4654 / 1000),
        ("o3", "nmol mol-1", 48.00 / 24.4654),
        ("o3", "mol/mol", 1e9 * 48.00 / 24.4654),
    ],
)
def test_mixing_ratio_factors(pollutant, unit, factor):
    got, note = units.conversion_factor(unit, pollutant)
    assert got == pytest.approx(factor, rel=1e-5)
    assert "298.15 K" in note and "1013.25 hPa" in note


def test_rules_value_for_o3():
    assert units.conversion_factor("ppb", "o3")[0] == pytest.approx(1.962, abs=5e-4)


@pytest.mark.parametrize(
    ("pollutant", "unit", "factor"),
    [
        ("pm25", "ug m-3", 1.0),
        ("pm25", "µg/m³", 1.0),
        ("pm10", "ug m^-3", 1.0),
        ("pm25", "mg m-3", 1000.0),
        ("pm25", "kg m-3", 1e9),
        ("co", "mg m-3", 1.0),
        ("co", "ug m-3", 1e-3),
        ("co", "mg/m³", 1.0),
        ("o3", "ug m**-3", 1.0),
    ],
)
def test_mass_units(pollutant, unit, factor):
    assert units.conversion_factor(unit, pollutant)[0] == pytest.approx(factor)


def test_mass_mixing_ratio_of_a_gas():
    # kg/kg → µg/m³ at the reference state: q × ρ_air,ref × 1e9, ρ_air,ref = p M_air / (R T)
    rho = 101325 * units.M_AIR * 1e-3 / (8.314462618 * 298.15)
    assert units.conversion_factor("kg kg-1", "o3")[0] == pytest.approx(rho * 1e9, rel=1e-9)
    assert units.conversion_factor("kg/kg", "co")[0] == pytest.approx(rho * 1e6, rel=1e-9)


@pytest.mark.parametrize(
    ("unit", "pollutant", "match"),
    [
        ("ppb", "pm25", "particles"),
        ("kg/kg", "pm10", "air density"),
        ("furlongs", "o3", "unknown units"),
        ("ppb", "nh3", "unknown pollutant"),
    ],
)
def test_errors_name_the_problem(unit, pollutant, match):
    with pytest.raises(ForecastError, match=match):
        units.conversion_factor(unit, pollutant)


def test_to_standard_units_keeps_float_dtype_and_records_the_note():
    values = np.array([10.0, 50.0], np.float32)
    out, note = units.to_standard_units(values, "ppb", "o3")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, values * 48.00 / 24.4654, rtol=1e-6)
    assert "ppb -> ug m-3" in note
    same, _ = units.to_standard_units(values, "ug m-3", "o3")
    assert same is values  # no copy for factor 1
    ints, _ = units.to_standard_units(np.array([1, 2]), "ppm", "co")
    assert ints.dtype == np.float64
