"""``lantian verify``: forecast levels and AQI against station observations (docs/rules.md §6)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from api.commands._args import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify the levels issued (or a forecast's) against observations",
        description=(
            "Compare, per region and lead day, the level issued (--db, the decision store) or "
            "a forecast's own levels (--forecast F --regions R) with the level the observations "
            "would have triggered under the same rule set: hits, misses, false alarms and "
            "correct negatives per level (an event at L is level >= L), POD, FAR, CSI, Heidke "
            "skill score; AQI bias, RMSE, category and category-range accuracy; PM2.5 and O3 "
            "MDA8 bias and RMSE; by lead day and over rolling 30 and 90 days. Region-days "
            "without a valid observation are left out and counted apart."
        ),
    )
    parser.add_argument("--observations", type=Path, required=True, help="observation SQLite")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=Path, help="decision store SQLite (the levels issued)")
    source.add_argument(
        "--forecast", nargs="+", help="forecast netCDF file(s); the lead day counts from 'issued'"
    )
    parser.add_argument(
        "--regions", default=None, help="regions GeoJSON or builtin:NAME (with --forecast)"
    )
    parser.add_argument("--from", dest="first", type=iso_date, required=True, help="first day")
    parser.add_argument("--to", dest="last", type=iso_date, required=True, help="last CST day")
    parser.add_argument("--region", action="append", default=None, help="region code (repeat)")
    parser.add_argument(
        "--rules", default=None, help="rule set of forecast levels (default: in force)"
    )
    parser.add_argument("--pre-alert", action="store_true", help="use the pre-alert tier")
    parser.add_argument(
        "--ensemble-threshold", type=float, default=None, help="ensembles: level probability"
    )
    parser.add_argument("--format", choices=("json", "csv", "table"), default="table")
    parser.add_argument(
        "--chart", type=Path, default=None, help="write a PNG of scores by lead day"
    )
    parser.add_argument("--output", "-o", type=Path, default=None, help="write here, not stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.verification import decision_pairs, forecast_pairs, observation_store
    from engine.errors import NotFoundError, PolicyError
    from engine.policy import decision_defaults
    from engine.verify import PAIR_COLUMNS, pair_rows, verification_document

    if args.last < args.first:
        raise PolicyError(f"--to {args.last} is before --from {args.first}")
    observations = observation_store(args.observations)
    names: Mapping[str, str] = {}
    if args.db is not None:
        if not args.db.is_file():
            raise NotFoundError(f"{args.db}: no decision store")
        from api.store import DecisionStore

        if args.regions:
            from grids import load_regions

            names = {r.code: r.name for r in load_regions(args.regions)}
        pairs = decision_pairs(
            DecisionStore(args.db),
            observations,
            args.first,
            args.last,
            regions=args.region,
            pre_alert=args.pre_alert,
        )
    else:
        if not args.regions:
            raise PolicyError("--forecast needs --regions (a GeoJSON file or builtin:NAME)")
        threshold = args.ensemble_threshold or decision_defaults().ensemble_threshold
        pairs, names = forecast_pairs(
            args.forecast,
            args.regions,
            observations,
            regions=args.region,
            rules=args.rules,
            pre_alert=args.pre_alert,
            ensemble_threshold=threshold,
        )
    document = verification_document(pairs, args.first, args.last, names)
    if args.chart is not None:
        from api.charts import scores_by_lead_png

        args.chart.write_bytes(scores_by_lead_png(document))
    if args.format == "json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=PAIR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(pair_rows(pairs, names))
        text = buffer.getvalue()
    else:
        text = _table(document)
    if args.output:
        args.output.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _table(document: dict) -> str:
    lines = [
        f"verification {document['from']} – {document['to']} ({document['source']}): "
        f"{document['pairs']} pairs, {document['left_out']} left out (no valid observation)",
        "",
        f"{'level':<8} {'hits':>5} {'miss':>5} {'f.a.':>5} {'c.n.':>6} "
        f"{'POD':>5} {'FAR':>5} {'CSI':>5} {'HSS':>5}",
    ]
    for level, s in document["by_level"].items():
        lines.append(
            f"{level:<8} {s['hits']:>5} {s['misses']:>5} {s['false_alarms']:>5} "
            f"{s['correct_negatives']:>6} {_cell(s['pod']):>5} {_cell(s['far']):>5} "
            f"{_cell(s['csi']):>5} {_cell(s['hss']):>5}"
        )
    aqi = document["aqi"]
    lines += [
        "",
        f"AQI: bias {_cell(aqi['bias'], 1)}, RMSE {_cell(aqi['rmse'], 1)}, category accuracy "
        f"{_cell(aqi['category_accuracy'])}, category-range accuracy (±"
        f"{document['category_range_half_width']}) {_cell(document['category_range_accuracy'])}",
    ]
    for name, label in (("pm25", "PM2.5"), ("o3_mda8", "O3 MDA8")):
        e = document["pollutants"][name]
        lines.append(
            f"{label}: bias {_cell(e['bias'], 1)}, RMSE {_cell(e['rmse'], 1)} µg/m³ ({e['n']} days)"
        )
    lines += ["", f"{'lead':>4} {'pairs':>6}  CSI yellow/orange/red  AQI category accuracy"]
    for d in document["by_lead_day"]:
        csi = "/".join(_cell(d["by_level"][k]["csi"]) for k in ("yellow", "orange", "red"))
        lines.append(
            f"{d['lead_day']:>4} {d['pairs']:>6}  {csi:<21}  {_cell(d['aqi']['category_accuracy'])}"
        )
    return "\n".join(lines) + "\n"
