"""PNG pictures of responses (matplotlib, no display): a map of regions and a region's chart.

The map draws the same simplified shapes and colours as the web page (:mod:`api.mapdata`):
regions coloured by the level issued or by the AQI category of the day, each with its level
or AQI written on it, key-region outlines and a legend. The chart shows a region's daily AQI
(bars in the HJ 633 category colours, with the red level's thresholds) and its daily PM2.5
and O3 MDA8 [µg m⁻³]. Chinese names are written when a CJK font is installed, region codes
otherwise; the legend always names levels in English too.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from api.mapdata import Shape, legend, level_rgb, missing_rgb, shapes  # noqa: E402
from engine.aqi import categories  # noqa: E402
from engine.levels import LEVELS  # noqa: E402
from engine.response import Response  # noqa: E402
from engine.texts import text  # noqa: E402
from grids import RegionSet, key_regions  # noqa: E402

__all__ = [
    "MapLayout",
    "draw_chart",
    "draw_delta_map",
    "draw_map",
    "map_layout",
    "region_looks",
]

log = logging.getLogger(__name__)

_CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei")
_SHORT = {"none": "–", "pre_alert": "P", "yellow": "Y", "orange": "O", "red": "R"}
_SHORT_ZH = {"none": "无", "pre_alert": "提示", "yellow": "黄", "orange": "橙", "red": "红"}
_LEGEND_SHARE = 0.28  # of the picture's width, on the right, for the legend


@functools.cache
def _cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def _rgb(rgb: Sequence[int]) -> tuple[float, float, float]:
    return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255


@dataclasses.dataclass(frozen=True)
class MapLayout:
    """Where the map lies in the picture: ``pixel(lon, lat)`` gives (column, row) from the top
    left [px]; the axes keep the map's shape (lon scaled by cos of the middle latitude)."""

    width: int
    height: int
    limits: tuple[float, float, float, float]  # lon0, lat0, lon1, lat1 [°]
    box: tuple[float, float, float, float]  # left, bottom, width, height [px]

    def pixel(self, lon: float, lat: float) -> tuple[int, int]:
        x0, y0, x1, y1 = self.limits
        left, bottom, width, height = self.box
        column = left + (lon - x0) / (x1 - x0) * width
        row = self.height - (bottom + (lat - y0) / (y1 - y0) * height)
        return int(round(column)), int(round(row))


def map_layout(
    bbox: Sequence[float], width: int = 1200, height: int = 900, title_px: int = 60
) -> MapLayout:
    """Layout of a map of ``bbox`` (lon0, lat0, lon1, lat1 [°]) in a ``width`` × ``height``
    picture, the legend on the right and a title band of ``title_px`` on top."""
    x0, y0, x1, y1 = (float(v) for v in bbox)
    pad = 0.02 * max(x1 - x0, y1 - y0, 1e-3)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    k = float(np.cos(np.deg2rad((y0 + y1) / 2)))
    room_w = width * (1 - _LEGEND_SHARE) - 20
    room_h = height - title_px - 20
    scale = min(room_w / ((x1 - x0) * k), room_h / (y1 - y0))
    map_w, map_h = (x1 - x0) * k * scale, (y1 - y0) * scale
    left = 10 + (room_w - map_w) / 2
    bottom = 10 + (room_h - map_h) / 2
    return MapLayout(width, height, (x0, y0, x1, y1), (left, bottom, map_w, map_h))


def region_looks(responses: Sequence[Response], by: str) -> dict[str, tuple[tuple, str, str]]:
    """Region code → (colour [0–255], written label, level) for ``by`` ``level`` or ``aqi``."""
    by_level = {c.level: c for c in categories()}
    out = {}
    for r in responses:
        if by == "aqi" and r.days:
            day = r.days[0]
            category = by_level.get(day.category)
            rgb = category.rgb if category else missing_rgb()
            out[r.region.code] = (rgb, str(day.aqi), r.level)
        else:
            out[r.region.code] = (level_rgb(r.level), _SHORT[r.level], r.level)
    return out


def _path(geometry: shapely.Geometry) -> MplPath:
    """A matplotlib path of a (multi)polygon with its holes (rings oriented for the fill)."""
    vertices, codes = [], []
    oriented = shapely.orient_polygons(geometry)
    for polygon in getattr(oriented, "geoms", [oriented]):
        if polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _region_label(shape: Shape, label: str, level: str, by: str, cjk: bool) -> str:
    if cjk:
        short = shape.name.removesuffix("市")
        written = _SHORT_ZH[level] if by == "level" else label
        return f"{short}\n{written}"
    return f"{shape.code}\n{label}"


def draw_map(
    regions: RegionSet,
    responses: Sequence[Response],
    out: Path,
    *,
    by: str = "level",
    title: str = "",
    width: int = 1200,
    height: int = 900,
) -> MapLayout:
    """Write a PNG map of ``responses`` over ``regions``; the layout (for finding regions).

    ``by`` ``level`` colours regions by the level issued; ``aqi`` by the AQI category of the
    response's first day. Each region's level (or AQI) is written on it; regions without a
    response are white. Labels are left out above 120 regions (the legend still counts them).
    """
    drawn = shapes(regions)
    layout = map_layout([float(v) for v in shapely.total_bounds(regions.geometries)], width, height)
    looks = region_looks(responses, by)
    cjk = _cjk_font()
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    if cjk:
        plt.rcParams["font.family"] = ["sans-serif"]
        plt.rcParams["font.sans-serif"] = [cjk, "DejaVu Sans"]
    left, bottom, map_w, map_h = layout.box
    ax = fig.add_axes((left / width, bottom / height, map_w / width, map_h / height))
    x0, y0, x1, y1 = layout.limits
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_axis_off()
    for shape in drawn:
        rgb, _, level = looks.get(shape.code, (missing_rgb(), "?", "none"))
        edge = "#9aa3ad" if level == "none" or shape.code not in looks else "white"
        ax.add_patch(PathPatch(_path(shape.geometry), facecolor=_rgb(rgb), edgecolor=edge, lw=0.7))
    day = responses[0].date if responses else None
    by_code = {s.code: s for s in drawn}
    for kr in key_regions(day):
        members = [by_code[c].geometry for c in (*kr.cities, *kr.units) if c in by_code]
        if members:
            outline = shapely.union_all(np.array(members, dtype=object))
            ax.add_patch(
                PathPatch(_path(outline), facecolor="none", edgecolor="#1f3b6e", lw=1.8, ls="--")
            )
    if len(drawn) <= 120:
        size = 9 if len(drawn) <= 40 else 7
        for shape in drawn:
            if shape.code in looks:
                _, label, level = looks[shape.code]
                ax.text(
                    *shape.label,
                    _region_label(shape, label, level, by, cjk is not None),
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="#111",
                )
    _legend(fig, responses, by, cjk is not None, [kr for kr in key_regions(day)])
    fig.suptitle(title, x=0.02, y=1 - 25 / height, ha="left", fontsize=14)
    fig.savefig(out, dpi=100, format="png")
    plt.close(fig)
    return layout


def _legend(fig, responses, by: str, cjk: bool, kr_list) -> None:  # type: ignore[no-untyped-def]
    counts = {level: 0 for level in LEVELS}
    for r in responses:
        counts[r.level] += 1
    handles = []
    if by == "level":
        for level in LEVELS:
            name = text(f"level.{level}", "en")
            if cjk:
                name = f"{text(f'level.{level}', 'zh')} {name}"
            handles.append(
                Patch(
                    facecolor=_rgb(level_rgb(level)),
                    edgecolor="#777",
                    label=f"{_SHORT[level]}  {name} ({counts[level]})",
                )
            )
        heading = "Level issued (regions)"
    else:
        for c in categories():
            name = f"{c.name_zh} {c.name_en}" if cjk else c.name_en
            handles.append(
                Patch(facecolor=_rgb(c.rgb), edgecolor="#777", label=f"{c.lower}–{c.upper} {name}")
            )
        heading = "AQI category (HJ 633)"
    handles.append(Patch(facecolor="none", edgecolor="#1f3b6e", ls="--", label="key region"))
    fig.legend(
        handles=handles,
        loc="upper right",
        bbox_to_anchor=(0.99, 0.9),
        title=heading,
        fontsize=10,
        title_fontsize=11,
        frameon=True,
    )


def draw_chart(response: Response, out: Path, *, width: int = 1000, height: int = 640) -> None:
    """Write a PNG chart of a response's days: AQI bars with the red level's thresholds, and
    the daily PM2.5 and O3 MDA8 [µg m⁻³]; every value written."""
    days = response.days
    info = legend(response.date, response.rule_set)
    by_level = {c.level: c for c in categories()}
    cjk = _cjk_font()
    if cjk:
        plt.rcParams["font.family"] = ["sans-serif"]
        plt.rcParams["font.sans-serif"] = [cjk, "DejaVu Sans"]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(width / 100, height / 100), dpi=100, sharex=True, height_ratios=(3, 2)
    )
    x = np.arange(len(days))
    aqi = np.array([d.aqi for d in days], dtype=float)
    colours = [
        _rgb(by_level[d.category].rgb) if d.category in by_level else (0.8, 0.8, 0.8) for d in days
    ]
    top.bar(x, np.clip(aqi, 0, None), color=colours, edgecolor="#555", width=0.64)
    for i, value in enumerate(aqi):
        top.text(i, max(value, 0) + 6, f"{int(value)}", ha="center", va="bottom", fontsize=9)
    ceiling = max([*aqi.tolist(), *info["thresholds"], 100]) * 1.15
    for threshold in info["thresholds"]:
        if threshold <= ceiling:
            top.axhline(threshold, color="#7a0019", ls="--", lw=1.2)
            top.text(
                len(days) - 0.5,
                threshold + 4,
                f"AQI {threshold}",
                color="#7a0019",
                ha="right",
                va="bottom",
                fontsize=9,
            )
    top.set_ylim(0, ceiling)
    top.set_ylabel("daily AQI")
    level = text(f"level.{response.level}", "en")
    name = response.region.name if cjk else response.region.code
    top.set_title(
        f"{name} ({response.region.code}) from {response.date} — level {level}, "
        f"{response.rule_set}, {response.aqi_standard}",
        fontsize=11,
        loc="left",
    )
    for key, label, marker, colour, offset in (
        ("pm25_24h", "PM2.5 24-h mean", "o", "#6b3fa0", 6),
        ("o3_mda8", "O3 MDA8", "s", "#0b7a75", -14),
    ):
        values = np.array([np.nan if getattr(d, key) is None else getattr(d, key) for d in days])
        bottom.plot(x, values, marker=marker, color=colour, label=label)
        for i, value in enumerate(values):
            if np.isfinite(value):
                # half up, as the page writes it (Python's format rounds half to even)
                written = int(np.floor(value + 0.5))
                bottom.annotate(
                    f"{written}",
                    (i, value),
                    textcoords="offset points",
                    xytext=(0, offset),
                    ha="center",
                    fontsize=8,
                    color=colour,
                )
    bottom.set_ylabel("µg/m³")
    bottom.set_ylim(bottom=0)
    bottom.legend(loc="upper right", fontsize=9)
    bottom.set_xticks(x, [f"{d.date:%m-%d}" for d in days])
    fig.tight_layout()
    fig.savefig(out, dpi=100, format="png")
    plt.close(fig)


def draw_delta_map(
    delta: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    out: Path,
    *,
    title: str,
    regions: RegionSet | None = None,
    width: int = 1000,
    height: int = 800,
) -> float:
    """Write a PNG map of a scenario's ΔMDA8 [µg m⁻³] per cell, ``(y, x)``, with ``lon`` and
    ``lat`` [°] of the cell centres (1-D or 2-D). A diverging colour scale symmetric about 0
    (blue: lower, red: higher; white: no change), a colour bar, and the regions' outlines.
    Returns the colour scale's bound [µg m⁻³]."""
    values = np.ma.masked_invalid(np.asarray(delta, dtype=float))
    if lon.ndim == 1 and lat.ndim == 1:
        lon, lat = np.meshgrid(lon, lat)
    bound = float(np.nanmax(np.abs(values.filled(np.nan)))) if values.count() else 0.0
    bound = bound if bound > 0 else 1.0
    fig, ax = plt.subplots(figsize=(width / 100, height / 100), dpi=100)
    mesh = ax.pcolormesh(lon, lat, values, cmap="RdBu_r", vmin=-bound, vmax=bound, shading="auto")
    if regions is not None:
        for region in regions:
            for part in getattr(region.geometry, "geoms", [region.geometry]):
                x, y = part.exterior.xy
                ax.plot(x, y, color="#444", lw=0.6)
    bar = fig.colorbar(mesh, ax=ax, shrink=0.8)
    bar.set_label("ΔMDA8 [µg m-3] (scenario − base)")  # ASCII: CJK fonts lack superscripts
    ax.set_title(title)
    ax.set_xlabel("longitude [°E]")
    ax.set_ylabel("latitude [°N]")
    ax.set_aspect(1.0 / np.cos(np.deg2rad(float(np.nanmean(lat)))))
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return bound
