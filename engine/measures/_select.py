"""Which rule each enterprise follows, and its actions as flat arrays for the kernel (一厂一策).

Per enterprise (docs/rules.md §3.3): its own plan for the level if present, else the catalogue
rule for its industry × grade × level × season, else the grade fallback; A+, A and leading firms
are self-directed (listed, no mandatory measure); positive-list firms are exempt only where the
region opts in. Each step is vectorised over enterprises; only the handful of distinct catalogue
rules and own plans are looped over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from engine.measures._catalogue import GRADES, Action, Catalogue, Policy, Rule
from engine.measures._registry import GRADE_INDEX, Registry

__all__ = [
    "ACTION_CODE",
    "BASES",
    "CATALOGUE",
    "EXEMPT",
    "FALLBACK",
    "NO_ALERT",
    "NO_RULE",
    "OWN_PLAN",
    "SELF_DIRECTED",
    "FlatActions",
    "RuleRef",
    "Selection",
    "apply_exemptions",
    "apply_own_plans",
    "effective_grades",
    "flatten_actions",
    "resolve_catalogue_rules",
]

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
"""Action names to the codes of :mod:`engine.kernels.measures`."""


@dataclasses.dataclass(frozen=True)
class RuleRef:
    """A rule as applied: from the catalogue (``rule``) or an enterprise's own plan."""

    kind: str  # "catalogue" | "plan"
    rule: Rule | None
    enterprise: int = -1


@dataclasses.dataclass(frozen=True)
class Selection:
    """The rule of every enterprise.

    ``rules`` lists the rules applied; ``rule`` (enterprise,) indexes it (``-1``: none);
    ``basis`` (enterprise,) indexes :data:`BASES`; ``plan_rows`` are the rows of
    ``registry.plans`` at the level (the own plans in force).
    """

    rules: list[RuleRef]
    rule: np.ndarray
    basis: np.ndarray
    plan_rows: np.ndarray

    @classmethod
    def no_alert(cls, n_enterprises: int) -> Selection:
        """No rule for anyone: no alert, or an ozone episode (docs/rules.md §2.2)."""
        return cls(
            [],
            np.full(n_enterprises, -1, np.int32),
            np.full(n_enterprises, NO_ALERT, np.int8),
            np.zeros(0, np.int64),
        )


@dataclasses.dataclass(frozen=True)
class FlatActions:
    """The actions of every applied rule, flattened for the kernel (action,).

    Rule ``r`` owns ``start[r]:start[r + 1]``. ``code`` (:data:`ACTION_CODE`), ``value`` [1]
    (NaN: none), ``process`` (code, ``-1`` every process, ``-2`` none of the registry's),
    ``line`` (index, ``-1`` every line), ``rule`` (back reference) and ``described`` (the
    :class:`Action`, for reasons).
    """

    start: np.ndarray
    code: np.ndarray
    value: np.ndarray
    process: np.ndarray
    line: np.ndarray
    rule: np.ndarray
    described: list[Action]


def effective_grades(registry: Registry, policy: Policy) -> np.ndarray:
    """Grades the catalogue is read with: ungraded firms as the policy says (§3.1 [?]).

    Parameters
    ----------
    registry : Registry
        ``grade`` (enterprise,): index into :data:`GRADES`, in force on the plan's day.
    policy : Policy
        ``ungraded_as``: the grade an ungraded firm is treated as.

    Returns
    -------
    int64 (enterprise,)
        Index into :data:`GRADES`.
    """
    grade = registry.grade.astype(np.int64)
    return np.where(grade == GRADE_INDEX["ungraded"], GRADE_INDEX[policy.ungraded_as], grade)


def resolve_catalogue_rules(
    registry: Registry,
    effective_grade: np.ndarray,
    level: str,
    day: dt.date,
    region_chain: tuple[str, ...],
    catalogue: Catalogue,
) -> Selection:
    """Catalogue rule of every enterprise: one look-up per (industry, effective grade) pair.

    Parameters
    ----------
    registry : Registry
        Enterprises of the region.
    effective_grade : int (enterprise,)
        Grade index with ungraded firms mapped (:func:`effective_grades`).
    level : str
        An alert level.
    day : datetime.date
        Selects the rules in force and the season.
    region_chain : tuple of str
        The region then its ancestors (regional rules).
    catalogue : Catalogue
        Rules to choose from.

    Returns
    -------
    Selection
        Basis ``catalogue``, ``grade_fallback`` or ``no_rule``; no own plans yet.
    """
    n_ent = registry.n_enterprises
    rules: list[RuleRef] = []
    table = np.full((len(registry.industries), len(GRADES)), -1, np.int32)
    fallback = np.zeros(table.shape, bool)
    index: dict[str, int] = {}
    for i, industry in enumerate(registry.industries):
        for g, grade_name in enumerate(GRADES):
            found = catalogue.rule_for(industry, grade_name, level, day, region_chain)
            if found is None:
                continue
            key = f"{found.id}@{found.layer}"
            if key not in index:
                index[key] = len(rules)
                rules.append(RuleRef("catalogue", found))
            table[i, g] = index[key]
            fallback[i, g] = found.fallback
    if not n_ent:
        return Selection.no_alert(0)
    rule = table[registry.industry, effective_grade]
    basis = np.where(
        rule < 0,
        NO_RULE,
        np.where(fallback[registry.industry, effective_grade], FALLBACK, CATALOGUE),
    ).astype(np.int8)
    return Selection(rules, rule, basis, np.zeros(0, np.int64))


def apply_own_plans(selection: Selection, registry: Registry, level: str) -> Selection:
    """Own plans (一厂一策) at ``level`` override the catalogue (docs/rules.md §3.3).

    Parameters
    ----------
    selection : Selection
        The catalogue's choice (:func:`resolve_catalogue_rules`).
    registry : Registry
        ``plans``: one row per own-plan action (enterprise, level, line, action, value [1]).
    level : str
        The alert level; plans of other levels do not apply.

    Returns
    -------
    Selection
        One rule per planned enterprise appended to ``rules``; basis ``plan``.
    """
    plans = registry.plans
    rows = np.nonzero(plans.level == level)[0] if len(plans) else np.zeros(0, np.int64)
    if not rows.size:
        return selection
    planned = np.unique(plans.enterprise[rows])
    rules = selection.rules + [RuleRef("plan", None, int(e)) for e in planned.tolist()]
    rule = selection.rule.copy()
    basis = selection.basis.copy()
    rule[planned] = np.arange(len(selection.rules), len(rules), dtype=np.int32)
    basis[planned] = OWN_PLAN
    return Selection(rules, rule, basis, rows.astype(np.int64))


def apply_exemptions(selection: Selection, registry: Registry, policy: Policy) -> Selection:
    """No mandatory measure for self-directed grades and, where opted in, the positive list.

    Self-directed grades (A+, A, leading: docs/rules.md §3.1) and positive-list firms where the
    region opts in (§3.3, off by default) take no mandatory measure, whatever their rule or own
    plan.

    Parameters
    ----------
    selection : Selection
        Rules chosen so far.
    registry : Registry
        ``grade`` in force (not the effective one: an ungraded firm is never self-directed) and
        ``positive_list``.
    policy : Policy
        ``self_directed_grades`` and ``positive_list_exempt``.

    Returns
    -------
    Selection
        Rule ``-1`` and basis ``self_directed`` or ``positive_list_exempt`` for those firms.
    """
    grade = registry.grade.astype(np.int64)
    exempt = registry.positive_list & policy.positive_list_exempt
    self_directed = np.isin(grade, [GRADE_INDEX[g] for g in policy.self_directed_grades])
    rule = selection.rule.copy()
    basis = selection.basis.copy()
    rule[exempt | self_directed] = -1
    basis[exempt] = EXEMPT
    basis[self_directed] = SELF_DIRECTED
    return dataclasses.replace(selection, rule=rule, basis=basis)


def flatten_actions(selection: Selection, registry: Registry) -> FlatActions:
    """Flat action arrays of the selected rules for the kernel, with back references.

    A catalogue action on processes gets one slot per process the registry knows (``-2``: none
    of them); a share of lines gets one slot per process (each process is a group); an own plan
    action names a line or the whole plant.

    Parameters
    ----------
    selection : Selection
        The rules applied and the own-plan rows at the level.
    registry : Registry
        Process vocabulary, lines of each enterprise and the own plans.

    Returns
    -------
    FlatActions
        (action,) arrays, rule ``r`` owning ``start[r]:start[r + 1]``; values [1].
    """
    process_code = {p: i for i, p in enumerate(registry.processes)}
    plans = registry.plans
    by_ent: dict[int, list[int]] = {}
    for row in selection.plan_rows.tolist():
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

    for r, ref in enumerate(selection.rules):
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
                for action, process, line in _plan_actions(plans, row, own):
                    add(r, action, process, line)
        start.append(len(codes))
    return FlatActions(
        np.asarray(start, np.int64),
        np.asarray(codes, np.int8),
        np.asarray(values, np.float64),
        np.asarray(procs, np.int32),
        np.asarray(lines, np.int64),
        np.asarray(owner, np.int32),
        described,
    )


def _plan_actions(plans, row: int, own_processes: np.ndarray) -> list[tuple[Action, int, int]]:
    """(action, process, line) slots of one own-plan row."""
    name = str(plans.action[row])
    value = float(plans.value[row])
    line = int(plans.line[row])
    if line >= 0:
        scope = "line"
    else:
        scope = "road_transport" if name == "transport_restriction" else "whole_plant"
    action = Action(name, None if np.isnan(value) else value, scope)
    if name == "stop_share_of_lines" and line < 0:
        return [(action, int(p), -1) for p in np.unique(own_processes).tolist()]
    return [(action, -1, line)]
