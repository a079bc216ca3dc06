"""``lantian issue``: issue the levels of regions for a date into the decision store.

The same store and the same rules as ``POST /v1/decisions``: the level follows the episode in
force from the decisions issued before, so the CLI and the API agree.
"""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from api.commands._args import iso_date, tomorrow_cst
from api.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = Settings.model_fields
    parser = subparsers.add_parser(
        "issue",
        help="issue response levels into the decision store",
        description="Issue the level of regions from DATE on, recorded in the decision store "
        "(as POST /v1/decisions); prints the decisions as JSON.",
    )
    parser.add_argument("--forecast", type=Path, default=defaults["forecast"].default)
    parser.add_argument("--regions", default=defaults["regions"].default)
    parser.add_argument("--db", type=Path, default=defaults["db"].default, help="decision store")
    parser.add_argument(
        "--date", type=iso_date, default=None, help="first CST day (YYYY-MM-DD); default tomorrow"
    )
    parser.add_argument(
        "--region",
        action="append",
        default=None,
        help="region code (repeatable); default: every region",
    )
    parser.add_argument("--rules", default=None, help="alert rule set id (default: in force)")
    parser.add_argument("--mode", choices=("natural", "rolling"), default=None)
    parser.add_argument(
        "--level",
        choices=("none", "pre_alert", "yellow", "orange", "red"),
        default=None,
        help="override the computed level (needs --reason)",
    )
    parser.add_argument("--reason", default=None, help="why the level is overridden")
    parser.add_argument("--officer", default=None, help="who issues (default: cli:<user>)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from api.schemas import DecisionIn
    from api.service import IssueItem, Service

    day = args.date or tomorrow_cst()
    service = Service.load(
        Settings(forecast=args.forecast, regions=args.regions, db=args.db), warm=False
    )
    codes = args.region or list(service.regions.codes)
    try:
        items = [
            DecisionIn(
                region=code,
                date=day,
                level=args.level,
                reason=args.reason,
                rules=args.rules,
                mode=args.mode,
            )
            for code in codes
        ]
    except ValidationError as error:
        first = error.errors()[0]
        raise ValueError(f"{'.'.join(map(str, first['loc'])) or 'input'}: {first['msg']}") from None
    who = args.officer or f"cli:{getpass.getuser()}"
    entry = {"who": who, "action": "issue", "address": "cli"}
    try:
        decisions, _ = service.issue([IssueItem(**i.model_dump()) for i in items], issued_by=who)
    except Exception as error:
        service.store.audit(**entry, outcome=2, detail=" ".join(str(error).split()))
        raise
    service.store.audit(
        **entry, outcome=0, target="decisions " + ",".join(str(d["id"]) for d in decisions)
    )
    print(json.dumps(decisions, ensure_ascii=False, indent=2))
    return 0
