"""The industry mix of the synthetic registry and its production lines [I].

Shares of firms per industry, processes with their typical lines, emission rates and capacities,
grade shares and how much dirtier a lower grade is: invented to look like a key-region city's
emergency list (many small VOC firms, a few heavy plants emitting most), not measured. VOC
sources — industrial coating, printing, furniture, auto repair, chemical plants, petrol
stations — carry their VOC class, usual operating window, whether they can shift and their
equipment (spray booths, drying ovens, presses, reactors, tanks, racks, dispensers).
"""

from __future__ import annotations

import numpy as np

from engine.measures import EMISSION_SPECIES
from registry._csv import LINE_COLUMNS, LINE_OPTIONAL_COLUMNS

__all__ = [
    "GRADE_DIRT",
    "GRADE_P",
    "INDUSTRIAL_SHARE",
    "INDUSTRIES",
    "PROCESSES",
    "SYLLABLES",
    "TREATMENTS",
    "VOC",
    "WITH_B_MINUS",
    "synthetic_equipment",
    "synthetic_lines",
]

# industry: share of firms, (process, mean lines, rates so2/nox/pm/voc [kg/h] at the median
# capacity, median capacity [unit/a], hours [h/d]), capacity unit, Chinese label
INDUSTRIES: dict[str, tuple[float, list[tuple[str, float, tuple, float, float]], str, str]] = {
    "cement": (
        0.03,
        [
            ("clinker", 1.8, (15, 150, 8, 0.5), 1.5e6, 24),
            ("grinding", 0.6, (0, 0, 5, 0), 1.0e6, 16),
        ],
        "t",
        "水泥",
    ),
    "steel": (
        0.02,
        [
            ("sintering", 1.5, (80, 150, 30, 5), 3e6, 24),
            ("steelmaking", 1.2, (5, 20, 15, 1), 2e6, 24),
        ],
        "t",
        "钢铁",
    ),
    "coking": (0.015, [("coke_oven", 1.8, (20, 120, 10, 15), 1e6, 24)], "t", "焦化"),
    "flat_glass": (0.01, [("furnace", 1.4, (40, 120, 6, 0), 2e5, 24)], "t", "玻璃"),
    "ceramics": (0.04, [("kiln", 1.8, (5, 10, 3, 0.5), 5e6, 24)], "m2", "陶瓷"),
    "brick_tile": (0.05, [("kiln", 1.3, (4, 6, 3, 0), 6e4, 24)], "kpiece", "砖瓦"),
    "casting": (0.06, [("furnace", 1.8, (0.5, 1, 2, 1), 2e4, 16)], "t", "铸造"),
    "industrial_coating": (
        0.25,
        [("coating", 2.0, (0, 0.2, 0.3, 3), 5e3, 12), ("drying", 0.5, (0, 0.5, 0, 1), 5e3, 12)],
        "t",
        "涂装",
    ),
    "packaging_printing": (0.15, [("printing", 1.8, (0, 0, 0, 2), 3e3, 12)], "t", "印刷"),
    "furniture": (0.12, [("spraying", 1.6, (0, 0, 0.5, 1.5), 2e4, 10)], "piece", "家具"),
    "pharmaceutical": (0.03, [("synthesis", 2.0, (0.5, 2, 0.3, 4), 1e3, 24)], "t", "制药"),
    "chemical": (
        0.02,
        [("reaction", 1.6, (0.5, 3, 0.3, 6), 2e4, 24), ("loading", 0.8, (0, 0, 0, 8), 2e4, 4)],
        "t",
        "化工",
    ),
    "auto_repair": (0.06, [("painting", 1.2, (0, 0, 0.1, 1.2), 3e3, 8)], "vehicle", "汽修"),
    "fuel_retail": (
        0.04,
        [("unloading", 1.0, (0, 0, 0, 12), 5e3, 2), ("dispensing", 1.0, (0, 0, 0, 0.8), 5e3, 16)],
        "t",
        "加油站",
    ),
    "refining_petrochemical": (
        0.01,
        [("distillation", 2.5, (30, 60, 5, 40), 5e6, 24)],
        "t",
        "石化",
    ),
    "other": (0.095, [("production", 1.3, (2, 4, 1, 0.5), 1e4, 16)], "t", "制造"),
}
GRADE_P = {
    "A+": 0.005,
    "A": 0.05,
    "leading": 0.01,
    "B": 0.25,
    "B-": 0.04,
    "C": 0.35,
    "D": 0.20,
    "ungraded": 0.095,
}
GRADE_DIRT = {
    "A+": 0.5,
    "A": 0.6,
    "leading": 0.55,
    "B": 1.0,
    "B-": 1.1,
    "C": 1.3,
    "D": 1.7,
    "ungraded": 1.4,
}
WITH_B_MINUS = {"steel", "coking", "flat_glass", "ceramics", "casting", "brick_tile"}
VOC = {
    "industrial_coating",
    "packaging_printing",
    "furniture",
    "pharmaceutical",
    "chemical",
    "auto_repair",
    "fuel_retail",
}
# process: VOC class, operating window (day shift | continuous | unloading | station | batch),
# share of lines that cannot move their work, equipment (kind, share of the line's VOC)
PROCESSES: dict[str, tuple[str, str, float, tuple[tuple[str, float], ...]]] = {
    "coating": ("coating", "day", 0.1, (("spray_booth", 0.6), ("drying_oven", 0.4))),
    "drying": ("coating", "day", 0.1, (("drying_oven", 1.0),)),
    "printing": ("printing", "day", 0.05, (("printing_press", 0.7), ("dryer", 0.3))),
    "spraying": ("coating", "day", 0.1, (("spray_booth", 1.0),)),
    "painting": ("coating", "day", 0.05, (("paint_booth", 1.0),)),
    "synthesis": ("chemical_process", "continuous", 1.0, (("reactor", 1.0),)),
    "reaction": ("chemical_process", "continuous", 1.0, (("reactor", 0.8), ("storage_tank", 0.2))),
    "loading": ("storage_loading", "batch", 0.2, (("loading_rack", 1.0),)),
    "unloading": ("storage_loading", "unloading", 0.1, (("unloading_rack", 1.0),)),
    "dispensing": ("refuelling", "station", 1.0, (("dispenser", 1.0),)),
}
TREATMENTS = {
    # industry: (treatments, their probabilities) [I]
    "voc": (("rto", "rco", "adsorption", "photocatalysis", "plasma", "none"),
            (0.12, 0.08, 0.35, 0.15, 0.1, 0.2)),
    "chemical": (("rto", "rco", "adsorption", "none"), (0.4, 0.2, 0.3, 0.1)),
    "fuel_retail": (("vapour_recovery", "none"), (0.9, 0.1)),
}  # fmt: skip
INDUSTRIAL_SHARE = np.array([0.45, 0.28, 0.22, 0.30])
"""Share of whole-society emissions from listed enterprises, so2/nox/pm/voc [I]."""
SYLLABLES = list("华鑫宏盛泰达恒源昌瑞丰金冀晋鲁豫新东方中天远隆嘉")


def synthetic_lines(
    rng: np.random.Generator,
    names: list[str],
    industry: np.ndarray,
    grade: np.ndarray,
    credit: np.ndarray,
) -> dict[str, np.ndarray]:
    """Lines of every firm as columns of ``lines.csv`` (grouped by industry, not by firm)."""
    parts: dict[str, list[np.ndarray]] = {c: [] for c in LINE_COLUMNS + LINE_OPTIONAL_COLUMNS}
    dirt = np.array([GRADE_DIRT[g] for g in grade.tolist()])
    for i, key in enumerate(names):
        firms = np.nonzero(industry == i)[0]
        unit = INDUSTRIES[key][2]
        for process, mean_lines, rates, capacity, hours in INDUSTRIES[key][1]:
            count = rng.poisson(mean_lines, firms.size)
            if process == INDUSTRIES[key][1][0][0]:
                count = np.maximum(count, 1)  # every firm has its main process
            owner = np.repeat(firms, count)
            if owner.size == 0:
                continue
            k = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count) + 1
            size = capacity * rng.lognormal(0.0, 0.6, owner.size)
            permitted = size * rng.uniform(0.95, 1.3, owner.size)
            licensed = size * rng.uniform(0.85, 1.2, owner.size)
            last = size * rng.uniform(0.5, 1.15, owner.size)
            stopped = rng.random(owner.size) < 0.05
            scale = last / capacity * dirt[owner]
            parts["credit_code"].append(credit[owner])
            prefix = process[:2].upper()
            parts["line_id"].append(np.array([f"{prefix}{j}" for j in k.tolist()], object))
            parts["process"].append(np.full(owner.size, process, object))
            parts["permitted_capacity"].append(np.round(permitted, 1))
            parts["licensed_capacity"].append(np.round(licensed, 1))
            parts["last_year_output"].append(np.round(last, 1))
            parts["capacity_unit"].append(np.full(owner.size, unit, object))
            for p, rate in zip(EMISSION_SPECIES, rates, strict=True):
                noise = rng.lognormal(0.0, 0.3, owner.size)
                parts[f"{p}_kg_h"].append(np.round(rate * scale * noise, 4))
            hours_day = (
                np.full(owner.size, float(hours))
                if hours == 24
                else rng.choice([8.0, 10.0, 12.0, 16.0], owner.size)
            )
            _voc_columns(rng, parts, process, owner.size, hours_day, float(hours))
            parts["already_stopped"].append(stopped)
    return {c: np.concatenate(v) for c, v in parts.items()}


def _voc_columns(
    rng: np.random.Generator,
    parts: dict[str, list[np.ndarray]],
    process: str,
    n: int,
    hours: np.ndarray,
    usual: float,
) -> None:
    """Hours, VOC class, operating window and shiftability of ``n`` lines of ``process``."""
    cls, window, stuck, _ = PROCESSES.get(process, ("none", "", 1.0, ()))
    start = np.where(hours >= 24, 0.0, rng.choice([7.0, 8.0, 8.0, 9.0], n))
    if window == "day":
        hours = rng.choice([8.0, 10.0, 12.0], n)
        start = rng.choice([7.0, 8.0, 8.0, 9.0], n)
    elif window == "continuous":
        hours, start = np.full(n, 24.0), np.zeros(n)
    elif window == "unloading":  # tanker deliveries in the working day
        hours, start = rng.choice([2.0, 3.0], n), rng.choice([9.0, 10.0, 13.0, 14.0], n)
    elif window == "station":
        full = rng.random(n) < 0.3
        hours, start = np.where(full, 24.0, 16.0), np.where(full, 0.0, 6.0)
    elif window == "batch":
        hours, start = np.full(n, usual), rng.choice([8.0, 9.0, 10.0, 14.0], n)
    end = start + hours
    end = np.where(hours >= 24, 24.0, np.where(end > 24, end - 24, end))
    parts["hours_per_day"].append(hours)
    parts["voc_process"].append(np.full(n, cls, object))
    parts["start_hour"].append(start)
    parts["end_hour"].append(end)
    parts["shiftable"].append((rng.random(n) >= stuck) & (hours < 24))


def synthetic_equipment(lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Equipment of the VOC lines as columns of ``equipment.csv``: the kinds of
    :data:`PROCESSES`, each emitting its share of the line's VOC (rounded down, so a line's
    equipment never emits more than the line)."""
    cols: dict[str, list[np.ndarray]] = {
        c: [] for c in ("credit_code", "line_id", "equipment_id", "kind", "voc_kg_h")
    }
    process = lines["process"]
    for name, (_, _, _, kinds) in PROCESSES.items():
        mine = np.flatnonzero(process == name)
        if not mine.size:
            continue
        for k, (kind, share) in enumerate(kinds):
            cols["credit_code"].append(lines["credit_code"][mine])
            cols["line_id"].append(lines["line_id"][mine])
            label = "".join(w[0] for w in kind.split("_")).upper()
            cols["equipment_id"].append(
                np.array([f"{lid}-{label}{k + 1}" for lid in lines["line_id"][mine]], object)
            )
            cols["kind"].append(np.full(mine.size, kind, object))
            cols["voc_kg_h"].append(np.floor(lines["voc_kg_h"][mine] * share * 1e4) / 1e4)
    if not cols["kind"]:
        return {c: np.zeros(0, object) for c in cols}
    out = {c: np.concatenate(v) for c, v in cols.items()}
    order = np.lexsort((out["line_id"], out["credit_code"]))
    return {c: v[order] for c, v in out.items()}
