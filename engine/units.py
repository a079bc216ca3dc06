"""Concentration units: everything is converted explicitly to the units of HJ 633.

Target units are µg/m³ for every pollutant except CO, which is in mg/m³ (HJ 633 Table 1).
Gases given as mixing ratios (ppb, ppm) are converted at the reference state of GB 3095
(298.15 K, 1013.25 hPa; amendment of 2018, kept in 2026): the molar volume there is
R·T/p = 24.465 L/mol, so 1 ppb of a gas of molar mass M [g/mol] is M / 24.465 µg/m³.
Particles (PM2.5, PM10) are reported at actual conditions and accept only mass units.
"""

from __future__ import annotations

import numpy as np

from engine.errors import ForecastError

__all__ = [
    "MOLAR_MASS",
    "MOLAR_VOLUME_L",
    "M_AIR",
    "REFERENCE_PRESSURE_HPA",
    "REFERENCE_TEMPERATURE_K",
    "TARGET_UNITS",
    "conversion_factor",
    "to_standard_units",
]

REFERENCE_TEMPERATURE_K = 298.15
REFERENCE_PRESSURE_HPA = 1013.25
_R = 8.314462618  # J mol⁻¹ K⁻¹ (CODATA 2018, exact since the 2019 SI)
MOLAR_VOLUME_L = _R * REFERENCE_TEMPERATURE_K / (REFERENCE_PRESSURE_HPA * 100.0) * 1000.0
"""Molar volume at the reference state [L mol⁻¹] (≈ 24.465)."""

MOLAR_MASS = {"o3": 48.00, "no2": 46.01, "so2": 64.07, "co": 28.01}
"""Molar masses of the gaseous pollutants [g mol⁻¹]."""

TARGET_UNITS = {
    "pm25": "ug m-3",
    "pm10": "ug m-3",
    "o3": "ug m-3",
    "no2": "ug m-3",
    "so2": "ug m-3",
    "co": "mg m-3",
}
"""Units of HJ 633 per pollutant, the units every computation of Lantian works in."""

# Spellings accepted for each unit, normalised (lower case, no spaces, '^' and '**' dropped).
_MASS = {
    "ugm-3": 1.0,
    "ug/m3": 1.0,
    "µgm-3": 1.0,
    "µg/m3": 1.0,
    "μgm-3": 1.0,
    "μg/m3": 1.0,
    "microgramspercubicmeter": 1.0,
    "mgm-3": 1000.0,
    "mg/m3": 1000.0,
    "kgm-3": 1e9,
    "kg/m3": 1e9,
}
_MIXING = {
    "ppb": 1.0,
    "ppbv": 1.0,
    "nmol/mol": 1.0,
    "nmolmol-1": 1.0,
    "ppm": 1000.0,
    "ppmv": 1000.0,
    "umol/mol": 1000.0,
    "µmol/mol": 1000.0,
    "umolmol-1": 1000.0,
    "µmolmol-1": 1000.0,
    "ppt": 1e-3,
    "pptv": 1e-3,
    "mol/mol": 1e9,
    "molmol-1": 1e9,
}
"""Volume (mole) mixing ratios in ppb per unit."""
_MASS_MIXING = {"kg/kg": 1.0, "kgkg-1": 1.0}
"""Mass mixing ratios in kg/kg per unit."""
M_AIR = 28.9647
"""Molar mass of dry air [g mol⁻¹] (U.S. Standard Atmosphere 1976)."""


_SUPERSCRIPTS = str.maketrans({"³": "3", "⁻": "-", "¹": "1", "·": "", "*": ""})


def _normalise(units: str) -> str:
    return units.strip().lower().translate(_SUPERSCRIPTS).replace(" ", "").replace("^", "")


def conversion_factor(units: str, pollutant: str) -> tuple[float, str]:
    """Factor taking values in ``units`` to :data:`TARGET_UNITS` of ``pollutant``.

    Parameters
    ----------
    units : str
        Units as written in the file, e.g. ``"ug m-3"``, ``"ppb"``, ``"ppm"``, ``"mg m-3"``.
    pollutant : str
        One of ``pm25``, ``pm10``, ``o3``, ``no2``, ``so2``, ``co``.

    Returns
    -------
    factor : float
        Multiply values in ``units`` by this [target units per given unit].
    note : str
        How the conversion was made, for the output's metadata.

    Raises
    ------
    ForecastError
        Unknown pollutant or units, or a mixing ratio given for particles.
    """
    if pollutant not in TARGET_UNITS:
        raise ForecastError(
            f"unknown pollutant {pollutant!r}; expected one of {', '.join(TARGET_UNITS)}"
        )
    key = _normalise(units)
    target = TARGET_UNITS[pollutant]
    to_target_mass = 1e-3 if target == "mg m-3" else 1.0  # µg/m³ → target
    if key in _MASS:
        factor = _MASS[key] * to_target_mass
        return factor, f"{units} -> {target} (mass units, factor {factor:g})"
    if key in _MIXING:
        if pollutant not in MOLAR_MASS:
            raise ForecastError(
                f"{pollutant} is given as a mixing ratio ({units!r}); particles must be in mass "
                "units such as 'ug m-3'"
            )
        mass = MOLAR_MASS[pollutant]
        factor = _MIXING[key] * mass / MOLAR_VOLUME_L * to_target_mass
        return factor, (
            f"{units} -> {target} at {REFERENCE_TEMPERATURE_K} K and {REFERENCE_PRESSURE_HPA} hPa "
            f"(M = {mass} g/mol, molar volume {MOLAR_VOLUME_L:.3f} L/mol, factor {factor:.6g})"
        )
    if key in _MASS_MIXING:
        if pollutant not in MOLAR_MASS:
            raise ForecastError(
                f"{pollutant} is given as a mass mixing ratio ({units!r}); particles are reported "
                "at actual conditions, which needs the model's air density: convert to 'ug m-3' "
                "before reading"
            )
        # A gas's mixing ratio does not depend on T and p: kg/kg → mol/mol by the molar masses,
        # then the reference-state molar volume as for ppb.
        mass = MOLAR_MASS[pollutant]
        ppb = _MASS_MIXING[key] * M_AIR / mass * 1e9
        factor = ppb * mass / MOLAR_VOLUME_L * to_target_mass
        return factor, (
            f"{units} -> {target} at {REFERENCE_TEMPERATURE_K} K and {REFERENCE_PRESSURE_HPA} hPa "
            f"(mass mixing ratio, M_air = {M_AIR} g/mol, M = {mass} g/mol, molar volume "
            f"{MOLAR_VOLUME_L:.3f} L/mol, factor {factor:.6g})"
        )
    raise ForecastError(
        f"unknown units {units!r} for {pollutant}; expected a mass concentration "
        "('ug m-3', 'mg m-3') or, for gases, a mixing ratio ('ppb', 'ppm', 'kg kg-1')"
    )


def to_standard_units(values: np.ndarray, units: str, pollutant: str) -> tuple[np.ndarray, str]:
    """Convert ``values`` from ``units`` to :data:`TARGET_UNITS` of ``pollutant``.

    Returns the converted array (same shape and floating dtype) and the conversion note.
    """
    factor, note = conversion_factor(units, pollutant)
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float64)
    if factor == 1.0:
        return values, note
    return values * values.dtype.type(factor), note
