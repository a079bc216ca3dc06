"""Episodes across days (重污染过程): hysteresis on top of the daily forecast level.

Given what was issued before for a region (the last decision and the last active one, from the
decision store) and today's forecast-only level, :func:`continue_episode` decides the level to
issue (docs/rules.md §2.1 [S]):

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

from engine.levels import LEVELS, LevelDecision, RuleSet, level_fields
from engine.texts import say

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
            en, zh = say(
                "episodes.merged",
                episode=last_active.episode_id,
                gap=gap_h,
                day=f"{day:%m-%d}",
                merge_gap=rule_set.merge_gap_hours,
                **level_fields(level=level),
            )
            return EpisodeOutcome(level, last_active.episode_id, "merged", (en,), (zh,))
        started = f"{region}:{day.isoformat()}"
        en, zh = say("episodes.started", episode=started)
        return EpisodeOutcome(new, started, "started", (en,), (zh,))

    held, episode = last.level, last.episode_id
    if rank(new) > rank(held):
        en, zh = say("episodes.upgraded", **level_fields(held=held, new=new))
        return EpisodeOutcome(new, episode, "upgraded", (en,), (zh,))
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
            status = "lifted" if candidate == "none" else "downgraded"
            en, zh = say(
                f"episodes.{status}",
                clear=clear,
                need=need,
                **level_fields(above=above, held=held, new=candidate),
            )
            return EpisodeOutcome(candidate, episode, status, (en,), (zh,))
    clear_held = forecast.clear_hours.get(held, 0)
    en, zh = say("episodes.kept", clear=clear_held, need=need, **level_fields(held=held, new=new))
    return EpisodeOutcome(held, episode, "kept", (en,), (zh,))


def _next_defined(level: str, forecast: LevelDecision) -> str | None:
    """The weakest level above ``level`` that the rule table defines a start condition for."""
    for above in LEVELS[LEVELS.index(level) + 1 :]:
        if above in forecast.clear_hours:
            return above
    return None
