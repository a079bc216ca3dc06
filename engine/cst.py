"""China Standard Time (UTC+8): the clock of every CST day, date and window in Lantian.

Days of the daily statistics, the dates of responses and the "today" and "tomorrow" of an
alert centre are all China Standard Time (docs/rules.md §1.3). This is the one definition.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = ["CST", "CST_OFFSET", "today_cst", "tomorrow_cst"]

CST = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time as a :class:`datetime.tzinfo`."""

CST_OFFSET = np.timedelta64(8, "h")
"""China Standard Time minus UTC, for ``datetime64`` arithmetic on UTC times."""


def today_cst() -> dt.date:
    """Today in China Standard Time."""
    return dt.datetime.now(CST).date()


def tomorrow_cst() -> dt.date:
    """Tomorrow in China Standard Time: the usual first day of a response."""
    return today_cst() + dt.timedelta(days=1)
