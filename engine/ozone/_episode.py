"""O3-episode VOC measures (pilot, docs/rules.md §4.4), reported apart from the PM measures.

In the ozone regime (docs/rules.md §2.2), when the level that O3 alone would give reaches the
trigger level of ``[episode]`` in ``engine/data/ozone.toml`` (yellow), the plan lists VOC
process measures per line and piece of equipment, graded by performance: self-directed grades
listed without a measure, B reduce, C and D stop daytime VOC work, loading and unloading at
night. The measures are Lantian's own (``local_default`` [I]).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from engine.errors import PolicyError
from engine.levels import LEVELS
from engine.measures import GRADES, Registry
from engine.ozone._compute import ProgrammeResult, run_programme
from engine.ozone._programme import Programme, Trigger, format_hour, ozone_data, parse_rules
from engine.ozone._report import line_entries
from engine.texts import text

__all__ = ["EpisodePolicy", "episode_measures", "episode_policy", "episode_section"]

_WHERE = "engine/data/ozone.toml [episode]"


class EpisodePolicy:
    """The O3-episode measures of the data: a programme of one day, its trigger level and the
    self-directed grades."""

    def __init__(self, programme: Programme, min_level: str, self_directed: frozenset[str]):
        self.programme = programme
        self.min_level = min_level
        self.self_directed = self_directed

    def applies(self, regime: str | None, o3_level: str | None) -> bool:
        """Regime ``o3`` and an O3-alone level at least :attr:`min_level`."""
        if regime != "o3" or o3_level not in LEVELS:
            return False
        return LEVELS.index(o3_level) >= LEVELS.index(self.min_level)


@functools.cache
def episode_policy() -> EpisodePolicy:
    """``[episode]`` of ``engine/data/ozone.toml`` (every key required)."""
    data = ozone_data().get("episode")
    if not isinstance(data, dict):
        raise PolicyError(f"{_WHERE}: missing")
    for key in ("id", "version", "status", "source", "min_level", "self_directed_grades"):
        if key not in data:
            raise PolicyError(f"{_WHERE}: missing the required key {key!r}")
    if data["min_level"] not in LEVELS:
        raise PolicyError(f"{_WHERE}: min_level {data['min_level']!r} not one of {LEVELS}")
    directed = frozenset(str(g) for g in data["self_directed_grades"])
    if directed - set(GRADES):
        raise PolicyError(f"{_WHERE}: self_directed_grades {sorted(directed)} not all grades")
    programme = Programme(
        id=str(data["id"]),
        version=str(data["version"]),
        status=str(data["status"]),
        source=str(data["source"]),
        season=((1, 1), (12, 31)),
        trigger=Trigger("season"),
        rules=parse_rules(data.get("rule", []), data.get("defaults", {}), _WHERE),
        layers=(_WHERE,),
    )
    return EpisodePolicy(programme, str(data["min_level"]), directed)


def episode_measures(
    registry: Registry,
    day: dt.date,
    regime: str | None,
    o3_level: str | None,
    *,
    region_chain: Sequence[str] = (),
) -> ProgrammeResult | None:
    """The O3-episode measures of ``day``, or None when they do not apply.

    ``regime`` is the response's (docs/rules.md §2.2); ``o3_level`` the level O3 alone would
    give (:func:`engine.ozone.o3_alone_level`).
    """
    policy = episode_policy()
    if not policy.applies(regime, o3_level):
        return None
    return run_programme(
        registry,
        policy.programme,
        [day],
        region_chain=region_chain,
        self_directed=policy.self_directed,
    )


def episode_section(
    result: ProgrammeResult, o3_level: str, *, language: str = "en"
) -> dict[str, Any]:
    """The ``o3_episode`` section of a plan document: measures per line and equipment."""
    p = result.programme
    entries, totals = line_entries(result, language, episode=True)
    level = text(f"measures.level.{o3_level}", language)
    return {
        "id": p.id,
        "status": p.status,
        "source": p.source,
        "o3_level": o3_level,
        "window": [format_hour(p.window[0]), format_hour(p.window[1])],
        "enterprises": entries,
        "totals": totals,
        "notes": [text("ozone.note.episode", language, level=level)],
    }
