"""Large CSV files read block by block into columns, every bad row named by its line.

The hourly station values of a year (1,500 stations: 13 M rows) and hourly electricity use
(100 k lines: millions of rows) are too many for a row-by-row reader. :func:`read_columns` reads
the file in blocks of whole lines, checks the number of fields of every line with numpy, parses
each block with pandas' C parser and hands the caller plain arrays with the line number of every
row, so the caller validates column by column and still names each bad row
(``"<file> line <n>: <reason>"``, the header being line 1, as :mod:`engine.csvrows` does for
small files).

Fields quoted with ``"`` are allowed (the block is then counted with the :mod:`csv` module);
a quoted field holding a line break is not (the national network's files have none).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.csvrows import decode, header_problem

__all__ = ["MISSING_MARKERS", "Block", "Problems", "read_columns"]

MISSING_MARKERS = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "-", "--", "—", "/")
"""Values that mark an hour as missing or invalid (an empty field included)."""

_BLOCK_BYTES = 32 * 2**20
_COMMA, _NEWLINE, _QUOTE = ord(","), ord("\n"), ord('"')


class Problems:
    """Bad rows by line: several reasons of one line are joined; listed in line order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._by_line: dict[int, list[str]] = {}
        self.file: list[str] = []

    def add(self, line: int, reason: str) -> None:
        self._by_line.setdefault(int(line), []).append(reason)

    def add_many(self, lines: np.ndarray, reason: Callable[[int], str]) -> None:
        """Add ``reason(k)`` for the ``k``-th of ``lines`` (a few, on the error path)."""
        for k, line in enumerate(np.asarray(lines).tolist()):
            self.add(line, reason(k))

    def __bool__(self) -> bool:
        return bool(self._by_line or self.file)

    def __len__(self) -> int:
        return len(self._by_line) + len(self.file)

    def messages(self) -> list[str]:
        rows = [
            f"{self.name} line {line}: {'; '.join(reasons)}"
            for line, reasons in sorted(self._by_line.items())
        ]
        return self.file + rows


@dataclasses.dataclass
class Block:
    """Rows of one block: their line numbers and one array per column.

    Text columns are :class:`pandas.Categorical` (values stripped; missing where empty or a
    missing marker), so a value repeated on many rows — a station code, an hour — is parsed
    once; number columns are float64 (NaN where empty or a missing marker). ``reported`` marks
    rows already reported bad (a value that is not a number).
    """

    line: np.ndarray
    columns: dict[str, Any]
    reported: np.ndarray

    def __len__(self) -> int:
        return int(self.line.size)


def read_columns(
    path: Path,
    columns: tuple[str, ...],
    numbers: tuple[str, ...],
    problems: Problems,
    *,
    block_bytes: int = _BLOCK_BYTES,
) -> Iterator[Block]:
    """Blocks of a CSV file whose header is exactly ``columns`` (any order).

    ``numbers`` are parsed as float64; the other columns are text. Header problems, lines with
    the wrong number of fields and values that are not numbers go to ``problems``.
    """
    with open(path, "rb") as handle:
        first = handle.readline()
        header_text = decode(problems.name, first, problems.file)
        if header_text is None:
            return
        header = [h.strip() for h in next(csv.reader([header_text]), [])]
        if not header:
            problems.file.append(
                f"{problems.name} line 1: empty file, expected the header {','.join(columns)}"
            )
            return
        problem = header_problem(problems.name, header, columns)
        if problem:
            problems.file.append(problem)
            return
        line = 2
        while True:
            data = handle.read(block_bytes)
            if not data:
                return
            if not data.endswith(b"\n"):
                data += handle.readline()
            if decode(problems.name, data, problems.file) is None:
                return
            block, n_lines = _parse(data, line, header, numbers, problems)
            line += n_lines
            if len(block):
                yield block


def _parse(
    data: bytes, first_line: int, header: list[str], numbers: tuple[str, ...], problems: Problems
) -> tuple[Block, int]:
    """Parse whole lines ``data`` whose first line is ``first_line``; (block, lines read)."""
    buffer = np.frombuffer(data, np.uint8)
    n_lines = int(np.count_nonzero(buffer == _NEWLINE)) + (not data.endswith(b"\n"))
    # Fast path: no quotes and exactly (columns - 1) commas a line on average. A line with too
    # many fields then makes pandas raise, so no line can have too few: rows are the lines.
    if not (buffer == _QUOTE).any() and int(np.count_nonzero(buffer == _COMMA)) == n_lines * (
        len(header) - 1
    ):
        lines = first_line + np.arange(n_lines)
        try:
            return _block(data, header, numbers, lines, problems), n_lines
        except pd.errors.ParserError:
            pass
    return _parse_lines(data, buffer, first_line, header, numbers, problems), n_lines


def _parse_lines(
    data: bytes,
    buffer: np.ndarray,
    first_line: int,
    header: list[str],
    numbers: tuple[str, ...],
    problems: Problems,
) -> Block:
    """The careful path: count the fields of every line, skip blank lines, name short ones."""
    ends = np.flatnonzero(buffer == _NEWLINE)
    if ends.size == 0 or ends[-1] != buffer.size - 1:
        ends = np.append(ends, buffer.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lines = first_line + np.arange(ends.size)
    length = ends - starts
    blank = length == 0  # and lines of only "\r" or spaces:
    for k in np.flatnonzero(~blank & (length <= 4)).tolist():
        blank[k] = not data[starts[k] : ends[k]].strip()
    if (buffer == _QUOTE).any():
        # quoted fields may hold commas: count line by line with the csv module (slower)
        fields = np.array(
            [
                len(next(csv.reader([data[s:e].decode("utf-8-sig")]), []))
                for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
            ],
            dtype=np.int64,
        )
    else:
        commas = np.flatnonzero(buffer == _COMMA)
        fields = np.diff(np.searchsorted(commas, np.concatenate(([0], ends)))) + 1
    wrong = ~blank & (fields != len(header))
    for k in np.flatnonzero(wrong).tolist():
        problems.add(lines[k], f"{fields[k]} fields, expected {len(header)}")
    keep = ~blank & ~wrong
    text = b"\n".join(data[s:e] for s, e, ok in zip(starts, ends, keep, strict=True) if ok)
    if not keep.any():
        return Block(lines[keep], {}, np.zeros(0, bool))
    return _block(text, header, numbers, lines[keep], problems)


def _block(
    text: bytes, header: list[str], numbers: tuple[str, ...], lines: np.ndarray, problems: Problems
) -> Block:
    options: dict[str, Any] = {
        "header": None,
        "names": header,
        "na_values": list(MISSING_MARKERS),
        "keep_default_na": False,
        "skip_blank_lines": False,
        "skipinitialspace": True,
        "engine": "c",
    }
    dtype = {h: (np.float64 if h in numbers else "category") for h in header}
    reported = np.zeros(lines.size, bool)
    try:
        frame = pd.read_csv(io.BytesIO(text), dtype=dtype, **options)
    except ValueError as error:
        if isinstance(error, pd.errors.ParserError):
            raise
        # some value is not a number: read those columns as text and name each bad cell
        frame = pd.read_csv(io.BytesIO(text), dtype=dtype | dict.fromkeys(numbers, str), **options)
        for name in numbers:
            raw = frame[name]
            stripped = raw.str.strip()
            parsed = pd.to_numeric(stripped, errors="coerce")
            bad = parsed.isna() & raw.notna() & ~stripped.isin(MISSING_MARKERS)
            for k in np.flatnonzero(bad.to_numpy()).tolist():
                problems.add(lines[k], f"{name} {raw.iloc[k]!r}: not a number")
                reported[k] = True
            frame[name] = parsed.astype(np.float64)
    if len(frame) != lines.size:  # pragma: no cover - guarded by the field counts
        raise RuntimeError(f"{problems.name}: parsed {len(frame)} rows from {lines.size} lines")
    columns: dict[str, Any] = {}
    for name in header:
        if name in numbers:
            columns[name] = frame[name].to_numpy(np.float64)
        else:
            columns[name] = _stripped(frame[name].array)
    return Block(lines, columns, reported)


def _stripped(values: pd.Categorical) -> pd.Categorical:
    """The categorical with its categories stripped (merged where equal); "" is missing."""
    categories = np.asarray(values.categories, dtype=object)
    clean = np.array([str(c).strip() for c in categories], dtype=object)
    if categories.size == 0 or ((clean == categories).all() and (clean != "").all()):
        return values
    kept, inverse = np.unique(clean, return_inverse=True)
    codes = np.where(values.codes >= 0, inverse[np.maximum(values.codes, 0)], -1)
    if kept[0] == "":  # np.unique sorts "" first
        codes = np.where(codes > 0, codes - 1, -1)
        kept = kept[1:]
    return pd.Categorical.from_codes(codes, pd.Index(kept, dtype=object))
