"""Episodes across days (重污染过程): hysteresis on top of the daily forecast level.

Given what was issued before for a region (the last decision and the last active one, from the
decision store) and today's forecast-only level, :func:`continue_episode` decides the level to
issue (RULES.md §2.1 [S]):

* no episode active → a forecast level above ``none`` opens an episode; if the previous episode
  ended less than ``merge_gap_hours`` before, it is the same episode, at the stricter level;
* an active episode keeps its level; an upgrade applies at once;
* a downgrade, or lifting, only when the forecast stays below the start condition of every level
  above the new one for more than ``lift_after_hours`` (36 h) — so a forecast oscillating across
  levels keeps the higher one.

Pure functions: the store is read and written by the faces.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from engine.levels import LEVEL_NAMES_ZH, LEVELS, LevelDecision, RuleSet

__all__ = ["EpisodeOutcome", "PriorDecision", "continue_episode"]


@dataclasses.dataclass(frozen=True)
class PriorDecision:
    """A decision issued earlier for the region (same rule set and mode)."""

    date: dt.date
    level: str
    episode_id: str | None


@dataclasses.dataclass(frozen=True)
class EpisodeOutcome:
    """The level to issue and the episode it belongs to.

    ``status`` is one of ``none`` (no episode), ``started``, ``merged`` (re-opened within the
    merge gap), ``kept``, ``upgraded``, ``downgraded``, ``lifted``.
    """

    level: str
    episode_id: str | None
    status: str
    reasons: tuple[str, ...]
    reasons_zh: tuple[str, ...]


def continue_episode(
    region: str,
    day: dt.date,
    forecast: LevelDecision,
    rule_set: RuleSet,
    last: PriorDecision | None,
    last_active: PriorDecision | None,
) -> EpisodeOutcome:
    """The level to issue for ``region`` from ``day`` on, given earlier decisions.

    Parameters
    ----------
    region : str
        Region code (for the episode id).
    day : datetime.date
        First day the response applies to.
    forecast : LevelDecision
        The level from the forecast alone (with its ``clear_hours``).
    rule_set : RuleSet
        Gives ``lift_after_hours`` and ``merge_gap_hours``.
    last : PriorDecision or None
        The latest decision for a day before ``day``.
    last_active : PriorDecision or None
        The latest decision before ``day`` whose level was above ``none``.
    """
    new = forecast.level
    rank = LEVELS.index
    if last is None or last.level == "none":
        if new == "none":
            return EpisodeOutcome("none", None, "none", (), ())
        gap_h = (day - last_active.date).days * 24 - 24 if last_active else None
        if (
            last_active
            and last_active.episode_id
            and gap_h is not None
            and gap_h < rule_set.merge_gap_hours
        ):
            level = max(new, last_active.level, key=rank)
            return EpisodeOutcome(
                level,
                last_active.episode_id,
                "merged",
                (
                    f"the episode {last_active.episode_id} ended {gap_h} h before {day:%m-%d}, "
                    f"less than the {rule_set.merge_gap_hours} h needed to clear: one episode, "
                    f"at the stricter level {level}",
                ),
                (
                    f"距上次过程 {last_active.episode_id} 结束仅 {gap_h} 小时，"
                    f"不足 {rule_set.merge_gap_hours} 小时，"
                    f"按同一过程从严为{LEVEL_NAMES_ZH[level]}",
                ),
            )
        started = f"{region}:{day.isoformat()}"
        return EpisodeOutcome(
            new, started, "started", (f"episode {started} starts",), (f"过程 {started} 开始",)
        )

    held, episode = last.level, last.episode_id
    if rank(new) > rank(held):
        return EpisodeOutcome(
            new,
            episode,
            "upgraded",
            (f"upgrade from {held} to {new} applies at once",),
            (f"由{LEVEL_NAMES_ZH[held]}升级为{LEVEL_NAMES_ZH[new]}，立即执行",),
        )
    if new == held:
        return EpisodeOutcome(held, episode, "kept", (), ())
    # Downgrade or lift: to the lowest level L below `held` such that the forecast stays below
    # the start condition of the level above L for more than lift_after_hours.
    need = rule_set.lift_after_hours
    for candidate in LEVELS[rank(new) : rank(held)]:
        above = _next_defined(candidate, forecast)
        if above is None:
            continue
        clear = forecast.clear_hours.get(above, 0)
        if clear > need:
            lifted = candidate == "none"
            change = "lifted" if lifted else f"downgraded to {candidate}"
            change_zh = "解除" if lifted else f"降为{LEVEL_NAMES_ZH[candidate]}"
            en = (
                f"forecast stays below the {above} start condition for {clear} h "
                f"(> {need} h): {held} {change}"
            )
            zh = (
                f"预计低于{LEVEL_NAMES_ZH[above]}启动条件 {clear} 小时（超过 {need} 小时）："
                f"{LEVEL_NAMES_ZH[held]}{change_zh}"
            )
            status = "lifted" if lifted else "downgraded"
            return EpisodeOutcome(candidate, episode, status, (en,), (zh,))
    clear_held = forecast.clear_hours.get(held, 0)
    return EpisodeOutcome(
        held,
        episode,
        "kept",
        (
            f"forecast level {new} is below the active {held}, but the forecast stays below the "
            f"{held} start condition for only {clear_held} h (≤ {need} h): {held} is kept",
        ),
        (
            f"预报级别{LEVEL_NAMES_ZH[new]}低于当前{LEVEL_NAMES_ZH[held]}，但低于启动条件仅 "
            f"{clear_held} 小时（不超过 {need} 小时），维持{LEVEL_NAMES_ZH[held]}",
        ),
    )


def _next_defined(level: str, forecast: LevelDecision) -> str | None:
    """The weakest level above ``level`` that the rule table defines a start condition for."""
    for above in LEVELS[LEVELS.index(level) + 1 :]:
        if above in forecast.clear_hours:
            return above
    return None
