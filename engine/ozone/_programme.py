"""Peak-shift programmes (错峰生产) as data: the packaged default and regional layers.

The packaged ``engine/data/ozone.toml`` holds Lantian's default programme [I] and the pilot
O3-episode measures (docs/rules.md §4.2–§4.4). A region's programme is a TOML text of the same
form layered over it (:func:`parse_programme`); nothing here opens a file given by a user —
faces read such files and pass their text.
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
from engine.measures import GRADES, VOC_PROCESSES

__all__ = [
    "RULE_ACTIONS",
    "Programme",
    "ShiftRule",
    "Trigger",
    "default_programme",
    "default_programme_text",
    "format_hour",
    "ozone_data",
    "parse_programme",
    "parse_rules",
]

RULE_ACTIONS = ("shift", "stop_daytime", "reduce")
"""What a rule does to the work inside its window (``engine/data/ozone.toml``)."""
_RULE_KEYS = (
    "window",
    "industries",
    "grades",
    "action",
    "exempt_grades",
    "exempt_low_voc",
    "exempt_efficient_treatment",
    "positive_list_exempt",
    "unshiftable",
)
_FILE = "engine/data/ozone.toml"


@dataclasses.dataclass(frozen=True)
class ShiftRule:
    """One rule of a programme: which lines, which window, what happens to the work in it.

    ``window`` is the restricted window ``(start, end)`` [h, CST] (end before start: across
    midnight); ``value`` the share of the work in the window dropped by ``reduce`` [1].
    """

    id: str
    processes: tuple[str, ...]
    industries: tuple[str, ...]
    grades: tuple[str, ...]
    window: tuple[float, float]
    action: str
    value: float | None
    exempt_grades: frozenset[str]
    exempt_low_voc: bool
    exempt_efficient_treatment: bool
    positive_list_exempt: bool
    unshiftable: str


@dataclasses.dataclass(frozen=True)
class Trigger:
    """When a programme applies inside its season: every day, or on forecast days.

    ``o3_mda8`` [µg m⁻³] and ``t2m_max`` [°C] are thresholds (None: no condition), each with
    whether it is inclusive (≥) or strict (>); ``t2m_missing`` says what a forecast without
    ``t2m`` does to the temperature condition (``ignore`` or ``error``).
    """

    kind: str
    o3_mda8: float | None = None
    o3_inclusive: bool = False
    t2m_max: float | None = None
    t2m_inclusive: bool = True
    t2m_missing: str = "ignore"

    @property
    def needs_forecast(self) -> bool:
        return self.kind == "forecast"


@dataclasses.dataclass(frozen=True)
class Programme:
    """A resolved peak-shift programme: its identity, season, trigger and rules.

    ``season`` is ``((month, day), (month, day))`` (may wrap the year end); ``layers`` names
    the texts it was built from, base first.
    """

    id: str
    version: str
    status: str
    source: str
    season: tuple[tuple[int, int], tuple[int, int]]
    trigger: Trigger
    rules: tuple[ShiftRule, ...]
    layers: tuple[str, ...] = ()

    @property
    def window(self) -> tuple[float, float]:
        """The window of the first rule [h, CST], the programme's headline window."""
        return self.rules[0].window if self.rules else (9.0, 18.0)

    def in_season(self, day: dt.date) -> bool:
        """Whether ``day`` lies in the programme's season."""
        start, end = self.season
        key = (day.month, day.day)
        return start <= key <= end if start <= end else key >= start or key <= end


@functools.cache
def ozone_data() -> dict[str, Any]:
    """The parsed ``engine/data/ozone.toml``."""
    return tomllib.loads(default_programme_text())


def default_programme_text() -> str:
    """Text of the packaged ``engine/data/ozone.toml`` (base of regional layers)."""
    return resources.files("engine.data").joinpath("ozone.toml").read_text("utf-8")


@functools.cache
def default_programme() -> Programme:
    """Lantian's default peak-shift programme (docs/rules.md §4.2 [I])."""
    return parse_programme(default_programme_text(), names=[_FILE])


def parse_programme(
    *texts: str,
    names: Sequence[str] | None = None,
    region_chain: Sequence[str] = (),
    day: dt.date | None = None,
) -> Programme:
    """A programme from the base text and layers over it, in order.

    Parameters
    ----------
    texts : str
        The base (complete, as ``engine/data/ozone.toml``) then regional layers.
    names : sequence of str, optional
        Names of the texts for messages and the programme's ``layers``.
    region_chain : sequence of str
        The region then its ancestors: a layer with ``regions = [...]`` applies only when one
        of them is in the chain.
    day : datetime.date, optional
        A layer with ``effective_from`` / ``effective_to`` applies only when ``day`` is inside.
    """
    if not texts:
        raise PolicyError("no programme text given")
    labels = [*(names or []), *(f"programme layer {i}" for i in range(len(texts)))]
    docs = []
    for i, text in enumerate(texts):
        try:
            docs.append(tomllib.loads(text))
        except tomllib.TOMLDecodeError as error:
            raise PolicyError(f"{labels[i]}: not valid TOML: {error}") from None
    base = docs[0]
    for key in ("id", "version", "status", "source", "season", "trigger", "defaults", "rule"):
        if key not in base:
            raise PolicyError(f"{labels[0]}: missing {key!r} — the base programme must be complete")
    top: dict[str, Any] = {k: base[k] for k in ("id", "version", "status", "source")}
    top["season"], top["trigger"] = base["season"], base["trigger"]
    defaults = dict(base["defaults"])
    rules: dict[str, dict[str, Any]] = {}
    used = [labels[0]]
    for layer, doc in enumerate(docs):
        if layer and not _applies(doc, region_chain, day, labels[layer]):
            continue
        if layer:
            used.append(labels[layer])
            for key in ("id", "version", "status", "source", "season", "trigger"):
                if key in doc:
                    top[key] = doc[key]
            defaults.update(doc.get("defaults", {}))
            for rule_id in doc.get("drop_rules", []):
                rules.pop(str(rule_id), None)
        for j, raw in enumerate(doc.get("rule", [])):
            if "id" not in raw:
                raise PolicyError(f"{labels[layer]} rule {j + 1}: missing key 'id'")
            rules[str(raw["id"])] = dict(raw)
    where = " + ".join(used)
    return Programme(
        id=str(top["id"]),
        version=str(top["version"]),
        status=str(top["status"]),
        source=str(top["source"]),
        season=_season(top["season"], where),
        trigger=_trigger(top["trigger"], where),
        rules=parse_rules(list(rules.values()), defaults, where),
        layers=tuple(used),
    )


def _applies(doc: Mapping[str, Any], chain: Sequence[str], day: dt.date | None, where: str):
    regions = [str(c) for c in doc.get("regions", [])]
    if regions and not set(regions) & set(chain):
        return False
    if day is not None:
        for key, inside in (("effective_from", lambda d: day >= d), ("effective_to", None)):
            if key in doc:
                bound = _date(doc[key], where)
                ok = inside(bound) if inside else day <= bound
                if not ok:
                    return False
    return True


def parse_rules(
    raws: Sequence[Mapping[str, Any]], defaults: Mapping[str, Any], where: str
) -> tuple[ShiftRule, ...]:
    """Rules from their tables, each key not given taken from ``defaults`` (all required)."""
    out = []
    for raw in raws:
        merged = {**defaults, **raw}
        rule_id = str(merged.get("id", "?"))
        here = f"{where} rule {rule_id}"
        for key in ("processes", *_RULE_KEYS):
            if key not in merged:
                raise PolicyError(f"{here}: missing {key!r} (in the rule or in [defaults])")
        processes = tuple(str(p) for p in merged["processes"])
        bad = [p for p in processes if p not in VOC_PROCESSES or p == "none"]
        if bad or not processes:
            raise PolicyError(
                f"{here}: processes {bad or '[]'} — expected VOC classes among "
                f"{', '.join(p for p in VOC_PROCESSES if p != 'none')}"
            )
        grades = tuple(str(g) for g in merged["grades"])
        exempt = frozenset(str(g) for g in merged["exempt_grades"])
        for grade in (*grades, *exempt):
            if grade not in GRADES:
                raise PolicyError(f"{here}: grade {grade!r} not one of {', '.join(GRADES)}")
        action = str(merged["action"])
        if action not in RULE_ACTIONS:
            raise PolicyError(f"{here}: action {action!r} not one of {', '.join(RULE_ACTIONS)}")
        value = merged.get("value")
        if action == "reduce" and (
            not isinstance(value, int | float) or not 0.0 < float(value) <= 1.0
        ):
            raise PolicyError(f"{here}: reduce needs a value in (0, 1], got {value!r}")
        if str(merged["unshiftable"]) not in ("drop", "keep"):
            raise PolicyError(f"{here}: unshiftable {merged['unshiftable']!r}: drop or keep")
        out.append(
            ShiftRule(
                id=rule_id,
                processes=processes,
                industries=tuple(str(i) for i in merged["industries"]),
                grades=grades,
                window=_window(merged["window"], here),
                action=action,
                value=float(value) if action == "reduce" and value is not None else None,
                exempt_grades=exempt,
                exempt_low_voc=_flag(merged, "exempt_low_voc", here),
                exempt_efficient_treatment=_flag(merged, "exempt_efficient_treatment", here),
                positive_list_exempt=_flag(merged, "positive_list_exempt", here),
                unshiftable=str(merged["unshiftable"]),
            )
        )
    if not out:
        raise PolicyError(f"{where}: the programme has no rule")
    return tuple(out)


def _flag(table: Mapping[str, Any], key: str, where: str) -> bool:
    if not isinstance(table[key], bool):
        raise PolicyError(f"{where}: {key} must be true or false, got {table[key]!r}")
    return bool(table[key])


def _hour(value: Any, where: str) -> float:
    try:
        hh, mm = str(value).split(":")
        hour, minute = int(hh), int(mm)
    except ValueError:
        raise PolicyError(f"{where}: {value!r} is not a time HH:MM") from None
    if not (0 <= hour <= 24 and 0 <= minute < 60) or (hour == 24 and minute):
        raise PolicyError(f"{where}: {value!r} is not a time between 00:00 and 24:00")
    return hour + minute / 60.0


def _window(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise PolicyError(f'{where}: window must be ["HH:MM", "HH:MM"], got {value!r}')
    start, end = _hour(value[0], where) % 24.0, _hour(value[1], where)
    if start == end % 24.0:
        raise PolicyError(f"{where}: window {value!r} is empty (start equals end)")
    return start, end


def format_hour(hour: float) -> str:
    """``"HH:MM"`` of an hour of the day [h]; 24 stays ``"24:00"``."""
    minutes = int(round(hour * 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _season(value: Any, where: str) -> tuple[tuple[int, int], tuple[int, int]]:
    try:
        ends = []
        for key in ("start", "end"):
            month, day = (int(p) for p in str(value[key]).split("-"))
            dt.date(2000, month, day)
            ends.append((month, day))
    except (KeyError, TypeError, ValueError):
        raise PolicyError(
            f'{where}: season must be {{ start = "MM-DD", end = "MM-DD" }}, got {value!r}'
        ) from None
    return ends[0], ends[1]


def _trigger(raw: Any, where: str) -> Trigger:
    if not isinstance(raw, Mapping) or raw.get("kind") not in ("season", "forecast"):
        raise PolicyError(f'{where}: trigger kind must be "season" or "forecast", got {raw!r}')
    if raw["kind"] == "season":
        return Trigger("season")
    o3 = [k for k in ("o3_mda8_above", "o3_mda8_at_least") if k in raw]
    t2m = [k for k in ("t2m_max_above", "t2m_max_at_least") if k in raw]
    if len(o3) != 1 or len(t2m) > 1:
        raise PolicyError(
            f"{where}: a forecast trigger needs exactly one of o3_mda8_above, o3_mda8_at_least "
            "and at most one of t2m_max_above, t2m_max_at_least"
        )
    missing = str(raw.get("t2m_missing", "ignore"))
    if missing not in ("ignore", "error"):
        raise PolicyError(f"{where}: t2m_missing {missing!r}: ignore or error")
    return Trigger(
        "forecast",
        o3_mda8=float(raw[o3[0]]),
        o3_inclusive=o3[0].endswith("at_least"),
        t2m_max=float(raw[t2m[0]]) if t2m else None,
        t2m_inclusive=bool(t2m) and t2m[0].endswith("at_least"),
        t2m_missing=missing,
    )


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}: {value!r} is not a date YYYY-MM-DD") from None
