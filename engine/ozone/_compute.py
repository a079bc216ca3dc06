"""A programme over a period: who shifts, stops or reduces, on which days, how many kilograms.

:func:`run_programme` selects each line's rule (:mod:`engine.ozone._select`), turns the rule
into the kernel's parameters (share dropped, whether the rest moves), and runs one kernel over
every line (:func:`engine.kernels.ozone.shift_hours`). The result is columnar: hours per
triggered day and line, and the triggered days of each region; kilograms follow as rate ×
hours × days (docs/rules.md §4.2–§4.3).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np

from engine.errors import DataCoverageError
from engine.kernels.ozone import shift_hours
from engine.measures import EMISSION_SPECIES, GRADES, Registry, default_catalogue
from engine.ozone._programme import Programme
from engine.ozone._select import ELIGIBLE, Eligibility, select_lines

__all__ = ["LINE_ACTIONS", "ProgrammeResult", "run_programme"]

LINE_ACTIONS = ("none", "shift", "stop_daytime", "reduce")
"""What happens to a line's work inside its window; ``ProgrammeResult.action`` indexes this."""
NONE, SHIFT, STOP_DAYTIME, REDUCE = range(len(LINE_ACTIONS))


@dataclasses.dataclass(frozen=True)
class ProgrammeResult:
    """A programme applied to a registry over a period.

    Per line (line,): ``rule`` (index into ``programme.rules``, ``-1`` none), ``reason``
    (index into :data:`engine.ozone.REASONS`), ``action`` (index into :data:`LINE_ACTIONS`;
    ``none`` also for a line that cannot shift and keeps working), ``cannot_shift`` (an
    eligible line of a ``shift`` rule that may not move its work), ``r0``, ``r1`` [h]
    (restricted window), ``remove`` [1], ``move`` (bool) — the kernel's parameters —,
    ``hours_in_window``, ``hours_moved``, ``hours_dropped`` [h per triggered day], ``days``
    (number of triggered days). ``triggered`` (region, day): the days the programme applies
    in each region of the registry; ``effective_grade`` per enterprise.
    """

    registry: Registry
    programme: Programme
    dates: tuple[dt.date, ...]
    triggered: np.ndarray
    effective_grade: np.ndarray
    eligibility: Eligibility
    action: np.ndarray
    cannot_shift: np.ndarray
    r0: np.ndarray
    r1: np.ndarray
    remove: np.ndarray
    move: np.ndarray
    hours_in_window: np.ndarray
    hours_moved: np.ndarray
    hours_dropped: np.ndarray
    days: np.ndarray
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def rule(self) -> np.ndarray:
        return self.eligibility.rule

    @property
    def reason(self) -> np.ndarray:
        return self.eligibility.reason

    def kg(self, species: str = "voc") -> tuple[np.ndarray, np.ndarray]:
        """Kilograms moved and removed over the period per line, ``(line,), (line,)`` [kg].

        Rate while working [kg h⁻¹] × hours per triggered day [h] × triggered days.
        """
        rate = self.registry.emission_kg_h[:, EMISSION_SPECIES.index(species)]
        return rate * self.hours_moved * self.days, rate * self.hours_dropped * self.days

    def line_dates(self, line: int) -> list[dt.date]:
        """The days the line's action applies (none when its action is ``none``)."""
        if self.action[line] == NONE:
            return []
        region = int(self.registry.region[self.registry.line_enterprise()[line]])
        row = self.triggered[region]
        return [d for d, on in zip(self.dates, row, strict=True) if on]


def run_programme(
    registry: Registry,
    programme: Programme,
    dates: Sequence[dt.date],
    *,
    triggered: np.ndarray | None = None,
    region_chain: Sequence[str] = (),
    self_directed: frozenset[str] = frozenset(),
    notes: Sequence[tuple[str, str]] = (),
) -> ProgrammeResult:
    """Apply ``programme`` to every line of ``registry`` on ``dates``.

    Parameters
    ----------
    registry : Registry
        Enterprises and lines (grades in force in the period).
    programme : Programme
        Rules, season and trigger.
    dates : sequence of datetime.date
        CST days of the period, in order.
    triggered : bool (day,) or (region, day), optional
        Days the programme applies, for all regions or per region of ``registry.regions``
        (:func:`engine.ozone.trigger_days`); default: the days of the season.
    region_chain : sequence of str
        The plan's region then its ancestors (how ungraded firms count, from the measure
        catalogue's policy, docs/rules.md §3.1).
    self_directed : frozenset of str
        Grades whose firms are self-directed (O3-episode measures).
    notes : sequence of (str, str)
        Notes to carry (e.g. from the trigger), English and Chinese.

    Returns
    -------
    ProgrammeResult
    """
    dates = tuple(dates)
    n_regions = len(registry.regions)
    if triggered is None:
        triggered = np.array([programme.in_season(d) for d in dates], bool)
    triggered = np.asarray(triggered, bool)
    if triggered.shape[-1] != len(dates):
        raise DataCoverageError(
            f"triggered days ({triggered.shape[-1]}) do not match the period ({len(dates)} days)"
        )
    if triggered.ndim == 1:
        triggered = np.broadcast_to(triggered, (n_regions, len(dates)))
    if triggered.shape[0] != n_regions:
        raise DataCoverageError(
            f"triggered days are given for {triggered.shape[0]} regions, the registry has "
            f"{n_regions}"
        )
    policy = default_catalogue().policy_for(tuple(region_chain))
    grade = registry.grade.astype(np.int64)
    ungraded = GRADES.index("ungraded")
    effective = np.where(grade == ungraded, GRADES.index(policy.ungraded_as), grade)
    elig = select_lines(registry, programme, effective, self_directed=self_directed)
    params = _parameters(registry, programme, elig)
    action, cannot, r0, r1, remove, move = params
    # only lines under a rule have work to move: the kernel runs on them alone
    active = np.flatnonzero(elig.reason == ELIGIBLE)
    inside, moved, dropped = (np.zeros(registry.n_lines) for _ in range(3))
    inside[active], moved[active], dropped[active] = shift_hours(
        registry.start_hour[active],
        registry.end_hour[active],
        r0[active],
        r1[active],
        remove[active],
        move[active],
    )
    per_region = triggered.sum(axis=1)
    days = per_region[registry.region[registry.line_enterprise()]] if registry.n_lines else 0
    days = np.where(action == NONE, 0, days).astype(np.int64)
    action = np.where((inside <= 0.0) | (days == 0), NONE, action).astype(np.int8)
    return ProgrammeResult(
        registry=registry,
        programme=programme,
        dates=dates,
        triggered=np.ascontiguousarray(triggered),
        effective_grade=effective,
        eligibility=elig,
        action=action,
        cannot_shift=cannot,
        r0=r0,
        r1=r1,
        remove=remove,
        move=move,
        hours_in_window=inside,
        hours_moved=np.where(action == NONE, 0.0, moved),
        hours_dropped=np.where(action == NONE, 0.0, dropped),
        days=np.where(action == NONE, 0, days),
        notes=tuple(notes),
    )


def _parameters(registry: Registry, programme: Programme, elig: Eligibility):
    """Kernel parameters of every line from its rule (none: nothing dropped, nothing moved)."""
    n = registry.n_lines
    action = np.zeros(n, np.int8)
    cannot = np.zeros(n, bool)
    r0, r1 = np.full(n, 9.0), np.full(n, 18.0)
    remove, move = np.zeros(n), np.zeros(n, bool)
    eligible = elig.reason == ELIGIBLE
    for r, spec in enumerate(programme.rules):
        mine = elig.rule == r
        r0[mine], r1[mine] = spec.window
        on = mine & eligible
        if spec.action == "shift":
            can = on & registry.shiftable
            stuck = on & ~registry.shiftable
            cannot |= stuck
            move[can] = True
            action[can] = SHIFT
            if spec.unshiftable == "drop":
                remove[stuck] = 1.0
                action[stuck] = STOP_DAYTIME
        elif spec.action == "stop_daytime":
            remove[on] = 1.0
            action[on] = STOP_DAYTIME
        else:
            assert spec.value is not None
            remove[on] = spec.value
            action[on] = REDUCE
    return action, cannot, r0, r1, remove, move
