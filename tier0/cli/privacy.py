"""``tier0 privacy export|erase|log``: answer a person's request for their data, or its erasure."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.learning.save_article import learned_folder
from bot.privacy.personal_data import PersonalData, UnknownPerson, parse_person
from bot.settings import Settings
from kb.index_cache import default_cache_dir
from storage.db import Database
from storage.privacy import privacy_unit_of_work
from tier0.config import load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    privacy = subparsers.add_parser("privacy", help="export or erase a person's data")
    commands = privacy.add_subparsers(dest="privacy_command", required=True)

    export = commands.add_parser("export", help="everything stored about a person, as JSON")
    _person_arguments(export)
    export.add_argument(
        "--internal-notes",
        action="store_true",
        help="include agents' internal notes on their tickets",
    )
    export.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    export.set_defaults(func=cmd_export)

    erase = commands.add_parser(
        "erase", help="remove a person's personal data and message text (statistics stay)"
    )
    _person_arguments(erase)
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    erase.set_defaults(func=cmd_erase)

    log = commands.add_parser("log", help="the audit log of exports, erasures and purges")
    log.add_argument("--limit", type=int, default=50)
    log.set_defaults(func=cmd_log)


def _person_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", required=True, metavar="PLATFORM:ID", help="e.g. slack:U0123 or discord:4242"
    )
    parser.add_argument(
        "--actor",
        default=f"cli:{getpass.getuser()}",
        help="who asks, for the audit log (default: cli:<your login>)",
    )


def _database(settings: Settings) -> Database:
    return Database.open(settings.database.url, settings.tickets.key_prefix)


def _personal_data(settings: Settings, database: Database) -> PersonalData:
    """Export and erasure on ``database``, on the articles learned into the KB folder and
    on the KB index builds made from them."""
    paths = settings.kb.paths
    return PersonalData(
        privacy_unit_of_work(database),
        learned=learned_folder(paths) if paths else None,
        index_caches=settings.kb.cache_dir or default_cache_dir(),
    )


def _checked_person(ref: str) -> str | None:
    """The reference if it reads as PLATFORM:ID; else says why on stderr and returns None."""
    try:
        parse_person(ref)
    except ValueError as error:
        print(f"tier0: --user {error}", file=sys.stderr)
        return None
    return ref


def cmd_export(args: argparse.Namespace) -> int:
    ref = _checked_person(args.user)
    if ref is None:
        return 2
    settings = load_settings(args.config)
    database = _database(settings)
    try:
        data = _personal_data(settings, database).export(
            ref, args.actor, internal_notes=args.internal_notes
        )
    except UnknownPerson as error:
        print(f"tier0: {error}", file=sys.stderr)
        return 1
    finally:
        database.close()
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    ref = _checked_person(args.user)
    if ref is None:
        return 2
    if not args.yes:
        print(f"tier0: erasing {ref} cannot be undone; add --yes to go ahead", file=sys.stderr)
        return 2
    settings = load_settings(args.config)
    database = _database(settings)
    try:
        counts = _personal_data(settings, database).erase(ref, args.actor)
    except UnknownPerson as error:
        print(f"tier0: {error}", file=sys.stderr)
        return 1
    finally:
        database.close()
    changed = ", ".join(f"{name} {count}" for name, count in counts.items())
    print(f"Erased {ref}: {changed}.")
    return 0


def cmd_log(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    database = _database(load_settings(args.config))
    with privacy_unit_of_work(database)() as store:
        entries = store.audit_log(args.limit)
    database.close()
    table = Table("When", "Action", "Actor", "Subject", "Detail")
    for entry in entries:
        table.add_row(
            f"{entry.at:%Y-%m-%d %H:%M:%S}",
            entry.action,
            entry.actor,
            entry.subject,
            json.dumps(entry.detail, sort_keys=True),
        )
    console.print(table)
    return 0
