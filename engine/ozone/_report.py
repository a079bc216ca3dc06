"""A programme as a document: the JSON of ``lantian ozone plan`` and of
``GET /v1/regions/{code}/ozone-programme``, and the on-site check list (CSV).

Per enterprise with a VOC process: each VOC line with its restricted window, action, days,
kilograms moved and removed, equipment, reason and source (wording:
``engine/data/texts_ozone.toml``, English or Chinese). The O3-episode section of a plan uses the
same entries, with kilograms per piece of equipment.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import numpy as np

from engine.errors import PolicyError
from engine.kernels.ozone import shift_profiles
from engine.measures import GRADES, VOC_PROCESSES, voc_data
from engine.ozone._compute import LINE_ACTIONS, NONE, SHIFT, STOP_DAYTIME, ProgrammeResult
from engine.ozone._programme import format_hour
from engine.ozone._select import ELIGIBLE, REASONS, SELF_DIRECTED
from engine.ozone._trigger import trigger_text
from engine.texts import text

__all__ = ["CSV_COLUMNS", "line_entries", "programme_csv", "programme_document", "programme_rows"]

CSV_COLUMNS = (
    "region_code",
    "credit_code",
    "name",
    "grade",
    "line_id",
    "voc_process",
    "equipment",
    "action",
    "window_start",
    "window_end",
    "works",
    "works_after",
    "days",
    "n_days",
    "voc_moved_kg",
    "voc_removed_kg",
    "reason",
)
"""Columns of the check list: one row per line that must not work (all of its work) inside
its window on the days listed."""

_KG_DECIMALS = 6  # milligrams: sums of exact products stay exact, float noise is cut


def _kg(value: float) -> float:
    return round(float(value), _KG_DECIMALS)


def _check(language: str) -> int:
    if language not in ("en", "zh"):
        raise PolicyError(f"language {language!r} is not one of en, zh")
    return 0 if language == "en" else 1


def _ranges(hours: np.ndarray) -> str:
    """``"18:00–01:00"`` style ranges of the hours marked in a (24,) bool array."""
    on = np.asarray(hours, bool)
    if not on.any():
        return "—"
    if on.all():
        return "00:00–24:00"
    start = int(np.flatnonzero(~on)[0])  # walk the clock from an hour that is off
    parts, run = [], None
    for k in range(1, 25):
        h = (start + k) % 24
        if on[h] and run is None:
            run = h
        if not on[h] and run is not None:
            parts.append(f"{format_hour(run)}–{format_hour(h if h else 24)}")
            run = None
    if run is not None:
        parts.append(f"{format_hour(run)}–{format_hour(start + 1 if start + 1 < 24 else 24)}")
    return "; ".join(parts)


def _day_ranges(days: list[dt.date]) -> str:
    """Consecutive days as ``first/last`` (ISO 8601 intervals), separated by spaces."""
    out, first, last = [], None, None
    for day in days:
        if first is not None and last is not None and (day - last).days == 1:
            last = day
            continue
        if first is not None and last is not None:
            out.append(first.isoformat() if first == last else f"{first}/{last}")
        first = last = day
    if first is not None and last is not None:
        out.append(first.isoformat() if first == last else f"{first}/{last}")
    return " ".join(out)


class _Lines:
    """Reasons, windows and profiles of one result's lines, in one language."""

    def __init__(self, result: ProgrammeResult, language: str) -> None:
        self.r = result
        self.reg = result.registry
        self.lang = language
        self.k = _check(language)
        self.ent = self.reg.line_enterprise()
        reg = self.reg
        self.before, self.after = shift_profiles(
            reg.start_hour, reg.end_hour, result.r0, result.r1, result.remove, result.move
        )
        self.trigger = trigger_text(result.programme)[self.k]
        self.status = text(f"ozone.status.{_status_key(result.programme.status)}", language)
        eq = reg.equipment
        self.eq_start = eq.of_lines(reg.n_lines)

    def window(self, i: int) -> list[str]:
        return [format_hour(self.r.r0[i]), format_hour(self.r.r1[i])]

    def rule_id(self, i: int) -> str:
        r = int(self.r.rule[i])
        return self.r.programme.rules[r].id if r >= 0 else ""

    def source(self, i: int) -> str:
        p = self.r.programme
        fields = {"status": self.status, "source": p.source, "programme": p.id}
        return text("ozone.source", self.lang, **fields, rule=self.rule_id(i) or "—")

    def reason(self, i: int) -> str:
        r, reg = self.r, self.reg
        e = int(self.ent[i])
        code = REASONS[int(r.reason[i])]
        grade = text(f"measures.grade.{GRADES[int(reg.grade[e])]}", self.lang, as_grade="")
        rule = self.rule_id(i)
        window = "–".join(self.window(i))
        if code != "eligible":
            if code == "not_covered":
                voc = VOC_PROCESSES[int(reg.voc_process[i])]
                process = str(_voc_label(voc, self.k))
                industry = reg.industries[int(reg.industry[e])]
                return text("ozone.reason.not_covered", self.lang, process=process,
                            industry=industry, grade=grade)  # fmt: skip
            treatment = str(reg.voc_treatment[e])
            return text(f"ozone.reason.{code}", self.lang, grade=grade, rule=rule,
                        treatment=treatment)  # fmt: skip
        hours = float(r.hours_in_window[i])
        inside = _ranges(self.before[i] > self.after[i] + 1e-12)
        if hours <= 0.0:
            works = [format_hour(reg.start_hour[i] % 24), format_hour(reg.end_hour[i] or 24)]
            return text("ozone.reason.outside_window", self.lang, start=works[0], end=works[1],
                        window=window, rule=rule)  # fmt: skip
        if r.cannot_shift[i] and r.action[i] == NONE:
            return text("ozone.reason.cannot_shift_kept", self.lang, hours=hours,
                        window=window, rule=rule)  # fmt: skip
        if r.action[i] == NONE:
            return text("ozone.reason.not_triggered", self.lang, trigger=self.trigger)
        moved, removed = (float(v[i]) for v in r.kg("voc"))
        fields: dict[str, Any] = {
            "window": window, "hours": hours, "inside": inside, "rule": rule,
            "days": int(r.days[i]), "moved": moved, "removed": removed,
            "placed": _ranges(self.after[i] > self.before[i] + 1e-12),
            "dropped": float(r.hours_dropped[i]),
            "pct": float(r.remove[i]) * 100,
        }  # fmt: skip
        if r.action[i] == SHIFT:
            key = "shift_partial" if r.hours_dropped[i] > 1e-9 else "shift"
        elif r.action[i] == STOP_DAYTIME:
            key = "cannot_shift_dropped" if r.cannot_shift[i] else "stop_daytime"
        else:
            key = "reduce"
        return text(f"ozone.reason.{key}", self.lang, **fields)

    def equipment(self, i: int, *, kilograms: bool = False) -> list[dict[str, Any]]:
        q = self.reg.equipment
        s, t = int(self.eq_start[i]), int(self.eq_start[i + 1])
        out = []
        for j in range(s, t):
            item: dict[str, Any] = {"equipment_id": str(q.equipment_id[j]), "kind": str(q.kind[j])}
            if kilograms:
                moved, removed = self._equipment_kg(i, j)
                item["voc_moved_kg"], item["voc_removed_kg"] = _kg(moved), _kg(removed)
            out.append(item)
        return out

    def _equipment_kg(self, i: int, j: int) -> tuple[float, float]:
        """A piece's share of its line's kilograms: its VOC rate over the line's (§4.1)."""
        line_rate = float(self.reg.emission_kg_h[i, -1])
        rate = float(self.reg.equipment.voc_kg_h[j])
        if not (line_rate > 0 and np.isfinite(rate)):
            return 0.0, 0.0
        moved, removed = (float(v[i]) for v in self.r.kg("voc"))
        return moved * rate / line_rate, removed * rate / line_rate


def _status_key(status: str) -> str:
    return status if status in ("local_default", "official") else "local"


def _voc_label(voc: str, k: int) -> str:
    entry = voc_data()["voc_processes"][voc]
    return str(entry["en"] if k == 0 else entry["zh"])


def line_entries(
    result: ProgrammeResult, language: str = "en", *, episode: bool = False
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Enterprise entries (those with a VOC process) and totals of a result.

    ``episode``: the O3-episode form (no days; ``self_directed`` per enterprise; kilograms per
    piece of equipment) instead of the programme's.
    """
    reg = result.registry
    lines = _Lines(result, language)
    moved, removed = result.kg("voc")
    voc_line = reg.voc_process != VOC_PROCESSES.index("none")
    entries, n_lines, n_firms = [], 0, 0
    for e in range(reg.n_enterprises):
        s, t = int(reg.line_start[e]), int(reg.line_start[e + 1])
        mine = [i for i in range(s, t) if voc_line[i]]
        if not mine:
            continue
        items = []
        for i in mine:
            item: dict[str, Any] = {
                "line_id": str(reg.line_id[i]),
                "voc_process": VOC_PROCESSES[int(reg.voc_process[i])],
                "action": LINE_ACTIONS[int(result.action[i])],
                "window": lines.window(i),
            }
            if not episode:
                item["days"] = [d.isoformat() for d in result.line_dates(i)]
            item["voc_moved_kg"] = _kg(moved[i])
            item["voc_removed_kg"] = _kg(removed[i])
            item["equipment"] = lines.equipment(i, kilograms=episode)
            item["reason"] = lines.reason(i)
            item["source"] = lines.source(i)
            items.append(item)
        acting = [i for i in mine if result.action[i] != NONE]
        n_lines += len(acting)
        n_firms += bool(acting)
        eligible = any(result.reason[i] == ELIGIBLE for i in mine)
        entry: dict[str, Any] = {
            "credit_code": str(reg.credit_code[e]),
            "name": str(reg.name[e]),
            "grade": GRADES[int(reg.grade[e])],
        }
        if episode:
            entry["self_directed"] = bool(result.reason[mine[0]] == SELF_DIRECTED)
        else:
            entry["eligible"] = eligible
            entry["exempt_reason"] = None if eligible else items[0]["reason"]
        entry["lines"] = items
        entry["voc_moved_kg"] = _kg(sum(moved[i] for i in mine))
        entry["voc_removed_kg"] = _kg(sum(removed[i] for i in mine))
        entries.append(entry)
    totals = {
        "voc_moved_kg": _kg(moved.sum()),
        "voc_removed_kg": _kg(removed.sum()),
        "lines": n_lines,
        "enterprises": n_firms,
    }
    return entries, totals


def programme_document(
    result: ProgrammeResult, region: dict[str, Any], *, language: str = "en"
) -> dict[str, Any]:
    """The programme over its period as the JSON contract of ``lantian ozone plan``.

    ``region`` is ``{"code", "name"}``; reasons in ``language`` (``"en"`` or ``"zh"``).
    """
    k = _check(language)
    p = result.programme
    entries, totals = line_entries(result, language)
    return {
        "region": {"code": str(region["code"]), "name": str(region["name"])},
        "from": result.dates[0].isoformat() if result.dates else None,
        "to": result.dates[-1].isoformat() if result.dates else None,
        "programme": {
            "id": p.id,
            "window": [format_hour(p.window[0]), format_hour(p.window[1])],
            "trigger": trigger_text(p)[k],
            "source": p.source,
            "status": p.status,
        },
        "enterprises": entries,
        "totals": totals,
    }


def programme_rows(
    result: ProgrammeResult, region_code: str, *, language: str = "en"
) -> list[dict[str, Any]]:
    """The check list: one row per line that must not work inside its window on its days."""
    reg = result.registry
    lines = _Lines(result, language)
    moved, removed = result.kg("voc")
    rows = []
    for i in np.flatnonzero(result.action != NONE).tolist():
        e = int(lines.ent[i])
        days = result.line_dates(i)
        equipment = lines.equipment(i)
        rows.append(
            {
                "region_code": region_code,
                "credit_code": str(reg.credit_code[e]),
                "name": str(reg.name[e]),
                "grade": GRADES[int(reg.grade[e])],
                "line_id": str(reg.line_id[i]),
                "voc_process": VOC_PROCESSES[int(reg.voc_process[i])],
                "equipment": " ".join(f"{q['equipment_id']}({q['kind']})" for q in equipment),
                "action": LINE_ACTIONS[int(result.action[i])],
                "window_start": lines.window(i)[0],
                "window_end": lines.window(i)[1],
                "works": _ranges(lines.before[i] > 0),
                "works_after": _ranges(lines.after[i] > 1e-12),
                "days": _day_ranges(days),
                "n_days": len(days),
                "voc_moved_kg": _kg(moved[i]),
                "voc_removed_kg": _kg(removed[i]),
                "reason": lines.reason(i),
            }
        )
    return rows


def programme_csv(result: ProgrammeResult, region_code: str, *, language: str = "en") -> str:
    """The check list as CSV text (columns :data:`CSV_COLUMNS`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in programme_rows(result, region_code, language=language):
        writer.writerow([row[c] for c in CSV_COLUMNS])
    return buffer.getvalue()
