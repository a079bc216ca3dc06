"""Settings of the box model that are not chemistry: ``engine/data/mechanisms/model.toml``.

Climatological defaults of missing meteorological fields, photolysis under clouds, transport,
spin-up, solver tolerances, ensemble spreads, the regime rule and the report threshold
(docs/chemistry.md §3–§7). Every key is required; a missing one is a
:class:`~engine.errors.PolicyError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from engine.errors import PolicyError

__all__ = ["ModelSettings", "model_settings"]

_WHERE = "engine/data/mechanisms/model.toml"


@dataclasses.dataclass(frozen=True)
class ModelSettings:
    """The numbers of ``model.toml``, grouped as its tables (see that file for units)."""

    t2m: dict[str, float]
    pblh: dict[str, float]
    cloud_fraction: float
    wind_speed_m_s: float
    ventilation_length_m: float
    clear_sky_swdown_w_m2: float
    max_transmission: float
    cloud_a: float
    cloud_b: float
    pressure_pa: float
    courant: float
    spin_up_hours: int
    rtol: float
    atol_ppb: float
    max_steps: int
    members: int
    ensemble_max_cells: int
    seed: int
    pblh_range: float
    voc_reactivity_factor: float
    photolysis_factor: float
    background_o3_sd_ppb: float
    regime_perturbation: float
    regime_ratio: float
    population_delta_mda8_ug_m3: float

    def replace(self, **changes: Any) -> ModelSettings:
        """A copy with some numbers changed (tests, sensitivity studies)."""
        return dataclasses.replace(self, **changes)


def _table(data: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    table: Any = data
    for i, key in enumerate(path):
        if not isinstance(table, Mapping) or key not in table:
            raise PolicyError(f"{_WHERE}: missing table [{'.'.join(path[: i + 1])}]")
        table = table[key]
    return table  # type: ignore[no-any-return]


def _numbers(table: Mapping[str, Any], keys: tuple[str, ...], where: str) -> dict[str, float]:
    out = {}
    for key in keys:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PolicyError(f"{_WHERE}: [{where}] needs a number {key!r}, got {value!r}")
        out[key] = float(value)
    return out


@functools.cache
def model_settings() -> ModelSettings:
    """The packaged model settings (read once)."""
    text = resources.files("engine.data").joinpath("mechanisms", "model.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{_WHERE} is not valid TOML: {error}") from None
    t2m = _numbers(
        _table(data, "meteorology", "t2m"),
        ("mean_k", "amplitude_k", "peak_hour_local"),
        "meteorology.t2m",
    )
    pblh = _numbers(
        _table(data, "meteorology", "pblh"),
        (
            "night_m",
            "day_m",
            "rise_start_hour_local",
            "peak_hour_local",
            "collapse_hour_local",
            "min_m",
        ),
        "meteorology.pblh",
    )
    cloud = _numbers(_table(data, "meteorology", "cloud_fraction"), ("value",), "cloud_fraction")
    wind = _numbers(
        _table(data, "meteorology", "wind"), ("speed_m_s", "ventilation_length_km"), "wind"
    )
    photo = _numbers(
        _table(data, "photolysis"),
        ("clear_sky_swdown_w_m2", "max_transmission", "cloud_a", "cloud_b"),
        "photolysis",
    )
    air = _numbers(_table(data, "air"), ("pressure_pa",), "air")
    transport = _numbers(_table(data, "transport"), ("courant",), "transport")
    spin = _numbers(_table(data, "spin_up"), ("hours",), "spin_up")
    solver = _numbers(_table(data, "solver"), ("rtol", "atol_ppb", "max_steps"), "solver")
    ens = _numbers(
        _table(data, "ensemble"),
        (
            "members",
            "max_cells",
            "seed",
            "pblh_range",
            "voc_reactivity_factor",
            "photolysis_factor",
            "background_o3_sd_ppb",
        ),
        "ensemble",
    )
    regime = _numbers(_table(data, "regime"), ("perturbation", "ratio"), "regime")
    report = _numbers(_table(data, "report"), ("population_delta_mda8_ug_m3",), "report")
    if not 0 < transport["courant"] <= 1:
        raise PolicyError(f"{_WHERE}: [transport] courant must be in (0, 1]")
    return ModelSettings(
        t2m=t2m,
        pblh=pblh,
        cloud_fraction=cloud["value"],
        wind_speed_m_s=wind["speed_m_s"],
        ventilation_length_m=wind["ventilation_length_km"] * 1000.0,
        clear_sky_swdown_w_m2=photo["clear_sky_swdown_w_m2"],
        max_transmission=photo["max_transmission"],
        cloud_a=photo["cloud_a"],
        cloud_b=photo["cloud_b"],
        pressure_pa=air["pressure_pa"],
        courant=transport["courant"],
        spin_up_hours=int(spin["hours"]),
        rtol=solver["rtol"],
        atol_ppb=solver["atol_ppb"],
        max_steps=int(solver["max_steps"]),
        members=int(ens["members"]),
        ensemble_max_cells=int(ens["max_cells"]),
        seed=int(ens["seed"]),
        pblh_range=ens["pblh_range"],
        voc_reactivity_factor=ens["voc_reactivity_factor"],
        photolysis_factor=ens["photolysis_factor"],
        background_o3_sd_ppb=ens["background_o3_sd_ppb"],
        regime_perturbation=regime["perturbation"],
        regime_ratio=regime["ratio"],
        population_delta_mda8_ug_m3=report["population_delta_mda8_ug_m3"],
    )
