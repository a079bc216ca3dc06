"""The alert notice (重污染天气预警信息) of a region, in Chinese, as plain text and HTML.

Filled from a response (:class:`engine.response.Response`) and the region's plan document
(:func:`registry.region_plan`), with the template ``engine/data/notice_template.toml``: the
issuing body, the level, the start time and expected duration, the forecast reasons, the
measures in force summarised from the plan, and the public health advice (HJ 633 Table 2) for
the highest AQI category forecast during the alert. A field without a source is written as the
template's ``empty`` text, never guessed (docs/notice.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import tomllib
from collections import Counter
from collections.abc import Mapping
from importlib import resources
from typing import Any

from engine.aqi import categories
from engine.errors import PolicyError
from engine.levels import get_rule_set
from engine.response import Response
from engine.texts import text

__all__ = ["Notice", "NoticeField", "expected_run", "notice_template", "write_notice"]

_FILE = "engine/data/notice_template.toml"
_NUMERALS = "一二三四五六七八九十"
_GRADE_ORDER = ("A+", "A", "leading", "B", "B-", "C", "D", "ungraded")
_SPECIES = ("so2", "nox", "pm", "voc")


@functools.cache
def notice_template() -> dict[str, Any]:
    """The parsed ``engine/data/notice_template.toml``; :class:`PolicyError` if incomplete."""
    raw = resources.files("engine.data").joinpath("notice_template.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    for key in ("id", "source", "empty", "title", "title_none", "lead", "field", "health"):
        if key not in data:
            raise PolicyError(f"{_FILE}: the required key {key!r} is missing")
    missing = [str(n) for n in range(1, 7) if str(n) not in data["health"].get("category", {})]
    if missing:
        raise PolicyError(f"{_FILE}: [health.category.N] missing for N = {', '.join(missing)}")
    return data


@dataclasses.dataclass(frozen=True)
class NoticeField:
    """One field of the notice; ``value`` None when it has no source (written as empty)."""

    key: str
    label: str
    value: str | tuple[str, ...] | None
    source: str


@dataclasses.dataclass(frozen=True)
class Notice:
    """The notice of one region from one date: its fields, and the text and HTML written."""

    region_code: str
    region_name: str
    date: dt.date
    level: str
    title: str
    lead: str
    fields: tuple[NoticeField, ...]
    template: str
    text: str
    html: str


def _date(day: dt.date, short: bool = False) -> str:
    key = "short_date_format" if short else "date_format"
    return str(notice_template()[key]).format(year=day.year, month=day.month, day=day.day)


def expected_run(response: Response) -> tuple[int, int | None, bool]:
    """Days of the alert in the forecast: (first index, last index above, open end).

    A day is above when its AQI exceeds the start condition of the rule set's lowest
    mandatory level (the smallest threshold opening one of its clauses); the alert is taken to
    last until the last day above before the forecast stays at or below it for more than the
    rule set's lifting span (docs/rules.md §2.1, lifting) [I]. ``open end`` when the forecast
    ends before that. Natural days count 24 h each.
    """
    rules = get_rule_set(response.rule_set)
    mandatory = [r for r in rules.levels if not r.optional and r.level != "none"]
    if not mandatory:
        return 0, None, False
    opening = [clause[0] for clause in mandatory[0].clauses]
    threshold = min(c.threshold for c in opening)
    inclusive = any(c.inclusive for c in opening if c.threshold == threshold)
    last, clean = None, 0
    for i, day in enumerate(response.days):
        above = day.aqi >= threshold if inclusive else day.aqi > threshold
        if above:
            last, clean = i, 0
        else:
            clean += 24
            if clean > rules.lift_after_hours:
                return 0, last, False
    return 0, last, True


def _measures(response: Response, plan: Mapping[str, Any] | None) -> str | None:
    t = notice_template()
    if response.regime == "o3" and response.level == "none":
        return str(t["measures_o3"])
    if response.level == "none":
        return str(t["measures_none"])
    if plan is None:
        return None
    acting = [e for e in plan["enterprises"] if e["measures"]]
    if not acting:
        return str(t["measures_no_firm"])
    sep = str(t["list_separator"])
    grades = Counter(e["grade"] for e in acting)
    order = [g for g in _GRADE_ORDER if g in grades] + sorted(set(grades) - set(_GRADE_ORDER))
    grade_words = sep.join(
        t["grade"]["count"].format(grade=_grade_name(g), n=grades[g]) for g in order
    )
    actions: Counter[str] = Counter()
    for e in acting:
        for m in e["measures"]:
            if not m["already_stopped"]:
                actions[m["action"]] += 1
    action_words = sep.join(
        t["count"].format(what=_action(a)["name"], n=n, unit=_action(a)["unit"])
        for a, n in actions.most_common()
    )
    level_zh = text(f"level.{response.level}", "zh")
    out = [t["measures_lead"].format(n_firms=len(acting), grades=grade_words,
                                     actions=action_words, level_zh=level_zh)]  # fmt: skip
    reductions = sep.join(
        t["tonnes"].format(species=t["species"][s], value=plan["totals_kg_d"][s] / 1000)
        for s in _SPECIES
    )
    out.append(t["measures_reductions"].format(reductions=reductions))
    ratios = [(s, plan["achieved_ratio"][s]) for s in _SPECIES]
    if plan.get("required_ratio") is not None and all(v is not None for _, v in ratios):
        out.append(
            t["measures_ratio"].format(
                ratios=sep.join(
                    t["percent"].format(species=t["species"][s], value=100 * v) for s, v in ratios
                ),
                required=f"{100 * plan['required_ratio']:g}%",
            )
        )
        short = [t["species"][s] for s in _SPECIES if plan["target_met"][s] is False]
        if short:
            out.append(
                t["measures_shortfall"].format(
                    short=sep.join(short), proposals=len(plan["shortfall_proposals"])
                )
            )
    return "".join(out)


def _grade_name(grade: str) -> str:
    if grade == "ungraded":
        return str(notice_template()["grade"]["ungraded"])
    try:
        return text(f"measures.grade.{grade}", "zh")
    except PolicyError:
        return grade


def _action(action: str) -> dict[str, str]:
    known = notice_template()["action"]
    return dict(known.get(action, {"name": action, "unit": ""}))


def _health(response: Response, first: int, last: int | None) -> str | None:
    if not response.days:
        return None
    t = notice_template()
    span = response.days[first : (last if last is not None else first) + 1]
    peak = max(span, key=lambda d: d.aqi)
    category = next((c for c in categories() if c.level == peak.category), None)
    if category is None:
        return None
    advice = t["health"]["category"][str(category.level)]
    line = t["health"]["line"] if last is not None else t["health"]["line_day"]
    return str(line).format(
        day=_date(peak.date, True),
        aqi=peak.aqi,
        category=category.name_zh,
        effect=advice["effect"],
        advice=advice["advice"],
        source=t["health"]["source"],
    )


def write_notice(response: Response, plan: Mapping[str, Any] | None = None) -> Notice:
    """The notice of ``response``; ``plan`` is the region's plan document (None: no registry,
    the measures stay empty)."""
    t = notice_template()
    rules = get_rule_set(response.rule_set)
    region = response.region.name
    level_zh = text(f"level.{response.level}", "zh")
    first, last, open_end = expected_run(response)
    start = t[f"start_{response.mode}"].format(date=_date(response.date))
    alert = response.level != "none"
    rule_words = rules.title
    duration: str | None
    if not alert:
        title = t["title_none"].format(region=region)
        lead = t["lead_none"].format(
            region=region, first_day=_date(response.date, True), rule_set=rule_words
        )
        duration = str(t["duration_none"])
    else:
        title = t["title"].format(region=region, level_zh=level_zh)
        end = last if last is not None else first
        days = response.days[first : end + 1] if response.days else ()
        last_day = _date(days[-1].date, True) if days else _date(response.date, True)
        if open_end and response.days:  # the forecast ends before the alert would lift
            last_day = _date(response.days[-1].date, True)
        fields = {
            "region": region,
            "first_day": _date(response.date, True),
            "last_day": last_day,
            "aqi_min": min((d.aqi for d in days), default="—"),
            "aqi_max": max((d.aqi for d in days), default="—"),
            "start": start,
            "level_zh": level_zh,
            "rule_set": rule_words,
        }
        lead = t["lead_open_end" if open_end else "lead"].format(**fields)
        if last is None:
            duration = None  # held by an episode or a regional notice: no forecast run to count
        elif open_end:
            duration = t["duration_open"].format(last_day=last_day)
        else:
            n = last - first + 1
            duration = t["duration"].format(last_day=last_day, days=n, hours=24 * n)
    issuer = t.get("issuers", {}).get(response.region.code, {}).get("name")
    mode = t[f"mode_{response.mode}"]
    values: dict[str, str | tuple[str, ...] | None] = {
        "issuer": issuer,
        "issued_at": None,
        "level": level_zh,
        "start": start if alert else str(t["duration_none"]),
        "duration": duration,
        "reasons": tuple(response.reasons_zh) or (None if alert else str(t["duration_none"])),
        "measures": _measures(response, plan),
        "health": _health(response, first, last if alert else None),
        "basis": t["basis"].format(
            forecast=response.forecast.id,
            issued=response.forecast.issued,
            rule_set=f"{rules.id}：{rules.title}",
            standard=response.aqi_standard,
            mode=mode,
        ),
    }
    fields_out = tuple(
        NoticeField(f["key"], f["label"], values.get(f["key"]), f["source"]) for f in t["field"]
    )
    return Notice(
        region_code=response.region.code,
        region_name=region,
        date=response.date,
        level=response.level,
        title=title,
        lead=lead,
        fields=fields_out,
        template=str(t["id"]),
        text=_as_text(title, lead, fields_out),
        html=_as_html(title, lead, fields_out, response.level),
    )


def _as_text(title: str, lead: str, fields: tuple[NoticeField, ...]) -> str:
    empty = str(notice_template()["empty"])
    lines = [title, "", lead, ""]
    for i, f in enumerate(fields):
        head = f"{_NUMERALS[i] if i < len(_NUMERALS) else i + 1}、{f.label}："
        if f.value is None:
            lines.append(head + empty)
        elif isinstance(f.value, tuple):
            lines.append(head)
            lines += [f"  {n}. {item}" for n, item in enumerate(f.value, start=1)]
        else:
            lines.append(head + f.value)
    return "\n".join(lines) + "\n"


_STYLE = (
    "body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;"
    "max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#1d2430}"
    "h1{font-size:1.4rem;text-align:center}dt{font-weight:700;margin-top:.6rem}"
    "dd{margin-left:1.5rem}.empty{color:#9a3412;background:#fff3e0;padding:0 .3rem}"
)


def _as_html(title: str, lead: str, fields: tuple[NoticeField, ...], level: str) -> str:
    empty = html.escape(str(notice_template()["empty"]))
    e = html.escape
    parts = [
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>",
        f'<article class="notice" data-level="{e(level)}"><h1>{e(title)}</h1>',
        f'<p class="lead">{e(lead)}</p><dl>',
    ]
    for i, f in enumerate(fields):
        number = _NUMERALS[i] if i < len(_NUMERALS) else str(i + 1)
        parts.append(f"<dt>{number}、{e(f.label)}</dt>")
        if f.value is None:
            parts.append(f'<dd class="empty" data-field="{e(f.key)}">{empty}</dd>')
        elif isinstance(f.value, tuple):
            items = "".join(f"<li>{e(v)}</li>" for v in f.value)
            parts.append(f'<dd data-field="{e(f.key)}"><ol>{items}</ol></dd>')
        else:
            parts.append(f'<dd data-field="{e(f.key)}">{e(f.value)}</dd>')
    parts.append("</dl></article></body></html>\n")
    return "".join(parts)
