"""The date an alert centre means by "today" and "tomorrow": China Standard Time (UTC+8)."""

from __future__ import annotations

import datetime as dt

__all__ = ["CST", "today_cst", "tomorrow_cst"]

CST = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time."""


def today_cst() -> dt.date:
    """Today in China Standard Time."""
    return dt.datetime.now(CST).date()


def tomorrow_cst() -> dt.date:
    """Tomorrow in China Standard Time: the usual first day of a response."""
    return today_cst() + dt.timedelta(days=1)
