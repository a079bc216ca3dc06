"""A scenario per region: MDA8 before and after, ΔMDA8 percentiles, AQI, exceedances, people.

Regional values follow the order of the alert engine (docs/design.md, data flow): hourly O3 is
averaged over each region first (``engine.aggregate.regional_mean`` with the weights the faces
build, e.g. ``grids.coverage_weights``), then MDA8 is taken in China Standard Time days
(``engine.daily.daily_statistics``, docs/rules.md §1.5) and scored with the O3 8-h IAQI of the
standard in force (``engine.aqi``, §1.1). Base is the forecast; each member's scenario is the
forecast plus its ΔO3. The regime of a region comes from the regional means of its cells'
sensitivities (docs/chemistry.md §7).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine.aggregate import CoverageWeights, regional_mean
from engine.aqi import iaqi
from engine.daily import daily_statistics, validity_rules
from engine.errors import RegionError
from engine.photochem._ensemble import member_percentiles
from engine.photochem._scenario import REGIMES, ScenarioRun, classify_regime
from engine.photochem._settings import ModelSettings, model_settings

__all__ = ["DayScenario", "RegionScenario", "regional_summary", "scenario_dataset"]


@dataclasses.dataclass(frozen=True)
class DayScenario:
    """One CST day of a region.

    ``mda8_base`` and ``mda8_scenario`` (central member) [µg m⁻³]; ``delta_p10``,
    ``delta_p50``, ``delta_p90`` the members' ΔMDA8 percentiles [µg m⁻³]; the O3 8-h IAQI
    before and after [1] under the standard in force on ``date``.
    """

    date: dt.date
    mda8_base: float
    mda8_scenario: float
    delta_p10: float
    delta_p50: float
    delta_p90: float
    o3_iaqi_base: int
    o3_iaqi_scenario: int

    @property
    def interval_contains_zero(self) -> bool:
        """Whether zero lies in [P10, P90]: the sign of the change is not established."""
        return self.delta_p10 <= 0.0 <= self.delta_p90


@dataclasses.dataclass(frozen=True)
class RegionScenario:
    """The scenario's answer for one region (the JSON record of ``lantian scenario run``).

    ``exceedance_base`` / ``exceedance_scenario`` count days with MDA8 above the limit of
    docs/rules.md §1.5 (160 µg m⁻³); ``voc_moved_kg`` the VOC taken out of the hours where
    the change cuts it [kg]; ``population_affected`` the inhabitants of cells whose central
    ΔMDA8 reaches the report threshold on some day (None without a population grid).
    """

    code: str
    name: str
    regime: str | None
    defaulted: tuple[str, ...]
    members: int
    days: tuple[DayScenario, ...]
    exceedance_base: int
    exceedance_scenario: int
    voc_moved_kg: float
    population_affected: int | None


def _round(value: float, digits: int) -> float:
    return float(np.round(float(value), digits))


def _row_sums(weights: CoverageWeights, per_cell: NDArray[np.float64]) -> NDArray[np.float64]:
    """Σ_cell weight[r, cell] · per_cell[cell] for every region."""
    indptr, indices, data = weights.kernel_arrays()
    nnz = int(indptr[-1])
    rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    return np.bincount(
        rows, weights=data[:nnz] * per_cell[indices[:nnz]], minlength=indptr.size - 1
    ).astype(np.float64)


def regional_summary(
    run: ScenarioRun,
    weights: CoverageWeights,
    names: Mapping[str, str],
    *,
    cell_area_km2: NDArray[np.float64],
    population: CoverageWeights | None = None,
    settings: ModelSettings | None = None,
) -> list[RegionScenario]:
    """The scenario per region of ``weights``.

    Parameters
    ----------
    run : ScenarioRun
    weights : CoverageWeights
        Area weights ``(region, cell)`` [km²] on the scenario's grid.
    names : mapping
        Region code → name.
    cell_area_km2 : ndarray (y, x)
        Cell areas [km²] (each region's share of a cell's VOC is its area share).
    population : CoverageWeights, optional
        Population weights ``(region, cell)`` [people] on the same grid.
    settings : ModelSettings, optional

    Returns
    -------
    list of RegionScenario
        In the order of ``weights.region_codes``.
    """
    settings = settings or model_settings()
    if weights.kind != "area":
        raise RegionError(f"scenario summaries need area weights, got {weights.kind!r}")
    codes = list(weights.region_codes)
    base_hourly = regional_mean(run.forecast_o3, weights)
    scen_hourly = regional_mean(run.scenario_o3.astype(np.float64), weights)
    key = lambda d: d[next(v for v in d.data_vars if v != "valid_fraction")]  # noqa: E731
    base = daily_statistics(key(base_hourly).to_dataset(name="o3"))["o3_mda8"]
    scen = daily_statistics(key(scen_hourly).to_dataset(name="o3"))["o3_mda8"]
    base = base.transpose("region", "date")
    scen = scen.transpose("member", "region", "date")
    delta = (scen - base).values  # (member, region, date)
    pct = member_percentiles(delta, [10, 50, 90]) if delta.shape[0] else delta
    limit = float(validity_rules()["mda8_exceedance_limit"])
    dates = [d.astype("datetime64[D]").item() for d in base["date"].values]

    regimes: list[str | None] = [None] * len(codes)
    if "s_voc" in run.sensitivity:
        means = [key(regional_mean(run.sensitivity[s], weights)).values for s in ("s_voc", "s_nox")]
        for r, c in enumerate(classify_regime(means[0], means[1], settings.regime_ratio)):
            regimes[r] = REGIMES[c] if c >= 0 else None

    area = np.asarray(cell_area_km2, np.float64).ravel()
    moved = np.nan_to_num(run.voc_moved_kg.values.ravel()) / np.where(area > 0, area, np.inf)
    voc_moved = _row_sums(weights, moved)  # km² × kg km⁻²

    affected_people: NDArray[np.float64] | None = None
    if population is not None:
        daily = run.cell_daily()
        threshold = settings.population_delta_mda8_ug_m3
        hit = (np.abs(daily["delta_mda8"].values) >= threshold).any(axis=0).ravel()
        affected_people = _row_sums(population, hit.astype(np.float64))

    out = []
    for r, code in enumerate(codes):
        days = []
        for t, day in enumerate(dates):
            b, s = float(base.values[r, t]), float(scen.values[0, r, t])
            if not (np.isfinite(b) and np.isfinite(s)):
                continue
            days.append(
                DayScenario(
                    date=day,
                    mda8_base=_round(b, 1),
                    mda8_scenario=_round(s, 1),
                    delta_p10=_round(pct[0, r, t], 2),
                    delta_p50=_round(pct[1, r, t], 2),
                    delta_p90=_round(pct[2, r, t], 2),
                    o3_iaqi_base=int(iaqi("o3_8h", b, day)),
                    o3_iaqi_scenario=int(iaqi("o3_8h", s, day)),
                )
            )
        out.append(
            RegionScenario(
                code=code,
                name=names.get(code, code),
                regime=regimes[r],
                defaulted=run.defaulted,
                members=len(run.members),
                days=tuple(days),
                exceedance_base=sum(d.mda8_base > limit for d in days),
                exceedance_scenario=sum(d.mda8_scenario > limit for d in days),
                voc_moved_kg=_round(voc_moved[r], 1),
                population_affected=(
                    None if affected_people is None else int(round(affected_people[r]))
                ),
            )
        )
    return out


def scenario_dataset(run: ScenarioRun) -> xr.Dataset:
    """The result file's content: central ΔO3 and ΔMDA8 per cell, with CF attributes.

    ``delta_o3 (time, y|lat, x|lon)`` and ``delta_mda8 (date, …)`` [µg m⁻³] of the central
    member, ``delta_mda8_p10`` / ``_p90`` over members, ``mda8_base``, ``solver_status`` and,
    when computed, ``regime``, ``s_voc``, ``s_nox``.
    """
    daily = run.cell_daily()
    central = run.delta_o3.isel(member=0, drop=True)
    ds = xr.Dataset(
        {
            "delta_o3": central.assign_attrs(
                units="ug m-3",
                long_name="change of hourly O3 concentration, scenario minus base",
                cell_methods="time: mean (interval: 1 hour) member: central",
                reference_state="298.15 K, 1013.25 hPa (HJ 633)",
            ),
            "delta_mda8": daily["delta_mda8"].assign_attrs(
                long_name="change of O3 maximum daily 8-hour mean, scenario minus base",
                cell_methods="time: maximum of 8-hour means (China Standard Time day)",
            ),
            "delta_mda8_p10": daily["delta_mda8_p10"].assign_attrs(
                long_name="10th percentile over ensemble members of the MDA8 change"
            ),
            "delta_mda8_p90": daily["delta_mda8_p90"].assign_attrs(
                long_name="90th percentile over ensemble members of the MDA8 change"
            ),
            "mda8_base": daily["mda8_base"].assign_attrs(
                long_name="O3 maximum daily 8-hour mean of the forecast"
            ),
            "solver_status": run.status.astype(np.int8).assign_attrs(
                long_name="state of the photochemical solution in the cell",
                flag_values=np.array([0, 1, 2], np.int8),
                flag_meanings="computed solver_failed input_missing",
            ),
        }
    )
    for name in ("s_voc", "s_nox", "regime"):
        if name in run.sensitivity:
            ds[name] = run.sensitivity[name]
    for key in ds.data_vars:
        if str(key).startswith(("delta", "mda8", "s_")):
            ds[key].attrs["units"] = "ug m-3"
    ds["date"].attrs.update(long_name="China Standard Time date (UTC+8)")
    ds.attrs.update(
        {
            "Conventions": "CF-1.8",
            "title": "Lantian peak-shift scenario: ozone change",
            "mechanism": run.mechanism,
            "members": len(run.members),
            "seed": run.seed,
            "defaulted": " ".join(run.defaulted) or "none",
            "references": "docs/chemistry.md",
        }
    )
    return ds
