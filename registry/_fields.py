"""Cell parsers and the row reader shared by the registry CSV readers (:mod:`registry._csv`).

Each parser raises :class:`Bad` with the reason; :func:`field` records it against the column.
Oversized fields and values beyond the plausibility bounds of
``engine/data/plausibility_registry.toml`` are refused with their line (docs/rules.md §3.4).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from engine.csvrows import BadValue, number
from engine.measures import plausibility

__all__ = [
    "LAT",
    "LON",
    "Bad",
    "as_bool",
    "capacity",
    "choice",
    "field",
    "ident",
    "keep",
    "number",
    "optional",
    "rate",
    "read_rows",
    "text",
]

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
LON = (73.0, 136.0)  # China's extent with a margin [degree]
LAT = (3.0, 54.0)


Bad = BadValue
"""A field's value is not acceptable (the engine's CSV helpers raise the same)."""


def read_rows(
    path: Path, columns: tuple[str, ...], problems: list[str], optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict]]:
    name = path.name
    limit = plausibility().max_field_chars
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(f"{name}: not UTF-8 ({error.reason} at byte {error.start})")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        problems.append(f"{name} line {reader.line_num}: {_too_long(error, limit)}")
        return
    if header is None:
        problems.append(f"{name} line 1: empty file, expected the header {','.join(columns)}")
        return
    header = [h.strip() for h in header]
    extra = [h for h in header if h not in columns and h not in optional]
    missing = [c for c in columns if c not in header]
    if extra or missing or len(set(header)) != len(header):
        parts = []
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if len(set(header)) != len(header):
            parts.append("repeated column names")
        expected = ",".join(columns)
        if optional:
            expected += f" (optional: {','.join(optional)})"
        problems.append(f"{name} line 1: {'; '.join(parts)} — expected exactly {expected}")
        return
    while True:
        try:
            record = next(reader, None)
        except csv.Error as error:  # a field over the csv module's own limit, or bad quoting
            problems.append(f"{name} line {reader.line_num}: {_too_long(error, limit)}")
            return
        if record is None:
            return
        line = reader.line_num
        if not record or all(not v.strip() for v in record):
            continue
        if len(record) != len(header):
            problems.append(f"{name} line {line}: {len(record)} fields, expected {len(header)}")
            continue
        long = [h for h, v in zip(header, record, strict=True) if len(v) > limit]
        if long:
            problems.append(
                f"{name} line {line}: field(s) {', '.join(long)} longer than {limit} characters "
                "(engine/data/plausibility_registry.toml)"
            )
            continue
        yield line, {h: v.strip() for h, v in zip(header, record, strict=True)}


def _too_long(error: csv.Error, limit: int) -> str:
    if "field larger than field limit" in str(error):
        return (
            f"a field is longer than {csv.field_size_limit()} characters; registry fields hold "
            f"at most {limit} characters (engine/data/plausibility_registry.toml) — nothing read "
            "further"
        )
    return f"not readable as CSV ({error}) — nothing read further"


def field(row: dict, key: str, parse: Callable[[str], Any], errors: list[str]) -> Any:
    value = row.get(key, "")  # an optional column a file lacks reads as empty
    try:
        return parse(value)
    except Bad as error:
        errors.append(f"{key} {value!r}: {error}")
        return None


def text(value: str) -> str:
    if not value:
        raise Bad("must not be empty")
    return value


def ident(value: str) -> str:
    if not _IDENT.match(value):
        raise Bad("expected a lower-case identifier such as clinker, coating, none")
    return value


def as_bool(value: str) -> bool:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Bad("expected true or false")


def rate(species: str) -> Callable[[str], float]:
    """An emission rate [kg h⁻¹]: ≥ 0 and within the plausibility bound (docs/rules.md §3.4)."""
    bound = plausibility().emission_kg_h[species]

    def parse(value: str) -> float:
        amount = number(value, 0.0)
        if amount > bound:
            raise Bad(
                f"above the plausible bound of {bound:g} kg/h for one line "
                "(engine/data/plausibility_registry.toml)"
            )
        return amount

    return parse


def capacity(value: str) -> float:
    amount = number(value, 0.0)
    bound = plausibility().capacity_max
    if amount > bound:
        raise Bad(
            f"above the plausible bound of {bound:g} (engine/data/plausibility_registry.toml)"
        )
    return amount


def optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An optional cell: empty (or a missing column) gives None, the default rule."""
    return lambda value: None if value == "" else parse(value)


def choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in options:
            raise Bad(f"not one of {', '.join(options)}")
        return value

    return parse


def keep(
    out: dict,
    errors: list[str],
    path: Path,
    line: int,
    rows: list[dict],
    problems: list[str],
    *,
    stamp: bool = True,
) -> None:
    """Keep a typed row (stamped with its line number), or record why it is bad."""
    if errors:
        problems.append(f"{path.name} line {line}: {'; '.join(errors)}")
        return
    if stamp:
        out["_line"] = line
    rows.append(out)
