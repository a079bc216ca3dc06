"""Reading catalogue TOML: the packaged catalogue and regional layers, checked on the way in.

Every policy number and source is a required key of the base catalogue (PolicyError naming the
file and the key when missing); nothing here supplies a default.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from engine.errors import PolicyError
from engine.measures._catalogue import (
    _ALERT_LEVELS,
    _VALUED,
    ACTIONS,
    GRADES,
    LEVELS,
    SCOPES,
    Action,
    Catalogue,
    Rule,
)

__all__ = ["default_catalogue", "default_catalogue_text", "parse_catalogue"]


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
