"""The observation store in SQLite: monitoring stations, their hourly values, electricity use.

One file (default ``data/demo/observations.sqlite``, setting ``LANTIAN_OBSERVATIONS``), WAL
journal. Every import is validated whole before one ``BEGIN IMMEDIATE`` transaction writes it:
a file with any bad row imports nothing and every bad row is named.

Hourly values are kept column-wise per station and CST month: one row of the ``hourly`` table
per (month, station) holds the month's 744 hour slots (31 days × 24 stamps) × 6 pollutants as a
float32 blob (NaN: invalid or missing hour), and ``electricity`` likewise one row per (month,
meter) with 744 kWh values. A year of 1,500 stations is then 18 k rows read straight into numpy
(``hourly_values``), not 13 M rows through Python; both tables are indexed by (month, series)
and (series, month).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import numpy as np

from engine.errors import ObservationError
from observations._blocks import SLOTS, month_start_hour, write_blocks
from observations._csv import POLLUTANTS, read_electricity, read_hourly, read_stations
from observations._schema import MIGRATIONS

__all__ = ["HOUR_LABELS", "SCHEMA_VERSION", "ImportRejected", "ImportSummary", "ObservationStore"]

log = logging.getLogger(__name__)

HOUR_LABELS = ("end", "start")
"""What an hourly stamp of the station data means (docs/rules.md §1.5): ``end`` — the hour
ending at it (the national network's 1时 … 24时, the default), ``start`` — the hour beginning."""

SCHEMA_VERSION = len(MIGRATIONS)
_SHOWN = 100  # bad rows listed in the message (all are in ``problems``)


class ImportRejected(ObservationError):
    """An import found bad rows and imported nothing; ``problems`` lists each row's reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:_SHOWN]
        more = f"\n  … and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        head = f"{len(problems)} problem(s); nothing imported"
        super().__init__(head + ":\n" + "\n".join(f"  {p};" for p in shown) + more)


@dataclasses.dataclass(frozen=True)
class ImportSummary:
    """What one import wrote: stations, station-hours and meter-hours, and the invalid values.

    ``invalid_values`` were empty or marked missing, ``negative_values`` were negative
    concentrations set invalid (docs/rules.md §1.5); both count single values, not rows.
    """

    stations: int = 0
    hourly_rows: int = 0
    invalid_values: int = 0
    negative_values: int = 0
    electricity_rows: int = 0


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class ObservationStore:
    """The observation SQLite file at ``path`` (created and migrated on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self._connect() as db:
            self._migrate(db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30.0, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            yield db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ObservationError(
                f"{self.path}: observation store schema version {version} is newer than this "
                f"Lantian knows ({SCHEMA_VERSION}); upgrade Lantian"
            )
        if version == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # ---------------------------------------------------------------- import

    def import_csv(
        self,
        *,
        stations: Path | None = None,
        hourly: Path | None = None,
        electricity: Path | None = None,
        hour_label: str | None = None,
    ) -> ImportSummary:
        """Import observation CSV files atomically (see :mod:`observations._csv`).

        Parameters
        ----------
        stations, hourly, electricity : Path, optional
            Station list, hourly station values (CST), hourly electricity use (CST); at least
            one. Stations are updated by ``station_code``; an hour given again replaces the
            stored one.
        hour_label : {"end", "start"}, optional
            What the hourly stamps mean (:data:`HOUR_LABELS`); fixed by the first import of
            hourly values (default ``end``), and a later import naming another is refused.

        Raises
        ------
        ImportRejected
            If any row of any file is bad: nothing is imported, every bad row is named.
        """
        files = {"stations": stations, "hourly": hourly, "electricity": electricity}
        if not any(files.values()):
            raise ObservationError("nothing to import: give stations, hourly or electricity")
        for path in files.values():
            if path is not None and not Path(path).is_file():
                raise ObservationError(f"{path}: no such file")
        if hour_label is not None and hour_label not in HOUR_LABELS:
            raise ObservationError(
                f"hour label {hour_label!r} is not one of {', '.join(HOUR_LABELS)}"
            )
        label = self._hour_label_for(hour_label) if hourly else None
        problems: list[str] = []
        station_rows: list[dict] = []
        if stations:
            station_rows, found = read_stations(Path(stations))
            problems += found
        known = self._station_ids()
        next_id = max(known.values(), default=0) + 1
        for row in station_rows:
            if row["station_code"] not in known:
                known[row["station_code"]] = next_id
                next_id += 1
        values = None
        if hourly:
            values, found = read_hourly(Path(hourly), known)
            problems += found
        use = None
        if electricity:
            use, found = read_electricity(Path(electricity))
            problems += found
        if problems:
            raise ImportRejected(problems)
        now = _now()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if label is not None:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('hour_label', ?)", (label,))
                db.executemany(
                    """INSERT INTO stations VALUES (:id, :station_code, :name, :city_code, :lon,
                           :lat, :updated)
                       ON CONFLICT (station_code) DO UPDATE SET name = excluded.name,
                           city_code = excluded.city_code, lon = excluded.lon,
                           lat = excluded.lat, updated = excluded.updated""",
                    [{**r, "id": known[r["station_code"]], "updated": now} for r in station_rows],
                )
                if values is not None:
                    write_blocks(
                        db, "hourly", "station", "hours", values.station, values.hour, values.values
                    )
                if use is not None:
                    meter_ids = self._meter_ids(db, use.keys)
                    write_blocks(
                        db,
                        "electricity",
                        "meter",
                        "kwh",
                        meter_ids[use.series],
                        use.hour,
                        use.kwh[:, None],
                    )
                summary = ImportSummary(
                    stations=len(station_rows),
                    hourly_rows=len(values) if values is not None else 0,
                    invalid_values=values.invalid if values is not None else 0,
                    negative_values=values.negative if values is not None else 0,
                    electricity_rows=len(use) if use is not None else 0,
                )
                db.execute(
                    "INSERT INTO imports (imported, files, counts) VALUES (?, ?, ?)",
                    (
                        now,
                        json.dumps({k: str(v) for k, v in files.items() if v}),
                        json.dumps(dataclasses.asdict(summary)),
                    ),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        log.info("observations %s: imported %s", self.path, summary)
        return summary

    def _hour_label_for(self, asked: str | None) -> str:
        stored = self.hour_label(default=None)
        if stored is not None and asked is not None and asked != stored:
            raise ObservationError(
                f"{self.path} holds hourly values stamped at the {stored} of their hour; "
                f"cannot add values stamped at the {asked}: use another store"
            )
        return stored or asked or HOUR_LABELS[0]

    def _station_ids(self) -> dict[str, int]:
        with self._connect() as db:
            return dict(db.execute("SELECT station_code, id FROM stations").fetchall())

    @staticmethod
    def _meter_ids(db: sqlite3.Connection, keys: list[tuple[str, str, str]]) -> np.ndarray:
        db.executemany(
            "INSERT OR IGNORE INTO meters (credit_code, meter_id, line_id) VALUES (?, ?, ?)", keys
        )
        ids = {
            tuple(r[1:]): r[0]
            for r in db.execute("SELECT id, credit_code, meter_id, line_id FROM meters")
        }
        return np.array([ids[k] for k in keys], dtype=np.int64)

    # ---------------------------------------------------------------- queries

    def hour_label(self, default: str | None = HOUR_LABELS[0]) -> str | None:
        """What the hourly stamps mean (:data:`HOUR_LABELS`); ``default`` before any import."""
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'hour_label'").fetchone()
        return str(row[0]) if row else default

    def stations(self, cities: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Stations as columns ``id``, ``station_code``, ``name``, ``city_code``, ``lon``,
        ``lat`` (ordered by ``id``), of ``cities`` if given."""
        where, params = "", tuple[str, ...]()
        if cities is not None:
            where = "WHERE city_code IN (SELECT value FROM json_each(?))"
            params = (json.dumps(list(cities)),)
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, station_code, name, city_code, lon, lat FROM stations "
                f"{where} ORDER BY id",
                params,
            ).fetchall()
        names = ("id", "station_code", "name", "city_code", "lon", "lat")
        types = (np.int64, object, object, object, np.float64, np.float64)
        return {
            name: np.array([r[i] for r in rows], dtype=kind)
            for i, (name, kind) in enumerate(zip(names, types, strict=True))
        }

    def hourly_values(
        self, first: dt.date, last: dt.date, station_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hourly values of stations from ``first`` 00:00 to ``last`` 23:00 (CST stamps).

        Returns the hour stamps ``(time,)`` (datetime64[h], naive CST) and the values
        ``(station, time, pollutant)`` float32 [µg m⁻³; CO mg m⁻³] in the order of
        ``station_ids`` and :data:`observations.POLLUTANTS`; NaN where invalid or missing.
        """
        return self._read_blocks(
            "hourly", "station", "hours", first, last, station_ids, len(POLLUTANTS)
        )

    def meters(self, credit_codes: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Meters as columns ``id``, ``credit_code``, ``meter_id``, ``line_id`` (by ``id``)."""
        where, params = "", tuple[str, ...]()
        if credit_codes is not None:
            where = "WHERE credit_code IN (SELECT value FROM json_each(?))"
            params = (json.dumps(list(credit_codes)),)
        with self._connect() as db:
            rows = db.execute(
                f"SELECT id, credit_code, meter_id, line_id FROM meters {where} ORDER BY id",
                params,
            ).fetchall()
        names = ("id", "credit_code", "meter_id", "line_id")
        return {
            name: np.array([r[i] for r in rows], dtype=np.int64 if i == 0 else object)
            for i, name in enumerate(names)
        }

    def electricity_use(
        self, first: dt.date, last: dt.date, meter_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hourly use of meters from ``first`` 00:00 to ``last`` 23:00 CST: hour stamps
        ``(time,)`` and ``(meter, time)`` float32 [kWh], NaN where no reading."""
        time, values = self._read_blocks("electricity", "meter", "kwh", first, last, meter_ids, 1)
        return time, values[..., 0]

    def _read_blocks(
        self,
        table: str,
        key: str,
        blob: str,
        first: dt.date,
        last: dt.date,
        ids: np.ndarray,
        width: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        if last < first:
            raise ObservationError(f"the period ends ({last}) before it starts ({first})")
        hour0 = int((np.datetime64(first, "h") - np.datetime64(0, "h")).astype(np.int64))
        n_hours = ((last - first).days + 1) * 24
        month0 = int(np.datetime64(first, "M").astype(np.int64))
        month1 = int(np.datetime64(last, "M").astype(np.int64))
        ids = np.asarray(ids, dtype=np.int64)
        out = np.full((ids.size, n_hours, width), np.nan, np.float32)
        time = np.datetime64(first, "h") + np.arange(n_hours).astype("timedelta64[h]")
        if ids.size == 0:
            return time, out
        with self._connect() as db:
            rows = db.execute(
                f"SELECT month, {key}, {blob} FROM {table} WHERE month BETWEEN ? AND ? "
                f"AND {key} IN (SELECT value FROM json_each(?))",
                (month0, month1, json.dumps(ids.tolist())),
            ).fetchall()
        if rows:
            months = np.fromiter((r[0] for r in rows), np.int64, len(rows))
            series = np.fromiter((r[1] for r in rows), np.int64, len(rows))
            data = np.frombuffer(b"".join(r[2] for r in rows), np.float32)
            data = data.reshape(len(rows), SLOTS, width)
            order = np.argsort(ids)
            row_of = order[np.searchsorted(ids[order], series)]
            # each month's blocks fill one contiguous span of hours of the period
            for month in np.unique(months).tolist():
                sel = np.flatnonzero(months == month)
                offset = int(month_start_hour(np.array([month]))[0]) - hour0
                lo, hi = max(0, -offset), min(SLOTS, n_hours - offset)
                if hi > lo:
                    out[row_of[sel], offset + lo : offset + hi] = data[sel, lo:hi]
        return time, out

    def counts(self) -> dict[str, int]:
        """Number of rows per table (``hourly``: station-months; ``electricity``: meter-months)."""
        with self._connect() as db:
            return {
                t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in ("stations", "hourly", "meters", "electricity")
            }

    def days(self, table: str = "hourly") -> tuple[dt.date, dt.date] | None:
        """First and last CST day with a value in ``table`` (``hourly`` or ``electricity``)."""
        if table not in ("hourly", "electricity"):
            raise ObservationError(f"no table {table!r}; expected hourly or electricity")
        blob = "hours" if table == "hourly" else "kwh"
        with self._connect() as db:
            low, high = db.execute(f"SELECT MIN(month), MAX(month) FROM {table}").fetchone()
            if low is None:
                return None
            ends = []
            for month, pick in ((low, np.min), (high, np.max)):
                blobs = [
                    r[0]
                    for r in db.execute(f"SELECT {blob} FROM {table} WHERE month = ?", (month,))
                ]
                data = np.frombuffer(b"".join(blobs), np.float32).reshape(len(blobs), SLOTS, -1)
                slots = np.flatnonzero(np.isfinite(data).any(axis=(0, 2)))
                first_hour = int(month_start_hour(np.array([month]))[0])
                hour = first_hour + (int(pick(slots)) if slots.size else 0)
                ends.append((dt.datetime(1970, 1, 1) + dt.timedelta(hours=hour)).date())
        return ends[0], ends[1]
