"""Reasons and sources of a plan's measures, in English or Chinese (``texts_measures.toml``).

Every measure names its reason and source; a local default is always labelled as such. The
wording lives in ``engine/data/texts_measures.toml``; here only the choice of text and its
numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.errors import PolicyError
from engine.kernels.measures import (
    ACT_LIMIT,
    OUT_LIMIT,
    OUT_NONE,
    OUT_SHARE_KEEP,
    OUT_SHARE_STOP,
    OUT_STOP,
)
from engine.measures._catalogue import EMISSION_SPECIES, GRADES
from engine.measures._plan import PlanResult
from engine.measures._select import EXEMPT, NO_ALERT, NO_RULE, OWN_PLAN, SELF_DIRECTED
from engine.texts import text

__all__ = ["LANGUAGES", "Explainer", "kg"]

LANGUAGES = ("en", "zh")
"""Languages of reasons and notes."""


def kg(values: np.ndarray) -> dict[str, float]:
    """``{species: value}`` of a (species,) array [kg d⁻¹]."""
    return {p: float(v) for p, v in zip(EMISSION_SPECIES, values, strict=True)}


def check_language(language: str) -> None:
    """Raise PolicyError unless ``language`` is one of :data:`LANGUAGES`."""
    if language not in LANGUAGES:
        raise PolicyError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")


class Explainer:
    """Reasons and sources of one plan's measures in one language."""

    def __init__(self, result: PlanResult, language: str = "en") -> None:
        check_language(language)
        self.r = result
        self.reg = result.registry
        self.language = language
        self.base = self.reg.base_output()
        self.share_capacity = {
            "permitted_capacity": self.reg.permitted_capacity,
            "licensed_capacity": self.reg.licensed_capacity,
            "base": self.base,
        }[result.policy.line_share_capacity]
        self.level = self.say(f"measures.level.{result.level}")

    def say(self, key: str, /, **fields: Any) -> str:
        """The text ``key`` in this explainer's language."""
        return text(key, self.language, **fields)

    def grade_text(self, e: int) -> str:
        grade = GRADES[int(self.reg.grade[e])]
        return self.say(f"measures.grade.{grade}", as_grade=self.r.policy.ungraded_as)

    def _status(self, status: str) -> str:
        return self.say(f"measures.status.{status}")

    def rule_text(self, e: int, a: int) -> tuple[str, str, str]:
        """(what applies, source, status) of action ``a`` for enterprise ``e``."""
        r = self.r
        ref = r.rules[int(r.act_rule[a])]
        described = r.act_action[a].describe(self.language)
        if ref.kind == "plan":
            what = self.say("measures.rule.own_plan", level=self.level, action=described)
            return what, self.say("measures.source.own_plan"), "plan"
        rule = ref.rule
        assert rule is not None
        what = self.say(
            "measures.rule.fallback" if rule.fallback else "measures.rule.catalogue",
            industry=self.reg.industries[int(self.reg.industry[e])],
            grade=self.grade_text(e),
            level=self.level,
            action=described,
            rule_id=rule.id,
            status=self._status(rule.status),
        )
        return what, rule.source, rule.status

    def line_measure(self, e: int, i: int) -> dict[str, Any] | None:
        """The measure of line ``i`` of enterprise ``e`` as a JSON-ready dict; None if none."""
        r, reg = self.r, self.reg
        outcome = int(r.line_action[i])
        if outcome == OUT_NONE:
            return None
        a = int(r.line_act[i])
        action = r.act_action[a]
        what, source, status = self.rule_text(e, a)
        value: float | None = action.value
        if outcome == OUT_STOP:
            name, detail = "stop", self.say("measures.line.stop")
        elif outcome == OUT_LIMIT:
            name, detail = "limit_output", self._limit_detail(e, i, float(action.value or 0.0))
        elif outcome in (OUT_SHARE_STOP, OUT_SHARE_KEEP):
            name = "stop_share_of_lines" if outcome == OUT_SHARE_STOP else "none"
            detail = self._share_detail(e, i, a, outcome == OUT_SHARE_STOP)
            if outcome == OUT_SHARE_KEEP:
                value = None
        else:  # OUT_CAP
            name, value, detail = "cap_guaranteed_output", None, self._cap_detail(e, i, a)
            if not np.isnan(reg.guarantee_cap[e]):
                value = float(reg.guarantee_cap[e])
            guarantee = r.policy.sources["guarantee"]
            source = self.say("measures.source.replaces", guarantee=guarantee, source=source)
        reason = self.say("measures.reason", what=what, detail=detail)
        stopped = bool(reg.already_stopped[i])
        if stopped:
            reason = self.say("measures.line.already_stopped", reason=reason)
        return {
            "line_id": str(reg.line_id[i]),
            "process": reg.processes[int(reg.process[i])],
            "action": name,
            "value": value,
            "reason": reason,
            "source": source,
            "status": status,
            "already_stopped": stopped,
            "reduction_kg_d": kg(r.line_reduction_kg_d[i]),
        }

    def _unit(self, i: int) -> str:
        return self.reg.units[int(self.reg.capacity_unit[i])]

    def _limit_detail(self, e: int, i: int, x: float) -> str:
        reg = self.reg
        detail = self.say(
            "measures.line.limit",
            x=x,
            base=self.base[i],
            allowed=(1 - x) * self.base[i],
            unit=self._unit(i),
            permitted=reg.permitted_capacity[i],
            licensed=reg.licensed_capacity[i],
            last=reg.last_year_output[i],
            cut_pct=self.r.line_fraction[i] * 100,
        )
        if not reg.guarantee[e]:
            return detail
        cap = float(reg.guarantee_cap[e])
        if np.isnan(cap):
            note = self.say("measures.guarantee.no_cap_limit")
        else:
            note = self.say("measures.guarantee.limit_below", cap_pct=cap * 100)
        return self.say("measures.reason", what=detail, detail=note)

    def _cap_detail(self, e: int, i: int, a: int) -> str:
        """Why a guarantee firm's line is capped (or kept running, with no cap)."""
        r, reg = self.r, self.reg
        cap = float(reg.guarantee_cap[e])
        replaced = r.act_action[a].describe(self.language)
        if np.isnan(cap):
            return self.say("measures.guarantee.no_cap_stop", replaced=replaced)
        fields = dict(
            cap_pct=cap * 100,
            base=self.base[i],
            unit=self._unit(i),
            cut_pct=r.line_fraction[i] * 100,
        )
        if int(r.act_code[a]) != ACT_LIMIT:
            return self.say("measures.guarantee.capped", replaced=replaced, **fields)
        x = float(r.act_value[a])
        current = float(reg.last_year_output[i])
        rule_cut = max(0.0, 1.0 - (1.0 - x) * self.base[i] / current) if current > 0 else 0.0
        return self.say(
            "measures.guarantee.cap_above_limit",
            allowed_pct=(1 - x) * 100,
            rule_cut_pct=rule_cut * 100,
            **fields,
        )

    def _share_detail(self, e: int, i: int, a: int, stopped: bool) -> str:
        r, reg = self.r, self.reg
        s, t = int(reg.line_start[e]), int(reg.line_start[e + 1])
        group = [j for j in range(s, t) if int(reg.process[j]) == int(r.act_process[a])]
        total = float(sum(self.share_capacity[j] for j in group))
        down = float(
            sum(self.share_capacity[j] for j in group if int(r.line_action[j]) == OUT_SHARE_STOP)
        )
        if total > 0:
            share = self.say("measures.share.percent", pct=down / total * 100)
        else:
            share = self.say("measures.share.unknown")
        fields = dict(
            process=reg.processes[int(r.act_process[a])],
            x_pct=float(r.act_value[a]) * 100,
            share=share,
            down=down,
            total=total,
        )
        if stopped:
            return self.say(
                "measures.line.share_stop",
                capacity=r.policy.line_share_capacity,
                line_capacity=self.share_capacity[i],
                **fields,
            )
        return self.say("measures.line.share_keep", **fields)

    def enterprise_actions(self, e: int) -> list[dict[str, Any]]:
        """Transport restrictions and shifts of hours (no plant reduction)."""
        r = self.r
        rule = int(r.rule[e])
        if rule < 0:
            return []
        out = []
        for a in range(int(r.rule_start[rule]), int(r.rule_start[rule + 1])):
            action = r.act_action[a]
            if action.action not in ("transport_restriction", "shift_hours"):
                continue
            what, source, status = self.rule_text(e, a)
            why = self.say(f"measures.enterprise.{action.action}")
            out.append(
                {
                    "line_id": None,
                    "process": None,
                    "action": action.action,
                    "value": action.value,
                    "reason": self.say("measures.reason", what=what, detail=why),
                    "source": source,
                    "status": status,
                    "already_stopped": False,
                    "reduction_kg_d": kg(np.zeros(len(EMISSION_SPECIES))),
                }
            )
        return out

    def basis_text(self, e: int) -> str:
        """Why enterprise ``e`` gets the measures it gets."""
        r = self.r
        b = int(r.basis[e])
        if b == SELF_DIRECTED:
            source = r.policy.sources["self_directed"]
            return self.say("measures.basis.self_directed", grade=self.grade_text(e), source=source)
        if b == EXEMPT:
            source = r.policy.sources["positive_list"]
            return self.say("measures.basis.positive_list_exempt", source=source)
        if b == NO_RULE:
            return self.say("measures.basis.no_rule", grade=self.grade_text(e), level=self.level)
        if b == NO_ALERT:
            return self.say("measures.basis.no_alert")
        if b == OWN_PLAN:
            return self.say("measures.basis.plan")
        rule = r.rules[int(r.rule[e])].rule
        assert rule is not None
        return self.say(
            "measures.basis.grade_fallback" if rule.fallback else "measures.basis.catalogue",
            rule_id=rule.id,
            status=self._status(rule.status),
            grade=self.grade_text(e),
            level=self.level,
        )
