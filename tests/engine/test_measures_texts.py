"""Reasons of the measures as data: every text the code names exists in both languages."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import engine.measures
import registry
from engine.measures import ACTIONS, GRADES, LEVELS
from engine.measures._catalogue import SCOPES
from engine.texts import texts

DYNAMIC = (
    [f"measures.level.{v}" for v in LEVELS]
    + [f"measures.grade.{g}" for g in GRADES]
    + [f"measures.status.{s}" for s in ("official", "local_default")]
    + [f"measures.action.{a}" for a in ACTIONS]
    + [f"measures.scope.{s}" for s in SCOPES]
    + [f"measures.enterprise.{a}" for a in ("transport_restriction", "shift_hours")]
    + [f"measures.proposal.current.{c}" for c in ("limited", "capped", "running")]
)


def _literal_keys() -> set[str]:
    found: set[str] = set()
    for package in (engine.measures, registry):
        for path in Path(package.__file__).parent.glob("*.py"):
            keys = re.findall(r"\"(measures\.[a-z_.]+[a-z_])\"", path.read_text("utf-8"))
            found |= {k for k in keys if k != "measures.toml"}
    return found


def test_every_text_the_code_names_exists():
    literal = _literal_keys()
    assert len(literal) >= 25  # the scan finds the code's keys
    missing = sorted(k for k in literal | set(DYNAMIC) if k not in texts())
    assert missing == []


@pytest.mark.parametrize("key", sorted(k for k in texts() if k.startswith("measures.")))
def test_both_languages_take_the_same_fields(key):
    def fields(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f}

    entry = texts()[key]
    assert fields(entry["en"]) == fields(entry["zh"]), key
    assert entry["zh"] and entry["en"]


def test_no_reason_is_written_in_the_code():
    # the Chinese words of the reasons live in texts_measures.toml, not in the code
    for path in Path(engine.measures.__file__).parent.glob("*.py"):
        lines = path.read_text("utf-8").splitlines()
        code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
        body = re.sub(r'"""(.|\n)*?"""', "", code)  # docstrings may name the terms
        assert not re.search(r"[\u4e00-\u9fff]", body), path.name
