"""Photochemistry of the peak-shift scenario simulator (docs/chemistry.md).

* :func:`load_mechanism`, :func:`parse_mechanism` — mechanisms as data (the Generic Reaction
  Set by default, a condensed 22-reaction mechanism for the tests);
* :func:`run_scenario` — ΔO3 of an hourly emission change on the forecast's grid: base and
  scenario as coupled copies of a numba Rosenbrock box model in every cell, an ensemble of
  perturbed members, the sensitivity regime of every cell;
* :func:`regional_summary`, :func:`scenario_dataset` — per region (MDA8, ΔMDA8 percentiles,
  O3 IAQI, exceedance days, VOC moved, people affected) and per cell (the result file);
* :func:`isopleth` — an EKMA-style diagram of O3 against VOC and NOx emission factors.
"""

from engine.photochem._ensemble import Member, draw_members
from engine.photochem._isopleth import Isopleth, isopleth
from engine.photochem._mechanism import (
    Mechanism,
    Reaction,
    load_mechanism,
    mechanisms,
    parse_mechanism,
)
from engine.photochem._report import (
    DayScenario,
    RegionScenario,
    regional_summary,
    scenario_dataset,
)
from engine.photochem._scenario import REGIMES, ScenarioRun, classify_regime, run_scenario
from engine.photochem._settings import ModelSettings, model_settings
from engine.photochem._solar import cos_zenith, local_solar_hour
from engine.photochem._weather import WEATHER_FIELDS

__all__ = [
    "REGIMES",
    "WEATHER_FIELDS",
    "DayScenario",
    "Isopleth",
    "Mechanism",
    "Member",
    "ModelSettings",
    "Reaction",
    "RegionScenario",
    "ScenarioRun",
    "classify_regime",
    "cos_zenith",
    "draw_members",
    "isopleth",
    "load_mechanism",
    "local_solar_hour",
    "mechanisms",
    "model_settings",
    "parse_mechanism",
    "regional_summary",
    "run_scenario",
    "scenario_dataset",
]
