"""The measure catalogue as data: parsing, layering, and resolution for one region and date.

The packaged catalogue is ``engine/data/measures.toml`` (read with :mod:`importlib.resources`);
regional catalogues are TOML texts of the same form layered over it (their rules take precedence
over the packaged ones at equal specificity). Nothing here opens a file given by a user: faces
read such files and pass their text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from engine.errors import PolicyError
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
    "default_catalogue",
    "default_catalogue_text",
    "parse_catalogue",
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


def parse_catalogue(*texts: str, names: Sequence[str] | None = None) -> Catalogue:
    """Parse catalogue TOML texts; later texts are layers over the first.

    Parameters
    ----------
    texts : str
        The base catalogue (complete: policy, required ratio, seasons, industries) then any
        regional layers (rules with ``regions = [...]``, ``[region."CODE"]`` overrides, extra
        ``[sources]``).
    names : sequence of str, optional
        Names of the texts for error messages (e.g. file paths).
    """
    if not texts:
        raise PolicyError("no catalogue text given")
    labels = list(names or []) + [f"catalogue layer {i}" for i in range(len(texts))]
    docs = []
    for i, layer_text in enumerate(texts):
        try:
            docs.append(tomllib.loads(layer_text))
        except tomllib.TOMLDecodeError as error:
            raise PolicyError(f"{labels[i]}: not valid TOML: {error}") from None
    base = docs[0]
    for key in ("id", "version", "policy", "required_ratio", "seasons", "industries"):
        if key not in base:
            raise PolicyError(f"{labels[0]}: missing {key!r} — the base catalogue must be complete")
    industries = dict(base["industries"])
    sources: dict[str, str] = {}
    policy = dict(base["policy"])
    ratio = dict(base["required_ratio"])
    overrides: dict[str, dict[str, Any]] = {}
    rules: list[Rule] = []
    for layer, doc in enumerate(docs):
        industries.update(doc.get("industries", {}) if layer else {})
        sources.update(doc.get("sources", {}))
        if layer:
            policy.update(doc.get("policy", {}))
            ratio.update(doc.get("required_ratio", {}))
        for code, override in doc.get("region", {}).items():
            overrides.setdefault(str(code), {}).update(override)
        for j, raw in enumerate(doc.get("rule", [])):
            rules.append(_rule(raw, layer, sources, industries, f"{labels[layer]} rule {j + 1}"))
    _check_policy(policy, labels[0])
    _check_required_ratio(ratio, labels[0])
    seasons = {
        name: (_month_day(v["start"], name), _month_day(v["end"], name))
        for name, v in base["seasons"].items()
    }
    ids = [r.id for r in rules if r.layer == 0]
    if len(ids) != len(set(ids)):
        raise PolicyError(f"{labels[0]}: rule ids are not unique")
    return Catalogue(
        id=str(base["id"]),
        version=str(base["version"]),
        industries=industries,
        rules=tuple(rules),
        policy=policy,
        required_ratio=ratio,
        seasons=seasons,
        region_overrides=overrides,
    )


def default_catalogue_text() -> str:
    """Text of the packaged catalogue ``engine/data/measures.toml`` (base of regional layers)."""
    return resources.files("engine.data").joinpath("measures.toml").read_text("utf-8")


@functools.cache
def default_catalogue() -> Catalogue:
    """The packaged catalogue ``engine/data/measures.toml``."""
    return parse_catalogue(default_catalogue_text(), names=["engine/data/measures.toml"])


def _rule(
    raw: Mapping[str, Any],
    layer: int,
    sources: Mapping[str, str],
    industries: Mapping[str, str],
    where: str,
) -> Rule:
    try:
        rule_id = str(raw["id"])
        if "industries" in raw:
            inds = tuple(str(i) for i in raw["industries"])
        else:
            inds = (str(raw["industry"]),)
        grades = tuple(str(g) for g in raw["grades"])
        levels = tuple(str(v) for v in raw["levels"])
        status = str(raw["status"])
        source_key = str(raw["source"])
        actions = tuple(_action(a, f"{where} ({rule_id})") for a in raw["actions"])
    except KeyError as error:
        raise PolicyError(f"{where}: missing key {error}") from None
    for ind in inds:
        if ind != "*" and ind not in industries:
            raise PolicyError(f"{where} ({rule_id}): industry {ind!r} is not in [industries]")
    for grade in grades:
        if grade not in GRADES:
            raise PolicyError(
                f"{where} ({rule_id}): grade {grade!r} not one of {', '.join(GRADES)}"
            )
    for level in levels:
        if level not in LEVELS:
            raise PolicyError(
                f"{where} ({rule_id}): level {level!r} not one of {', '.join(LEVELS)}"
            )
    if status not in ("official", "local_default"):
        raise PolicyError(f"{where} ({rule_id}): status {status!r} not official or local_default")
    return Rule(
        id=rule_id,
        industries=inds,
        grades=grades,
        levels=levels,
        actions=actions,
        status=status,
        source=sources.get(source_key, source_key),
        seasons=tuple(str(s) for s in raw.get("seasons", ["all"])),
        regions=tuple(str(c) for c in raw.get("regions", [])),
        effective_from=_date(raw.get("effective_from"), where),
        effective_to=_date(raw.get("effective_to"), where),
        layer=layer,
    )


def _action(raw: Mapping[str, Any], where: str) -> Action:
    action = str(raw.get("action", ""))
    if action not in ACTIONS:
        raise PolicyError(f"{where}: action {action!r} not one of {', '.join(ACTIONS)}")
    scope = str(
        raw.get("scope", "road_transport" if action == "transport_restriction" else "whole_plant")
    )
    if scope not in SCOPES:
        raise PolicyError(f"{where}: scope {scope!r} not one of {', '.join(SCOPES)}")
    value = raw.get("value")
    if action in _VALUED:
        if value is None or not 0.0 < float(value) <= 1.0:
            raise PolicyError(f"{where}: {action} needs a value in (0, 1], got {value!r}")
        value = float(value)
    elif value is not None:
        value = float(value)
    processes = tuple(str(p) for p in raw.get("processes", []))
    if scope == "process" and not processes:
        raise PolicyError(f"{where}: scope 'process' needs processes = [...]")
    if action == "stop_share_of_lines" and scope not in ("process", "whole_plant"):
        raise PolicyError(f"{where}: stop_share_of_lines applies to a process or the whole plant")
    return Action(action, value, scope, processes, str(raw.get("note", "")))


_POLICY_KEYS = (
    "self_directed_grades",
    "self_directed_source",
    "ungraded_as",
    "ungraded_source",
    "positive_list_exempt",
    "positive_list_source",
    "line_share_capacity",
    "shortfall_tiers",
    "guarantee_source",
)
"""Keys every catalogue's ``[policy]`` states: policy lives in data, with no default in code."""


def _check_policy(policy: Mapping[str, Any], where: str) -> None:
    for key in _POLICY_KEYS:
        if key not in policy:
            raise PolicyError(
                f"{where}: [policy] misses the required key {key!r} (no default in code; "
                "see engine/data/measures.toml)"
            )
    if policy["ungraded_as"] not in ("C", "D", "B", "B-"):
        raise PolicyError(f"{where}: ungraded_as {policy['ungraded_as']!r}: expected C or D")
    if policy["line_share_capacity"] not in ("permitted_capacity", "licensed_capacity", "base"):
        raise PolicyError(
            f"{where}: line_share_capacity {policy['line_share_capacity']!r}: expected "
            "permitted_capacity, licensed_capacity or base"
        )


def _check_required_ratio(ratio: Mapping[str, Any], where: str) -> None:
    for key in ("source", *_ALERT_LEVELS):
        if key not in ratio:
            raise PolicyError(
                f"{where}: [required_ratio] misses the required key {key!r} (no default in "
                "code; see engine/data/measures.toml)"
            )
    for level, value in ratio.items():
        if level in LEVELS and not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
            raise PolicyError(f"{where}: [required_ratio] {level} = {value!r}: expected 0 … 1")


def _month_day(value: str, name: str) -> tuple[int, int]:
    try:
        month, day = (int(p) for p in str(value).split("-"))
        dt.date(2000, month, day)
    except ValueError:
        raise PolicyError(f"season {name}: {value!r} is not MM-DD") from None
    return month, day


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}: {value!r} is not a date YYYY-MM-DD") from None
