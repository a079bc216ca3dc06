"""The level that O3 alone would give (docs/rules.md §2.2, §4.4).

Under ``MEE-2024`` a day whose primary pollutant is O3 alone gives advice, not a level: the
response is ``none`` in the ``o3`` regime. The O3-episode measures need the level those days
would reach; it is the rule set's level with every pollutant counted, over the response's
natural days [I] (in the ``o3`` regime the other days reach no level by themselves).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from engine.levels import DayAQI, RuleSet, classify
from engine.regional import DayValues

__all__ = ["o3_alone_level"]


def o3_alone_level(days: Sequence[DayValues], rule_set: RuleSet, *, pre_alert: bool = False) -> str:
    """The level of ``days`` (the response's days, the first being the day asked) with O3
    days counted, under ``rule_set``; ``none`` when no day is given."""
    if not days:
        return "none"
    steps = [
        DayAQI(d.date, d.aqi if d.aqi is not None and d.aqi >= 0 else None, d.primary_pollutants)
        for d in days
    ]
    counted = dataclasses.replace(rule_set, advisory_pollutants=frozenset())
    return classify(steps, counted, "natural", pre_alert=pre_alert).level
