"""What a line typed into ``tier0 chat`` means, before anything is sent to the engine.

Parsing is pure so every rule (``/as``, ``/user``, button numbers, quoting) is tested on
strings alone; the session decides who is speaking and where.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

from adapters.text import visible
from bot.arguments import split_args

__all__ = [
    "ActAs",
    "Command",
    "Intent",
    "Nothing",
    "Press",
    "Quit",
    "Say",
    "SwitchUser",
    "Usage",
    "clean",
    "parse_line",
    "persona_name",
]

QUIT_WORDS = frozenset({"quit", "exit"})
_COMMAND = re.compile(r"^/([A-Za-z][\w-]*)(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Press:
    number: int


@dataclass(frozen=True)
class ActAs:
    persona: str
    line: str


@dataclass(frozen=True)
class SwitchUser:
    persona: str


@dataclass(frozen=True)
class Quit:
    pass


@dataclass(frozen=True)
class Nothing:
    pass


@dataclass(frozen=True)
class Usage:
    """The line was a console instruction used wrongly; ``text`` says how to use it."""

    text: str


Intent = Say | Command | Press | ActAs | SwitchUser | Quit | Nothing | Usage


def clean(text: str) -> str:
    """Drop terminal control characters (escape sequences from arrow keys, NULs, bells) and
    bidirectional overrides, as every adapter does (``adapters.text.visible``).

    They are never meant as words, and echoed back they could drive the terminal.
    """
    return visible(text)


def parse_line(line: str, *, bare_commands: Set[str] = frozenset(), nested: bool = False) -> Intent:
    """The meaning of one input line.

    ``bare_commands`` are command names recognised without their slash (``claim T-1`` from
    an agent). ``nested`` is set for the line after ``/as NAME``, where the console's own
    instructions (``/as``, ``/user``, ``/quit``) make no sense.
    """
    text = clean(line).strip()
    if not text:
        return Nothing()
    if text.isdecimal() and len(text) <= 3 and int(text) > 0:
        return Press(int(text))
    command = _COMMAND.match(text)
    if command is None:
        first = text.split(maxsplit=1)[0]
        if first.lower() in bare_commands:
            command = _COMMAND.match("/" + text)
    if command is None:
        return Say(text)
    name, rest = command.group(1).lower(), command.group(2) or ""
    if name in ("as", "user") or name in QUIT_WORDS:
        if nested:
            return Usage("/as runs one line for someone; it can't contain /as, /user or /quit.")
        return _console_instruction(name, rest)
    return Command(name, split_args(rest))


def _console_instruction(name: str, rest: str) -> Intent:
    if name in QUIT_WORDS:
        return Quit()
    words = rest.split(maxsplit=1)
    if name == "user":
        if len(words) != 1:
            return Usage("Usage: /user NAME  (for example /user alice or /user you)")
        return SwitchUser(persona_name(words[0]))
    if len(words) != 2:
        return Usage("Usage: /as NAME LINE  (for example /as alice claim T-1)")
    return ActAs(persona_name(words[0]), words[1])


def persona_name(name: str) -> str:
    """``alice``, ``Alice``, ``@alice``, ``agent:alice`` and ``console:alice`` are one persona."""
    name = name.lstrip("@").lower()
    for prefix in ("agent:", "console:", "user:"):
        name = name.removeprefix(prefix)
    return name or "you"
