"""Argument types shared by the sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt

from engine.cst import today_cst, tomorrow_cst

__all__ = ["LEVELS", "iso_date", "today_cst", "tomorrow_cst"]

LEVELS = ("none", "pre_alert", "yellow", "orange", "red")
"""``engine.levels.LEVELS`` spelled out: a parser needs no kernel (a test keeps them equal)."""


def iso_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` → date, or an argparse error naming the value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None
