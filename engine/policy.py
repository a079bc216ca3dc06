"""Light readers of policy data that the faces need before any kernel is compiled.

``engine/data/rule_sets.toml`` holds the alert rule sets (read by :mod:`engine.levels`) and,
under ``[decision]``, the defaults of Lantian's own decision rules [I] (docs/rules.md §2.1),
which the service's settings and the CLI's options start from. This module imports no kernel,
so ``lantian --help`` stays fast.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from importlib import resources
from typing import Any

from engine.errors import PolicyError

__all__ = ["DecisionDefaults", "decision_defaults", "rule_sets_data"]


@functools.cache
def rule_sets_data() -> dict[str, Any]:
    """The parsed ``engine/data/rule_sets.toml``."""
    text = resources.files("engine.data").joinpath("rule_sets.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclasses.dataclass(frozen=True)
class DecisionDefaults:
    """Lantian's own decision rules [I], from ``[decision]`` of ``rule_sets.toml``.

    ``ensemble_threshold`` [1]: an ensemble's level is the highest reached by at least this
    share of members; ``min_valid_fraction`` [1]: a response resting on a smaller share of its
    region's area with valid forecast values is marked degraded.
    """

    ensemble_threshold: float
    min_valid_fraction: float


@functools.cache
def decision_defaults() -> DecisionDefaults:
    """The ``[decision]`` table of ``rule_sets.toml``; :class:`PolicyError` if a key is missing."""
    table = rule_sets_data().get("decision", {})
    missing = [k for k in ("ensemble_threshold", "min_valid_fraction") if k not in table]
    if missing:
        raise PolicyError(
            f"engine/data/rule_sets.toml: [decision] lacks the required key(s) {', '.join(missing)}"
        )
    return DecisionDefaults(
        ensemble_threshold=float(table["ensemble_threshold"]),
        min_valid_fraction=float(table["min_valid_fraction"]),
    )
