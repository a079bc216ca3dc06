"""Compliance with emergency measures, checked from hourly electricity use (docs/rules.md §6.2).

For every production line under a measure of the plan in force (:class:`engine.measures.
PlanResult`: stop, stop by share of lines, output limit, guarantee cap), the use during the
measure's hours is compared with the line's own baseline profile — its mean use at the same
weekday and hour on days outside alerts. A line ordered to stop that still draws more than a
configurable share of its baseline is flagged, and so is a capped line whose use stays above
its allowed share (plus a margin). Each check keeps its evidence: hours, kWh used, kWh of the
baseline, the rule. A line without its own meter is checked through its enterprise's
whole-plant meter (``line_id`` empty) [I].

Arrays are ``(check, hour)`` with hours in CST from midnight; numbers from
``engine/data/compliance.toml``; reasons from ``texts_compliance.toml``.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Sequence
from importlib import resources

import numpy as np

from engine.errors import PolicyError
from engine.kernels.measures import OUT_CAP, OUT_LIMIT, OUT_SHARE_STOP, OUT_STOP
from engine.measures import PlanResult

__all__ = [
    "KINDS",
    "STATUSES",
    "Checks",
    "ComplianceRules",
    "LineCheck",
    "baseline_profile",
    "check_use",
    "checks_for_plan",
    "combine_meters",
    "compliance_rules",
    "expected_use",
    "line_measures",
]

KINDS = ("none", "stop", "cap")
"""What a measure asks of a line's production: nothing, to stop, to stay under a cap."""
STATUSES = ("compliant", "flagged", "no_data", "no_baseline", "no_meter")
"""Outcome of a check (``no_meter``: nothing in the observations to check with)."""
_FILE = "engine/data/compliance.toml"


@dataclasses.dataclass(frozen=True)
class ComplianceRules:
    """``stop_share`` [1]: a stopped line may draw at most this share of its baseline;
    ``cap_margin`` [1]: a capped line may exceed its allowed share of the baseline by this;
    ``lookback_days`` [d] and ``min_samples`` [1] of the baseline profile."""

    stop_share: float
    cap_margin: float
    lookback_days: int
    min_samples: int


@functools.cache
def _data() -> dict:
    text = resources.files("engine.data").joinpath("compliance.toml").read_text("utf-8")
    return tomllib.loads(text)


def compliance_rules(
    *, stop_share: float | None = None, cap_margin: float | None = None
) -> ComplianceRules:
    """The packaged rules, with ``stop_share`` / ``cap_margin`` overridden when given."""
    data = _data()
    try:
        rules = ComplianceRules(
            stop_share=float(data["stop"]["max_share_of_baseline"]),
            cap_margin=float(data["cap"]["margin_of_baseline"]),
            lookback_days=int(data["baseline"]["lookback_days"]),
            min_samples=int(data["baseline"]["min_samples"]),
        )
    except KeyError as error:
        raise PolicyError(f"{_FILE} lacks the required key {error.args[0]!r}") from None
    if stop_share is not None:
        rules = dataclasses.replace(rules, stop_share=float(stop_share))
    if cap_margin is not None:
        rules = dataclasses.replace(rules, cap_margin=float(cap_margin))
    if not 0.0 <= rules.stop_share <= 1.0 or rules.cap_margin < 0.0:
        raise PolicyError(
            f"stop share {rules.stop_share} must be in [0, 1] and cap margin "
            f"{rules.cap_margin} ≥ 0 (shares of the baseline)"
        )
    return rules


@dataclasses.dataclass(frozen=True)
class Checks:
    """What to check: one row per line with its own meter, or per enterprise checked through
    its whole-plant meter, or per line without any meter (``no_meter``).

    Columns (check,): ``enterprise`` index and ``line`` index into the plan's registry (−1 for
    an enterprise-wide check), ``kind`` (index into :data:`KINDS`), ``allowed_share`` [1] of
    normal output, ``meters`` (tuple of meter positions, empty: no meter).
    """

    enterprise: np.ndarray
    line: np.ndarray
    kind: np.ndarray
    allowed_share: np.ndarray
    meters: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return int(self.enterprise.size)


def line_measures(result: PlanResult) -> tuple[np.ndarray, np.ndarray]:
    """Kind (index into :data:`KINDS`) and allowed share of normal output [1] of every line of
    the plan ``(line,)``: stops (also by share of lines) allow 0, output limits and guarantee
    caps 1 − the fraction removed, lines without a measure 1."""
    action = result.line_action
    stop = (action == OUT_STOP) | (action == OUT_SHARE_STOP)
    cap = (action == OUT_LIMIT) | (action == OUT_CAP)
    kind = np.where(stop, 1, np.where(cap, 2, 0)).astype(np.int8)
    allowed = np.where(stop, 0.0, np.where(cap, 1.0 - result.line_fraction, 1.0))
    return kind, allowed


def checks_for_plan(
    result: PlanResult, meter_credit: Sequence[str], meter_line: Sequence[str]
) -> Checks:
    """The checks of a plan given the meters available.

    Parameters
    ----------
    result : PlanResult
        The plan in force (its lines' measures).
    meter_credit, meter_line : sequence of str, (meter,)
        Enterprise credit code and line id of every meter (line id empty: whole plant).

    Returns
    -------
    Checks
        A line under a stop or cap with meters of its own is checked alone. The other lines
        of an enterprise with a whole-plant meter are checked together through it: a stop if
        every line of the enterprise stops, else a cap at the mean allowed share of all its
        lines (lines without a measure count 1) [I]. Lines with no meter at all: ``no_meter``.
    """
    reg = result.registry
    kind, allowed = line_measures(result)
    line_enterprise = reg.line_enterprise()
    by_line: dict[tuple[str, str], list[int]] = {}
    plant: dict[str, list[int]] = {}
    for m, (credit, line_id) in enumerate(zip(meter_credit, meter_line, strict=True)):
        if line_id:
            by_line.setdefault((str(credit), str(line_id)), []).append(m)
        else:
            plant.setdefault(str(credit), []).append(m)
    rows: list[tuple[int, int, int, float, tuple[int, ...]]] = []
    through_plant: set[int] = set()
    for i in np.flatnonzero(kind > 0).tolist():
        e = int(line_enterprise[i])
        credit = str(reg.credit_code[e])
        own = by_line.get((credit, str(reg.line_id[i])))
        if own:
            rows.append((e, i, int(kind[i]), float(allowed[i]), tuple(own)))
        elif credit in plant:
            through_plant.add(e)
        else:
            rows.append((e, i, int(kind[i]), float(allowed[i]), ()))
    for e in sorted(through_plant):
        start, stop = int(reg.line_start[e]), int(reg.line_start[e + 1])
        whole = np.arange(start, stop)
        all_stop = bool((kind[whole] == 1).all())
        share = 0.0 if all_stop else float(allowed[whole].mean())
        rows.append((e, -1, 1 if all_stop else 2, share, tuple(plant[str(reg.credit_code[e])])))
    rows.sort(key=lambda r: (r[0], r[1]))
    return Checks(
        enterprise=np.array([r[0] for r in rows], np.int64),
        line=np.array([r[1] for r in rows], np.int64),
        kind=np.array([r[2] for r in rows], np.int8),
        allowed_share=np.array([r[3] for r in rows], np.float64),
        meters=tuple(r[4] for r in rows),
    )


def combine_meters(use: np.ndarray, checks: Checks) -> np.ndarray:
    """Use of every check: the sum of its meters' hourly use ``(meter, hour) -> (check, hour)``
    [kWh]; NaN at an hour where none of its meters has a reading (or it has no meter)."""
    out = np.full((len(checks), use.shape[1]), np.nan)
    for k, meters in enumerate(checks.meters):
        if meters:
            values = use[list(meters)]
            seen = np.isfinite(values).any(axis=0)
            out[k] = np.where(seen, np.nansum(values, axis=0), np.nan)
    return out


def baseline_profile(
    use: np.ndarray, first_weekday: int, alert_day: np.ndarray, *, min_samples: int
) -> np.ndarray:
    """Mean use at each weekday and hour outside alerts, ``(series, hour) -> (series, 7, 24)``.

    Parameters
    ----------
    use : ndarray, (series, day × 24)
        Hourly use over whole CST days [kWh].
    first_weekday : int
        Weekday of the first day (Monday 0).
    alert_day : ndarray of bool, (day,)
        Days under an alert, left out.
    min_samples : int
        Fewer samples at a weekday and hour: the mean of that hour over every weekday; still
        fewer: NaN (no baseline) [I].

    Returns
    -------
    ndarray of float64, (series, weekday, hour)
        [kWh h⁻¹].
    """
    n_series, n_hours = use.shape
    if n_hours % 24:
        raise PolicyError(f"the baseline needs whole days of hourly use, got {n_hours} hours")
    days = use.reshape(n_series, n_hours // 24, 24)
    alert = np.asarray(alert_day, bool)
    sums = np.zeros((n_series, 7, 24))
    counts = np.zeros((n_series, 7, 24))
    # day by day: a month of 100 k lines is 67 M values, too many for whole-array temporaries
    for d in range(days.shape[1]):
        if alert[d]:
            continue
        w = (first_weekday + d) % 7
        values = days[:, d, :]
        valid = np.isfinite(values)
        sums[:, w] += np.where(valid, values, 0.0)
        counts[:, w] += valid
    with np.errstate(divide="ignore", invalid="ignore"):
        profile = np.where(counts >= min_samples, sums / counts, np.nan)
        hour_counts = counts.sum(axis=1, keepdims=True)
        hourly = np.where(
            hour_counts >= min_samples, sums.sum(axis=1, keepdims=True) / hour_counts, np.nan
        )
    return np.where(np.isnan(profile), hourly, profile)


def expected_use(profile: np.ndarray, first_weekday: int, n_days: int) -> np.ndarray:
    """The baseline over ``n_days`` days from a day of weekday ``first_weekday``:
    ``(series, 7, 24) -> (series, n_days × 24)`` [kWh]."""
    weekday = (first_weekday + np.arange(n_days)) % 7
    return profile[:, weekday, :].reshape(profile.shape[0], n_days * 24)


@dataclasses.dataclass(frozen=True)
class LineCheck:
    """Outcome of every check, columns (check,).

    ``hours`` in force with a reading and a baseline, ``missing_hours`` in force without a
    reading, ``use_kwh`` and ``baseline_kwh`` [kWh] over those hours, ``limit_share`` [1] of
    the baseline allowed, ``ratio`` [1] use over baseline, ``hours_above`` (hours whose use
    exceeded the limit), ``status`` (index into :data:`STATUSES`), and ``above`` ``(check,
    hour)`` bool, the hours above the limit (the evidence).
    """

    hours: np.ndarray
    missing_hours: np.ndarray
    use_kwh: np.ndarray
    baseline_kwh: np.ndarray
    limit_share: np.ndarray
    ratio: np.ndarray
    hours_above: np.ndarray
    status: np.ndarray
    above: np.ndarray


def check_use(
    use: np.ndarray,
    expected: np.ndarray,
    in_force: np.ndarray,
    kind: np.ndarray,
    allowed_share: np.ndarray,
    rules: ComplianceRules,
    has_meter: np.ndarray | None = None,
) -> LineCheck:
    """Compare use with the baseline over the hours a measure is in force.

    Parameters
    ----------
    use, expected : ndarray, (check, hour)
        Hourly use and baseline [kWh]; NaN where unknown.
    in_force : ndarray of bool, (check, hour) or (hour,)
        Hours the measure is in force.
    kind : ndarray of int, (check,)
        Index into :data:`KINDS` (1 stop, 2 cap).
    allowed_share : ndarray, (check,)
        Share of normal output a cap allows [1].
    rules : ComplianceRules
    has_meter : ndarray of bool, (check,), optional
        False for checks without any meter (status ``no_meter``).

    Returns
    -------
    LineCheck
        A stop is flagged when the use over the hours exceeds ``stop_share`` × baseline, a cap
        when it exceeds (``allowed_share`` + ``cap_margin``) × baseline.
    """
    use = np.asarray(use, np.float64)
    expected = np.asarray(expected, np.float64)
    force = np.broadcast_to(np.asarray(in_force, bool), use.shape)
    limit = np.where(kind == 1, rules.stop_share, allowed_share + rules.cap_margin)
    reading = force & np.isfinite(use)
    known = reading & np.isfinite(expected)
    use_kwh = np.where(known, use, 0.0).sum(axis=1)
    baseline_kwh = np.where(known, expected, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(baseline_kwh > 0, use_kwh / baseline_kwh, np.nan)
    above = known & (use > limit[:, None] * expected)
    flagged = (baseline_kwh > 0) & (use_kwh > limit * baseline_kwh)
    status = np.where(flagged, 1, 0)
    status = np.where(baseline_kwh > 0, status, 3)
    status = np.where(reading.any(axis=1), status, 2)
    if has_meter is not None:
        status = np.where(np.asarray(has_meter, bool), status, 4)
    return LineCheck(
        hours=known.sum(axis=1),
        missing_hours=(force & ~np.isfinite(use)).sum(axis=1),
        use_kwh=use_kwh,
        baseline_kwh=baseline_kwh,
        limit_share=limit,
        ratio=ratio,
        hours_above=above.sum(axis=1),
        status=status.astype(np.int8),
        above=above,
    )
