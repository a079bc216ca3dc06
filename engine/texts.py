"""Texts of reasons and notes, English and Chinese, kept as data (``engine/data/texts_*.toml``).

Each entry is a table with an ``en`` and a ``zh`` template in :meth:`str.format` syntax; the
key is the table's dotted path, e.g. ``levels.o3_advisory``. Code formats them with
:func:`say`; it never writes a reason in either language itself (docs/design.md, "Policy is
data"). One file per topic: ``texts_alerts.toml`` (levels, episodes, linkage, responses),
``texts_measures.toml`` (enterprise measures).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from engine.errors import PolicyError

__all__ = ["say", "text", "texts"]


@functools.cache
def texts() -> dict[str, dict[str, str]]:
    """Every text template by dotted key: ``{"en": ..., "zh": ...}``."""
    out: dict[str, dict[str, str]] = {}
    for entry in sorted(resources.files("engine.data").iterdir(), key=lambda e: e.name):
        if entry.name.startswith("texts_") and entry.name.endswith(".toml"):
            _flatten(tomllib.loads(entry.read_text("utf-8")), "", out, entry.name)
    return out


def _flatten(table: dict[str, Any], prefix: str, out: dict[str, dict[str, str]], where: str):
    for key, value in table.items():
        if not isinstance(value, dict):
            continue
        path = f"{prefix}{key}"
        if "en" in value or "zh" in value:
            if not isinstance(value.get("en"), str) or not isinstance(value.get("zh"), str):
                raise PolicyError(f"{where}: text {path!r} needs both an 'en' and a 'zh' string")
            if path in out:
                raise PolicyError(f"{where}: text {path!r} is defined twice")
            out[path] = {"en": value["en"], "zh": value["zh"]}
        else:
            _flatten(value, f"{path}.", out, where)


def text(key: str, language: str, /, **fields: Any) -> str:
    """The text ``key`` in ``language`` (``"en"`` or ``"zh"``), formatted with ``fields``."""
    try:
        template = texts()[key][language]
    except KeyError:
        raise PolicyError(f"no {language!r} text {key!r} in engine/data/texts_*.toml") from None
    return template.format(**fields)


def say(key: str, /, **fields: Any) -> tuple[str, str]:
    """The text ``key`` in English and Chinese, formatted with ``fields``."""
    return text(key, "en", **fields), text(key, "zh", **fields)
