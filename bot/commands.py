"""The commands people type, declared once: their names, what they take, whose they are.

The engine routes agent commands by this table; Slack parses its slash command and card
thread commands, Discord declares its application commands and the console recognises an
agent's bare words from it. A command added here is offered everywhere, or fails a test
that says which platform does not know how to show it yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "AGENTS_WORK",
    "AGENT_COMMANDS",
    "COMMANDS",
    "Argument",
    "ArgumentKind",
    "Command",
    "UsedBy",
    "command",
    "usage",
]

UsedBy = Literal["requesters", "agents", "both"]
"""Whose command it is: a requester's (anyone may use it), one only agents may use, or one
both use on a ticket (a requester reopens their own; agents any of their tier)."""
ArgumentKind = Literal["text", "agent", "priority", "language"]


@dataclass(frozen=True)
class Argument:
    """What a command takes after the ticket key, if it takes one.

    ``free_text``: the rest of the line, kept whole (quotes and apostrophes are words);
    otherwise it is split into words like the rest of a command line.
    """

    name: str
    kind: ArgumentKind = "text"
    required: bool = True
    free_text: bool = False


@dataclass(frozen=True)
class Command:
    """One command. ``ticket``: whether it names a ticket key first (optional: the
    conversation's own ticket is meant). ``card_thread``: it may be typed as ``!name`` in a
    ticket card's thread, where anything else an agent writes goes to the requester."""

    name: str
    used_by: UsedBy
    ticket: Literal["none", "optional", "required"] = "none"
    argument: Argument | None = None
    card_thread: bool = False


COMMANDS: Final[tuple[Command, ...]] = (
    Command("new", "requesters", argument=Argument("description", free_text=True)),
    Command("mytickets", "requesters"),
    Command("status", "requesters", ticket="required"),
    Command("help", "requesters"),
    Command("language", "requesters", argument=Argument("code", "language", required=False)),
    Command("reopen", "both", ticket="optional", card_thread=True),
    Command("claim", "agents", ticket="optional", card_thread=True),
    Command("unclaim", "agents", ticket="optional", card_thread=True),
    Command("assign", "agents", "optional", Argument("agent", "agent"), card_thread=True),
    Command("reply", "agents", "optional", Argument("text", free_text=True)),
    Command("note", "agents", "optional", Argument("text", free_text=True)),
    Command(
        "escalate",
        "agents",
        "optional",
        Argument("reason", required=False, free_text=True),
        card_thread=True,
    ),
    Command("priority", "agents", "optional", Argument("level", "priority"), card_thread=True),
    Command("resolve", "agents", "optional", Argument("summary", required=False), card_thread=True),
    Command("link", "agents", "optional", Argument("parent")),
    Command("tickets", "agents", card_thread=True),
)
"""In the order platforms list them."""

_BY_NAME: Final[Mapping[str, Command]] = {c.name: c for c in COMMANDS}

AGENT_COMMANDS: Final = frozenset(c.name for c in COMMANDS if c.used_by == "agents")
"""Only agents may use these; the engine hands them to ``AgentCommands``."""
AGENTS_WORK: Final = frozenset(c.name for c in COMMANDS if c.used_by != "requesters")
"""The commands of an agent's work on tickets (what an agent may type without a slash)."""


def command(name: str) -> Command | None:
    """The declared command called ``name`` (as typed, in lower case), if there is one."""
    return _BY_NAME.get(name)


def usage(name: str) -> str | None:
    """``assign KEY AGENT``: how to type a ticket command whose argument is required."""
    declared = _BY_NAME.get(name)
    if declared is None or declared.ticket == "none" or declared.argument is None:
        return None
    if not declared.argument.required:
        return None
    return f"{name} KEY {declared.argument.name.upper()}"
