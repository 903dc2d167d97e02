"""``tier0 kb gaps``: the questions the bot could not answer, grouped: what to write next."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.console.render import plain
from kb.gaps import find_gaps
from storage.db import Database
from tier0.cli.report import add_period_arguments
from tier0.config import load_settings

__all__ = ["cmd_gaps", "register"]


def register(kb_commands: argparse._SubParsersAction[Any]) -> None:
    gaps = kb_commands.add_parser(
        "gaps", help="the questions that ended in a ticket or 'Still need help', grouped"
    )
    add_period_arguments(gaps)
    gaps.add_argument("--limit", type=int, default=10, help="how many clusters to show")
    gaps.add_argument("--min-size", type=int, default=2, help="smallest cluster shown")
    gaps.set_defaults(func=cmd_gaps)


def cmd_gaps(
    args: argparse.Namespace, console: Console | None = None, now: datetime | None = None
) -> int:
    console = console or Console()
    settings = load_settings(args.config)
    now = now or datetime.now(UTC)
    database = Database.open(settings.database.url, settings.tickets.key_prefix)
    try:
        with database.unit_of_work() as store:
            asked = store.unsettled_questions(now - args.since, now, args.platform)
    finally:
        database.close()
    clusters = find_gaps(asked, min_size=args.min_size)
    where = args.platform or "all platforms"
    if not clusters:
        console.print(
            f"No repeated unanswered question ({len(asked)} unanswered on {where}).",
            highlight=False,
        )
        return 0
    table = Table(
        title=f"KB gaps: {len(asked)} unanswered questions on {where}, biggest groups first"
    )
    table.add_column("#", justify="right")
    table.add_column("asked", justify="right")
    table.add_column("most typical question")
    table.add_column("also asked as")
    table.add_column("answered with (did not help)")
    for rank, cluster in enumerate(clusters[: args.limit], start=1):
        table.add_row(
            str(rank),
            str(cluster.count),
            plain(cluster.label),
            plain("\n".join(cluster.examples())),
            plain(", ".join(f"{article} ({n})" for article, n in cluster.tried)),
        )
    console.print(table)
    return 0
