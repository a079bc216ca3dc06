"""``lantian compliance``: did the firms under measures really stop? (electricity use)"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from api.commands._args import iso_date
from engine.levels import LEVELS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compliance",
        help="check the measures in force against hourly electricity use",
        description=(
            "For each line under a measure of the plan at the level issued for DATE (decision "
            "store), compare its electricity use over the day with its own baseline (same "
            "weekday and hour, outside alerts): a stopped line drawing more than --stop-share "
            "of its baseline, or a capped line above its allowed share, is flagged with its "
            "evidence. Paths default to the service settings (LANTIAN_DB, LANTIAN_REGISTRY, "
            "LANTIAN_OBSERVATIONS, LANTIAN_REGIONS)."
        ),
    )
    parser.add_argument("--date", type=iso_date, required=True, help="CST day (YYYY-MM-DD)")
    parser.add_argument("--region", required=True, help="region code, e.g. 130100")
    parser.add_argument("--db", type=Path, default=None, help="decision store SQLite")
    parser.add_argument("--registry", type=Path, default=None, help="registry SQLite")
    parser.add_argument("--observations", type=Path, default=None, help="observation SQLite")
    parser.add_argument("--regions", default=None, help="regions GeoJSON or builtin:NAME")
    parser.add_argument(
        "--level",
        choices=LEVELS,
        default=None,
        help="check against this level instead of the one issued (what-if)",
    )
    parser.add_argument(
        "--stop-share",
        type=float,
        default=None,
        help="flag a stopped line above this share of its baseline "
        "(default: engine/data/compliance.toml, 0.25)",
    )
    parser.add_argument(
        "--cap-margin",
        type=float,
        default=None,
        help="margin over a capped line's allowed share (default 0.10)",
    )
    parser.add_argument(
        "--catalogue",
        type=Path,
        action="append",
        default=[],
        help="regional catalogue TOML layered over the packaged one",
    )
    parser.add_argument(
        "--unmetered",
        action="store_true",
        help="also list the lines under a measure that no meter covers (to inspect on site)",
    )
    parser.add_argument("--language", choices=("en", "zh"), default="en")
    parser.add_argument("--format", choices=("json", "csv", "table"), default="table")
    parser.add_argument(
        "--chart",
        type=Path,
        default=None,
        help="folder: one PNG of use against baseline per flagged check",
    )
    parser.add_argument("--output", "-o", type=Path, default=None, help="write here, not stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.compliance import region_compliance
    from api.settings import Settings
    from api.store import DecisionStore
    from engine.compliance import COMPLIANCE_COLUMNS, compliance_rows, compliance_rules
    from grids import load_regions
    from registry import read_catalogue

    settings = Settings()
    db = args.db or settings.db
    regions = load_regions(args.regions or settings.regions)
    name = regions.get(args.region).name if args.region in regions else args.region
    result = region_compliance(
        code=args.region,
        name=name,
        day=args.date,
        decisions=DecisionStore(db) if Path(db).is_file() else None,
        registry=args.registry or settings.registry,
        observations=args.observations or settings.observations,
        rules=compliance_rules(stop_share=args.stop_share, cap_margin=args.cap_margin),
        level=args.level,
        parents={r.code: r.parent for r in regions},
        catalogue=read_catalogue(args.catalogue),
        language=args.language,
        unmetered=args.unmetered,
    )
    document = result.document
    if args.chart is not None:
        _charts(args.chart, result)
    if args.format == "json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COMPLIANCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(compliance_rows(document))
        text = buffer.getvalue()
    else:
        text = _table(document)
    if args.output:
        args.output.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _charts(folder: Path, result) -> None:  # type: ignore[no-untyped-def]
    from api.charts import electricity_png

    folder.mkdir(parents=True, exist_ok=True)
    stamps = [h.strftime("%H:%M") for h in result.hours]
    for k, entry in enumerate(result.document["checks"]):
        if entry["status"] != "flagged":
            continue
        label = entry["line_id"] or "plant"
        png = electricity_png(
            # credit code, not the (Chinese) name: the default fonts have no CJK glyphs
            f"{entry['credit_code']} {label} {result.document['date']}: {entry['kind']}",
            stamps,
            result.use[k].tolist(),
            result.baseline[k].tolist(),
            result.allowed[k].tolist(),
        )
        (folder / f"{entry['credit_code']}_{label}.png").write_bytes(png)


def _table(document: dict) -> str:
    s = document["summary"]
    lines = [
        f"compliance {document['region']['code']} {document['region']['name']} "
        f"{document['date']}: level {document['level']} (issued {document['level_issued']})",
        f"{s['checked']} checks: {s['flagged']} flagged, {s['compliant']} compliant, "
        f"{s['no_data']} without readings, {s['no_baseline']} without baseline, "
        f"{s['no_meter']} without meter",
        "",
    ]
    for entry in document["checks"]:
        where = entry["line_id"] or "(whole plant)"
        lines.append(
            f"{entry['status']:<11} {entry['credit_code']:<20} {where:<12} {entry['kind']:<5} "
            f"{entry['evidence']}"
        )
    return "\n".join(lines) + "\n"
