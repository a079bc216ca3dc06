"""Array documents of responses: netCDF (CF) and Parquet."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from api.formats._common import LEVEL_IDS, Record, Rendered, dates_of
from engine.errors import LantianError

__all__ = ["levels_netcdf", "levels_parquet"]


def _daily_arrays(records: Sequence[Record]) -> tuple[list[str], dict[str, list[list[Any]]]]:
    """The daily values of every region on the union of dates: name → rows × dates."""
    dates = dates_of(records)
    fields = ("aqi", "category", "pm25_24h", "o3_mda8", "primary_pollutants")
    out: dict[str, list[list[Any]]] = {f: [] for f in fields}
    for r in records:
        by_date = {d["date"]: d for d in r["days"]}
        for f in fields:
            out[f].append([by_date[d][f] if d in by_date else None for d in dates])
    return dates, out


def levels_netcdf(records: Sequence[Record]) -> Rendered:
    """CF-1.8 netCDF-4 of the regional daily values ``(region, date)`` and the responses.

    Variables: ``aqi`` and ``category`` (int16, ``_FillValue`` -1), ``pm25_24h`` and
    ``o3_mda8`` [ug m-3] (float32, NaN fill), ``primary_pollutants`` (comma-joined) on
    ``(region, date)``; ``level`` and ``forecast_level`` (int8 flags 0–4 with
    ``flag_meanings``), ``degraded``, ``valid_fraction`` [1], ``regime``, ``reasons`` and
    ``reasons_zh`` (newline-joined) on ``(region,)``; ``region`` holds the codes
    (``cf_role = timeseries_id``), ``region_name`` the names; ``date`` is the CST day.
    """
    import numpy as np
    import xarray as xr

    dates, daily = _daily_arrays(records)
    codes = [r["region"]["code"] for r in records]

    def numbers(name: str, dtype: str, fill: float) -> np.ndarray:
        rows = [[fill if v is None else v for v in row] for row in daily[name]]
        return np.array(rows, dtype=dtype).reshape(len(records), len(dates))

    pollutants = np.array(
        [[",".join(v) if v else "" for v in row] for row in daily["primary_pollutants"]],
        dtype=object,
    ).reshape(len(records), len(dates))
    flags = {
        "flag_values": np.arange(len(LEVEL_IDS), dtype=np.int8),
        "flag_meanings": " ".join(LEVEL_IDS),
    }
    ds = xr.Dataset(
        {
            "region_name": ("region", np.array([r["region"]["name"] for r in records], object)),
            "aqi": (("region", "date"), numbers("aqi", "int16", -1)),
            "category": (("region", "date"), numbers("category", "int16", -1)),
            "pm25_24h": (("region", "date"), numbers("pm25_24h", "float32", np.nan)),
            "o3_mda8": (("region", "date"), numbers("o3_mda8", "float32", np.nan)),
            "primary_pollutants": (("region", "date"), pollutants),
            "level": ("region", np.array([LEVEL_IDS.index(r["level"]) for r in records], "i1")),
            "forecast_level": (
                "region",
                np.array([LEVEL_IDS.index(r["forecast_level"]) for r in records], "i1"),
            ),
            "regime": ("region", np.array([r["regime"] for r in records], object)),
            "degraded": ("region", np.array([r["degraded"] for r in records], "i1")),
            "valid_fraction": (
                "region",
                np.array([r["valid_fraction"] for r in records], "float32"),
            ),
            "reasons": ("region", np.array(["\n".join(r["reasons"]) for r in records], object)),
            "reasons_zh": (
                "region",
                np.array(["\n".join(r["reasons_zh"]) for r in records], object),
            ),
        },
        coords={
            "region": ("region", np.array(codes, dtype=object)),
            "date": ("date", np.array(dates, dtype="datetime64[D]").astype("datetime64[ns]")),
        },
    )
    attrs: dict[str, dict[str, Any]] = {
        "region": {"long_name": "region code", "cf_role": "timeseries_id"},
        "region_name": {"long_name": "region name"},
        "date": {"long_name": "China Standard Time day (UTC+8)", "standard_name": "time"},
        "aqi": {"long_name": "daily air quality index (HJ 633)", "units": "1"},
        "category": {"long_name": "AQI category, 1 excellent to 6 severely polluted", "units": "1"},
        "pm25_24h": {
            "long_name": "regional 24-hour mean PM2.5",
            "standard_name": "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
            "units": "ug m-3",
            "cell_methods": "area: mean time: mean",
        },
        "o3_mda8": {
            "long_name": "regional daily maximum 8-hour mean ozone (MDA8)",
            "standard_name": "mass_concentration_of_ozone_in_air",
            "units": "ug m-3",
            "cell_methods": "area: mean time: maximum (of 8-hour running means)",
        },
        "primary_pollutants": {"long_name": "primary pollutants of the day, comma-separated"},
        "level": {"long_name": "response level issued", **flags},
        "forecast_level": {"long_name": "response level from the forecast alone", **flags},
        "regime": {"long_name": "pm25 (mandatory response), o3 (ozone advisory) or none"},
        "degraded": {
            "long_name": "response rests on too little valid forecast area",
            "flag_values": np.array([0, 1], dtype=np.int8),
            "flag_meanings": "ok degraded",
        },
        "valid_fraction": {
            "long_name": "least share of the region's area with valid forecast values",
            "units": "1",
        },
        "reasons": {"long_name": "reasons of the response, one a line"},
        "reasons_zh": {"long_name": "reasons of the response in Chinese, one a line"},
    }
    for name, a in attrs.items():
        ds[name].attrs.update(a)
    first = records[0] if records else {}
    ds.attrs.update(
        {
            "Conventions": "CF-1.8",
            "featureType": "timeSeries",
            "title": "Lantian response levels and regional daily values",
            "source": f"forecast {first.get('forecast', {}).get('id', '')}",
            "response_date": first.get("date", ""),
            "rule_set": first.get("rule_set", ""),
            "aqi_standard": first.get("aqi_standard", ""),
            "mode": first.get("mode", ""),
        }
    )
    encoding: dict[str, dict[str, Any]] = {
        "aqi": {"_FillValue": np.int16(-1)},
        "category": {"_FillValue": np.int16(-1)},
        "pm25_24h": {"_FillValue": np.float32(np.nan)},
        "o3_mda8": {"_FillValue": np.float32(np.nan)},
        "level": {"_FillValue": None},
        "forecast_level": {"_FillValue": None},
        "degraded": {"_FillValue": None},
        "valid_fraction": {"_FillValue": None},
        "date": {"units": "days since 1970-01-01", "calendar": "proleptic_gregorian"},
    }
    handle, path = tempfile.mkstemp(suffix=".nc")
    os.close(handle)
    try:
        ds.to_netcdf(path, engine="netcdf4", format="NETCDF4", encoding=encoding)
        with open(path, "rb") as f:
            content = f.read()
    finally:
        os.unlink(path)
    return Rendered(content, "application/x-netcdf", ".nc")


def levels_parquet(records: Sequence[Record]) -> Rendered:
    """One row per region and CST day (a region without days: one row with null day values).

    Columns: ``code, name, date, level, forecast_level, regime, degraded, valid_fraction,
    rule_set, aqi_standard, mode, forecast_id, day, aqi, category, pm25_24h, o3_mda8,
    primary_pollutants`` (list of str), ``reasons``, ``reasons_zh`` (lists of str).
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise LantianError(
            "Parquet output needs pyarrow: install the extra with pip install 'lantian[parquet]'"
        ) from None
    columns: dict[str, list[Any]] = {
        k: []
        for k in (
            "code", "name", "date", "level", "forecast_level", "regime", "degraded",
            "valid_fraction", "rule_set", "aqi_standard", "mode", "forecast_id", "day", "aqi",
            "category", "pm25_24h", "o3_mda8", "primary_pollutants", "reasons", "reasons_zh",
        )
    }  # fmt: skip
    for r in records:
        for day in r["days"] or [None]:
            columns["code"].append(r["region"]["code"])
            columns["name"].append(r["region"]["name"])
            columns["date"].append(dt.date.fromisoformat(r["date"]))
            for k in ("level", "forecast_level", "regime", "degraded", "valid_fraction"):
                columns[k].append(r[k])
            for k in ("rule_set", "aqi_standard", "mode", "reasons", "reasons_zh"):
                columns[k].append(r[k])
            columns["forecast_id"].append(r["forecast"]["id"])
            columns["day"].append(dt.date.fromisoformat(day["date"]) if day else None)
            for k in ("aqi", "category", "pm25_24h", "o3_mda8", "primary_pollutants"):
                columns[k].append(day[k] if day else None)
    schema = pa.schema(
        [
            *((k, pa.string()) for k in ("code", "name")),
            ("date", pa.date32()),
            *((k, pa.string()) for k in ("level", "forecast_level", "regime")),
            ("degraded", pa.bool_()),
            ("valid_fraction", pa.float64()),
            *((k, pa.string()) for k in ("rule_set", "aqi_standard", "mode", "forecast_id")),
            ("day", pa.date32()),
            ("aqi", pa.int16()),
            ("category", pa.int8()),
            ("pm25_24h", pa.float64()),
            ("o3_mda8", pa.float64()),
            *((k, pa.list_(pa.string())) for k in ("primary_pollutants", "reasons", "reasons_zh")),
        ]
    )
    table = pa.Table.from_pydict(columns, schema=schema)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return Rendered(buffer.getvalue(), "application/vnd.apache.parquet", ".parquet")
