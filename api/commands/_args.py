"""Argument types shared by the sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt

from engine.cst import today_cst, tomorrow_cst

__all__ = ["LEVELS", "grid_spec", "iso_date", "today_cst", "tomorrow_cst"]

LEVELS = ("none", "pre_alert", "yellow", "orange", "red")
"""``engine.levels.LEVELS`` spelled out: a parser needs no kernel (a test keeps them equal)."""


def iso_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` → date, or an argparse error naming the value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def grid_spec(text: str) -> tuple[float, float, float, float, float]:
    """``LON0,LON1,LAT0,LAT1,STEP`` of a regular lat/lon grid (outer cell edges and cell size
    [degrees]) as five numbers."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 5:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not LON0,LON1,LAT0,LAT1,STEP (outer cell edges and cell size in degrees)"
        )
    return values  # type: ignore[return-value]
