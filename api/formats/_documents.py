"""JSON, CSV and GeoJSON documents of responses."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from api.formats._common import (
    CSV_MEDIA,
    LEVEL_COLOURS,
    LEVEL_IDS,
    REASON_SEPARATOR,
    Record,
    Rendered,
    csv_bytes,
    dates_of,
)
from engine.texts import text as say_text

__all__ = ["levels_csv", "levels_geojson", "levels_json", "region_geometries"]


def levels_json(records: Sequence[Record]) -> Rendered:
    """The responses as a JSON array (UTF-8, Chinese unescaped), as the CLI always gave them."""
    text = json.dumps(list(records), ensure_ascii=False, indent=2) + "\n"
    return Rendered(text.encode("utf-8"), "application/json", ".json")


def levels_csv(records: Sequence[Record], *, bom: bool = True) -> Rendered:
    """One row per region: the response, then the AQI of each CST day (``aqi_YYYY-MM-DD``).

    Columns: ``code, name, date, level, forecast_level, regime, degraded, valid_fraction,
    rule_set, aqi_standard, mode, forecast_id``, the ``aqi_<date>`` columns (empty without a
    value), ``probability_<level>`` for ensembles, then ``reasons`` and ``reasons_zh`` joined
    by `` | ``.
    """
    dates = dates_of(records)
    levels = sorted(
        {k for r in records for k in (r.get("probabilities") or {})}, key=LEVEL_IDS.index
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as Excel writes it
    writer.writerow(
        [
            "code", "name", "date", "level", "forecast_level", "regime", "degraded",
            "valid_fraction", "rule_set", "aqi_standard", "mode", "forecast_id",
            *(f"aqi_{d}" for d in dates), *(f"probability_{k}" for k in levels),
            "reasons", "reasons_zh",
        ]
    )  # fmt: skip
    for r in records:
        by_date = {d["date"]: d["aqi"] for d in r["days"]}
        p = r.get("probabilities") or {}
        writer.writerow(
            [
                r["region"]["code"], r["region"]["name"], r["date"], r["level"],
                r["forecast_level"], r["regime"], "true" if r["degraded"] else "false",
                r["valid_fraction"], r["rule_set"], r["aqi_standard"], r["mode"],
                r["forecast"]["id"], *(by_date.get(d, "") for d in dates),
                *(p.get(k, "") for k in levels),
                REASON_SEPARATOR.join(r["reasons"]), REASON_SEPARATOR.join(r["reasons_zh"]),
            ]
        )  # fmt: skip
    return Rendered(csv_bytes(buffer.getvalue(), bom=bom), CSV_MEDIA, ".csv")


def region_geometries(regions: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """GeoJSON geometry of each region (objects with ``code`` and a shapely ``geometry``).

    Exteriors counter-clockwise as RFC 7946 asks; coordinates [°] to 1e-6 (about 0.1 m).
    """
    import shapely

    out = {}
    for region in regions:
        geometry = shapely.set_precision(region.geometry, 1e-6)
        geometry = shapely.orient_polygons(geometry, exterior_cw=False)
        out[region.code] = json.loads(shapely.to_geojson(geometry))
    return out


def levels_geojson(
    records: Sequence[Record], geometries: Mapping[str, Mapping[str, Any]]
) -> Rendered:
    """A FeatureCollection: each region's polygon with its response as flat properties.

    Properties: ``code, name, date, level, level_zh, forecast_level, regime, degraded,
    valid_fraction, rule_set, aqi_standard``, ``aqi`` of the first day and ``aqi_<date>`` of
    each, ``reasons`` / ``reasons_zh`` joined by `` | ``, and the level's colour as ``colour``
    and as the simplestyle ``fill`` (with ``fill-opacity`` and ``stroke``) that web maps read.
    A region without a geometry in ``geometries`` gets ``"geometry": null``.
    """
    features = []
    for r in records:
        code = r["region"]["code"]
        colour = LEVEL_COLOURS.get(r["level"], LEVEL_COLOURS["none"])
        properties: dict[str, Any] = {
            "code": code,
            "name": r["region"]["name"],
            "date": r["date"],
            "level": r["level"],
            "level_zh": say_text(f"level.{r['level']}", "zh"),
            "forecast_level": r["forecast_level"],
            "regime": r["regime"],
            "degraded": r["degraded"],
            "valid_fraction": r["valid_fraction"],
            "rule_set": r["rule_set"],
            "aqi_standard": r["aqi_standard"],
            "aqi": r["days"][0]["aqi"] if r["days"] else None,
        }
        properties |= {f"aqi_{d['date']}": d["aqi"] for d in r["days"]}
        properties |= {
            "reasons": REASON_SEPARATOR.join(r["reasons"]),
            "reasons_zh": REASON_SEPARATOR.join(r["reasons_zh"]),
            "colour": colour,
            "fill": colour,
            "fill-opacity": 0.6,
            "stroke": "#555555",
        }
        geometry = geometries.get(code)
        features.append(
            {"type": "Feature", "id": code, "geometry": geometry, "properties": properties}
        )
    collection = {"type": "FeatureCollection", "name": "lantian_levels", "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"
    return Rendered(text.encode("utf-8"), "application/geo+json", ".geojson")
