"""``tier0 chat``: try the whole support loop alone in the terminal, as requester and agents."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from adapters.console import ConsoleChat, Reader
from bot.jobs.runner import Jobs
from tier0.app import build_app
from tier0.config import load_settings

__all__ = ["cmd_chat", "register"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    chat = subparsers.add_parser(
        "chat",
        help="talk to the bot in this terminal, playing the requester and the agents",
        description=(
            "An interactive console conversation. Plain lines are questions from the "
            "current persona; /as alice claim T-1 acts once as an agent; numbers press "
            "buttons; /quit or end of input leaves. Reads piped input too."
        ),
    )
    chat.add_argument(
        "--as",
        dest="persona",
        default="you",
        metavar="NAME",
        help="who you are at the start (default: you, a requester; alice and bob are agents)",
    )
    chat.add_argument(
        "--locale",
        metavar="TAG",
        help="the language your chat app would report, e.g. pt-BR (default: the desk's)",
    )
    chat.set_defaults(func=cmd_chat)


def cmd_chat(
    args: argparse.Namespace, console: Console | None = None, stdin: TextIO | None = None
) -> int:
    stdin = stdin or sys.stdin
    _tolerate_bad_bytes(stdin)
    if console is None:
        _tolerate_bad_bytes(sys.stdout)
        console = Console()
    interactive = stdin.isatty()
    settings = load_settings(args.config)
    app = build_app(settings)
    try:
        chat = ConsoleChat(
            app.engine.handle,
            app.engine.outbox.delivered,
            settings,
            console,
            persona=args.persona,
            locale=args.locale,
            echo=not interactive,
            due_jobs=Jobs(settings, app.database.unit_of_work).sweep,
        )
        chat.intro(app.kb_errors)
        return chat.run(_terminal_reader(console) if interactive else _stream_reader(stdin))
    finally:
        app.close()


def _terminal_reader(console: Console) -> Reader:
    with contextlib.suppress(ImportError):  # line editing and history for input()
        import readline  # noqa: F401

    def read(prompt: Text) -> str | None:
        try:
            return console.input(prompt)
        except (EOFError, KeyboardInterrupt):
            console.print()
            return None

    return read


def _stream_reader(stream: TextIO) -> Reader:
    def read(_prompt: Text) -> str | None:
        line = stream.readline()
        return line or None

    return read


def _tolerate_bad_bytes(stream: TextIO) -> None:
    """Invalid UTF-8 in or unencodable text out becomes U+FFFD or ``?``, never a crash."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")
