"""``tier0 demo seed``: fill an empty database with a simulated month (see ``tier0.demo``)."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from bot.jobs.runner import Jobs
from storage.db import Database
from storage.reports import has_activity
from tier0.app import build_app
from tier0.config import load_settings
from tier0.demo.cast import TIERS
from tier0.demo.month import DemoClock, seed_month

__all__ = ["cmd_seed", "register"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    demo = subparsers.add_parser("demo", help="demonstration data")
    commands = demo.add_subparsers(dest="demo_command", required=True)
    seed = commands.add_parser(
        "seed", help="simulate a month of questions, tickets and ratings in an empty database"
    )
    seed.add_argument("--days", type=int, default=30, help="how many days, ending now")
    seed.add_argument("--volume", type=float, default=1.0, help="scale the number of questions")
    seed.add_argument("--seed", type=int, default=7, help="random seed (same seed, same month)")
    seed.set_defaults(func=cmd_seed)


def cmd_seed(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    configured = load_settings(args.config)
    # The demo's own agents (cast.TIERS), so their commands pass the permission checks.
    settings = configured.model_copy(
        update={"tickets": configured.tickets.model_copy(update={"tiers": TIERS})}
    )
    if _has_activity(settings.database.url):
        console.print(
            "[red]error:[/red] this database already has questions or tickets; "
            "seed an empty one (e.g. DATABASE_URL=sqlite:///demo.db tier0 demo seed)",
            highlight=False,
        )
        return 1
    end = datetime.now(UTC)
    clock = DemoClock(end)
    app = build_app(settings, clock=clock)
    try:
        started = time.monotonic()
        jobs = Jobs(settings, app.database.unit_of_work, clock)
        summary = seed_month(
            app.engine,
            jobs,
            clock,
            app.kb.articles,
            end=end,
            days=args.days,
            volume=args.volume,
            seed=args.seed,
        )
    finally:
        app.close()
    console.print(
        f"seeded {args.days} days up to {end:%Y-%m-%d %H:%M} UTC in "
        f"{time.monotonic() - started:.0f} s: {summary.questions} questions, "
        f"{summary.tickets} tickets, {len(summary.ratings)} ratings. "
        "Try: tier0 report --html report.html",
        highlight=False,
    )
    return 0


def _has_activity(url: str) -> bool:
    database = Database.open(url)
    try:
        with database.session() as session:
            return has_activity(session)
    finally:
        database.close()
