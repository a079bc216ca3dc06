"""A synthetic enterprise registry for the demo and the benchmarks — clearly not real firms.

Realistic in shape: an industry mix dominated in number by small VOC firms (coating, printing,
furniture) and in emissions by a few heavy plants (cement, steel, coking, glass); grades mostly
B/C/D with few A; some guarantee (民生保障) firms, positive-list firms and lines already stopped;
emission rates proportional to output and worse for lower grades. Enterprises are placed inside
the given region polygons; every name ends with "（示例）" (example). Generation is vectorised,
so a million lines take seconds. Baselines (whole-society emissions) are the registry's
emissions divided by an industrial share per pollutant [I].
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from engine.measures import EMISSION_SPECIES, GRADES, VOC_PROCESSES, Equipment, Registry
from registry._csv import (
    BASELINE_COLUMNS,
    ENTERPRISE_COLUMNS,
    EQUIPMENT_COLUMNS,
    LINE_COLUMNS,
    LINE_OPTIONAL_COLUMNS,
)
from registry._mix import (
    GRADE_P,
    INDUSTRIAL_SHARE,
    INDUSTRIES,
    SYLLABLES,
    TREATMENTS,
    VOC,
    WITH_B_MINUS,
    synthetic_equipment,
    synthetic_lines,
)
from registry._uscc import credit_code_check, credit_codes

__all__ = ["SyntheticRegistry", "credit_code_check", "synthetic_registry"]


@dataclasses.dataclass(frozen=True)
class SyntheticRegistry:
    """The generated registry: ``enterprises`` / ``lines`` / ``baseline`` / ``equipment`` as
    dicts of columns."""

    enterprises: dict[str, np.ndarray]
    lines: dict[str, np.ndarray]
    baseline: dict[str, np.ndarray]
    equipment: dict[str, np.ndarray]

    @property
    def n_lines(self) -> int:
        return int(self.lines["line_id"].shape[0])

    def write_csv(self, directory: str | Path) -> dict[str, Path]:
        """Write ``enterprises.csv``, ``lines.csv`` (with the VOC columns), ``baseline.csv`` and
        ``equipment.csv``; return their paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        out = {}
        for name, table, columns in (
            ("enterprises", self.enterprises, ENTERPRISE_COLUMNS),
            ("lines", self.lines, LINE_COLUMNS + LINE_OPTIONAL_COLUMNS),
            ("baseline", self.baseline, BASELINE_COLUMNS),
            ("equipment", self.equipment, EQUIPMENT_COLUMNS),
        ):
            path = directory / f"{name}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                cols = [_column(table[c]) for c in columns]
                writer.writerows(zip(*cols, strict=True))
            out[name] = path
        return out

    def to_registry(self) -> Registry:
        """The engine's columnar registry (grades as generated)."""
        e, x = self.enterprises, self.lines
        codes = {c: k for k, c in enumerate(e["credit_code"].tolist())}
        owner = np.array([codes[c] for c in x["credit_code"].tolist()], np.int64)
        if np.any(np.diff(owner) < 0):
            raise AssertionError("synthetic lines are grouped by enterprise")
        counts = np.bincount(owner, minlength=len(codes))
        region, regions = _codes(e["region_code"])
        industry, industries = _codes(e["industry"])
        process, processes = _codes(x["process"])
        unit, units = _codes(x["capacity_unit"])
        grade_index = {g: i for i, g in enumerate(GRADES)}
        line_of = {
            (c, i): k for k, (c, i) in enumerate(zip(x["credit_code"], x["line_id"], strict=True))
        }
        q = self.equipment
        eq_line = np.array(
            [line_of[key] for key in zip(q["credit_code"], q["line_id"], strict=True)], np.int64
        )
        order = np.argsort(eq_line, kind="stable")
        voc_index = {v: k for k, v in enumerate(VOC_PROCESSES)}
        cap = np.array([np.nan if v == "" else float(v) for v in e["guarantee_cap"].tolist()])
        return Registry(
            credit_code=e["credit_code"],
            name=e["name"],
            region=region,
            regions=regions,
            industry=industry,
            industries=industries,
            grade=np.array([grade_index[g] for g in e["grade"].tolist()], np.int8),
            guarantee=e["guarantee"],
            guarantee_cap=cap,
            positive_list=e["positive_list"],
            low_voc=e["low_voc"],
            voc_treatment=e["voc_treatment"],
            lon=e["lon"],
            lat=e["lat"],
            line_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            line_id=x["line_id"],
            process=process,
            processes=processes,
            permitted_capacity=x["permitted_capacity"],
            licensed_capacity=x["licensed_capacity"],
            last_year_output=x["last_year_output"],
            capacity_unit=unit,
            units=units,
            emission_kg_h=np.stack([x[f"{p}_kg_h"] for p in EMISSION_SPECIES], axis=1),
            hours_per_day=x["hours_per_day"],
            already_stopped=x["already_stopped"],
            voc_process=np.array([voc_index[v] for v in x["voc_process"].tolist()], np.int8),
            start_hour=x["start_hour"],
            end_hour=x["end_hour"],
            shiftable=x["shiftable"],
            equipment=Equipment(
                eq_line[order],
                q["equipment_id"][order],
                q["kind"][order],
                q["voc_kg_h"][order].astype(np.float64),
            ),
        )


def _codes(values: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    vocab, inverse = np.unique(values.astype(str), return_inverse=True)
    return inverse.astype(np.int32), tuple(vocab.tolist())


def _column(values: np.ndarray) -> list[Any]:
    """The cells of one column as :func:`_cell` writes them, by dtype (the demo's 500,000)."""
    if values.dtype == np.bool_:
        return ["true" if v else "false" for v in values.tolist()]
    if values.dtype.kind == "f":
        return [repr(round(v, 6)) for v in values.tolist()]
    return [_cell(v) for v in values.tolist()]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    return value


def synthetic_registry(
    regions: Sequence[tuple[str, Any]],
    *,
    n_enterprises: int = 2000,
    seed: int = 20261130,
    parents: Mapping[str, str | None] | None = None,
) -> SyntheticRegistry:
    """Generate a registry located inside ``regions``.

    Parameters
    ----------
    regions : sequence of (code, geometry)
        Places to register firms in (typically :func:`registry.synthetic_places`); geometry is a
        shapely geometry or ``(min_lon, min_lat, max_lon, max_lat)`` [degree].
    n_enterprises : int
        Number of enterprises (lines ≈ 2.2 per enterprise).
    seed : int
        Random seed; the same inputs give the same registry.
    parents : mapping code → parent code, optional
        Region hierarchy; every ancestor gets a baseline that sums its children's.
    """
    if not regions:
        raise ValueError("synthetic_registry needs at least one region")
    rng = np.random.default_rng(seed)
    n = int(n_enterprises)
    codes = [str(c) for c, _ in regions]
    geoms = [shapely.box(*g) if isinstance(g, tuple) else g for _, g in regions]
    areas = np.array([max(g.area, 1e-9) for g in geoms])
    weight = areas * rng.lognormal(0.0, 0.5, len(geoms))
    region_of = rng.choice(len(geoms), size=n, p=weight / weight.sum())
    lon, lat = _points_inside(geoms, region_of, rng)

    names = list(INDUSTRIES)
    share = np.array([INDUSTRIES[k][0] for k in names])
    industry = rng.choice(len(names), size=n, p=share / share.sum())
    grade_names = list(GRADE_P)
    grade_p = np.array([GRADE_P[g] for g in grade_names])
    grade = np.array(grade_names, object)[rng.choice(len(grade_names), size=n, p=grade_p)]
    is_other = industry == names.index("other")
    grade[is_other & (rng.random(n) < 0.6)] = "ungraded"
    no_b_minus = ~np.isin(np.array(names, object)[industry], list(WITH_B_MINUS))
    grade[no_b_minus & (grade == "B-")] = "B"
    guarantee = rng.random(n) < np.where(is_other, 0.08, 0.005)
    cap_value = np.round(rng.uniform(0.5, 0.9, n), 2)
    has_cap = guarantee & (rng.random(n) < 0.8)
    positive = np.isin(grade, ["A+", "A", "leading", "B"]) & (rng.random(n) < 0.2)
    industry_name = np.array(names, object)[industry]
    is_voc = np.isin(industry_name, list(VOC))
    solvents = is_voc & ~np.isin(industry_name, ["fuel_retail", "chemical", "pharmaceutical"])
    low_voc = solvents & (rng.random(n) < 0.2)
    voc_treatment = np.full(n, "none", object)
    for kind, (options, p) in TREATMENTS.items():
        mine = (
            (industry_name == kind)
            if kind != "voc"
            else (is_voc & ~np.isin(industry_name, list(TREATMENTS)))
        )
        voc_treatment[mine] = rng.choice(np.array(options, object), int(mine.sum()), p=p)

    credit = credit_codes(codes, region_of, rng)
    syl = np.array(SYLLABLES)
    labels = np.array([INDUSTRIES[k][3] for k in names], object)
    name = np.array(
        [
            f"{a}{b}{lab}有限公司（示例{k + 1}）"
            for k, (a, b, lab) in enumerate(
                zip(
                    syl[rng.integers(0, len(syl), n)],
                    syl[rng.integers(0, len(syl), n)],
                    labels[industry],
                    strict=True,
                )
            )
        ],
        object,
    )

    lines = synthetic_lines(rng, names, industry, grade, credit)
    order = np.argsort(credit, kind="stable")
    enterprises = {
        "credit_code": credit,
        "name": name,
        "region_code": np.array(codes, object)[region_of],
        "lon": np.round(lon, 5),
        "lat": np.round(lat, 5),
        "industry": np.array(names, object)[industry],
        "grade": grade.astype(object),
        "guarantee": guarantee,
        "guarantee_cap": np.where(has_cap, cap_value.astype(str), ""),
        "positive_list": positive,
        "low_voc": low_voc,
        "voc_treatment": voc_treatment.astype(object),
    }
    enterprises = {k: v[order] for k, v in enterprises.items()}
    line_order = np.argsort(lines["credit_code"], kind="stable")
    lines = {k: v[line_order] for k, v in lines.items()}
    baseline = _baseline(enterprises, lines, parents or {}, rng)
    return SyntheticRegistry(enterprises, lines, baseline, synthetic_equipment(lines))


def _points_inside(
    geoms: list, region_of: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    lon = np.empty(region_of.size)
    lat = np.empty(region_of.size)
    for r, geom in enumerate(geoms):
        idx = np.nonzero(region_of == r)[0]
        minx, miny, maxx, maxy = geom.bounds
        todo = idx
        for _ in range(50):
            if todo.size == 0:
                break
            x = rng.uniform(minx, maxx, todo.size * 2)
            y = rng.uniform(miny, maxy, todo.size * 2)
            inside = shapely.contains_xy(geom, x, y)
            x, y = x[inside][: todo.size], y[inside][: todo.size]
            lon[todo[: x.size]], lat[todo[: x.size]] = x, y
            todo = todo[x.size :]
        if todo.size:  # degenerate polygon: use a representative point
            point = geom.representative_point()
            lon[todo], lat[todo] = point.x, point.y
    return lon, lat


def _baseline(
    enterprises: dict, lines: dict, parents: Mapping[str, str | None], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    region_of = dict(
        zip(enterprises["credit_code"].tolist(), enterprises["region_code"].tolist(), strict=True)
    )
    line_region = np.array([region_of[c] for c in lines["credit_code"].tolist()], object)
    running = ~lines["already_stopped"]
    totals: dict[str, np.ndarray] = {}
    codes, inverse = np.unique(line_region.astype(str), return_inverse=True)
    for k, p in enumerate(EMISSION_SPECIES):
        kg = lines[f"{p}_kg_h"] * lines["hours_per_day"] * running
        per_region = np.bincount(inverse, weights=kg, minlength=codes.size)
        for c, v in zip(codes.tolist(), per_region.tolist(), strict=True):
            totals.setdefault(c, np.zeros(len(EMISSION_SPECIES)))[k] = v
    out: dict[str, np.ndarray] = {}
    for code, kg in totals.items():
        share = INDUSTRIAL_SHARE * rng.uniform(0.85, 1.15, len(EMISSION_SPECIES))
        out[code] = kg / 1e3 / share
    own = dict(out)
    for code, value in own.items():
        parent = parents.get(code)
        seen = set()
        while parent and parent not in seen:  # each ancestor sums its descendants' own values
            seen.add(parent)
            out[parent] = out.get(parent, np.zeros(len(EMISSION_SPECIES))) + value
            parent = parents.get(parent)
    keys = sorted(out)
    table: dict[str, np.ndarray] = {"region_code": np.array(keys, object)}
    for k, p in enumerate(EMISSION_SPECIES):
        table[f"{p}_t_d"] = np.array([round(float(out[c][k]), 6) for c in keys])
    return table
