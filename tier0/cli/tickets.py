"""``tier0 tickets list|show`` and ``tier0 db upgrade``: look at and maintain stored data."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from adapters.console.render import plain
from bot.i18n.catalogues import SOURCE_LOCALE
from bot.i18n.messages import say
from bot.records import ACTIVE_STATUSES, MessageRecord, Ticket, User
from bot.tickets.tried import article_named, certainty, outcome
from storage.db import Database, connect, upgrade
from tier0.config import load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    tickets = subparsers.add_parser("tickets", help="list and inspect tickets")
    commands = tickets.add_subparsers(dest="tickets_command", required=True)
    listing = commands.add_parser("list", help="tickets, newest first")
    listing.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="open, claimed, waiting_on_user, resolved, closed; 'active' for the first three",
    )
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=cmd_list)
    show = commands.add_parser("show", help="one ticket with its history and transcript")
    show.add_argument("key")
    show.set_defaults(func=cmd_show)
    export = commands.add_parser(
        "export", help="a ticket's transcript as plain text (what the requester saw)"
    )
    export.add_argument("key")
    export.add_argument(
        "--internal",
        action="store_true",
        help="include agents' internal notes (never for customers)",
    )
    export.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    export.set_defaults(func=cmd_export)

    db = subparsers.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="create or migrate the schema to the latest")
    up.set_defaults(func=cmd_upgrade)


def _database(args: argparse.Namespace) -> Database:
    settings = load_settings(args.config)
    return Database.open(settings.database.url, settings.tickets.key_prefix)


def _name(user: User) -> str:
    return user.name or user.platform_id


def cmd_list(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    statuses: set[str] | None = None
    if args.status:
        statuses = set()
        for status in args.status:
            statuses |= ACTIVE_STATUSES if status == "active" else {status}
    database = _database(args)
    with database.unit_of_work() as store:
        tickets = store.list_tickets(statuses, limit=args.limit)
    database.close()
    if not tickets:
        console.print("No tickets.")
        return 0
    table = Table("Key", "Status", "Tier", "Priority", "Requester", "Assignee", "Opened", "Subject")
    for ticket in tickets:
        table.add_row(
            ticket.key,
            ticket.status,
            str(ticket.tier),
            ticket.priority,
            plain(_name(ticket.requester)),
            plain(_name(ticket.assignee)) if ticket.assignee else "-",
            f"{ticket.created_at:%Y-%m-%d %H:%M}",
            plain(ticket.subject[:60]),
        )
    console.print(table)
    return 0


def cmd_show(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    database = _database(args)
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key(args.key)
        if ticket is None:
            console.print(f"No ticket {args.key}.", highlight=False)
            return 1
        events = store.ticket_events(ticket.id)
        transcript = store.transcript(ticket.id)
    database.close()
    assignee = _name(ticket.assignee) if ticket.assignee else "-"
    console.print(Text.assemble((ticket.key, "bold"), " ", plain(ticket.subject)))
    console.print(
        plain(
            f"status {ticket.status} · tier {ticket.tier} · priority {ticket.priority} · "
            f"requester {_name(ticket.requester)} ({ticket.requester.platform}) · "
            f"assignee {assignee}"
        )
    )
    console.print(_tried(ticket))
    history = Table("When", "Who", "What", "From", "To", "Detail", title="History")
    for event in events:
        history.add_row(
            f"{event.at:%Y-%m-%d %H:%M:%S}",
            plain(event.actor or "bot"),
            event.kind,
            event.from_status or "",
            event.to_status or "",
            plain(event.detail),
        )
    console.print(history)
    messages = Table("When", "Who", "Kind", "Text", title="Transcript")
    for message in transcript:
        messages.add_row(
            f"{message.at:%H:%M:%S}",
            plain(message.author or "bot"),
            message.direction,
            plain(message.text),
        )
    console.print(messages)
    return 0


def _tried(ticket: Ticket) -> Table | Text:
    """What the bot tried before the ticket was opened, one article a row."""
    if not ticket.attempts:
        said = "card.nothing_tried" if ticket.attempts == () else "card.tried_not_recorded"
        return Text(f"{say('card.bot_tried')}: {say(said)}")
    tried = Table("Article", "Confidence", "How it went", title=say("card.bot_tried"))
    for attempt in ticket.attempts:
        tried.add_row(
            plain(article_named(attempt)),
            certainty(attempt, SOURCE_LOCALE),
            outcome(attempt, SOURCE_LOCALE),
        )
    return tried


def cmd_export(args: argparse.Namespace) -> int:
    database = _database(args)
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key(args.key)
        transcript = store.transcript(ticket.id) if ticket else []
    database.close()
    if ticket is None:
        print(f"No ticket {args.key}.", file=sys.stderr)
        return 1
    text = format_transcript(ticket, transcript, internal=args.internal)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def format_transcript(
    ticket: Ticket, transcript: Sequence[MessageRecord], *, internal: bool = False
) -> str:
    """Plain text, one message per block; notes only when ``internal`` is asked for."""
    requester = ticket.requester.name or ticket.requester.platform_id
    lines = [
        f"{ticket.key}: {ticket.subject}",
        f"Requester: {requester} ({ticket.requester.platform}) · status: {ticket.status}",
        f"Opened: {ticket.created_at:%Y-%m-%d %H:%M} UTC",
        "",
    ]
    for message in transcript:
        if message.direction == "note" and not internal:
            continue
        author = message.author or "tier0 (bot)"
        label = " [internal note]" if message.direction == "note" else ""
        lines.append(f"[{message.at:%Y-%m-%d %H:%M}] {author}{label}:")
        lines.extend(f"  {line}" for line in message.text.splitlines() or [""])
    return "\n".join(lines) + "\n"


def cmd_upgrade(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    settings = load_settings(args.config)
    engine = connect(settings.database.url)
    upgrade(engine)
    engine.dispose()
    console.print("Database schema is up to date.")
    return 0
