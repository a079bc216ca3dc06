"""Classification of regional AQI series into response levels, with regime and reasons.

A region's forecast is a series of *steps* from the first day the response applies to: CST
natural days in ``natural`` mode, or every 24-h window (one per hour, across midnight) in
``rolling`` mode (docs/rules.md §2.1). The kernel
:func:`engine.kernels.levels.classify_series` finds the highest level whose rule holds; this
module decides the regime (the mandatory response versus the ozone advisory, §2.2), how long
the forecast stays clean (for lifting) and writes the reasons in English and Chinese.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np

from engine.errors import PolicyError
from engine.kernels.levels import classify_series
from engine.levels._rules import LEVELS, MODES, RuleSet, RuleTable, level_fields, rule_table
from engine.texts import say

_LABEL = {"pm25": "PM2.5", "pm10": "PM10", "o3": "O3", "no2": "NO2", "so2": "SO2", "co": "CO"}


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

    Arrays are ``(series,)`` unless noted. ``level`` counts only steps with a primary pollutant
    that is not advisory-only under the rule set; ``level_any`` counts every valid step (used
    for the ozone advisory).
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
        """The :class:`LevelDecision` of series ``i``, with its reasons.

        Regime (docs/rules.md §2.2): ``o3`` for a level resting on O3 days alone (a mandatory
        level only under rule sets where O3 counts), or for the advisory when only days whose
        primary pollutant is advisory would reach a level; ``pm25`` for every other level (the
        mandatory heavy-pollution response, whatever its primary pollutant); else ``none``.
        """
        rid = self.table.rule_set.id
        clear = {k: int(v[i]) for k, v in self.clear_hours.items()}
        if self.level[i] > 0:
            en, zh, pollutants = self._reasons(i, self.clause[i], self.spans[i])
            regime = "o3" if pollutants == {"o3"} else "pm25"
            return LevelDecision(LEVELS[self.level[i]], regime, (), en, zh, rid, self.mode, clear)
        if self.level_any[i] > 0:
            en, zh, _ = self._reasons(i, self.clause_any[i], self.spans_any[i])
            advisory = sorted(self.table.rule_set.advisory_pollutants, key=_order)
            note = say(
                "levels.advisory_only",
                label="/".join(_LABEL.get(p, p) for p in advisory),
                rule_set=rid,
                **level_fields(would=LEVELS[self.level_any[i]]),
            )
            advice = tuple(f"{p}_health_advice" for p in advisory)
            regime = "o3" if "o3" in advisory else "none"
            return LevelDecision(
                "none", regime, advice, (*en, note[0]), (*zh, note[1]), rid, self.mode, clear
            )
        en, zh = self._no_alert(i)
        return LevelDecision("none", "none", (), (en,), (zh,), rid, self.mode, clear)

    def _no_alert(self, i: int) -> tuple[str, str]:
        """Why series ``i`` is at no level: its peak AQI against the weakest level's rule.

        Read with the clauses of the weakest level in the table (the pre-alert tier when it is
        on): a peak below every threshold, or one that does not last long enough, both fall
        short of them. A series with no valid step says so instead.
        """
        valid = np.flatnonzero(self.aqi[i] >= 0)
        rid = self.table.rule_set.id
        if not valid.size:
            return say("levels.no_data", rule_set=rid)
        t = int(valid[np.argmax(self.aqi[i, valid])])
        label = "/".join(
            _LABEL.get(p, p)
            for p in sorted(
                (p for k, p in enumerate(self.pollutants) if self.primary[i, t, k]), key=_order
            )
        )
        weakest = self.table.levels[-1]
        conditions = " / ".join(
            " + ".join(f"{c.describe()} ({c.hours} h)" for c in clause)
            for level, clause in zip(self.table.levels, self.table.clauses, strict=True)
            if level == weakest
        )
        step = "%m-%d" if self.mode == "natural" else "%m-%d %H:%M"
        en, zh = say(
            "levels.no_alert" if self.mode == "natural" else "levels.no_alert_rolling",
            label=label,
            peak=int(self.aqi[i, t]),
            when=self.starts[t].strftime(step),
            conditions=conditions,
            rule_set=rid,
            **level_fields(weakest=weakest),
        )
        return en.strip(), zh.strip()

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
            fields = {
                "label": "/".join(_LABEL.get(p, p) for p in sorted(pollutants, key=_order)),
                "condition": condition.describe(),
                "hours": (stop - start) * step_hours + window_hours - step_hours,
                "rule_set": rid,
                **level_fields(level=level),
            }
            values = [int(self.aqi[i, t]) for t in steps]
            if self.mode == "natural":
                when = [self.starts[t].strftime("%m-%d") for t in steps]
                pair = say(
                    "levels.natural_run",
                    days=", ".join(when),
                    days_zh="、".join(when),
                    values=", ".join(map(str, values)),
                    values_zh="、".join(map(str, values)),
                    **fields,
                )
            else:
                end = self.starts[int(stop) - 1] + dt.timedelta(hours=window_hours)
                span = f"{self.starts[int(start)]:%m-%d %H:%M} – {end:%m-%d %H:%M}"
                pair = say("levels.rolling_run", span=span, peak=max(values), **fields)
            en.append(pair[0])
            zh.append(pair[1])
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
    valid = aqi >= 0
    # A step counts toward the mandatory level when any of its primary pollutants is not
    # advisory-only (docs/rules.md §2.2): a NO2, or a PM2.5-and-O3, day counts; an O3 day not.
    advisory = np.array([p in table.rule_set.advisory_pollutants for p in pollutants])
    counted = (primary & ~advisory).any(axis=-1) & valid
    level, clause, spans = classify_levels(aqi, counted, table, mode)
    level_any, clause_any, spans_any = classify_levels(aqi, valid, table, mode)
    clear = {
        name: _clean_hours(counted & _above(aqi, threshold, inclusive), valid, mode)
        for name, (threshold, inclusive) in table.start_threshold.items()
    }
    return Classification(
        table, mode, level, clause, spans, level_any, clause_any, spans_any, clear,
        primary, aqi, tuple(pollutants), tuple(starts),
    )  # fmt: skip


def _above(aqi: np.ndarray, threshold: int, inclusive: bool) -> np.ndarray:
    return (aqi >= threshold) if inclusive else (aqi > threshold)


def _clean_hours(above: np.ndarray, valid: np.ndarray, mode: str) -> np.ndarray:
    """How long the forecast stays below a start condition from its first step on [h].

    ``(series, step) -> (series,)``. The clean stretch runs from the start of the first step to
    the start of the first step that is not clean — above the condition, or missing (unknown is
    not clean) — or, when every step is clean, to the end of the last step. In rolling mode a
    polluted window that overlaps the clean ones ends the stretch where it begins, so a forecast
    worse in any hour never lifts an alert sooner (docs/rules.md §2.1 [I]).
    """
    step_hours, window_hours, _ = _mode(mode)
    stop = above | ~valid
    n_steps = above.shape[1]
    bounded = stop.any(axis=1)
    run = np.where(bounded, stop.argmax(axis=1), n_steps)
    unbounded = n_steps * step_hours + window_hours - step_hours if n_steps else 0
    return np.where(bounded, run * step_hours, unbounded).astype(np.int64)


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
