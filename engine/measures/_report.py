"""The plan as a document: JSON-ready dict (HTTP, CLI) and one row per line (CSV check list).

Every measure names its reason and source (:class:`engine.measures._explain.Explainer`), in
English or Chinese; a local default is always labelled as such.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from engine.kernels.measures import OUT_CAP, OUT_LIMIT
from engine.measures._catalogue import EMISSION_SPECIES, GRADES
from engine.measures._explain import Explainer, check_language, kg
from engine.measures._plan import PlanResult
from engine.measures._select import BASES, SELF_DIRECTED
from engine.measures._shortfall import Proposals
from engine.texts import text

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


def _ratio(values: np.ndarray) -> dict[str, float | None]:
    pairs = zip(EMISSION_SPECIES, values, strict=True)
    return {p: (None if np.isnan(v) else float(v)) for p, v in pairs}


def plan_document(
    result: PlanResult,
    region: dict[str, Any],
    proposals: Proposals | None = None,
    *,
    language: str = "en",
) -> dict[str, Any]:
    """The plan as a JSON-ready dict (the response of ``/v1/regions/{code}/plan``).

    Enterprises are listed when the level is an alert; each with its line measures (lines
    stopped, limited, capped; already stopped lines under a measure, with no reduction), its
    enterprise-wide actions (transport restrictions), and its reductions [kg d⁻¹]. Reasons and
    notes are in ``language`` (``"en"`` or ``"zh"``).
    """
    reg = result.registry
    ex = Explainer(result, language)
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
                "reduction_kg_d": kg(result.enterprise_reduction_kg_d[e]),
            }
        )
    baseline = result.baseline_t_d
    document: dict[str, Any] = {
        "region": region,
        "date": result.day.isoformat(),
        "level": result.level,
        "enterprises": enterprises,
        "totals_kg_d": kg(result.totals_kg_d),
        "baseline_t_d": _ratio(baseline),
        "required_ratio": result.required_ratio,
        "achieved_ratio": _ratio(result.achieved_ratio),
        "target_met": dict(zip(EMISSION_SPECIES, result.target_met(), strict=True)),
        "shortfall_proposals": (
            _proposals(result, proposals, language) if proposals is not None else []
        ),
        "catalogue": {"id": result.catalogue.id, "version": result.catalogue.version},
        "notes": [note[0 if language == "en" else 1] for note in result.notes],
    }
    if result.required_ratio is not None and np.all(np.isnan(baseline)):
        document["notes"].append(text("measures.note.no_baseline", language))
    if result.required_ratio is None and result.level not in ("none",):
        document["notes"].append(text("measures.note.no_required_ratio", language, level=ex.level))
    if proposals is not None and len(proposals):
        totals = proposals.totals_after_kg_d
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(baseline > 0, totals / (baseline * 1e3), np.nan)
        document["after_proposals"] = {
            "totals_kg_d": kg(totals),
            "achieved_ratio": _ratio(ratio),
            "target_met": dict(zip(EMISSION_SPECIES, result.target_met(totals), strict=True)),
            "exhausted": list(proposals.exhausted),
        }
    return document


def _proposals(result: PlanResult, proposals: Proposals, language: str) -> list[dict[str, Any]]:
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
        current = {OUT_LIMIT: "limited", OUT_CAP: "capped"}.get(
            int(result.line_action[i]), "running"
        )
        reason = text(
            "measures.proposal.reason",
            language,
            species=pollutant,
            deficit=proposals.deficit_kg_d[k],
            target_pct=(result.required_ratio or 0) * 100,
            tier=tier,
            line_id=reg.line_id[i],
            current=text(f"measures.proposal.current.{current}", language),
            gain=gain,
            lost=proposals.output_lost[k],
            unit=unit,
            efficiency=proposals.efficiency[k],
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
                "reduction_kg_d": kg(proposals.added_kg_d[k]),
                "output_lost_per_day": float(proposals.output_lost[k]),
                "capacity_unit": unit,
                "reduction_per_output": float(proposals.efficiency[k]),
                "reason": reason,
            }
        )
    return out


def plan_rows(result: PlanResult, *, language: str = "en") -> list[dict[str, Any]]:
    """One row per enterprise line (columns :data:`CSV_COLUMNS`), the on-site check list."""
    reg = result.registry
    ex = Explainer(result, language)
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


def plan_csv(result: PlanResult, *, language: str = "en") -> str:
    """The check list as CSV text: :func:`plan_rows`, booleans ``true``/``false``, kg to 0.1 g."""
    check_language(language)

    def cell(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return round(value, 4)
        return value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in plan_rows(result, language=language):
        writer.writerow([cell(row[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()
