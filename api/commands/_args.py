"""Argument types shared by the sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt

__all__ = ["iso_date", "tomorrow_cst"]


def iso_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` → date, or an argparse error naming the value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def today_cst() -> dt.date:
    """Today in China Standard Time (UTC+8)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()


def tomorrow_cst() -> dt.date:
    """Tomorrow in China Standard Time (UTC+8), the usual first day of a response."""
    return today_cst() + dt.timedelta(days=1)
