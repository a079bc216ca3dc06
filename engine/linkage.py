"""Regional linkage (区域联动): a key region's alert notice raises its member cities.

A regional alert notice (区域预警提示, docs/rules.md §2.1 [S]) obliges the cities of a key region to
respond in step: every member city responds at least at the notice's level while the notice is
in force. Notices are entered by an alert centre (through the API), or computed when a share of
a key region's member cities reach a level by their own forecast — that share is not given by
the reference [?], so computed notices are off unless a share is configured.

Pure functions: notices are stored and read by the faces.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from engine.levels import LEVELS, level_fields
from engine.texts import say, text

__all__ = ["KeyRegionMembers", "Notice", "computed_notices", "linkage_floor"]


@dataclasses.dataclass(frozen=True)
class KeyRegionMembers:
    """A key region and the codes of its member cities."""

    code: str
    name: str
    cities: frozenset[str]


@dataclasses.dataclass(frozen=True)
class Notice:
    """A regional alert notice: ``level`` for ``key_region`` from ``start`` to ``end``."""

    key_region: str
    level: str
    start: dt.date
    end: dt.date
    reason: str
    source: str = "notice"  # "notice" (entered) | "computed"
    id: int | None = None

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def computed_notices(
    forecast_levels: Mapping[str, str],
    key_regions: Iterable[KeyRegionMembers],
    day: dt.date,
    share: float,
) -> list[Notice]:
    """Notices implied by the member cities' own forecast levels on ``day``.

    For each key region, the highest level that at least ``share`` of its member cities present
    in ``forecast_levels`` reach (or exceed) becomes a one-day notice.
    """
    notices = []
    for kr in key_regions:
        levels = [forecast_levels[c] for c in kr.cities if c in forecast_levels]
        if not levels:
            continue
        for level in reversed(LEVELS[2:]):  # yellow and above
            reached = sum(LEVELS.index(v) >= LEVELS.index(level) for v in levels)
            if reached / len(levels) >= share:
                notices.append(
                    Notice(
                        key_region=kr.code,
                        level=level,
                        start=day,
                        end=day,
                        reason=text(
                            "linkage.share_reached",
                            "en",
                            reached=reached,
                            members=len(levels),
                            key_region=kr.name,
                            share=reached / len(levels),
                            threshold=share,
                            **level_fields(level=level),
                        ),
                        source="computed",
                    )
                )
                break
    return notices


def linkage_floor(
    region_code: str,
    parent_code: str | None,
    day: dt.date,
    notices: Sequence[Notice],
    key_regions: Mapping[str, KeyRegionMembers],
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The least level for a region from notices in force on ``day``, with reasons.

    A region is linked when it is a member city of the notice's key region, or a county whose
    parent is one. Returns ``("none", (), ())`` when no notice applies.
    """
    best, en, zh = "none", [], []
    for notice in notices:
        kr = key_regions.get(notice.key_region)
        if kr is None or not notice.in_force(day):
            continue
        if region_code not in kr.cities and (parent_code is None or parent_code not in kr.cities):
            continue
        if LEVELS.index(notice.level) < LEVELS.index(best) or notice.level == "none":
            continue
        best = notice.level
        pair = say(
            "linkage.notice" if notice.source == "notice" else "linkage.computed",
            key_region=kr.name,
            start=f"{notice.start:%m-%d}",
            end=f"{notice.end:%m-%d}",
            reason=notice.reason,
            **level_fields(level=notice.level),
        )
        en, zh = [pair[0]], [pair[1]]
    return best, tuple(en), tuple(zh)
