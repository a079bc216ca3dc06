"""Alert levels (预警级别) from regional daily AQI, under versioned rule sets.

Rule sets are data (``engine/data/rule_sets.toml``, RULES.md §2.1); this module reads them and
classifies one region's forecast days from the first day a response applies to.

Preliminary (walking skeleton): natural-day evaluation only — "lasting N h" counts 24 h per
consecutive exceeding CST day, starting on the requested date; no episodes across days, no
rolling 24-h windows, no ensembles, no pre-alert tier, no regional linkage. The alert-level
issue replaces these with the full engine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Sequence
from importlib import resources

from engine.errors import PolicyError

__all__ = [
    "LEVELS",
    "Condition",
    "DayAQI",
    "LevelDecision",
    "LevelRule",
    "RuleSet",
    "classify",
    "get_rule_set",
    "rule_set_for",
    "rule_sets",
]

LEVELS = ("none", "pre_alert", "yellow", "orange", "red")
"""Response levels, weakest first."""

_POLLUTANT_LABEL = {
    "pm25": "PM2.5",
    "pm10": "PM10",
    "o3": "O3",
    "no2": "NO2",
    "so2": "SO2",
    "co": "CO",
}


@dataclasses.dataclass(frozen=True)
class Condition:
    """Daily AQI above ``threshold`` (or at least it, if ``inclusive``) for ``hours`` [h]."""

    threshold: int
    inclusive: bool
    hours: int

    def exceeds(self, aqi: int) -> bool:
        return aqi >= self.threshold if self.inclusive else aqi > self.threshold

    def describe(self) -> str:
        return f"daily AQI {'≥' if self.inclusive else '>'} {self.threshold}"


@dataclasses.dataclass(frozen=True)
class LevelRule:
    """A level and its clauses: any clause holding gives the level; a clause is all-of."""

    level: str
    clauses: tuple[tuple[Condition, ...], ...]


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """A versioned alert rule set (RULES.md §2.1)."""

    id: str
    title: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    mandatory_pollutants: frozenset[str]
    levels: tuple[LevelRule, ...]  # weakest first


@dataclasses.dataclass(frozen=True)
class DayAQI:
    """One CST day of a region: its daily AQI and primary pollutants (None when missing)."""

    date: dt.date
    aqi: int | None
    primary_pollutants: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class LevelDecision:
    """A region's response level with its regime, advisories and reasons."""

    level: str
    regime: str  # "pm25" | "o3" | "none"
    advisories: tuple[str, ...]
    reasons: tuple[str, ...]
    rule_set: str


@functools.cache
def rule_sets() -> dict[str, RuleSet]:
    """Every rule set of ``engine/data/rule_sets.toml`` by id."""
    text = resources.files("engine.data").joinpath("rule_sets.toml").read_text("utf-8")
    return {entry["id"]: _parse_rule_set(entry) for entry in tomllib.loads(text)["rule_set"]}


def _parse_rule_set(entry: dict) -> RuleSet:
    levels = []
    for rule in entry["level"]:
        if rule["level"] not in LEVELS:
            raise PolicyError(f"rule set {entry['id']}: unknown level {rule['level']!r}")
        clauses = tuple(
            tuple(
                Condition(
                    threshold=int(c.get("aqi_above", c.get("aqi_at_least", 0))),
                    inclusive="aqi_at_least" in c,
                    hours=int(c["hours"]),
                )
                for c in clause
            )
            for clause in rule["clauses"]
        )
        levels.append(LevelRule(level=rule["level"], clauses=clauses))
    levels.sort(key=lambda r: LEVELS.index(r.level))
    return RuleSet(
        id=entry["id"],
        title=entry["title"],
        source=entry["source"],
        effective_from=entry["effective_from"],
        effective_to=entry.get("effective_to"),
        mandatory_pollutants=frozenset(entry["mandatory_pollutants"]),
        levels=tuple(levels),
    )


def get_rule_set(rule_set_id: str) -> RuleSet:
    """The rule set named ``rule_set_id``; :class:`PolicyError` naming the known ids if none."""
    try:
        return rule_sets()[rule_set_id]
    except KeyError:
        known = ", ".join(sorted(rule_sets()))
        raise PolicyError(f"unknown rule set {rule_set_id!r}; known: {known}") from None


def rule_set_for(day: dt.date) -> RuleSet:
    """The rule set in force on ``day`` (the newest whose effective range contains it)."""
    candidates = [
        r
        for r in rule_sets().values()
        if r.effective_from <= day and (r.effective_to is None or day <= r.effective_to)
    ]
    if not candidates:
        raise PolicyError(
            f"no alert rule set is in force on {day.isoformat()}; choose one of "
            f"{', '.join(sorted(rule_sets()))} explicitly"
        )
    return max(candidates, key=lambda r: r.effective_from)


def classify(days: Sequence[DayAQI], rule_set: RuleSet) -> LevelDecision:
    """Response level of one region from its forecast days (natural-day mode).

    Parameters
    ----------
    days : sequence of DayAQI
        Consecutive CST days, the first being the day the response applies to.
    rule_set : RuleSet
        The rule set to apply.

    Returns
    -------
    LevelDecision
        The highest level whose rule holds on days driven by the rule set's mandatory
        pollutants; if only days driven by other pollutants (O3 under MEE-2024) would reach a
        level, the regime is ``"o3"`` with the advisory ``o3_health_advice`` and no level.
    """
    mandatory = rule_set.mandatory_pollutants
    level, reasons = _highest_level(days, rule_set, lambda d: bool(mandatory & set(d)))
    if level != "none":
        return LevelDecision(level, "pm25", (), tuple(reasons), rule_set.id)
    any_level, any_reasons = _highest_level(days, rule_set, lambda d: True)
    if any_level != "none":
        note = (
            f"O3-dominated days would reach {any_level}; under {rule_set.id} ozone episodes "
            "trigger health advice, not a mandatory level"
        )
        return LevelDecision("none", "o3", ("o3_health_advice",), (*any_reasons, note), rule_set.id)
    return LevelDecision("none", "none", (), (), rule_set.id)


def _highest_level(days, rule_set, counts) -> tuple[str, list[str]]:
    aqi = [d.aqi if d.aqi is not None and counts(d.primary_pollutants) else None for d in days]
    for rule in reversed(rule_set.levels):
        for clause in rule.clauses:
            spans = _clause_spans(aqi, clause)
            if spans is not None:
                reasons = [
                    _reason(days, cond, start, stop, rule.level, rule_set.id)
                    for cond, (start, stop) in zip(clause, spans, strict=True)
                ]
                return rule.level, reasons
    return "none", []


def _clause_spans(aqi: list[int | None], clause: tuple[Condition, ...]):
    """Day spans ``[start, stop)`` satisfying each condition, or None if the clause fails."""
    first = clause[0]
    window = 0
    while window < len(aqi) and aqi[window] is not None and first.exceeds(aqi[window]):
        window += 1
    if window * 24 < first.hours:
        return None
    spans = [(0, first.hours // 24 if first.hours % 24 == 0 else window)]
    for condition in clause[1:]:
        best = _longest_run(aqi[:window], condition)
        if best is None or (best[1] - best[0]) * 24 < condition.hours:
            return None
        spans.append(best)
    return spans


def _longest_run(aqi: list[int | None], condition: Condition) -> tuple[int, int] | None:
    best, start = None, None
    for i, value in enumerate([*aqi, None]):
        hit = value is not None and condition.exceeds(value)
        if hit and start is None:
            start = i
        elif not hit and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def _reason(days, condition, start, stop, level, rule_set_id) -> str:
    chosen = days[start:stop]
    pollutants = sorted({p for d in chosen for p in d.primary_pollutants}, key=list(_POLLUTANT_LABEL).index)
    label = "/".join(_POLLUTANT_LABEL.get(p, p) for p in pollutants) or "daily"
    dates = ", ".join(d.date.strftime("%m-%d") for d in chosen)
    values = ", ".join(str(d.aqi) for d in chosen)
    return (
        f"{label} {condition.describe()} forecast for {condition.hours} h "
        f"({dates}; AQI {values}) → {level} under {rule_set_id}"
    )
