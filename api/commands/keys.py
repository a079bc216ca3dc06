"""``lantian keys create|list|revoke``: the API keys of a decision store."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from api.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = Settings.model_fields
    parser = subparsers.add_parser(
        "keys",
        help="create, list and revoke API keys",
        description="API keys of the decision store: a key is shown once, at creation; the "
        "store keeps only its SHA-256 digest.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_help = "decision store (SQLite)"
    create = actions.add_parser("create", help="create a key and print it, alone, on stdout")
    create.add_argument("--db", type=Path, default=defaults["db"].default, help=db_help)
    create.add_argument(
        "--role", required=True, choices=("reader", "officer", "coordinator", "admin")
    )
    create.add_argument(
        "--scope",
        default=None,
        help="region code (officers: that region and the regions below it) or key region id "
        "(coordinators, e.g. jjj); default: every region",
    )
    create.add_argument("--name", default=None, help="who holds the key (default: the role)")
    listing = actions.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--db", type=Path, default=defaults["db"].default, help=db_help)
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("id", type=int, help="key id (see lantian keys list)")
    revoke.add_argument("--db", type=Path, default=defaults["db"].default, help=db_help)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from api.auth import create_key
    from api.store import DecisionStore

    store = DecisionStore(args.db)
    who = f"cli:{getpass.getuser()}"
    if args.action == "create":
        name = args.name or args.role
        try:
            key_id, key = create_key(store, args.role, args.scope, name)
        except ValueError as error:
            store.audit(who=who, action="keys create", address="cli", outcome=2, detail=str(error))
            raise
        store.audit(
            who=who,
            action="keys create",
            target=f"key {key_id}",
            address="cli",
            outcome=0,
            detail=f"{args.role} {args.scope or '*'} {name}",
        )
        print(key)
    elif args.action == "list":
        print(json.dumps(store.keys(), ensure_ascii=False, indent=2))
    else:
        done = store.revoke_key(args.id)
        store.audit(
            who=who, action="keys revoke", target=f"key {args.id}", address="cli",
            outcome=0 if done else 2,
        )  # fmt: skip
        if not done:
            raise ValueError(f"no key {args.id} to revoke (unknown or already revoked)")
    return 0
