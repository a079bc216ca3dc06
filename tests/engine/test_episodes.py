"""Episodes across days: keep, upgrade at once, lift or downgrade only after 36 h clean, merge."""

from __future__ import annotations

import datetime as dt

from engine.episodes import PriorDecision, continue_episode
from engine.levels import DayAQI, classify, get_rule_set

RULES = get_rule_set("MEE-2024")
D = dt.date(2026, 12, 5)


def forecast(*aqi):
    return classify(
        [DayAQI(D + dt.timedelta(days=i), a, ("pm25",)) for i, a in enumerate(aqi)], RULES
    )


def prior(days_before, level, episode="130100:2026-12-01"):
    return PriorDecision(D - dt.timedelta(days=days_before), level, episode)


def test_no_episode_and_clean_forecast():
    outcome = continue_episode("130100", D, forecast(90, 90), RULES, None, None)
    assert (outcome.level, outcome.episode_id, outcome.status) == ("none", None, "none")


def test_a_level_starts_an_episode():
    outcome = continue_episode("130100", D, forecast(210, 90), RULES, None, None)
    assert (outcome.level, outcome.episode_id, outcome.status) == (
        "yellow",
        "130100:2026-12-05",
        "started",
    )


def test_upgrade_applies_at_once():
    last = prior(1, "yellow")
    outcome = continue_episode("130100", D, forecast(210, 220, 90), RULES, last, last)
    assert (outcome.level, outcome.status, outcome.episode_id) == (
        "orange",
        "upgraded",
        "130100:2026-12-01",
    )


def test_lower_forecast_keeps_the_level_until_clean_for_more_than_36_h():
    last = prior(1, "orange")
    # Forecast yellow (one day > 200), then clean: below orange's start (150) only from day 2.
    kept = continue_episode("130100", D, forecast(210, 120, 120), RULES, last, last)
    assert (kept.level, kept.status) == ("orange", "kept")
    assert "only 0 h" in kept.reasons[0]
    # One clean day (24 h) is not more than 36 h.
    oscillating = continue_episode("130100", D, forecast(120, 160, 90), RULES, last, last)
    assert (oscillating.level, oscillating.status) == ("orange", "kept")
    # Two clean days (48 h > 36 h): lifted.
    lifted = continue_episode("130100", D, forecast(120, 120, 160), RULES, last, last)
    assert (lifted.level, lifted.status) == ("none", "lifted")
    assert lifted.episode_id == "130100:2026-12-01"
    assert "below the yellow start condition for 48 h" in lifted.reasons[0]


def test_downgrade_to_an_intermediate_level():
    last = prior(1, "red")
    # Below red's start (> 200) for 72 h, but above 150 on the first two days: orange.
    outcome = continue_episode("130100", D, forecast(160, 170, 120, 90), RULES, last, last)
    assert (outcome.level, outcome.status) == ("orange", "downgraded")


def test_new_exceedance_soon_after_lifting_merges_at_the_stricter_level():
    last = prior(1, "none")
    active = prior(2, "red")  # red on D-2, lifted on D-1: a gap of 24 h before D
    outcome = continue_episode("130100", D, forecast(210, 90), RULES, last, active)
    assert (outcome.level, outcome.status, outcome.episode_id) == (
        "red",
        "merged",
        "130100:2026-12-01",
    )
    # A long enough gap (3 clean days = 72 h > 36 h) starts a new episode.
    outcome = continue_episode("130100", D, forecast(210, 90), RULES, last, prior(4, "red"))
    assert (outcome.level, outcome.status, outcome.episode_id) == (
        "yellow",
        "started",
        "130100:2026-12-05",
    )
