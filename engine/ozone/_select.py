"""Which rule of a programme each production line follows, and why (docs/rules.md §4.2).

A line counts when it is a VOC process (``voc_process`` not ``none``) and running. Its rule is
the first whose processes, industries and grades include it; then the rule's exemptions, in
order: grade, positive list (a local option), low-VOC substitution, efficient treatment.
Vectorised over lines; only the few rules are looped over.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.measures import GRADES, VOC_PROCESSES, Registry, efficient_treatment
from engine.ozone._programme import Programme

__all__ = ["REASONS", "Eligibility", "select_lines"]

REASONS = (
    "not_voc",
    "already_stopped",
    "not_covered",
    "self_directed",
    "exempt_grade",
    "exempt_positive_list",
    "exempt_low_voc",
    "exempt_treatment",
    "eligible",
)
"""Why a line is (not) under a rule; ``Eligibility.reason`` indexes this."""
(
    NOT_VOC,
    ALREADY_STOPPED,
    NOT_COVERED,
    SELF_DIRECTED,
    EXEMPT_GRADE,
    EXEMPT_POSITIVE_LIST,
    EXEMPT_LOW_VOC,
    EXEMPT_TREATMENT,
    ELIGIBLE,
) = range(len(REASONS))


@dataclasses.dataclass(frozen=True)
class Eligibility:
    """Per line (line,): ``rule`` (index into the programme's rules, ``-1`` none) and
    ``reason`` (index into :data:`REASONS`); per enterprise: ``efficient`` (VOC treatment
    efficient, docs/rules.md §4.1)."""

    rule: np.ndarray
    reason: np.ndarray
    efficient: np.ndarray


def select_lines(
    registry: Registry,
    programme: Programme,
    effective_grade: np.ndarray,
    *,
    self_directed: frozenset[str] = frozenset(),
) -> Eligibility:
    """The rule and the reason of every line.

    Parameters
    ----------
    registry : Registry
        Enterprises and lines (``voc_process``, ``already_stopped``; ``industry``, ``low_voc``,
        ``voc_treatment``, ``positive_list`` of the enterprises).
    programme : Programme
        Its rules, in order.
    effective_grade : int (enterprise,)
        Index into :data:`GRADES`, ungraded firms mapped (``engine.measures`` policy).
    self_directed : frozenset of str
        Grades that are self-directed (O3-episode measures): their lines follow no rule.

    Returns
    -------
    Eligibility
    """
    n_line = registry.n_lines
    ent = registry.line_enterprise()
    grade = np.asarray(effective_grade, np.int64)[ent]
    industry = registry.industry[ent]
    efficient = efficient_treatment(registry.voc_treatment)
    rule = np.full(n_line, -1, np.int32)
    reason = np.full(n_line, NOT_COVERED, np.int8)
    open_ = ~np.isin(grade, [GRADES.index(g) for g in self_directed])
    reason[~open_] = SELF_DIRECTED
    for r, spec in enumerate(programme.rules):
        codes = [VOC_PROCESSES.index(p) for p in spec.processes]
        match = open_ & np.isin(registry.voc_process, codes)
        if spec.industries:
            codes = [k for k, name in enumerate(registry.industries) if name in spec.industries]
            match &= np.isin(industry, codes)
        if spec.grades:
            match &= np.isin(grade, [GRADES.index(g) for g in spec.grades])
        rule[match] = r
        open_ &= ~match
        in_rule = match
        exempt_grade = in_rule & np.isin(grade, [GRADES.index(g) for g in spec.exempt_grades])
        own = in_rule & ~exempt_grade
        reason[exempt_grade] = EXEMPT_GRADE
        steps = (
            (spec.positive_list_exempt, registry.positive_list, EXEMPT_POSITIVE_LIST),
            (spec.exempt_low_voc, registry.low_voc, EXEMPT_LOW_VOC),
            (spec.exempt_efficient_treatment, efficient, EXEMPT_TREATMENT),
        )
        for active, flag, code in steps:
            if active:
                hit = own & np.asarray(flag, bool)[ent]
                reason[hit] = code
                own &= ~hit
        reason[own] = ELIGIBLE
    reason[registry.already_stopped] = ALREADY_STOPPED
    reason[registry.voc_process == VOC_PROCESSES.index("none")] = NOT_VOC
    return Eligibility(rule, reason, efficient)
