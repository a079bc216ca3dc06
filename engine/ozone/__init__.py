"""The ozone season (May–September): VOC peak-shift programmes (错峰生产) and O3-episode VOC
measures, down to production lines and equipment, with their hourly emission changes
(docs/rules.md §4).

* :func:`default_programme`, :func:`parse_programme` — programmes as data
  (``engine/data/ozone.toml``: Lantian's default [I]), layered per region;
* :func:`trigger_days` — the days a programme applies (season, or forecast O3 MDA8 and t2m);
* :func:`run_programme` — who shifts, stops or reduces, on which days, hours and kilograms
  moved and removed per line (one numba kernel, :mod:`engine.kernels.ozone`);
* :func:`hourly_change`, :func:`line_changes` — hourly VOC and NOx changes per line and on a
  grid (kg h⁻¹ per cell, scenario minus base);
* :func:`programme_document`, :func:`programme_csv` — the JSON and the on-site check list;
* :func:`episode_measures`, :func:`episode_section`, :func:`o3_alone_level` — the O3-episode
  pilot measures of a plan in the ozone regime.
"""

from engine.ozone._change import CHANGE_SPECIES, hourly_change, hourly_times, line_changes
from engine.ozone._compute import LINE_ACTIONS, ProgrammeResult, run_programme
from engine.ozone._episode import EpisodePolicy, episode_measures, episode_policy, episode_section
from engine.ozone._level import o3_alone_level
from engine.ozone._programme import (
    RULE_ACTIONS,
    Programme,
    ShiftRule,
    Trigger,
    default_programme,
    default_programme_text,
    format_hour,
    parse_programme,
)
from engine.ozone._report import (
    CSV_COLUMNS,
    line_entries,
    programme_csv,
    programme_document,
    programme_rows,
)
from engine.ozone._select import REASONS
from engine.ozone._trigger import (
    MIN_T2M_HOURS,
    regional_o3_mda8,
    t2m_daily_max,
    trigger_days,
    trigger_text,
)

__all__ = [
    "CHANGE_SPECIES",
    "CSV_COLUMNS",
    "LINE_ACTIONS",
    "MIN_T2M_HOURS",
    "REASONS",
    "RULE_ACTIONS",
    "EpisodePolicy",
    "Programme",
    "ProgrammeResult",
    "ShiftRule",
    "Trigger",
    "default_programme",
    "default_programme_text",
    "episode_measures",
    "episode_policy",
    "episode_section",
    "format_hour",
    "hourly_change",
    "hourly_times",
    "line_entries",
    "line_changes",
    "o3_alone_level",
    "parse_programme",
    "programme_csv",
    "programme_document",
    "programme_rows",
    "regional_o3_mda8",
    "run_programme",
    "t2m_daily_max",
    "trigger_days",
    "trigger_text",
]
