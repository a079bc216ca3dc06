"""VOC attributes of production lines: process classes, operating windows, treatment classes.

The vocabulary :data:`VOC_PROCESSES` is the registry contract (``lines.csv`` ``voc_process``);
the names, the defaults for registry files that do not give the VOC columns and the
classification of VOC treatment as efficient or not are data (``engine/data/voc.toml``,
docs/rules.md §4.1), read here once.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from engine.errors import PolicyError

__all__ = [
    "VOC_PROCESSES",
    "default_shiftable",
    "default_voc_process",
    "default_window",
    "efficient_treatment",
    "treatment_class",
    "voc_data",
    "window_hours",
]

VOC_PROCESSES = (
    "coating",
    "printing",
    "solvent_use",
    "chemical_process",
    "storage_loading",
    "refuelling",
    "other_voc",
    "none",
)
"""VOC process classes of a line (``Registry.voc_process`` indexes this), docs/rules.md §4.1."""

_FILE = "engine/data/voc.toml"


@functools.cache
def voc_data() -> dict[str, Any]:
    """The checked ``engine/data/voc.toml``."""
    data = tomllib.loads(resources.files("engine.data").joinpath("voc.toml").read_text("utf-8"))
    _require(data, ("id", "version", "voc_processes", "defaults", "voc_treatment"), "")
    classes = data["voc_processes"]
    named = [k for k in classes if k != "source"]
    if tuple(named) != VOC_PROCESSES:
        raise PolicyError(
            f"{_FILE}: [voc_processes] must list exactly {', '.join(VOC_PROCESSES)} in this "
            f"order, found {', '.join(named)}"
        )
    for name in VOC_PROCESSES:
        _require(classes[name], ("en", "zh", "shiftable"), f"[voc_processes] {name}: ")
    _require(data["defaults"], ("source", "voc_process_of", "day_start_hour"), "[defaults] ")
    for process, cls in data["defaults"]["voc_process_of"].items():
        if cls not in VOC_PROCESSES:
            raise PolicyError(f"{_FILE}: [defaults] voc_process_of {process} = {cls!r} unknown")
    _require(
        data["voc_treatment"],
        ("efficient", "efficient_source", "not_efficient", "not_efficient_source")
        + ("unknown_is_efficient", "unknown_source"),
        "[voc_treatment] ",
    )
    both = set(data["voc_treatment"]["efficient"]) & set(data["voc_treatment"]["not_efficient"])
    if both:
        raise PolicyError(f"{_FILE}: treatment(s) {sorted(both)} listed efficient and not")
    return data


def _require(table: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if key not in table:
            raise PolicyError(f"{_FILE}: {where}missing the required key {key!r}")


def default_voc_process(process: np.ndarray, voc_kg_h: np.ndarray) -> np.ndarray:
    """VOC class of lines whose registry gives none (docs/rules.md §4.1 [I]).

    Parameters
    ----------
    process : object (line,)
        Process names of the lines.
    voc_kg_h : float (line,)
        VOC emission rate while running [kg h⁻¹].

    Returns
    -------
    int8 (line,)
        Index into :data:`VOC_PROCESSES`: the class of the process name when the line emits
        VOC, else ``none``.
    """
    table = voc_data()["defaults"]["voc_process_of"]
    none = VOC_PROCESSES.index("none")
    names, inverse = np.unique(np.asarray(process, dtype=str), return_inverse=True)
    codes = np.array([VOC_PROCESSES.index(table.get(n, "none")) for n in names], np.int8)
    out = codes[inverse.reshape(-1)] if names.size else np.zeros(0, np.int8)
    return np.where(np.asarray(voc_kg_h) > 0, out, none).astype(np.int8)


def default_window(hours_per_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Operating window of lines whose registry gives none (docs/rules.md §4.1 [I]).

    ``(line,) -> (line,), (line,)``: start and end hour [h, CST]; 24 h lines run 00:00–24:00,
    others from ``day_start_hour`` for ``hours_per_day`` hours, past midnight if need be (the
    end then lies before the start).
    """
    hours = np.asarray(hours_per_day, np.float64)
    first = float(voc_data()["defaults"]["day_start_hour"])
    full = hours >= 24.0
    start = np.where(full, 0.0, first)
    end = start + hours
    end = np.where(end > 24.0, end - 24.0, end)
    return start, np.where(full, 24.0, end)


def default_shiftable(voc_process: np.ndarray, hours_per_day: np.ndarray) -> np.ndarray:
    """Whether work can move in time, for lines whose registry does not say (§4.1 [I]).

    ``(line,) -> (line,)``: the class's ``shiftable`` in the data, never for 24 h lines.
    """
    classes = voc_data()["voc_processes"]
    by_code = np.array([bool(classes[name]["shiftable"]) for name in VOC_PROCESSES])
    return by_code[np.asarray(voc_process, np.int64)] & (np.asarray(hours_per_day) < 24.0)


def window_hours(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Length of operating windows on the 24-h clock [h]; ``start == end`` is a whole day."""
    start = np.asarray(start, np.float64)
    end = np.asarray(end, np.float64)
    length = np.mod(end - start, 24.0)
    return np.where(length == 0.0, 24.0, length)


def treatment_class(name: str) -> str:
    """``"efficient"``, ``"not_efficient"`` or ``"unknown"`` for a ``voc_treatment`` name."""
    table = voc_data()["voc_treatment"]
    if name in table["efficient"]:
        return "efficient"
    if name in table["not_efficient"]:
        return "not_efficient"
    return "unknown"


def efficient_treatment(voc_treatment: np.ndarray) -> np.ndarray:
    """Whether each enterprise's VOC treatment is efficient (combustion-type), §4.1.

    ``(enterprise,) -> (enterprise,)`` bool; a name in neither list of the data counts as
    ``unknown_is_efficient`` says [?].
    """
    unknown = bool(voc_data()["voc_treatment"]["unknown_is_efficient"])
    values = np.asarray(voc_treatment, dtype=object).reshape(-1).tolist()
    flags = {}
    for name in set(values):  # a handful of distinct names: classify each once
        cls = treatment_class(str(name))
        flags[name] = cls == "efficient" or (cls == "unknown" and unknown)
    return np.fromiter(map(flags.__getitem__, values), bool, len(values))
