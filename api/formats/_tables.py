"""Text tables for a terminal: responses and plans, aligned by display width."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from api.formats._common import Record, dates_of, text_grid

__all__ = ["levels_table", "plan_table"]


def levels_table(records: Sequence[Record], *, language: str = "en") -> str:
    """Responses as an aligned text table with the dates in the header and the reasons below.

    Each day shows the daily AQI, ``*`` when O3 is a primary pollutant that day; ``-`` marks a
    day without a value. A degraded response
    shows ``degraded`` and the region's valid share in the ``data`` column. Reasons are given
    in ``language`` (``"en"`` or ``"zh"``).
    """
    if not records:
        return "no region\n"
    first = records[0]
    dates = dates_of(records)
    ensemble = any(r.get("probabilities") for r in records)
    header = ["code", "name", "level", "regime", "data", *(d[5:] for d in dates)]
    if ensemble:
        header.append("P(y/o/r)")
    rows = []
    for r in records:
        by_date = {d["date"]: d for d in r["days"]}
        data = f"{r['valid_fraction']:.0%}"
        data = f"degraded {data}" if r["degraded"] else f"ok {data}"
        cells = [r["region"]["code"], r["region"]["name"], r["level"], r["regime"], data]
        cells += [_day_cell(by_date.get(d)) for d in dates]
        if ensemble:
            p = r.get("probabilities") or {}
            cells.append("/".join(f"{p.get(k, 0):.2f}" for k in ("yellow", "orange", "red")))
        rows.append(cells)
    align = "<<<<<" + ">" * (len(header) - 5)
    title = (
        f"Response levels from {first['date']} (CST) · rule set {first['rule_set']} · "
        f"{first['mode']} days · AQI {first['aqi_standard']} · forecast {first['forecast']['id']}"
    )
    if dates:
        title += f"\nDaily AQI {dates[0]} to {dates[-1]} (CST)"
    lines = [title, "", *text_grid(header, rows, align)]
    lines.append("(* O3 is a primary pollutant that day; - no value; data: share of the region's")
    lines.append(" area with valid forecast values, degraded below the minimum)")
    lines += ["", "Reasons" if language == "en" else "理由"]
    key = "reasons" if language == "en" else "reasons_zh"
    for r in records:
        lines.append(f"{r['region']['code']} {r['region']['name']} · {r['level']}")
        lines += [f"  - {reason}" for reason in r[key]]
    return "\n".join(lines) + "\n"


def _day_cell(day: Mapping[str, Any] | None) -> str:
    if day is None:
        return "-"
    return f"{day['aqi']}{'*' if 'o3' in day['primary_pollutants'] else ''}"


def plan_table(document: Mapping[str, Any]) -> str:
    """A plan document (``GET /v1/regions/{code}/plan``) as text: the reductions of each
    species against the baseline, then one line per enterprise (its measures counted by action,
    its reduction of each species [kg d⁻¹]), then the notes.
    """
    region = document["region"]
    name = region.get("name") or region["code"]
    label = name if name == region["code"] else f"{name} ({region['code']})"
    lines = [
        f"Plan of {label} on {document['date']} "
        f"(CST) at level {document['level']} · catalogue {document['catalogue']['id']} "
        f"{document['catalogue']['version']}",
        "",
    ]
    species = list(document["totals_kg_d"])
    baseline = document.get("baseline_t_d") or {}
    achieved = document.get("achieved_ratio") or {}
    met = document.get("target_met") or {}
    required = document.get("required_ratio")
    rows = [
        [s, _num(baseline.get(s)), _num(document["totals_kg_d"][s]), _pct(achieved.get(s)),
         _pct(required), _yes_no(met.get(s))]
        for s in species
    ]  # fmt: skip
    lines += text_grid(
        ["species", "baseline t/d", "reduction kg/d", "achieved", "required", "met"],
        rows,
        "<>>>>>",
    )
    enterprises = document["enterprises"]
    lines += ["", f"Enterprises: {len(enterprises)}"]
    if enterprises:
        rows = []
        for e in enterprises:
            actions: dict[str, int] = {}
            for m in e["measures"]:
                actions[m["action"]] = actions.get(m["action"], 0) + 1
            rows.append(
                [
                    e["credit_code"], e["name"], e["industry"], e["grade"], e["basis"],
                    ", ".join(f"{k} ×{v}" for k, v in sorted(actions.items())) or "-",
                    *(_num(e["reduction_kg_d"].get(s)) for s in species),
                ]
            )  # fmt: skip
        lines += text_grid(
            ["credit code", "name", "industry", "grade", "basis", "measures",
             *(f"{s} kg/d" for s in species)],
            rows,
            "<<<<<<" + ">" * len(species),
        )  # fmt: skip
    if document.get("notes"):
        lines += ["", "Notes"] + [f"  - {n}" for n in document["notes"]]
    return "\n".join(lines) + "\n"


def _yes_no(value: Any) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value:.0%}"
