"""Which format an HTTP client gets: ``?format=``, else its ``Accept`` header (RFC 9110 §12.5.1).

The media type of each format, as :func:`api.formats.render_levels` labels it, and the other
names clients send for it. ``?format=`` wins over ``Accept``; an absent or empty ``Accept``, or
``*/*``, gives JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.errors import LantianError

__all__ = [
    "ACCEPTED_MEDIA",
    "ACCEPT_HELP",
    "FORMAT_MEDIA",
    "FORMAT_RESPONSES",
    "NotAcceptable",
    "negotiate",
]

FORMAT_MEDIA = {
    "json": "application/json",
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "netcdf": "application/x-netcdf",
    "parquet": "application/vnd.apache.parquet",
    "png": "image/png",
    "text": "text/plain",
    "html": "text/html",
}
"""Media type of each format (``Content-Type`` of the response; parameters such as
``charset`` aside). ``application/geo+json`` is RFC 7946's, ``application/vnd.apache.parquet``
registered with IANA (2024); netCDF has no registered type: ``application/x-netcdf`` is the one
Unidata's servers (THREDDS) send."""

ACCEPTED_MEDIA = {
    **{media: fmt for fmt, media in FORMAT_MEDIA.items()},
    "application/csv": "csv",
    "application/vnd.geo+json": "geojson",
    "application/netcdf": "netcdf",
    "application/x-netcdf4": "netcdf",
    "application/x-parquet": "parquet",
}
"""Every media type understood in ``Accept``, with the format it selects."""

ACCEPT_HELP = (
    "media type(s) wanted, with q-values (RFC 9110): each format's own, as the 200 response "
    "lists; absent or */*: JSON; none served here: 406. ?format= wins over it"
)
"""Description of the ``Accept`` header parameter of a route whose format is negotiated."""


LEVEL_MEDIA_FORMATS = ("json", "csv", "geojson", "netcdf", "parquet")
"""The formats of the responses over HTTP (``?format=`` of ``/v1/response``)."""


FORMAT_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "JSON by default; the other formats by ?format= or the Accept header",
        "content": {FORMAT_MEDIA[f]: {} for f in LEVEL_MEDIA_FORMATS[1:]},
    },
    406: {
        "description": "The Accept header names no format served here (and no ?format=)",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"detail": {"type": "string"}, "error": {"type": "string"}},
                    "required": ["detail"],
                }
            }
        },
    },
}
"""OpenAPI ``responses=`` of a route whose format is negotiated (FastAPI adds the JSON schema
of its ``response_model`` to the 200)."""


class NotAcceptable(LantianError):
    """No format we serve is acceptable to the client (HTTP 406)."""


def negotiate(
    fmt: str | None, accept: str | None, formats: Sequence[str] = LEVEL_MEDIA_FORMATS
) -> str:
    """The format to serve: ``fmt`` (``?format=``) if given, else the best of ``accept``.

    Each format gets the quality of the most specific range of ``accept`` that matches its
    media type (``text/csv`` over ``text/*`` over ``*/*``); the highest quality above 0 wins,
    a type named outright beats one reached by a wildcard at the same quality, and ties go to
    the order of ``formats`` (JSON first). Parameters other than ``q`` are ignored.

    Raises
    ------
    NotAcceptable
        If no format of ``formats`` has a quality above 0 — the message names the media types
        served.
    """
    if fmt is not None:
        return fmt
    ranges = _parse(accept or "")
    if not ranges:
        return formats[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for order, name in enumerate(formats):
        media = [m for m, f in ACCEPTED_MEDIA.items() if f == name]
        quality, specificity = _quality(media, ranges)
        if quality <= 0:
            continue
        rank = (quality, specificity, -order)
        if best is None or rank > best:
            best, chosen = rank, name
    if chosen is None:
        served = ", ".join(FORMAT_MEDIA[f] for f in formats)
        raise NotAcceptable(
            f"no format here matches Accept: {accept!r}; this resource is served as {served} "
            "(or choose one with ?format=)"
        )
    return chosen


def _parse(accept: str) -> list[tuple[str, str, float]]:
    """``(type, subtype, q)`` of each media range; malformed ranges and q values skipped."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if 0 <= quality <= 1:
            ranges.append((kind, sub, quality))
    return ranges


def _quality(media: list[str], ranges: list[tuple[str, str, float]]) -> tuple[float, int]:
    """Quality of the best-served name in ``media``, and 2 if named outright, 1 by ``type/*``,
    0 by ``*/*`` (the most specific matching range decides, RFC 9110 §12.5.1)."""
    best = (0.0, -1)
    for name in media:
        kind, _, sub = name.partition("/")
        found: tuple[int, float] | None = None
        for r_kind, r_sub, quality in ranges:
            if (r_kind, r_sub) == (kind, sub):
                level = 2
            elif r_kind == kind and r_sub == "*":
                level = 1
            elif (r_kind, r_sub) == ("*", "*"):
                level = 0
            else:
                continue
            if found is None or level > found[0]:
                found = (level, quality)
        if found is not None and (found[1], found[0]) > best:
            best = (found[1], found[0])
    return best
