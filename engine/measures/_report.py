"""The plan as a document: JSON-ready dict (HTTP, CLI) and one row per line (CSV check list).

Every measure names its reason and source; a local default is always labelled as such.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from engine.kernels.measures import (
    OUT_CAP,
    OUT_LIMIT,
    OUT_NONE,
    OUT_SHARE_KEEP,
    OUT_SHARE_STOP,
    OUT_STOP,
)
from engine.measures._catalogue import EMISSION_SPECIES, GRADES
from engine.measures._plan import (
    BASES,
    EXEMPT,
    NO_ALERT,
    NO_RULE,
    OWN_PLAN,
    SELF_DIRECTED,
    PlanResult,
)
from engine.measures._shortfall import Proposals

__all__ = ["CSV_COLUMNS", "plan_csv", "plan_document", "plan_rows"]

CSV_COLUMNS = (
    "region_code",
    "credit_code",
    "name",
    "industry",
    "grade",
    "self_directed",
    "guarantee",
    "line_id",
    "process",
    "already_stopped",
    "action",
    "value",
    "reduction_so2_kg_d",
    "reduction_nox_kg_d",
    "reduction_pm_kg_d",
    "reduction_voc_kg_d",
    "status",
    "reason",
    "source",
    "enterprise_measures",
)
"""Columns of the on-site check list, one row per enterprise line."""

_PLAN_SOURCE = "own plan of the enterprise (一厂一策, registry plans.csv)"


def _kg(values: np.ndarray) -> dict[str, float]:
    return {p: float(v) for p, v in zip(EMISSION_SPECIES, values, strict=True)}


def _ratio(values: np.ndarray) -> dict[str, float | None]:
    return {
        p: (None if np.isnan(v) else float(v))
        for p, v in zip(EMISSION_SPECIES, values, strict=True)
    }


class _Explainer:
    """Reasons and sources of one plan's measures."""

    def __init__(self, result: PlanResult) -> None:
        self.r = result
        self.reg = result.registry
        self.base = self.reg.base_output()
        self.share_capacity = {
            "permitted_capacity": self.reg.permitted_capacity,
            "licensed_capacity": self.reg.licensed_capacity,
            "base": self.base,
        }[result.policy.line_share_capacity]

    def grade_text(self, e: int) -> str:
        grade = GRADES[int(self.reg.grade[e])]
        if grade == "ungraded":
            as_grade = self.r.policy.ungraded_as
            return f"ungraded (treated as {as_grade}, a configurable local practice [?])"
        return f"grade {grade}"

    def rule_text(self, e: int, a: int) -> tuple[str, str, str]:
        """(what applies, source, status) of action ``a`` for enterprise ``e``."""
        r = self.r
        ref = r.rules[int(r.act_rule[a])]
        action = r.act_action[a]
        industry = self.reg.industries[int(self.reg.industry[e])]
        if ref.kind == "plan":
            return (f"own plan at {r.level}: {action.describe()}", _PLAN_SOURCE, "plan")
        rule = ref.rule
        assert rule is not None
        where = f"{industry} {self.grade_text(e)} at {r.level}"
        if rule.fallback:
            where = f"no {industry} rule for {self.grade_text(e)}: grade fallback at {r.level}"
        label = (
            "local default, not a national rule" if rule.status == "local_default" else "official"
        )
        return (f"{where}: {action.describe()} (rule {rule.id}, {label})", rule.source, rule.status)

    def line_measure(self, e: int, i: int) -> dict[str, Any] | None:
        r, reg = self.r, self.reg
        outcome = int(r.line_action[i])
        if outcome == OUT_NONE:
            return None
        a = int(r.line_act[i])
        action = r.act_action[a]
        what, source, status = self.rule_text(e, a)
        value: float | None = action.value
        stopped = bool(reg.already_stopped[i])
        if outcome == OUT_STOP:
            name, detail = "stop", "line stops for its operating hours"
        elif outcome == OUT_LIMIT:
            x = float(action.value or 0.0)
            name = "limit_output"
            detail = (
                f"output ≤ (1 − {x:g}) × base {self.base[i]:,.6g} = {(1 - x) * self.base[i]:,.6g} "
                f"{self._unit(i)} (base = min(permitted {reg.permitted_capacity[i]:,.6g}, "
                f"licensed {reg.licensed_capacity[i]:,.6g}, "
                f"last year {reg.last_year_output[i]:,.6g})); "
                f"cuts {r.line_fraction[i] * 100:.4g} % of current output"
            )
        elif outcome in (OUT_SHARE_STOP, OUT_SHARE_KEEP):
            name = "stop_share_of_lines" if outcome == OUT_SHARE_STOP else "none"
            detail = self._share_detail(e, i, a, outcome == OUT_SHARE_STOP)
            if outcome == OUT_SHARE_KEEP:
                value = None
        else:  # OUT_CAP
            cap = float(reg.guarantee_cap[e])
            name = "cap_guaranteed_output"
            if np.isnan(cap):
                value = None
                detail = (
                    "guarantee firm (民生保障) with no guaranteed output in the registry: "
                    "not stopped, output kept, no reduction counted — set guarantee_cap"
                )
            else:
                value = cap
                detail = (
                    f"guarantee firm (民生保障): never stopped; output capped at the "
                    f"guaranteed {cap * 100:g} % of base {self.base[i]:,.6g} {self._unit(i)}"
                    f" instead of '{action.describe()}'; cuts "
                    f"{r.line_fraction[i] * 100:.4g} % of current output"
                )
            source = f"{r.policy.sources.get('guarantee', 'RULES.md §3.3')}; replaces: {source}"
        reason = f"{what}; {detail}"
        if stopped:
            reason = f"already stopped before the alert: counts no reduction; {reason}"
        return {
            "line_id": str(reg.line_id[i]),
            "process": reg.processes[int(reg.process[i])],
            "action": name,
            "value": value,
            "reason": reason,
            "source": source,
            "status": status,
            "already_stopped": stopped,
            "reduction_kg_d": _kg(r.line_reduction_kg_d[i]),
        }

    def _unit(self, i: int) -> str:
        return self.reg.units[int(self.reg.capacity_unit[i])]

    def _share_detail(self, e: int, i: int, a: int, stopped: bool) -> str:
        r, reg = self.r, self.reg
        s, t = int(reg.line_start[e]), int(reg.line_start[e + 1])
        group = [j for j in range(s, t) if int(reg.process[j]) == int(r.act_process[a])]
        total = float(sum(self.share_capacity[j] for j in group))
        down = float(
            sum(self.share_capacity[j] for j in group if int(r.line_action[j]) == OUT_SHARE_STOP)
        )
        process = reg.processes[int(r.act_process[a])]
        x = float(r.act_value[a])
        capacity = r.policy.line_share_capacity
        share = f"{down / total * 100:.4g} %" if total > 0 else "n/a"
        if stopped:
            return (
                f"stops: {process} lines stopped largest {capacity} first until ≥ {x * 100:g} % "
                f"of the {process} capacity; {share} stopped "
                f"({down:,.6g} of {total:,.6g}); this line {self.share_capacity[i]:,.6g}"
            )
        return (
            f"keeps running: ≥ {x * 100:g} % of the {process} capacity already stopped by "
            f"larger lines ({share}, {down:,.6g} of {total:,.6g})"
        )

    def enterprise_actions(self, e: int) -> list[dict[str, Any]]:
        """Transport restrictions and shifts of hours (no plant reduction)."""
        r = self.r
        rule = int(r.rule[e])
        if rule < 0:
            return []
        out = []
        for a in range(int(r.rule_start[rule]), int(r.rule_start[rule + 1])):
            action = r.act_action[a]
            if action.action not in ("transport_restriction", "shift_hours"):
                continue
            what, source, status = self.rule_text(e, a)
            why = (
                "listed; adds no plant reduction"
                if action.action == "transport_restriction"
                else "moves emissions in time, removes none (RULES.md §4)"
            )
            out.append(
                {
                    "line_id": None,
                    "process": None,
                    "action": action.action,
                    "value": action.value,
                    "reason": f"{what}; {why}",
                    "source": source,
                    "status": status,
                    "already_stopped": False,
                    "reduction_kg_d": _kg(np.zeros(len(EMISSION_SPECIES))),
                }
            )
        return out

    def basis_text(self, e: int) -> str:
        b = int(self.r.basis[e])
        if b == SELF_DIRECTED:
            return (
                f"{self.grade_text(e)}: self-directed reduction, no mandatory measure — "
                f"{self.r.policy.sources.get('self_directed', 'RULES.md §3.1')}"
            )
        if b == EXEMPT:
            return (
                "positive list (正面清单) exempt — a local option enabled for this region: "
                f"{self.r.policy.sources.get('positive_list', 'RULES.md §3.3')}"
            )
        if b == NO_RULE:
            return f"no catalogue rule for this industry and {self.grade_text(e)} at {self.r.level}"
        if b == NO_ALERT:
            return "no mandatory measure at this level"
        if b == OWN_PLAN:
            return "own plan (一厂一策) overrides the catalogue"
        ref = self.r.rules[int(self.r.rule[e])]
        rule = ref.rule
        assert rule is not None
        kind = "grade fallback" if rule.fallback else "catalogue"
        label = (
            "local default, not a national rule" if rule.status == "local_default" else "official"
        )
        return f"{kind} rule {rule.id} ({label}) for {self.grade_text(e)} at {self.r.level}"


def plan_document(
    result: PlanResult, region: dict[str, Any], proposals: Proposals | None = None
) -> dict[str, Any]:
    """The plan as a JSON-ready dict (the response of ``/v1/regions/{code}/plan``).

    Enterprises are listed when the level is an alert; each with its line measures (lines
    stopped, limited, capped; already stopped lines under a measure, with no reduction), its
    enterprise-wide actions (transport restrictions), and its reductions [kg d⁻¹].
    """
    reg = result.registry
    ex = _Explainer(result)
    listed = [] if result.level == "none" else range(reg.n_enterprises)
    enterprises = []
    for e in listed:
        s, t = int(reg.line_start[e]), int(reg.line_start[e + 1])
        measures = [m for i in range(s, t) if (m := ex.line_measure(e, i)) is not None]
        measures = [m for m in measures if m["action"] != "none"] + ex.enterprise_actions(e)
        enterprises.append(
            {
                "credit_code": str(reg.credit_code[e]),
                "name": str(reg.name[e]),
                "region_code": reg.regions[int(reg.region[e])],
                "industry": reg.industries[int(reg.industry[e])],
                "grade": GRADES[int(reg.grade[e])],
                "self_directed": bool(result.basis[e] == SELF_DIRECTED),
                "guarantee": bool(reg.guarantee[e]),
                "basis": BASES[int(result.basis[e])],
                "basis_reason": ex.basis_text(e),
                "measures": measures,
                "reduction_kg_d": _kg(result.enterprise_reduction_kg_d[e]),
            }
        )
    baseline = result.baseline_t_d
    document: dict[str, Any] = {
        "region": region,
        "date": result.day.isoformat(),
        "level": result.level,
        "enterprises": enterprises,
        "totals_kg_d": _kg(result.totals_kg_d),
        "baseline_t_d": _ratio(baseline),
        "required_ratio": result.required_ratio,
        "achieved_ratio": _ratio(result.achieved_ratio),
        "target_met": dict(zip(EMISSION_SPECIES, result.target_met(), strict=True)),
        "shortfall_proposals": _proposals(result, proposals) if proposals is not None else [],
        "catalogue": {"id": result.catalogue.id, "version": result.catalogue.version},
        "notes": list(result.notes),
    }
    if result.required_ratio is not None and np.all(np.isnan(baseline)):
        document["notes"].append(
            "no baseline (whole-society emissions) for this region: "
            "achieved ratio and target unknown; import baseline.csv"
        )
    if result.required_ratio is None and result.level not in ("none",):
        document["notes"].append(f"no required reduction ratio is defined for level {result.level}")
    if proposals is not None and len(proposals):
        totals = proposals.totals_after_kg_d
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(baseline > 0, totals / (baseline * 1e3), np.nan)
        document["after_proposals"] = {
            "totals_kg_d": _kg(totals),
            "achieved_ratio": _ratio(ratio),
            "target_met": dict(zip(EMISSION_SPECIES, result.target_met(totals), strict=True)),
            "exhausted": list(proposals.exhausted),
        }
    return document


def _proposals(result: PlanResult, proposals: Proposals) -> list[dict[str, Any]]:
    reg = result.registry
    ent = reg.line_enterprise()
    tiers = result.policy.shortfall_tiers
    out = []
    for k in range(len(proposals)):
        i = int(proposals.line[k])
        e = int(ent[i])
        pollutant = EMISSION_SPECIES[int(proposals.pollutant[k])]
        gain = float(proposals.added_kg_d[k, int(proposals.pollutant[k])])
        tier = "/".join(tiers[int(proposals.tier[k])])
        unit = reg.units[int(reg.capacity_unit[i])]
        current = {OUT_LIMIT: "currently limited", OUT_CAP: "currently capped"}.get(
            int(result.line_action[i]), "currently running"
        )
        out.append(
            {
                "rank": k + 1,
                "pollutant": pollutant,
                "credit_code": str(reg.credit_code[e]),
                "name": str(reg.name[e]),
                "industry": reg.industries[int(reg.industry[e])],
                "grade": GRADES[int(reg.grade[e])],
                "line_id": str(reg.line_id[i]),
                "process": reg.processes[int(reg.process[i])],
                "action": "stop",
                "value": None,
                "reduction_kg_d": _kg(proposals.added_kg_d[k]),
                "output_lost_per_day": float(proposals.output_lost[k]),
                "capacity_unit": unit,
                "reduction_per_output": float(proposals.efficiency[k]),
                "reason": (
                    f"{pollutant} short by {proposals.deficit_kg_d[k]:,.1f} kg/d of the "
                    f"{(result.required_ratio or 0) * 100:g} % target; tier {tier} "
                    "(D first, then C, "
                    f"then B); stop line {reg.line_id[i]} ({current}): "
                    f"+{gain:,.1f} kg/d {pollutant} "
                    f"for {proposals.output_lost[k]:,.4g} {unit}/365 of output lost per day, "
                    f"{proposals.efficiency[k]:,.4g} kg per unit — proposal, not mandatory"
                ),
            }
        )
    return out


def plan_rows(result: PlanResult) -> list[dict[str, Any]]:
    """One row per enterprise line (columns :data:`CSV_COLUMNS`), the on-site check list."""
    reg = result.registry
    ex = _Explainer(result)
    rows: list[dict[str, Any]] = []
    if result.level == "none":
        return rows
    for e in range(reg.n_enterprises):
        extra = "; ".join(f"{m['action']}: {m['reason']}" for m in ex.enterprise_actions(e))
        common = {
            "region_code": reg.regions[int(reg.region[e])],
            "credit_code": str(reg.credit_code[e]),
            "name": str(reg.name[e]),
            "industry": reg.industries[int(reg.industry[e])],
            "grade": GRADES[int(reg.grade[e])],
            "self_directed": bool(result.basis[e] == SELF_DIRECTED),
            "guarantee": bool(reg.guarantee[e]),
            "enterprise_measures": extra,
        }
        for i in range(int(reg.line_start[e]), int(reg.line_start[e + 1])):
            m = ex.line_measure(e, i)
            red = result.line_reduction_kg_d[i]
            row = dict(common)
            row.update(
                {
                    "line_id": str(reg.line_id[i]),
                    "process": reg.processes[int(reg.process[i])],
                    "already_stopped": bool(reg.already_stopped[i]),
                    "action": m["action"] if m else "none",
                    "value": "" if not m or m["value"] is None else m["value"],
                    "reduction_so2_kg_d": float(red[0]),
                    "reduction_nox_kg_d": float(red[1]),
                    "reduction_pm_kg_d": float(red[2]),
                    "reduction_voc_kg_d": float(red[3]),
                    "status": m["status"] if m else "",
                    "reason": m["reason"] if m else ex.basis_text(e),
                    "source": m["source"] if m else "",
                }
            )
            rows.append(row)
    return rows


def plan_csv(result: PlanResult) -> str:
    """The check list as CSV text: :func:`plan_rows`, booleans ``true``/``false``, kg to 0.1 g."""

    def cell(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return round(value, 4)
        return value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in plan_rows(result):
        writer.writerow([cell(row[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()
