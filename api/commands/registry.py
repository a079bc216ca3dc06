"""``lantian registry``: import the registry from CSV, inspect it, write a synthetic one."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.commands._args import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "registry",
        help="enterprise registry: import CSV files, show counts, write a synthetic registry",
        description="The enterprise registry (SQLite) used by `lantian plan`.",
    )
    actions = parser.add_subparsers(dest="registry_command", required=True, metavar="ACTION")

    imp = actions.add_parser(
        "import",
        help="import registry CSV files atomically (a file with a bad row imports nothing)",
        description=(
            "Import enterprises.csv, lines.csv, plans.csv, baseline.csv and equipment.csv (any "
            "of them) into the registry; rows update by credit_code / line_id; grade changes are "
            "kept as history from --as-of. lines.csv may carry the VOC columns voc_process, "
            "start_hour, end_hour, shiftable (docs/rules.md §4.1). Any bad row: nothing is "
            "imported and every bad row is named."
        ),
    )
    imp.add_argument("--db", type=Path, required=True, help="registry SQLite file (created)")
    imp.add_argument("--enterprises", type=Path, help="enterprises.csv")
    imp.add_argument("--lines", type=Path, help="lines.csv")
    imp.add_argument("--plans", type=Path, help="per-enterprise plans CSV")
    imp.add_argument("--baseline", type=Path, help="baseline.csv (whole-society t/day)")
    imp.add_argument(
        "--equipment",
        type=Path,
        help="equipment.csv (credit_code,line_id,equipment_id,kind,voc_kg_h)",
    )
    imp.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="date from which the imported grades hold (default today)",
    )
    imp.set_defaults(handler=_import)

    info = actions.add_parser("info", help="schema version and row counts")
    info.add_argument("--db", type=Path, required=True, help="registry SQLite file")
    info.add_argument("--history", metavar="CREDIT_CODE", help="grade history of one enterprise")
    info.set_defaults(handler=_info)

    syn = actions.add_parser(
        "synthetic",
        help="write a synthetic registry (CSV) for a region set, optionally import it",
        description=(
            "Generate enterprises.csv, lines.csv, baseline.csv and equipment.csv inside the "
            "regions."
        ),
    )
    syn.add_argument("directory", type=Path, help="output folder for the CSV files")
    syn.add_argument("--regions", required=True, help="regions GeoJSON (or builtin:NAME)")
    syn.add_argument("--enterprises", type=int, default=3000, help="number of enterprises")
    syn.add_argument("--seed", type=int, default=20261130)
    syn.add_argument("--db", type=Path, default=None, help="also import into this registry")
    syn.set_defaults(handler=_synthetic)


def _import(args: argparse.Namespace) -> int:
    from registry import RegistryStore

    summary = RegistryStore(args.db).import_csv(
        enterprises=args.enterprises,
        lines=args.lines,
        plans=args.plans,
        baseline=args.baseline,
        equipment=args.equipment,
        as_of=args.as_of,
    )
    print(
        f"imported into {args.db}: {summary.enterprises} enterprises, {summary.lines} lines, "
        f"{summary.plans} plan rows, {summary.baselines} baselines, {summary.equipment} "
        f"pieces of equipment; {summary.grade_changes} grade change(s) recorded"
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    from engine.errors import NotFoundError
    from registry import RegistryStore

    if not args.db.is_file():
        raise NotFoundError(f"{args.db}: no registry file")
    store = RegistryStore(args.db)
    out: dict = {"db": str(args.db), "schema_version": store.schema_version(), **store.counts()}
    if args.history:
        out["grade_history"] = [
            {"valid_from": d, "grade": g} for d, g in store.grade_history(args.history)
        ]
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _synthetic(args: argparse.Namespace) -> int:
    from grids import load_regions
    from registry import RegistryStore, synthetic_places, synthetic_registry

    places, parents = synthetic_places(load_regions(args.regions))
    synth = synthetic_registry(
        places, n_enterprises=args.enterprises, seed=args.seed, parents=parents
    )
    paths = synth.write_csv(args.directory)
    print(f"wrote {', '.join(str(p) for p in paths.values())} ({synth.n_lines} lines)")
    if args.db:
        summary = RegistryStore(args.db).import_csv(
            enterprises=paths["enterprises"],
            lines=paths["lines"],
            baseline=paths["baseline"],
            equipment=paths["equipment"],
        )
        print(f"imported {summary.enterprises} enterprises, {summary.lines} lines into {args.db}")
    return 0
