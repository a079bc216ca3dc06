"""What every serialiser shares: the :class:`Rendered` document, level colours, text width."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CSV_MEDIA",
    "LEVEL_COLOURS",
    "LEVEL_IDS",
    "REASON_SEPARATOR",
    "Record",
    "Rendered",
    "csv_bytes",
    "dates_of",
    "text_grid",
    "text_width",
]

Record = Mapping[str, Any]
"""A response as JSON: ``api.schemas.Response.model_dump(mode="json")``."""

LEVEL_COLOURS = {
    "none": "#BDBDBD",
    "pre_alert": "#1E90FF",
    "yellow": "#FFFF00",
    "orange": "#FF7E00",
    "red": "#FF0000",
}
"""Fill colour of each level on maps. Yellow, orange and red are the RGB that HJ 633 gives
those colour names; grey (no alert) and blue (the local pre-alert tier, 蓝色 in the cities that
have one) are our choice [I]."""

LEVEL_IDS = tuple(LEVEL_COLOURS)
REASON_SEPARATOR = " | "
CSV_MEDIA = "text/csv; charset=utf-8"


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A serialised document: its bytes, its media type and the usual file suffix."""

    content: bytes
    media_type: str
    suffix: str


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (East Asian wide characters count two)."""
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)  # control characters: count them as one


def _pad(text: str, width: int, align: str = "<") -> str:
    fill = " " * max(0, width - text_width(text))
    return text + fill if align == "<" else fill + text


def text_grid(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """Rows as aligned text columns; ``align`` holds ``<`` or ``>`` for each column."""
    widths = [max([text_width(h), *(text_width(r[k]) for r in rows)]) for k, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w, a) for h, w, a in zip(header, widths, align, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w, a) for c, w, a in zip(row, widths, align, strict=True)))
    return [line.rstrip() for line in lines]


def dates_of(records: Sequence[Record]) -> list[str]:
    """Every CST day any record has a value for, in order (ISO)."""
    return sorted({d["date"] for r in records for d in r["days"]})


def csv_bytes(text: str, *, bom: bool = True) -> bytes:
    """CSV text as UTF-8 bytes, with a byte-order mark unless ``bom`` is False."""
    return ("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8")
