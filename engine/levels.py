"""Alert levels (预警级别) from regional AQI series, under versioned rule sets.

Rule sets are data (``engine/data/rule_sets.toml``, RULES.md §2.1). A region's forecast is a
series of *steps* from the first day the response applies to: CST natural days in ``natural``
mode, or every 24-h window (one per hour, across midnight) in ``rolling`` mode. The kernel
:func:`engine.kernels.levels.classify_series` finds the highest level whose rule holds; this
module builds its rule table, decides the regime (PM2.5 versus O3) and writes the reasons in
English and Chinese.

Episodes across days (hysteresis, lifting) are :mod:`engine.episodes`; regional linkage is
:mod:`engine.linkage`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np

from engine.errors import PolicyError
from engine.kernels.levels import classify_series

__all__ = [
    "LEVELS",
    "LEVEL_NAMES_ZH",
    "MODES",
    "Condition",
    "DayAQI",
    "LevelDecision",
    "LevelRule",
    "RuleSet",
    "RuleTable",
    "WindowAQI",
    "Classification",
    "classify",
    "classify_arrays",
    "get_rule_set",
    "parse_overrides",
    "level_index",
    "rule_set_for",
    "rule_sets",
    "rule_table",
]

LEVELS = ("none", "pre_alert", "yellow", "orange", "red")
"""Response levels, weakest first."""
LEVEL_NAMES_ZH = {
    "none": "不预警",
    "pre_alert": "预警提示（临时管控）",
    "yellow": "黄色预警",
    "orange": "橙色预警",
    "red": "红色预警",
}
MODES = {
    # mode: (hours between steps, hours covered by a step, leading steps where a run may begin)
    "natural": (24, 24, 1),
    "rolling": (1, 24, 24),
}
"""Evaluation modes; ``natural`` is the default until the reference settles it (RULES §2.1)."""

_LABEL = {"pm25": "PM2.5", "pm10": "PM10", "o3": "O3", "no2": "NO2", "so2": "SO2", "co": "CO"}


def level_index(level: str) -> int:
    """Position of ``level`` in :data:`LEVELS`; :class:`PolicyError` if unknown."""
    try:
        return LEVELS.index(level)
    except ValueError:
        raise PolicyError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}") from None


@dataclasses.dataclass(frozen=True)
class Condition:
    """AQI above ``threshold`` (or at least it, if ``inclusive``) lasting ``hours`` [h]."""

    threshold: int
    inclusive: bool
    hours: int

    def describe(self) -> str:
        return f"{'≥' if self.inclusive else '>'} {self.threshold}"


@dataclasses.dataclass(frozen=True)
class LevelRule:
    """A level and its clauses: any clause holding gives the level; a clause is all-of."""

    level: str
    clauses: tuple[tuple[Condition, ...], ...]
    optional: bool = False
    source: str = ""


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
    lift_after_hours: int = 36
    merge_gap_hours: int = 36

    def rule(self, level: str) -> LevelRule | None:
        return next((r for r in self.levels if r.level == level), None)


@dataclasses.dataclass(frozen=True)
class DayAQI:
    """One CST day of a region: its daily AQI and primary pollutants (aqi None when missing)."""

    date: dt.date
    aqi: int | None
    primary_pollutants: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class WindowAQI:
    """One 24-h window starting at ``start`` (CST): its AQI and primary pollutants."""

    start: dt.datetime
    aqi: int | None
    primary_pollutants: tuple[str, ...]


Step = DayAQI | WindowAQI


@dataclasses.dataclass(frozen=True)
class LevelDecision:
    """A region's level from its forecast alone, with regime, advisories and reasons.

    ``clear_hours`` gives, for each level above ``none``, how long [h] the forecast stays below
    that level's start condition from the first step on (used to lift or downgrade episodes).
    """

    level: str
    regime: str  # "pm25" | "o3" | "none"
    advisories: tuple[str, ...]
    reasons: tuple[str, ...]
    reasons_zh: tuple[str, ...]
    rule_set: str
    mode: str = "natural"
    clear_hours: dict[str, int] = dataclasses.field(default_factory=dict)


@functools.cache
def rule_sets() -> dict[str, RuleSet]:
    """Every rule set of ``engine/data/rule_sets.toml`` by id."""
    text = resources.files("engine.data").joinpath("rule_sets.toml").read_text("utf-8")
    return {entry["id"]: parse_rule_set(entry) for entry in tomllib.loads(text)["rule_set"]}


def parse_clauses(raw: Sequence[Sequence[dict[str, Any]]], where: str) -> tuple:
    """Clauses from their TOML form; :class:`PolicyError` naming ``where`` if malformed."""
    clauses = []
    for clause in raw:
        conditions = []
        for c in clause:
            if ("aqi_above" in c) == ("aqi_at_least" in c) or "hours" not in c:
                raise PolicyError(
                    f"{where}: a condition needs exactly one of aqi_above / aqi_at_least and "
                    f"hours, got {c!r}"
                )
            conditions.append(
                Condition(
                    threshold=int(c.get("aqi_above", c.get("aqi_at_least", 0))),
                    inclusive="aqi_at_least" in c,
                    hours=int(c["hours"]),
                )
            )
        if not conditions:
            raise PolicyError(f"{where}: empty clause")
        clauses.append(tuple(conditions))
    return tuple(clauses)


def parse_rule_set(entry: dict[str, Any]) -> RuleSet:
    """A :class:`RuleSet` from its TOML table."""
    levels = []
    for rule in entry["level"]:
        level_index(rule["level"])
        levels.append(
            LevelRule(
                level=rule["level"],
                clauses=parse_clauses(rule["clauses"], f"rule set {entry['id']} {rule['level']}"),
                optional=bool(rule.get("optional", False)),
                source=rule.get("source", ""),
            )
        )
    levels.sort(key=lambda r: LEVELS.index(r.level))
    return RuleSet(
        id=entry["id"],
        title=entry["title"],
        source=entry["source"],
        effective_from=entry["effective_from"],
        effective_to=entry.get("effective_to"),
        mandatory_pollutants=frozenset(entry["mandatory_pollutants"]),
        levels=tuple(levels),
        lift_after_hours=int(entry.get("lift_after_hours", 36)),
        merge_gap_hours=int(entry.get("merge_gap_hours", 36)),
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


@dataclasses.dataclass(frozen=True)
class RuleTable:
    """A rule set flattened for the kernel: clauses strongest level first."""

    rule_set: RuleSet
    levels: tuple[str, ...]  # level of each clause row
    clauses: tuple[tuple[Condition, ...], ...]
    threshold: np.ndarray
    inclusive: np.ndarray
    hours: np.ndarray
    n_conditions: np.ndarray
    start_threshold: dict[str, tuple[int, bool]]  # lowest start condition of each level


@functools.lru_cache(maxsize=256)
def rule_table(
    rule_set: RuleSet,
    *,
    pre_alert: bool = False,
    extra: tuple[tuple[str, tuple[tuple[Condition, ...], ...]], ...] = (),
) -> RuleTable:
    """Kernel table of ``rule_set``.

    Parameters
    ----------
    pre_alert : bool
        Use the optional local pre-alert tier (临时管控) of the rule set.
    extra : tuple of (level, clauses)
        Extra clauses of a regional override. They are added to the national ones, so an
        override can only make a level start sooner — never later (RULES §2.1: local plans may
        be stricter, not laxer).
    """
    added: dict[str, list] = {}
    for level, clauses in extra:
        level_index(level)
        added.setdefault(level, []).extend(clauses)
    rows: list[tuple[str, tuple[Condition, ...]]] = []
    for rule in reversed(rule_set.levels):
        if rule.optional and not pre_alert:
            continue
        for clause in (*rule.clauses, *added.pop(rule.level, [])):
            rows.append((rule.level, clause))
    if added:
        raise PolicyError(
            f"override for levels {', '.join(added)} that {rule_set.id} does not define"
        )
    width = max(len(c) for _, c in rows)
    threshold = np.zeros((len(rows), width), dtype=np.int32)
    inclusive = np.zeros((len(rows), width), dtype=np.bool_)
    hours = np.zeros((len(rows), width), dtype=np.int32)
    for i, (_, clause) in enumerate(rows):
        for k, cond in enumerate(clause):
            threshold[i, k], inclusive[i, k], hours[i, k] = (
                cond.threshold,
                cond.inclusive,
                cond.hours,
            )
    start: dict[str, tuple[int, bool]] = {}
    for level, clause in rows:
        first = clause[0]
        key = (first.threshold, first.inclusive)
        start[level] = min(start.get(level, key), key)
    # A level's start condition includes every stronger level's.
    running: tuple[int, bool] | None = None
    for level in reversed(LEVELS):
        if level in start:
            running = start[level] if running is None else min(running, start[level])
            start[level] = running
    return RuleTable(
        rule_set=rule_set,
        levels=tuple(level for level, _ in rows),
        clauses=tuple(clause for _, clause in rows),
        threshold=threshold,
        inclusive=inclusive,
        hours=hours,
        n_conditions=np.array([len(c) for _, c in rows], dtype=np.int32),
        start_threshold=start,
    )


def classify_levels(
    aqi: np.ndarray, counts: np.ndarray, table: RuleTable, mode: str = "natural"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level index of every series ``(series, step) -> (series,)``, with clause and spans."""
    step_hours, window_hours, anchor = _mode(mode)
    clause, spans = classify_series(
        aqi,
        counts,
        table.threshold,
        table.inclusive,
        table.hours,
        table.n_conditions,
        step_hours=step_hours,
        window_hours=window_hours,
        anchor=anchor,
    )
    index = np.array([LEVELS.index(level) for level in table.levels] + [0], dtype=np.int8)
    return index[clause], clause, spans


def _mode(mode: str) -> tuple[int, int, int]:
    try:
        return MODES[mode]
    except KeyError:
        raise PolicyError(
            f"unknown evaluation mode {mode!r}; expected one of {', '.join(MODES)}"
        ) from None


@dataclasses.dataclass(frozen=True)
class Classification:
    """Levels of many series from one kernel call per regime, with what explains them.

    Arrays are ``(series,)`` unless noted. ``level`` counts only steps driven by a mandatory
    pollutant of the rule set; ``level_any`` counts every step (used for the O3 regime).
    """

    table: RuleTable
    mode: str
    level: np.ndarray  # int8 index into LEVELS
    clause: np.ndarray
    spans: np.ndarray  # (series, condition, 2)
    level_any: np.ndarray
    clause_any: np.ndarray
    spans_any: np.ndarray
    clear_hours: dict[str, np.ndarray]  # level -> (series,) [h]
    primary: np.ndarray  # (series, step, pollutant) bool
    aqi: np.ndarray  # (series, step)
    pollutants: tuple[str, ...]
    starts: tuple[dt.datetime, ...]  # CST start of each step

    def decision(self, i: int) -> LevelDecision:
        """The :class:`LevelDecision` of series ``i``, with its reasons."""
        rid = self.table.rule_set.id
        clear = {k: int(v[i]) for k, v in self.clear_hours.items()}
        if self.level[i] > 0:
            en, zh, pollutants = self._reasons(i, self.clause[i], self.spans[i])
            regime = "o3" if pollutants == {"o3"} else "pm25"
            return LevelDecision(LEVELS[self.level[i]], regime, (), en, zh, rid, self.mode, clear)
        if self.level_any[i] > 0:
            en, zh, _ = self._reasons(i, self.clause_any[i], self.spans_any[i])
            would = LEVELS[self.level_any[i]]
            en += (
                f"O3-dominated days would reach {would}; under {rid} ozone episodes trigger "
                "health advice, not a mandatory level",
            )
            zh += (
                f"以臭氧为首要污染物的时段将达到{LEVEL_NAMES_ZH[would]}条件；按 {rid}，"
                "臭氧污染只发布健康提示，不启动预警",
            )
            return LevelDecision("none", "o3", ("o3_health_advice",), en, zh, rid, self.mode, clear)
        return LevelDecision("none", "none", (), (), (), rid, self.mode, clear)

    def _reasons(self, i: int, clause: int, spans: np.ndarray):
        level = self.table.levels[clause]
        rid = self.table.rule_set.id
        step_hours, window_hours, _ = MODES[self.mode]
        en, zh, every = [], [], set()
        for condition, (start, stop) in zip(self.table.clauses[clause], spans, strict=False):
            steps = range(int(start), int(stop))
            pollutants = {
                p for t in steps for k, p in enumerate(self.pollutants) if self.primary[i, t, k]
            }
            every |= pollutants
            label = "/".join(_LABEL.get(p, p) for p in sorted(pollutants, key=_order))
            lasting = (stop - start) * step_hours + window_hours - step_hours
            values = [int(self.aqi[i, t]) for t in steps]
            if self.mode == "natural":
                when = [self.starts[t].strftime("%m-%d") for t in steps]
                en.append(
                    f"{label} daily AQI {condition.describe()} forecast for {lasting} h "
                    f"({', '.join(when)}; AQI {', '.join(map(str, values))}) → {level} "
                    f"under {rid}"
                )
                zh.append(
                    f"{label} 日 AQI {condition.describe()} 预计持续 {lasting} 小时"
                    f"（{'、'.join(when)}；AQI {'、'.join(map(str, values))}）"
                    f"→ 按 {rid} 为{LEVEL_NAMES_ZH[level]}"
                )
            else:
                end = self.starts[int(stop) - 1] + dt.timedelta(hours=window_hours)
                span = f"{self.starts[int(start)]:%m-%d %H:%M} – {end:%m-%d %H:%M}"
                en.append(
                    f"{label} 24-h AQI {condition.describe()} forecast for {lasting} h "
                    f"({span}; peak AQI {max(values)}) → {level} under {rid}"
                )
                zh.append(
                    f"{label} 滑动 24 小时 AQI {condition.describe()} 预计持续 {lasting} 小时"
                    f"（{span}；最高 AQI {max(values)}）→ 按 {rid} 为{LEVEL_NAMES_ZH[level]}"
                )
        return tuple(en), tuple(zh), every


def _order(pollutant: str) -> int:
    return list(_LABEL).index(pollutant) if pollutant in _LABEL else len(_LABEL)


def classify_arrays(
    aqi: np.ndarray,
    primary: np.ndarray,
    pollutants: Sequence[str],
    starts: Sequence[dt.datetime],
    table: RuleTable,
    mode: str = "natural",
) -> Classification:
    """Classify many series at once.

    Parameters
    ----------
    aqi : ndarray of int, (series, step)
        AQI of each step [1]; negative when missing. Step 0 is the first day asked.
    primary : ndarray of bool, (series, step, pollutant)
        Primary pollutants (首要污染物) of each step.
    pollutants : sequence of str
        Pollutant of each position of the last axis of ``primary``.
    starts : sequence of datetime.datetime, (step,)
        CST start of each step (for the reasons).
    table : RuleTable
        The rule table (see :func:`rule_table`).
    mode : {"natural", "rolling"}
        Steps are CST days, or 24-h windows one hour apart.
    """
    aqi = np.asarray(aqi, dtype=np.int32)
    primary = np.asarray(primary, dtype=np.bool_)
    mandatory = np.array([p in table.rule_set.mandatory_pollutants for p in pollutants])
    counted = (primary & mandatory).any(axis=-1) & (aqi >= 0)
    valid = aqi >= 0
    level, clause, spans = classify_levels(aqi, counted, table, mode)
    level_any, clause_any, spans_any = classify_levels(aqi, valid, table, mode)
    step_hours, window_hours, _ = _mode(mode)
    clear = {}
    for name, (threshold, inclusive) in table.start_threshold.items():
        above = counted & ((aqi >= threshold) if inclusive else (aqi > threshold))
        stop = above | ~valid  # a missing step is unknown, not clean: it ends the clean run
        run = np.where(stop.any(axis=1), stop.argmax(axis=1), aqi.shape[1])
        clear[name] = np.where(run > 0, run * step_hours + window_hours - step_hours, 0)
    return Classification(
        table, mode, level, clause, spans, level_any, clause_any, spans_any, clear,
        primary, aqi, tuple(pollutants), tuple(starts),
    )  # fmt: skip


def classify(
    steps: Sequence[Step],
    rule_set: RuleSet,
    mode: str = "natural",
    *,
    pre_alert: bool = False,
) -> LevelDecision:
    """Response level of one region from its forecast steps, the first being the day asked."""
    pollutants = tuple(_LABEL)
    aqi = np.array([[-1 if s.aqi is None else s.aqi for s in steps]], dtype=np.int32)
    primary = np.array([[[p in s.primary_pollutants for p in pollutants] for s in steps]])
    starts = [
        s.start if isinstance(s, WindowAQI) else dt.datetime.combine(s.date, dt.time())
        for s in steps
    ]
    table = rule_table(rule_set, pre_alert=pre_alert)
    return classify_arrays(
        aqi, primary.reshape(1, len(steps), -1), pollutants, starts, table, mode
    ).decision(0)


def parse_overrides(
    data: Mapping[str, Any], where: str = "overrides"
) -> dict[str, dict[str, tuple]]:
    """Regional overrides (stricter local rules) from their TOML form.

    Each ``[[override]]`` table names a ``region``, a ``rule_set``, a ``level``, its extra
    ``clauses`` (same form as in ``rule_sets.toml``) and a ``source``. Extra clauses are added
    to the national ones (see :func:`rule_table`), so an override can only be stricter.

    Returns
    -------
    dict
        Rule set id → region code → ``((level, clauses), ...)``, the form
        :func:`engine.pipeline.forecast_levels` takes.
    """
    out: dict[str, dict[str, list]] = {}
    for i, entry in enumerate(data.get("override", [])):
        here = f"{where}: override #{i + 1}"
        missing = [
            k for k in ("region", "rule_set", "level", "clauses", "source") if k not in entry
        ]
        if missing:
            raise PolicyError(f"{here} lacks {', '.join(missing)}")
        rule_set = get_rule_set(entry["rule_set"])
        if rule_set.rule(entry["level"]) is None:
            raise PolicyError(f"{here}: {rule_set.id} has no level {entry['level']!r}")
        clauses = parse_clauses(entry["clauses"], here)
        regions = out.setdefault(rule_set.id, {})
        regions.setdefault(str(entry["region"]), []).append((entry["level"], clauses))
    return {rid: {code: tuple(v) for code, v in regions.items()} for rid, regions in out.items()}
