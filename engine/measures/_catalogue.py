"""The measure catalogue as data: its vocabularies, rules, policy, layering and resolution.

The packaged catalogue is ``engine/data/measures.toml`` (read by :mod:`engine.measures._parse`);
regional catalogues are TOML texts of the same form layered over it (their rules take precedence
over the packaged ones at equal specificity). Nothing here opens a file given by a user: faces
read such files and pass their text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from engine.levels import LEVELS
from engine.texts import text

__all__ = [
    "ACTIONS",
    "EMISSION_SPECIES",
    "GRADES",
    "LEVELS",
    "SCOPES",
    "STATUSES",
    "Action",
    "Catalogue",
    "Policy",
    "Rule",
]

GRADES = ("A+", "A", "leading", "B", "B-", "C", "D", "ungraded")
"""Performance grades of the registry (docs/rules.md §3.1), best first; ``ungraded`` last."""
ACTIONS = ("stop", "limit_output", "stop_share_of_lines", "transport_restriction", "shift_hours")
SCOPES = ("whole_plant", "process", "line", "road_transport")
STATUSES = ("official", "local_default", "plan")
EMISSION_SPECIES = ("so2", "nox", "pm", "voc")
"""Emission species accounted (glossary: "emission species"), in this order in every
``(…, species)`` array; the ambient pollutants (pm25 … co) are another list."""

_VALUED = {"limit_output", "stop_share_of_lines"}
_ALERT_LEVELS = ("yellow", "orange", "red")


@dataclasses.dataclass(frozen=True)
class Action:
    """One action of a rule: what, how much [1], on which lines."""

    action: str
    value: float | None = None
    scope: str = "whole_plant"
    processes: tuple[str, ...] = ()
    note: str = ""

    def describe(self, language: str = "en") -> str:
        """Human wording, e.g. ``"limit_output 20 % (whole plant)"`` (``engine/data/texts_*``).

        The note is the catalogue's own text, in the language the catalogue wrote it.
        """
        what = text(f"measures.action.{self.action}", language)
        if self.value is not None and self.action in _VALUED:
            what = text("measures.action_form.valued", language, what=what, pct=self.value * 100)
        where = text(f"measures.scope.{self.scope}", language, processes="/".join(self.processes))
        if self.note:
            form, fields = "noted", {"what": what, "where": where, "note": self.note}
        else:
            form, fields = "described", {"what": what, "where": where}
        return text(f"measures.action_form.{form}", language, **fields)


@dataclasses.dataclass(frozen=True)
class Rule:
    """Catalogue rule: actions for industries × grades × levels × seasons, in a date range."""

    id: str
    industries: tuple[str, ...]
    grades: tuple[str, ...]
    levels: tuple[str, ...]
    actions: tuple[Action, ...]
    status: str
    source: str
    seasons: tuple[str, ...] = ("all",)
    regions: tuple[str, ...] = ()
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    layer: int = 0

    @property
    def fallback(self) -> bool:
        """A grade fallback (industry ``"*"``), not an industry's own rule."""
        return self.industries == ("*",)

    def in_force(self, day: dt.date) -> bool:
        after = self.effective_from is None or day >= self.effective_from
        before = self.effective_to is None or day <= self.effective_to
        return after and before


@dataclasses.dataclass(frozen=True)
class Policy:
    """Options of one region (national defaults overridden by the region's own)."""

    required_ratio: Mapping[str, float]
    """Required reduction ratio by level [1]; levels without one (``pre_alert``) are absent."""
    required_ratio_source: str
    ungraded_as: str
    positive_list_exempt: bool
    self_directed_grades: frozenset[str]
    line_share_capacity: str
    shortfall_tiers: tuple[tuple[str, ...], ...]
    sources: Mapping[str, str]
    """Where each option comes from, by option (``guarantee``, ``self_directed``, ...)."""


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """A measure catalogue: rules, policy options, seasons and per-region overrides."""

    id: str
    version: str
    industries: Mapping[str, str]
    rules: tuple[Rule, ...]
    policy: Mapping[str, Any]
    required_ratio: Mapping[str, Any]
    seasons: Mapping[str, tuple[tuple[int, int], tuple[int, int]]]
    region_overrides: Mapping[str, Mapping[str, Any]]

    def seasons_of(self, day: dt.date) -> tuple[str, ...]:
        """Named seasons containing ``day`` (``(month, day)`` ranges may wrap the year end)."""
        key = (day.month, day.day)
        names = []
        for name, (start, end) in self.seasons.items():
            inside = start <= key <= end if start <= end else key >= start or key <= end
            if inside:
                names.append(name)
        return tuple(names)

    def policy_for(self, region_chain: Sequence[str] = ()) -> Policy:
        """Policy of a region; ``region_chain`` lists the region then its ancestors."""
        merged: dict[str, Any] = dict(self.policy)
        ratio: dict[str, Any] = dict(self.required_ratio)
        for code in reversed(tuple(region_chain)):  # most specific applied last
            override = self.region_overrides.get(code, {})
            for key, value in override.items():
                if key == "required_ratio":
                    ratio.update(value)
                else:
                    merged[key] = value
        ratios = {k: float(v) for k, v in ratio.items() if k in LEVELS}
        sources = {k[: -len("_source")]: str(v) for k, v in merged.items() if k.endswith("_source")}
        return Policy(
            required_ratio=ratios,
            required_ratio_source=str(ratio["source"]),
            ungraded_as=str(merged["ungraded_as"]),
            positive_list_exempt=bool(merged["positive_list_exempt"]),
            self_directed_grades=frozenset(merged["self_directed_grades"]),
            line_share_capacity=str(merged["line_share_capacity"]),
            shortfall_tiers=tuple(tuple(t) for t in merged["shortfall_tiers"]),
            sources=sources,
        )

    def rule_for(
        self,
        industry: str,
        grade: str,
        level: str,
        day: dt.date,
        region_chain: Sequence[str] = (),
    ) -> Rule | None:
        """The rule applying to an enterprise, or None.

        Precedence: the industry's own rule before the grade fallback (``"*"``); then the most
        specific region (own region, its ancestors, then national); then the later layer; then a
        named season before ``"all"``.
        """
        chain = tuple(region_chain)
        seasons = self.seasons_of(day)
        best: tuple[int, int, int, int] | None = None
        found = None
        for rule in self.rules:
            if level not in rule.levels or grade not in rule.grades or not rule.in_force(day):
                continue
            if not (rule.fallback or industry in rule.industries):
                continue
            if "all" not in rule.seasons and not set(seasons) & set(rule.seasons):
                continue
            if rule.regions:
                hits = [chain.index(c) for c in rule.regions if c in chain]
                if not hits:
                    continue
                region_rank = min(hits)
            else:
                region_rank = len(chain)
            key = (
                1 if rule.fallback else 0,
                region_rank,
                -rule.layer,
                1 if "all" in rule.seasons else 0,
            )
            if best is None or key < best:
                best, found = key, rule
        return found
