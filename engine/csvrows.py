"""Validating CSV rows: every bad row is named by its line, none is dropped.

The row-by-row helpers shared by the adapters that import CSV files (the station list of
:mod:`observations`; the same contract as ``registry/_csv.py``, whose private helpers these
generalise). A reader collects problems ``"<file> line <n>: <reason>"`` — line numbers count the
header as line 1 — and an import that finds any imports nothing. Column sets are exact: a missing
or extra column is a problem of line 1.

The engine opens no user file: :func:`decode` takes the bytes the adapter read and
:func:`rows` the decoded text.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "BadValue",
    "choice",
    "decode",
    "field",
    "header_problem",
    "keep",
    "number",
    "rows",
    "text",
]


class BadValue(ValueError):
    """A field's value is not acceptable; the message says why (without the value)."""


def decode(name: str, data: bytes, problems: list[str]) -> str | None:
    """UTF-8 text of a file's bytes (a BOM is dropped), or None with a problem recorded."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(f"{name}: not UTF-8 ({error.reason} at byte {error.start})")
        return None


def header_problem(name: str, header: list[str], columns: tuple[str, ...]) -> str | None:
    """The line-1 problem of a header that is not exactly ``columns`` (any order), else None."""
    extra = [h for h in header if h not in columns]
    missing = [c for c in columns if c not in header]
    repeated = len(set(header)) != len(header)
    if not (extra or missing or repeated):
        return None
    parts = []
    if extra:
        parts.append(f"unexpected column(s) {', '.join(extra)}")
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if repeated:
        parts.append("repeated column names")
    return f"{name} line 1: {'; '.join(parts)} — expected exactly {','.join(columns)}"


def rows(
    name: str, content: str, columns: tuple[str, ...], problems: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {column: stripped value})`` of each non-blank data row of CSV text.

    Problems of the header, and rows with the wrong number of fields, are recorded in
    ``problems`` (such rows are not yielded).
    """
    reader = csv.reader(io.StringIO(content, newline=""))
    header = next(reader, None)
    if header is None:
        problems.append(f"{name} line 1: empty file, expected the header {','.join(columns)}")
        return
    header = [h.strip() for h in header]
    problem = header_problem(name, header, columns)
    if problem:
        problems.append(problem)
        return
    for record in reader:
        line = reader.line_num
        if not record or all(not v.strip() for v in record):
            continue
        if len(record) != len(header):
            problems.append(f"{name} line {line}: {len(record)} fields, expected {len(header)}")
            continue
        yield line, {h: v.strip() for h, v in zip(header, record, strict=True)}


def field(row: dict[str, str], key: str, parse: Callable[[str], Any], errors: list[str]) -> Any:
    """``parse(row[key])``; on :class:`BadValue` its reason goes to ``errors`` and None is
    returned."""
    try:
        return parse(row[key])
    except BadValue as error:
        errors.append(f"{key} {row[key]!r}: {error}")
        return None


def text(value: str) -> str:
    """A non-empty string."""
    if not value:
        raise BadValue("must not be empty")
    return value


def number(
    value: str, low: float | None = None, high: float | None = None, *, low_open: bool = False
) -> float:
    """A finite number within ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    try:
        result = float(value)
    except ValueError:
        raise BadValue("not a number") from None
    if not math.isfinite(result):
        raise BadValue("not a finite number")
    if low is not None and (result < low or (low_open and result == low)):
        raise BadValue(f"must be {'>' if low_open else '≥'} {low:g}")
    if high is not None and result > high:
        raise BadValue(f"must be ≤ {high:g}")
    return result


def choice(options: tuple[str, ...]) -> Callable[[str], str]:
    """A parser accepting exactly one of ``options``."""

    def parse(value: str) -> str:
        if value not in options:
            raise BadValue(f"not one of {', '.join(options)}")
        return value

    return parse


def keep(
    out: dict[str, Any],
    errors: list[str],
    name: str,
    line: int,
    kept: list[dict[str, Any]],
    problems: list[str],
) -> None:
    """Keep a typed row (stamped with its line as ``_line``), or record why it is bad."""
    if errors:
        problems.append(f"{name} line {line}: {'; '.join(errors)}")
        return
    out["_line"] = line
    kept.append(out)
