"""The console conversation: lines in, events to the engine, actions printed back.

One person plays every part. The requester talks in ``main``; each agent acting with
``/as`` talks from their own place (``agent:alice``), so what the bot says to the agent and
what it says to the requester land in different conversations, as on a real platform.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import assert_never

from rich.console import Console, RenderableType
from rich.text import Text

from adapters.console.lines import (
    ActAs,
    Command,
    Intent,
    Nothing,
    Press,
    Quit,
    Say,
    SwitchUser,
    Usage,
    clean,
    parse_line,
    persona_name,
)
from adapters.console.render import buttons_of, render
from bot.actions import Action, Button
from bot.commands import AGENTS_WORK
from bot.delivery.outbox import Delivery, place_of
from bot.events import ButtonPressed, CommandIssued, Event, MessageReceived, Person, Place
from bot.settings import Settings
from bot.tickets.agents import AgentDirectory
from kb import LoadError

__all__ = [
    "PLATFORM",
    "REQUESTER_PLACE",
    "ConsoleChat",
    "Delivered",
    "DueJobs",
    "Handler",
    "Reader",
    "lines_reader",
]

PLATFORM = "console"
DEFAULT_PERSONA = "you"
REQUESTER_PLACE = Place(PLATFORM, "main")

Handler = Callable[[Event], list[Delivery]]
Delivered = Callable[[Iterable[int]], None]
DueJobs = Callable[[], list[Delivery]]
"""Runs the scheduled jobs that are due and returns what they decided."""
Reader = Callable[[Text], str | None]
"""Returns the next input line (shown after the prompt), or None at the end of input."""


class ConsoleChat:
    """A console session: the current persona, and the buttons last offered in each place."""

    def __init__(
        self,
        handle: Handler,
        delivered: Delivered,
        settings: Settings,
        console: Console,
        *,
        persona: str = DEFAULT_PERSONA,
        locale: str | None = None,
        echo: bool = False,
        due_jobs: DueJobs | None = None,
    ) -> None:
        """``locale`` plays the language a chat app would report for everyone typing here."""
        self._handle = handle
        self._delivered = delivered
        self._due_jobs = due_jobs
        self._locale = locale
        self._agents = AgentDirectory(settings.tickets.tiers)
        self._console_agents = _console_agents(settings)
        self.console = console
        self.persona = persona_name(persona)
        self.requester = DEFAULT_PERSONA if self.is_agent(self.persona) else self.persona
        self.echo = echo
        self.buttons: dict[Place, tuple[Button, ...]] = {}

    # -- who and where --------------------------------------------------------------------

    def person(self, persona: str) -> Person:
        return Person(PLATFORM, persona, locale=self._locale)

    def is_agent(self, persona: str) -> bool:
        return self._agents.tier_of(self.person(persona)) is not None

    def place(self, persona: str) -> Place:
        """The requester talks in ``main``, agents at their own desk, other people apart."""
        if self.is_agent(persona):
            return Place(PLATFORM, f"agent:{persona}")
        if persona == self.requester:
            return REQUESTER_PLACE
        return Place(PLATFORM, f"user:{persona}")

    # -- the session ----------------------------------------------------------------------

    def run(self, read: Reader) -> int:
        """Talk until ``/quit`` or the end of input; the exit code is always 0."""
        while True:
            prompt = Text(f"{self.persona}> ", style="bold")
            line = read(prompt)
            if line is None:
                return 0
            if self.echo:
                self._print(prompt + Text(clean(line.rstrip("\r\n"))))
            if not self.feed(line):
                return 0

    def feed(self, line: str) -> bool:
        """Act on one line; False once the session should end."""
        self.catch_up()
        intent = parse_line(line, bare_commands=self._bare_commands(self.persona))
        match intent:
            case Quit():
                return False
            case SwitchUser(persona=persona):
                self.persona = persona
                self._print(Text(f"(now speaking as {self._describe(persona)})", style="dim"))
            case ActAs(persona=persona, line=rest):
                nested = parse_line(rest, bare_commands=self._bare_commands(persona), nested=True)
                self._act(persona, nested)
            case Say() | Command() | Press() | Usage() | Nothing():
                self._act(self.persona, intent)
            case _:
                assert_never(intent)
        return True

    def catch_up(self) -> None:
        """What the SLA jobs decided since the last line: reminders, nudges, auto-closes."""
        if self._due_jobs is not None:
            due = self._due_jobs()
            self._show_and_confirm([d for d in due if place_of(d.action).platform == PLATFORM])

    def _show_and_confirm(self, deliveries: Sequence[Delivery]) -> None:
        self.show(delivery.action for delivery in deliveries)
        self._delivered(delivery.id for delivery in deliveries if delivery.id)

    def intro(self, kb_errors: Sequence[LoadError] = ()) -> None:
        """Knowledge-base problems, then one line on how the console itself works."""
        for error in kb_errors:
            self._print(Text(f"warning: knowledge base: {error.path}: {error.reason}", "yellow"))
        agents = ", ".join(self._console_agents) or "none configured"
        self._print(
            Text(
                f"tier0 console chat. You are {self._describe(self.persona)}. Type a question. "
                f"/as NAME LINE acts once as someone (agents: {agents}), /user NAME switches who "
                "you are, a number presses that button, /help, /quit.",
                style="dim",
            )
        )

    # -- helpers --------------------------------------------------------------------------

    def _act(self, persona: str, intent: Intent) -> None:
        person, place = self.person(persona), self.place(persona)
        event: Event
        match intent:
            case Say(text=text):
                event = MessageReceived(person, place, text, message_id=_new_id())
            case Command(name=name, args=args):
                event = CommandIssued(person, place, name, args, event_id=f"cmd:{_new_id()}")
            case Press(number=number):
                offered = self.buttons.get(place, ())
                if not offered:
                    event = MessageReceived(person, place, str(number), message_id=_new_id())
                elif number > len(offered):
                    self._note(f"There is no button {number} here; pick 1 to {len(offered)}.")
                    return
                else:
                    button = offered[number - 1]
                    event = ButtonPressed(
                        person, place, button.action, button.value, event_id=f"btn:{_new_id()}"
                    )
            case Usage(text=text):
                self._note(text)
                return
            case Nothing():
                return
            case Quit() | SwitchUser() | ActAs():  # a nested line turns these into Usage
                self._note("That can't be done here.")
                return
            case _:
                assert_never(intent)
        self._show_and_confirm(self._handle(event))
        if isinstance(event, CommandIssued) and event.name == "help":
            self._note(
                "In this console: /as NAME LINE, /user NAME, a number presses a button, /quit."
            )

    def show(self, actions: Iterable[Action]) -> None:
        for action in actions:
            offered = buttons_of(action)
            if offered is not None:
                self.buttons[offered[0]] = offered[1]
            self._print(render(action))

    def _bare_commands(self, persona: str) -> frozenset[str]:
        """Agents may leave out the slash (``/as alice claim T-1``); requesters' words are words."""
        return AGENTS_WORK if self.is_agent(persona) else frozenset()

    def _describe(self, persona: str) -> str:
        tier = self._agents.tier_of(self.person(persona))
        role = f"agent, {self._agents.tier_name(tier)}" if tier is not None else "requester"
        return f"{persona} ({role}, in {self.place(persona).channel})"

    def _note(self, text: str) -> None:
        self._print(Text(text, style="dim"))

    def _print(self, renderable: RenderableType) -> None:
        self.console.print(renderable, soft_wrap=not self.console.is_terminal)


def lines_reader(lines: Iterable[str]) -> Reader:
    """A reader over ready-made lines (tests, piped input): no prompt is shown."""
    iterator: Iterator[str] = iter(lines)

    def read(_prompt: Text) -> str | None:
        return next(iterator, None)

    return read


def _console_agents(settings: Settings) -> list[str]:
    prefix = f"{PLATFORM}:"
    return [
        agent.removeprefix(prefix)
        for tier in settings.tickets.tiers
        for agent in tier.agents
        if agent.startswith(prefix)
    ]


def _new_id() -> str:
    return uuid.uuid4().hex
