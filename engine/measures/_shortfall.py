"""Shortfall proposals: extra measures when a pollutant misses the required ratio.

Candidates are running lines of firms that are neither self-directed, guaranteed nor exempt, in
the tiers of the policy (default D first, then C, then B- and B). Within a tier, lines are ranked
by the reduction of the missing pollutant per unit of output lost (stopping the line's remaining
output); lines are proposed until the target is met or no candidate remains. Pollutants are
treated in the order so2, nox, pm, voc; a proposal made for one also counts for the others.
Proposals are advice, reported apart from the mandatory list.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.measures._catalogue import EMISSION_SPECIES, GRADES
from engine.measures._plan import TARGET_TOLERANCE_KG, PlanResult
from engine.measures._select import CATALOGUE, FALLBACK, NO_RULE, OWN_PLAN

__all__ = ["Proposals", "propose_shortfall"]

DAYS_PER_YEAR = 365.0
"""Annual output to a daily average (docs/rules.md §3.2 speaks of daily averages) [d a⁻¹]."""


@dataclasses.dataclass(frozen=True)
class Proposals:
    """Proposed extra stops, in the order proposed.

    Columns (proposal,): ``line`` index, ``pollutant`` index of the pollutant whose shortfall
    prompted it, ``tier`` index into ``policy.shortfall_tiers``, ``added_kg_d`` (proposal,
    pollutant) [kg d⁻¹], ``output_lost`` [capacity unit d⁻¹], ``efficiency`` [kg per capacity
    unit] of the prompting pollutant, ``deficit_kg_d`` (the shortfall when proposed).
    ``totals_after_kg_d`` (species,) adds every proposal to the mandatory totals;
    ``exhausted`` names pollutants still short with no candidate left.
    """

    line: np.ndarray
    pollutant: np.ndarray
    tier: np.ndarray
    added_kg_d: np.ndarray
    output_lost: np.ndarray
    efficiency: np.ndarray
    deficit_kg_d: np.ndarray
    totals_after_kg_d: np.ndarray
    exhausted: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.line.shape[0])


def propose_shortfall(result: PlanResult) -> Proposals:
    """Extra measures closing the shortfall of each pollutant, D first, then C, then B."""
    reg = result.registry
    n_pol = len(EMISSION_SPECIES)
    totals = result.totals_kg_d.astype(np.float64).copy()
    empty = Proposals(
        np.zeros(0, np.int64),
        np.zeros(0, np.int8),
        np.zeros(0, np.int8),
        np.zeros((0, n_pol)),
        np.zeros(0),
        np.zeros(0),
        np.zeros(0),
        totals,
        (),
    )
    deficit = result.deficit_kg_d(totals)
    if not np.any(deficit > TARGET_TOLERANCE_KG):
        return empty
    tier_of_grade = np.full(len(GRADES), -1, np.int64)
    for t, names in enumerate(result.policy.shortfall_tiers):
        for name in names:
            tier_of_grade[GRADES.index(name)] = t
    ent = reg.line_enterprise()
    bound = np.isin(result.basis, [CATALOGUE, FALLBACK, OWN_PLAN, NO_RULE]) & ~reg.guarantee
    ent_tier = tier_of_grade[result.effective_grade.astype(np.int64)]
    line_tier = ent_tier[ent]
    eligible = bound[ent] & (line_tier >= 0) & ~reg.already_stopped
    emission = reg.emission_kg_h * reg.hours_per_day[:, None]
    output_day = reg.last_year_output / DAYS_PER_YEAR
    fraction = result.line_fraction.copy()
    picked: list[np.ndarray] = []
    prompted: list[np.ndarray] = []
    added_all: list[np.ndarray] = []
    deficits: list[np.ndarray] = []
    efficiency_all: list[np.ndarray] = []
    lost_all: list[np.ndarray] = []
    exhausted = []
    for p in range(n_pol):
        short = result.deficit_kg_d(totals)[p]
        if not short > TARGET_TOLERANCE_KG:
            continue
        idx = np.nonzero(eligible & (fraction < 1.0) & (emission[:, p] > 0) & (output_day > 0))[0]
        remaining = 1.0 - fraction[idx]
        gain = remaining * emission[idx, p]
        lost = remaining * output_day[idx]
        efficiency = emission[idx, p] / output_day[idx]
        order = np.lexsort((idx, -efficiency, line_tier[idx]))
        cumulative = np.cumsum(gain[order])
        if cumulative.size == 0 or cumulative[-1] < short - TARGET_TOLERANCE_KG:
            count = cumulative.size
            exhausted.append(EMISSION_SPECIES[p])
        else:
            count = int(np.searchsorted(cumulative, short - TARGET_TOLERANCE_KG, side="left")) + 1
        chosen = idx[order[:count]]
        added = (1.0 - fraction[chosen])[:, None] * emission[chosen]
        before = short - np.concatenate([[0.0], cumulative[: count - 1]]) if count else np.zeros(0)
        totals = totals + added.sum(axis=0)
        fraction[chosen] = 1.0
        picked.append(chosen)
        prompted.append(np.full(count, p, np.int8))
        added_all.append(added)
        deficits.append(before)
        efficiency_all.append(efficiency[order[:count]])
        lost_all.append(lost[order[:count]])
    if not picked:
        return dataclasses.replace(empty, exhausted=tuple(exhausted))
    lines = np.concatenate(picked)
    return Proposals(
        line=lines,
        pollutant=np.concatenate(prompted),
        tier=line_tier[lines].astype(np.int8),
        added_kg_d=np.concatenate(added_all),
        output_lost=np.concatenate(lost_all),
        efficiency=np.concatenate(efficiency_all),
        deficit_kg_d=np.concatenate(deficits),
        totals_after_kg_d=totals,
        exhausted=tuple(exhausted),
    )
