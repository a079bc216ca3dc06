"""Selection of each enterprise's measures and accounting of the reductions (一厂一策).

:func:`compute_plan` runs three steps: rule resolution (:mod:`engine.measures._select`: own
plan → catalogue → grade fallback; self-directed and positive-list exemptions), then accounting
(:func:`account_lines`, one numba kernel over every line, :func:`engine.kernels.measures.
measure_lines`: guarantee firms never stopped, lines already stopped count no reduction), then
the totals against the required ratio of the region's baseline (docs/rules.md §2.3, §3.3).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np

from engine.errors import PolicyError
from engine.kernels.measures import measure_lines
from engine.measures._catalogue import (
    EMISSION_SPECIES,
    LEVELS,
    Action,
    Catalogue,
    Policy,
)
from engine.measures._parse import default_catalogue
from engine.measures._registry import GRADE_INDEX, Registry
from engine.measures._select import (
    BASES,
    FlatActions,
    RuleRef,
    Selection,
    apply_exemptions,
    apply_own_plans,
    effective_grades,
    flatten_actions,
    resolve_catalogue_rules,
)
from engine.texts import say

__all__ = ["BASES", "TARGET_TOLERANCE_KG", "PlanResult", "account_lines", "compute_plan"]

TARGET_TOLERANCE_KG = 1e-6
"""A reduction within this of the target counts as meeting it [kg d⁻¹] (rounding of sums)."""


@dataclasses.dataclass
class PlanResult:
    """Selected measures and accounted reductions of one region, date and level.

    Enterprise arrays (enterprise,): ``effective_grade`` (the grade in force, ungraded mapped
    per policy), ``basis`` (index into :data:`BASES`), ``rule`` (index into ``rules``, -1
    none), ``enterprise_reduction_kg_d`` (enterprise, species) [kg d⁻¹]. Line arrays (line,):
    ``line_action`` (outcome code of :mod:`engine.kernels.measures`), ``line_act`` (index into
    the flat action arrays), ``line_fraction`` [1], ``line_reduction_kg_d`` (line, species)
    [kg d⁻¹]. Flat actions (action,): ``rule_start`` (rule + 1,), ``act_code``, ``act_value`` [1],
    ``act_process``, ``act_line``, ``act_rule`` and ``act_action`` (the :class:`Action`
    described). ``totals_kg_d`` (species,) [kg d⁻¹], ``baseline_t_d`` (species,) [t d⁻¹] (NaN:
    unknown), ``required_ratio`` [1] (None: no target at this level).
    """

    registry: Registry
    level: str
    day: dt.date
    region_chain: tuple[str, ...]
    policy: Policy
    catalogue: Catalogue
    effective_grade: np.ndarray
    basis: np.ndarray
    rule: np.ndarray
    rules: list[RuleRef]
    rule_start: np.ndarray
    act_code: np.ndarray
    act_value: np.ndarray
    act_process: np.ndarray
    act_line: np.ndarray
    act_rule: np.ndarray
    act_action: list[Action]
    line_action: np.ndarray
    line_act: np.ndarray
    line_fraction: np.ndarray
    line_reduction_kg_d: np.ndarray
    enterprise_reduction_kg_d: np.ndarray
    totals_kg_d: np.ndarray
    baseline_t_d: np.ndarray
    required_ratio: float | None
    notes: list[tuple[str, str]]
    """Notes of the plan, each in English and Chinese (:func:`engine.texts.say`)."""

    @property
    def achieved_ratio(self) -> np.ndarray:
        """Totals over the baseline (species,) [1]; NaN where no baseline."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.baseline_t_d > 0, self.totals_kg_d / (self.baseline_t_d * 1e3), np.nan
            )

    def deficit_kg_d(self, totals: np.ndarray | None = None) -> np.ndarray:
        """Reduction still missing to the required ratio (species,) [kg d⁻¹]; NaN unknown."""
        totals = self.totals_kg_d if totals is None else totals
        if self.required_ratio is None:
            return np.full(len(EMISSION_SPECIES), np.nan)
        need = self.required_ratio * self.baseline_t_d * 1e3
        return np.where(np.isfinite(need), np.maximum(0.0, need - totals), np.nan)

    def target_met(self, totals: np.ndarray | None = None) -> list[bool | None]:
        """Per emission species: reduction ≥ required ratio × baseline; None when unknown."""
        deficit = self.deficit_kg_d(totals)
        return [None if np.isnan(d) else bool(d <= TARGET_TOLERANCE_KG) for d in deficit]


def compute_plan(
    registry: Registry,
    level: str,
    day: dt.date,
    *,
    region_chain: Sequence[str] = (),
    baseline_t_d: Sequence[float] | np.ndarray | None = None,
    catalogue: Catalogue | None = None,
    policy: Policy | None = None,
    regime: str | None = None,
) -> PlanResult:
    """Select every enterprise's measures and account the reductions.

    Parameters
    ----------
    registry : Registry
        Enterprises and lines of the region (already restricted to it); grades as in force on
        ``day``.
    level : str
        Response level, one of :data:`LEVELS`.
    day : datetime.date
        Day of the response (selects the catalogue rules in force and the season).
    region_chain : sequence of str
        The region's code then its ancestors' (selects regional rules and options).
    baseline_t_d : (species,) [t d⁻¹], optional
        Whole-society emissions of the region (so2, nox, pm, voc); NaN or None: unknown.
    catalogue : Catalogue, optional
        Default: the packaged catalogue.
    policy : Policy, optional
        Default: ``catalogue.policy_for(region_chain)``.
    regime : str, optional
        ``"o3"``: an ozone episode, which triggers no mandatory cuts (docs/rules.md §2.2).

    Returns
    -------
    PlanResult
    """
    if level not in LEVELS:
        raise PolicyError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    catalogue = catalogue or default_catalogue()
    chain = tuple(region_chain)
    policy = policy or catalogue.policy_for(chain)
    if policy.ungraded_as not in GRADE_INDEX:
        raise PolicyError(f"ungraded_as {policy.ungraded_as!r} is not a grade")
    effective = effective_grades(registry, policy)
    alert = level != "none" and regime != "o3"
    notes = [say("measures.note.o3_episode")] if regime == "o3" and level != "none" else []
    if alert:
        selection = resolve_catalogue_rules(registry, effective, level, day, chain, catalogue)
        selection = apply_own_plans(selection, registry, level)
        selection = apply_exemptions(selection, registry, policy)
    else:
        selection = Selection.no_alert(registry.n_enterprises)
    actions = flatten_actions(selection, registry)
    outcome, act, fraction, line_red, ent_red = account_lines(
        registry, policy, selection.rule, actions
    )
    return PlanResult(
        registry=registry,
        level=level,
        day=day,
        region_chain=chain,
        policy=policy,
        catalogue=catalogue,
        effective_grade=effective.astype(np.int8),
        basis=selection.basis,
        rule=selection.rule,
        rules=selection.rules,
        rule_start=actions.start,
        act_code=actions.code,
        act_value=actions.value,
        act_process=actions.process,
        act_line=actions.line,
        act_rule=actions.rule,
        act_action=actions.described,
        line_action=outcome,
        line_act=act,
        line_fraction=fraction,
        line_reduction_kg_d=line_red,
        enterprise_reduction_kg_d=ent_red,
        totals_kg_d=ent_red.sum(axis=0),
        baseline_t_d=_baseline(baseline_t_d),
        required_ratio=policy.required_ratio.get(level) if alert else None,
        notes=notes,
    )


def account_lines(
    registry: Registry, policy: Policy, rule: np.ndarray, actions: FlatActions
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Apply the selected actions to every line and account the reductions.

    Parameters
    ----------
    registry : Registry
        Enterprises and lines; output base min(permitted, licensed, last year's) (§3.2),
        guarantee caps, lines already stopped.
    policy : Policy
        ``line_share_capacity``: the capacity compared by shares of lines.
    rule : int32 (enterprise,)
        Index of each enterprise's rule into ``actions``, ``-1`` none.
    actions : FlatActions
        The rules' actions (:func:`engine.measures._select.flatten_actions`).

    Returns
    -------
    outcome : int8 (line,)
        Outcome code of :mod:`engine.kernels.measures`.
    act : int32 (line,)
        Index of the deciding action, ``-1`` none.
    fraction : float64 (line,)
        Fraction of the line's emissions removed [1].
    line_reduction_kg_d : float64 (line, species)
        Reduction of each line [kg d⁻¹].
    enterprise_reduction_kg_d : float64 (enterprise, species)
        Reduction of each enterprise [kg d⁻¹].
    """
    base = registry.base_output()
    share = {
        "permitted_capacity": registry.permitted_capacity,
        "licensed_capacity": registry.licensed_capacity,
        "base": base,
    }[policy.line_share_capacity]
    return measure_lines(
        registry.line_start,
        rule,
        registry.guarantee,
        registry.guarantee_cap,
        actions.start,
        actions.code,
        actions.value,
        actions.process,
        actions.line,
        registry.process,
        base,
        registry.last_year_output,
        share,
        registry.already_stopped,
        registry.emission_kg_h,
        registry.hours_per_day,
    )


def _baseline(baseline_t_d: Sequence[float] | np.ndarray | None) -> np.ndarray:
    """The baseline as (species,) [t d⁻¹]; NaN when not given."""
    if baseline_t_d is None:
        return np.full(len(EMISSION_SPECIES), np.nan)
    return np.asarray(baseline_t_d, np.float64).reshape(len(EMISSION_SPECIES))
