"""Serialisers of responses and plans for the CLI and the HTTP routes: bytes and a media type.

Each function takes what the faces already hold — the JSON dumps of :class:`api.schemas.Response`
(``model_dump(mode="json")``), a plan document, the CSV text of a plan — and returns a
:class:`Rendered` (``content`` bytes, ``media_type``, file ``suffix``). No arithmetic: values are
laid out, never computed. :func:`render_levels` picks one by name (:data:`LEVEL_FORMATS`).

* ``table`` — text for a terminal, columns aligned by display width (Chinese names are two
  columns wide), the CST dates in the header, degraded regions marked with their valid share,
  every region's reasons below;
* ``json`` — the list of responses, as ``GET /v1/response`` gives them;
* ``csv`` — one row per region, one ``aqi_<date>`` column per CST day, UTF-8 with a byte-order
  mark by default (Excel on Chinese Windows needs it to read UTF-8);
* ``geojson`` — RFC 7946 FeatureCollection, one feature per region with its polygon, its level
  and the level's colour (``fill``, simplestyle) for GIS tools;
* ``netcdf`` — CF-1.8 netCDF-4, ``featureType = "timeSeries"``: the regional daily values on a
  ``(region, date)`` grid and the response of each region on ``(region,)``;
* ``parquet`` — one row per region and day (optional extra ``parquet``: pyarrow).

Over HTTP the format comes from ``?format=`` or the ``Accept`` header (:func:`negotiate`, media
types in :data:`FORMAT_MEDIA`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from api.formats._arrays import levels_netcdf, levels_parquet
from api.formats._common import (
    LEVEL_COLOURS,
    Record,
    Rendered,
    csv_bytes,
    text_grid,
    text_width,
)
from api.formats._documents import levels_csv, levels_geojson, levels_json, region_geometries
from api.formats._media import (
    ACCEPT_HELP,
    ACCEPTED_MEDIA,
    FORMAT_MEDIA,
    FORMAT_RESPONSES,
    NotAcceptable,
    negotiate,
)
from api.formats._tables import levels_table, plan_table

__all__ = [
    "ACCEPTED_MEDIA",
    "ACCEPT_HELP",
    "FORMAT_MEDIA",
    "FORMAT_RESPONSES",
    "LEVEL_COLOURS",
    "LEVEL_FORMATS",
    "NotAcceptable",
    "Record",
    "Rendered",
    "csv_bytes",
    "levels_csv",
    "levels_geojson",
    "levels_json",
    "levels_netcdf",
    "levels_parquet",
    "levels_table",
    "negotiate",
    "plan_table",
    "region_geometries",
    "render_levels",
    "text_grid",
    "text_width",
]

LEVEL_FORMATS = ("table", "json", "csv", "geojson", "netcdf", "parquet")
"""Formats of :func:`render_levels`."""


def render_levels(
    records: Sequence[Record],
    fmt: str,
    *,
    geometries: Mapping[str, Mapping[str, Any]] | None = None,
    bom: bool = True,
    language: str = "en",
) -> Rendered:
    """The responses in format ``fmt`` (one of :data:`LEVEL_FORMATS`).

    ``geometries`` (code → GeoJSON geometry, :func:`region_geometries`) is needed for
    ``geojson``; ``bom`` applies to ``csv``; ``language`` to the reasons of ``table``.
    """
    if fmt == "table":
        text = levels_table(records, language=language)
        return Rendered(text.encode("utf-8"), "text/plain; charset=utf-8", ".txt")
    if fmt == "json":
        return levels_json(records)
    if fmt == "csv":
        return levels_csv(records, bom=bom)
    if fmt == "geojson":
        if geometries is None:
            raise ValueError("GeoJSON output needs the region geometries")
        return levels_geojson(records, geometries)
    if fmt == "netcdf":
        return levels_netcdf(records)
    if fmt == "parquet":
        return levels_parquet(records)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(LEVEL_FORMATS)}")
