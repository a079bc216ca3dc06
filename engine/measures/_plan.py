"""Selection of each enterprise's measures and accounting of the reductions (一厂一策).

Per enterprise (RULES.md §3.3): its own plan for the level if present, else the catalogue rule
for its industry × grade × level × season, else the grade fallback; A+, A and leading firms are
self-directed (listed, no mandatory measure); positive-list firms are exempt only where the
region opts in; guarantee firms are capped at their guaranteed output, never stopped; lines
already stopped count no reduction. The line-level work is one numba kernel
(:func:`engine.kernels.measures.measure_lines`); everything here is vectorised over enterprises
except the handful of catalogue rules and plan blocks.
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
    GRADES,
    LEVELS,
    Action,
    Catalogue,
    Policy,
    Rule,
    default_catalogue,
)
from engine.measures._registry import GRADE_INDEX, Registry

__all__ = ["BASES", "TARGET_TOLERANCE_KG", "PlanResult", "compute_plan"]

BASES = (
    "no_alert",
    "self_directed",
    "positive_list_exempt",
    "plan",
    "catalogue",
    "grade_fallback",
    "no_rule",
)
"""Why an enterprise gets the measures it gets; ``PlanResult.basis`` indexes this."""
(NO_ALERT, SELF_DIRECTED, EXEMPT, OWN_PLAN, CATALOGUE, FALLBACK, NO_RULE) = range(len(BASES))

ACTION_CODE = {
    "stop": 1,
    "limit_output": 2,
    "stop_share_of_lines": 3,
    "transport_restriction": 4,
    "shift_hours": 5,
}
TARGET_TOLERANCE_KG = 1e-6
"""A reduction within this of the target counts as meeting it [kg d⁻¹] (rounding of sums)."""


@dataclasses.dataclass(frozen=True)
class RuleRef:
    """A rule as applied: from the catalogue (``rule``) or an enterprise's own plan."""

    kind: str  # "catalogue" | "plan"
    rule: Rule | None
    enterprise: int = -1


@dataclasses.dataclass
class PlanResult:
    """Selected measures and accounted reductions of one region, date and level.

    Enterprise arrays (enterprise,): ``grade`` in force and ``effective_grade`` (ungraded
    mapped per policy), ``basis`` (index into :data:`BASES`), ``rule`` (index into ``rules``,
    -1 none), ``reduction_kg_d`` (enterprise, species). Line arrays (line,): ``action``
    (outcome code of :mod:`engine.kernels.measures`), ``act`` (index into the flat action
    arrays), ``fraction`` [1], ``reduction_kg_d`` (line, species). Flat actions (action,):
    ``act_code``, ``act_value``, ``act_process``, ``act_line``, ``act_rule`` and
    ``act_action`` (the :class:`Action` described).
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
    notes: list[str]

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
        Whole-society emissions of the region (SO2, NOx, PM, VOC); NaN or None: unknown.
    catalogue : Catalogue, optional
        Default: the packaged catalogue.
    policy : Policy, optional
        Default: ``catalogue.policy_for(region_chain)``.
    regime : str, optional
        ``"o3"``: an ozone episode, which triggers no mandatory cuts (RULES.md §2.2).

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
    notes: list[str] = []
    n_ent = registry.n_enterprises
    grade = registry.grade.astype(np.int64)
    effective = np.where(grade == GRADE_INDEX["ungraded"], GRADE_INDEX[policy.ungraded_as], grade)
    alert = level != "none" and regime != "o3"
    if regime == "o3" and level != "none":
        notes.append(
            "O3 episode: no mandatory alert-level cuts (RULES.md §2.2 [S]); "
            "VOC/NOx supervision and the ozone-season programme apply"
        )

    rules: list[RuleRef] = []
    basis = np.full(n_ent, NO_ALERT, np.int8)
    ent_rule = np.full(n_ent, -1, np.int32)
    if alert:
        # catalogue: one rule per (industry, effective grade) pair
        table = np.full((len(registry.industries), len(GRADES)), -1, np.int32)
        fallback = np.zeros(table.shape, bool)
        index: dict[str, int] = {}
        for i, industry in enumerate(registry.industries):
            for g, grade_name in enumerate(GRADES):
                found = catalogue.rule_for(industry, grade_name, level, day, chain)
                if found is None:
                    continue
                if found.id + f"@{found.layer}" not in index:
                    index[found.id + f"@{found.layer}"] = len(rules)
                    rules.append(RuleRef("catalogue", found))
                table[i, g] = index[found.id + f"@{found.layer}"]
                fallback[i, g] = found.fallback
        ent_rule = table[registry.industry, effective] if n_ent else ent_rule
        basis = (
            np.where(
                ent_rule < 0,
                NO_RULE,
                np.where(fallback[registry.industry, effective], FALLBACK, CATALOGUE),
            ).astype(np.int8)
            if n_ent
            else basis
        )
        # own plans override the catalogue
        plans = registry.plans
        at_level = np.nonzero(plans.level == level)[0] if len(plans) else np.zeros(0, np.int64)
        planned = np.unique(plans.enterprise[at_level]) if at_level.size else at_level
        plan_rule = {}
        for e in planned.tolist():
            plan_rule[e] = len(rules)
            rules.append(RuleRef("plan", None, e))
        if planned.size:
            ent_rule[planned] = [plan_rule[e] for e in planned.tolist()]
            basis[planned] = OWN_PLAN
        exempt = registry.positive_list & policy.positive_list_exempt
        self_directed = np.isin(grade, [GRADE_INDEX[g] for g in policy.self_directed_grades])
        ent_rule[exempt | self_directed] = -1
        basis[exempt] = EXEMPT
        basis[self_directed] = SELF_DIRECTED
    else:
        at_level = np.zeros(0, np.int64)

    flat = _flatten(rules, registry, at_level)
    rule_start, act_code, act_value, act_process, act_line, act_rule, act_action = flat

    share = {
        "permitted_capacity": registry.permitted_capacity,
        "licensed_capacity": registry.licensed_capacity,
        "base": registry.base_output(),
    }[policy.line_share_capacity]
    outcome, act, fraction, line_red, ent_red = measure_lines(
        registry.line_start.astype(np.int64, copy=False),
        ent_rule,
        registry.guarantee.astype(bool, copy=False),
        registry.guarantee_cap.astype(np.float64, copy=False),
        rule_start,
        act_code,
        act_value,
        act_process,
        act_line,
        registry.process.astype(np.int32, copy=False),
        registry.base_output(),
        registry.last_year_output.astype(np.float64, copy=False),
        share.astype(np.float64, copy=False),
        registry.already_stopped.astype(bool, copy=False),
        registry.emission_kg_h.astype(np.float64, copy=False),
        registry.hours_per_day.astype(np.float64, copy=False),
    )
    baseline = np.full(len(EMISSION_SPECIES), np.nan)
    if baseline_t_d is not None:
        baseline = np.asarray(baseline_t_d, np.float64).reshape(len(EMISSION_SPECIES))
    required = policy.required_ratio.get(level) if alert else None
    return PlanResult(
        registry=registry,
        level=level,
        day=day,
        region_chain=chain,
        policy=policy,
        catalogue=catalogue,
        effective_grade=effective.astype(np.int8),
        basis=basis,
        rule=ent_rule,
        rules=rules,
        rule_start=rule_start,
        act_code=act_code,
        act_value=act_value,
        act_process=act_process,
        act_line=act_line,
        act_rule=act_rule,
        act_action=act_action,
        line_action=outcome,
        line_act=act,
        line_fraction=fraction,
        line_reduction_kg_d=line_red,
        enterprise_reduction_kg_d=ent_red,
        totals_kg_d=ent_red.sum(axis=0) if n_ent else np.zeros(len(EMISSION_SPECIES)),
        baseline_t_d=baseline,
        required_ratio=required,
        notes=notes,
    )


def _flatten(rules: list[RuleRef], registry: Registry, at_level: np.ndarray) -> tuple:
    """Flat action arrays of ``rules`` for the kernel, with back references for reporting."""
    process_code = {p: i for i, p in enumerate(registry.processes)}
    plans = registry.plans
    by_ent: dict[int, list[int]] = {}
    for row in at_level.tolist():
        by_ent.setdefault(int(plans.enterprise[row]), []).append(row)
    codes: list[int] = []
    values: list[float] = []
    procs: list[int] = []
    lines: list[int] = []
    owner: list[int] = []
    described: list[Action] = []
    start = [0]

    def add(r: int, action: Action, process: int, line: int) -> None:
        codes.append(ACTION_CODE[action.action])
        values.append(np.nan if action.value is None else float(action.value))
        procs.append(process)
        lines.append(line)
        owner.append(r)
        described.append(action)

    for r, ref in enumerate(rules):
        if ref.kind == "catalogue":
            assert ref.rule is not None
            for action in ref.rule.actions:
                if action.scope == "process":
                    known = [process_code[p] for p in action.processes if p in process_code]
                    for p in known or [-2]:  # -2 matches no line
                        add(r, action, p, -1)
                elif action.action == "stop_share_of_lines":
                    for p in range(len(registry.processes)):
                        add(r, action, p, -1)
                else:
                    add(r, action, -1, -1)
        else:
            e = ref.enterprise
            own = registry.process[registry.line_start[e] : registry.line_start[e + 1]]
            for row in by_ent.get(e, []):
                name = str(plans.action[row])
                value = float(plans.value[row])
                line = int(plans.line[row])
                scope = (
                    "line"
                    if line >= 0
                    else ("road_transport" if name == "transport_restriction" else "whole_plant")
                )
                action = Action(
                    name, None if np.isnan(value) else value, scope, (), "own plan (一厂一策)"
                )
                if name == "stop_share_of_lines" and line < 0:
                    for p in np.unique(own).tolist():
                        add(r, action, int(p), -1)
                else:
                    add(r, action, -1, line)
        start.append(len(codes))
    return (
        np.asarray(start, np.int64),
        np.asarray(codes, np.int8),
        np.asarray(values, np.float64),
        np.asarray(procs, np.int32),
        np.asarray(lines, np.int64),
        np.asarray(owner, np.int32),
        described,
    )
