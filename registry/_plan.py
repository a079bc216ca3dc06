"""A region's plan from the registry store: members, grades on the day, baseline, document;
in the ozone regime, the O3-episode VOC measures beside the PM measures (docs/rules.md §4.4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.errors import PolicyError
from engine.measures import (
    Catalogue,
    PlanResult,
    build_plan,
    default_catalogue_text,
    parse_catalogue,
)
from engine.ozone import episode_measures, episode_section
from registry.regions import region_baseline, region_chain, region_members
from registry.store import RegistryStore

__all__ = ["read_catalogue", "region_plan"]


def read_catalogue(paths: Sequence[Path]) -> Catalogue | None:
    """The packaged measure catalogue with regional TOML files layered over it, in order.

    None when no file is given (the packaged catalogue is then used as it is).
    """
    if not paths:
        return None
    texts = [default_catalogue_text()]
    for path in paths:
        try:
            texts.append(Path(path).read_text("utf-8"))
        except FileNotFoundError:
            raise PolicyError(f"measure catalogue file {path} does not exist") from None
    return parse_catalogue(*texts, names=["engine/data/measures.toml", *map(str, paths)])


def region_plan(
    store: RegistryStore,
    region: Mapping[str, Any],
    day: dt.date,
    level: str,
    *,
    parents: Mapping[str, str | None] | None = None,
    catalogue: Catalogue | None = None,
    regime: str | None = None,
    o3_level: str | None = None,
    language: str = "en",
) -> tuple[dict[str, Any], PlanResult]:
    """The plan document of ``region`` (``{"code", "name"}``) on ``day`` at ``level``.

    Covers the enterprises registered in the region and in the regions resolving to it (its
    counties: :func:`region_members`); grades are those in force on ``day``; the baseline is
    the region's own or the sum of its members' (:func:`region_baseline`). Reasons and notes
    are in ``language`` (``"en"`` or ``"zh"``).

    In the ozone regime (``regime="o3"``), when the level that O3 alone would give
    (``o3_level``; default ``level``, as under a rule set where O3 counts) reaches the trigger
    of ``[episode]`` in ``engine/data/ozone.toml``, the document gains ``o3_episode``: the VOC
    process measures per line and piece of equipment, reported apart from the PM measures.
    """
    code = str(region["code"])
    members = region_members(code, store.region_codes(), parents)
    registry = store.load(members, day)
    baseline, how = region_baseline(code, store.baselines(members), members, parents)
    document, result, _ = build_plan(
        registry,
        {"code": code, "name": region.get("name", code)},
        level,
        day,
        region_chain=region_chain(code, parents),
        baseline_t_d=baseline,
        catalogue=catalogue,
        regime=regime,
        language=language,
    )
    if baseline is not None:
        document["notes"].append(how[0] if language == "en" else how[1])
    chain = region_chain(code, parents)
    o3 = o3_level if o3_level is not None else level
    episode = episode_measures(registry, day, regime, o3, region_chain=chain)
    if episode is not None:
        document["o3_episode"] = episode_section(episode, o3, language=language)
    return document, result
