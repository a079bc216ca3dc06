"""``lantian assess``: a season's heavy-pollution, good and ozone days per city against the
targets, and the VOC emission of the key industries (docs/rules.md §6.3)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assess",
        help="season assessment: heavy-pollution, good and O3 days per city against targets",
        description=(
            "For each city with stations: heavy-pollution days (AQI > 200), good days (AQI <= "
            "100) and days with O3 as a primary pollutant in the season (autumn_winter: "
            "October of YEAR to March; ozone: May to September; year), their change against the "
            "same season of --base-year (default the year before) and the -25 % target; with "
            "--registry, the VOC emission of the key industries against --registry-base and "
            "the -10 % target."
        ),
    )
    parser.add_argument("--observations", type=Path, required=True, help="observation SQLite")
    parser.add_argument(
        "--season", choices=("autumn_winter", "ozone", "year"), default="autumn_winter"
    )
    parser.add_argument("--year", type=int, required=True, help="year the season starts in")
    parser.add_argument("--base-year", type=int, default=None, help="default: YEAR - 1")
    parser.add_argument("--city", action="append", default=None, help="city code (repeatable)")
    parser.add_argument("--regions", default=None, help="regions GeoJSON or builtin:NAME (names)")
    parser.add_argument("--registry", type=Path, default=None, help="registry SQLite (VOC)")
    parser.add_argument(
        "--registry-base", type=Path, default=None, help="registry of the base year (VOC change)"
    )
    parser.add_argument("--format", choices=("json", "csv", "table"), default="table")
    parser.add_argument("--output", "-o", type=Path, default=None, help="write here, not stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.verification import observation_store
    from engine.assessment import season_counts, season_document, season_period
    from observations import city_daily

    store = observation_store(args.observations)
    base_year = args.year - 1 if args.base_year is None else args.base_year
    first, last = season_period(args.season, args.year)
    base_first, base_last = season_period(args.season, base_year)
    cities = args.city or sorted(set(store.stations()["city_code"].tolist()))
    daily = city_daily(store, min(first, base_first), max(last, base_last), cities=cities)
    codes = [str(c) for c in daily.data["region"].values]
    names, parents = {}, None
    if args.regions:
        from grids import load_regions

        regions = load_regions(args.regions)
        names = {r.code: r.name for r in regions}
        parents = {r.code: r.parent for r in regions}
    voc = None
    if args.registry is not None:
        voc = _voc(args.registry, args.registry_base, codes, last, base_last, parents)
    document = season_document(
        args.season,
        args.year,
        base_year,
        codes,
        season_counts(daily, first, last),
        season_counts(daily, base_first, base_last),
        names=names,
        voc=voc,
    )
    if args.format == "json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        text = _csv(document)
    else:
        text = _table(document)
    if args.output:
        args.output.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _voc(registry_path, base_path, codes, day, base_day, parents):  # type: ignore[no-untyped-def]
    """Per city and in total: (VOC of the key industries [t/a], base or None)."""
    from engine.assessment import voc_emission_t_a
    from engine.errors import NotFoundError
    from registry import RegistryStore, region_members

    for path in (registry_path, base_path):
        if path is not None and not Path(path).is_file():
            raise NotFoundError(f"{path}: no registry file")
    stores = [RegistryStore(registry_path)]
    if base_path is not None:
        stores.append(RegistryStore(base_path))
    out = {}
    for code in [*codes, "total"]:
        values = []
        for store, when in zip(stores, (day, base_day), strict=False):
            members = (
                None if code == "total" else region_members(code, store.region_codes(), parents)
            )
            values.append(voc_emission_t_a(store.load(members, when)))
        out[code] = (values[0], values[1] if len(values) > 1 else None)
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0%}"


def _table(document: dict) -> str:
    t = document["targets"]
    lines = [
        f"{document['season']} {document['period']['from']} – {document['period']['to']} "
        f"against {document['base_period']['from']} – {document['base_period']['to']}; "
        f"targets: heavy days {t['heavy_days_change']:+.0%}, VOC {t['voc_change']:+.0%}",
        "",
        f"{'city':<8} {'name':<10} {'valid':>5} {'heavy':>5} {'base':>5} {'change':>7} "
        f"{'met':>5} {'good':>5} {'O3 1st':>6}",
    ]
    for c in document["cities"]:
        met = {True: "yes", False: "no", None: "-"}[c["heavy_days_target_met"]]
        lines.append(
            f"{c['code']:<8} {c['name']:<10} {c['valid_days']:>5} {c['heavy_days']:>5} "
            f"{c['base']['heavy_days']:>5} {_pct(c['heavy_days_change']):>7} {met:>5} "
            f"{c['good_days']:>5} {c['o3_primary_days']:>6}"
        )
    total = document.get("voc_total")
    if total is not None:
        lines += [
            "",
            f"VOC of key industries: {total['t_a']} t/a (base {total['base_t_a']}), change "
            f"{_pct(total['change'])}, target met: {total['target_met']}",
        ]
    return "\n".join(lines) + "\n"


def _csv(document: dict) -> str:
    columns = [
        "code",
        "name",
        "valid_days",
        "heavy_days",
        "good_days",
        "o3_primary_days",
        "base_heavy_days",
        "heavy_days_change",
        "heavy_days_target_met",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for c in document["cities"]:
        row = {**c, "base_heavy_days": c["base"]["heavy_days"]}
        writer.writerow(["" if row[k] is None else row[k] for k in columns])
    return buffer.getvalue()
