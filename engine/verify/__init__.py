"""Forecast verification against observations (docs/rules.md §6).

* :func:`decision_side`, :func:`forecast_side` — what is verified: the levels issued (decision
  records) or a forecast's own levels, one row per region, CST date and lead day;
* :func:`observed_levels`, :func:`pair_with_observations` — the level the observations would
  have triggered (the same rule code as forecasts: :func:`engine.levels.classify_arrays`), the
  observed daily AQI, PM2.5 and O3 MDA8 of each pair;
* :func:`contingency`, :func:`skill_scores`, … — scores on plain arrays (POD, FAR, CSI, HSS per
  level, "an event at L" being "level ≥ L"; bias and RMSE; category and category-range
  accuracy);
* :func:`verification_document`, :func:`pair_rows`, :func:`lead_day_scores` — the result as
  the JSON contract of ``lantian verify`` / ``GET /v1/verification``, as CSV rows, by lead day.
"""

from engine.verify._pairs import (
    ForecastSide,
    Pairs,
    decision_side,
    forecast_side,
    horizon_days,
    issued_date,
    observed_levels,
    pair_with_observations,
)
from engine.verify._report import (
    PAIR_COLUMNS,
    VerificationConfig,
    lead_day_scores,
    pair_rows,
    verification_config,
    verification_document,
    verification_scores,
)
from engine.verify._scores import (
    COUNT_NAMES,
    category_hits,
    category_of,
    contingency,
    continuous_sums,
    errors_from_sums,
    range_hits,
    skill_scores,
    trailing_sums,
)

__all__ = [
    "COUNT_NAMES",
    "PAIR_COLUMNS",
    "ForecastSide",
    "Pairs",
    "VerificationConfig",
    "category_hits",
    "category_of",
    "continuous_sums",
    "contingency",
    "decision_side",
    "error_sums",
    "errors_from_sums",
    "forecast_side",
    "horizon_days",
    "issued_date",
    "lead_day_scores",
    "observed_levels",
    "pair_rows",
    "pair_with_observations",
    "paired_errors",
    "range_hits",
    "skill_scores",
    "trailing_sums",
    "verification_config",
    "verification_document",
    "verification_scores",
]
