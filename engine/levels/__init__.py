"""Alert levels (预警级别) from regional AQI series, under versioned rule sets.

Rule sets are data (``engine/data/rule_sets.toml``, docs/rules.md §2.1): :mod:`._rules` reads
them and builds the kernel's rule tables; :mod:`._classify` classifies series, decides the
regime and writes the reasons. Episodes across days (hysteresis, lifting) are
:mod:`engine.episodes`; regional linkage is :mod:`engine.linkage`.
"""

from engine.levels._classify import (
    Classification,
    DayAQI,
    LevelDecision,
    WindowAQI,
    classify,
    classify_arrays,
    classify_levels,
)
from engine.levels._rules import (
    LEVEL_NAMES_ZH,
    LEVELS,
    MODES,
    Condition,
    LevelRule,
    RuleSet,
    RuleTable,
    get_rule_set,
    level_fields,
    level_index,
    parse_clauses,
    parse_overrides,
    parse_rule_set,
    rule_set_for,
    rule_sets,
    rule_table,
)

__all__ = [
    "LEVELS",
    "LEVEL_NAMES_ZH",
    "MODES",
    "Classification",
    "Condition",
    "DayAQI",
    "LevelDecision",
    "LevelRule",
    "RuleSet",
    "RuleTable",
    "WindowAQI",
    "classify",
    "classify_arrays",
    "classify_levels",
    "get_rule_set",
    "level_fields",
    "level_index",
    "parse_clauses",
    "parse_overrides",
    "parse_rule_set",
    "rule_set_for",
    "rule_sets",
    "rule_table",
]
