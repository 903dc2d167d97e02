"""A chat harness for dialogue-style engine tests: people say things, the bot's actions come back.

Tests read like transcripts::

    bot = chat.say("my vpn won't connect")
    assert bot.answer().article.id == "vpn-cannot-connect"
    chat.press("Solved")
"""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.actions import (
    Action,
    AnswerArticle,
    AskRating,
    Button,
    OfferArticles,
    PostTicketCard,
    Refuse,
    RelayToRequester,
    Reply,
    UpdateTicketCard,
)
from bot.conversation.engine import Engine
from bot.events import ButtonPressed, CommandIssued, Event, MessageReceived, Person, Place

A = TypeVar("A")

PLATFORM = "console"


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class BotTurn:
    """The actions the bot returned for one event, with finders for the kinds tests care about."""

    actions: list[Action]

    def of(self, kind: type[A]) -> list[A]:
        return [a for a in self.actions if isinstance(a, kind)]

    def one(self, kind: type[A]) -> A:
        found = self.of(kind)
        assert len(found) == 1, f"expected one {kind.__name__}, got {self.actions}"
        return found[0]

    def answer(self) -> AnswerArticle:
        return self.one(AnswerArticle)

    def offer(self) -> OfferArticles:
        return self.one(OfferArticles)

    def card(self) -> PostTicketCard:
        return self.one(PostTicketCard)

    def update(self) -> UpdateTicketCard:
        return self.one(UpdateTicketCard)

    def refusal(self) -> str:
        return self.one(Refuse).reason

    def texts(self) -> list[str]:
        """Every text shown to someone, in order."""
        shown: list[str] = []
        for action in self.actions:
            if isinstance(action, Refuse):
                shown.append(action.reason)
            elif not isinstance(action, PostTicketCard | UpdateTicketCard):
                shown.append(action.text)
        return shown

    def text(self) -> str:
        return "\n".join(self.texts())

    def buttons(self) -> list[Button]:
        found: list[Button] = []
        for action in self.actions:
            if isinstance(action, Reply | AnswerArticle | OfferArticles | AskRating):
                found.extend(action.buttons)
        return found

    def shown_in(self, place: Place) -> list[Action]:
        """Actions that appear in ``place`` (replies, answers, relays to its requester)."""
        here: list[Action] = []
        for action in self.actions:
            if isinstance(action, Reply | AnswerArticle | OfferArticles | Refuse):
                if action.place == place:
                    here.append(action)
            elif isinstance(action, RelayToRequester | AskRating) and action.ticket.place == place:
                here.append(action)
        return here


@dataclass
class Chat:
    """People talking to one engine; each person has their own place (console-style)."""

    engine: Engine
    clock: FakeClock
    requester: str = "you"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    history: list[BotTurn] = field(default_factory=list)

    def person(self, name: str, locale: str | None = None) -> Person:
        return Person(PLATFORM, name, name.title(), locale)

    def place(self, name: str) -> Place:
        return Place(PLATFORM, "main" if name == self.requester else f"agent:{name}")

    def send(self, event: Event) -> BotTurn:
        turn = BotTurn([delivery.action for delivery in self.engine.handle(event)])
        self.history.append(turn)
        return turn

    def say(self, text: str, who: str | None = None, *, locale: str | None = None) -> BotTurn:
        who = who or self.requester
        n = next(self._ids)
        return self.send(
            MessageReceived(self.person(who, locale), self.place(who), text, message_id=f"m{n}")
        )

    def command(self, line: str, who: str | None = None) -> BotTurn:
        who = who or self.requester
        name, *args = shlex.split(line.removeprefix("/"))
        return self.send(
            CommandIssued(
                self.person(who), self.place(who), name, tuple(args), event_id=f"c{next(self._ids)}"
            )
        )

    def press(
        self, label: str, who: str | None = None, among: Sequence[Button] | None = None
    ) -> BotTurn:
        """Press the button labelled ``label`` from the last buttons this person was shown."""
        who = who or self.requester
        buttons = list(among) if among is not None else self._buttons_for(who)
        matching = [b for b in buttons if b.label == label]
        assert matching, f"no button {label!r} among {[b.label for b in buttons]}"
        return self.press_button(matching[0], who)

    def press_button(self, button: Button, who: str | None = None) -> BotTurn:
        who = who or self.requester
        return self.send(
            ButtonPressed(
                self.person(who),
                self.place(who),
                button.action,
                button.value,
                event_id=f"b{next(self._ids)}",
            )
        )

    def _buttons_for(self, who: str) -> list[Button]:
        place = self.place(who)
        for turn in reversed(self.history):
            shown = BotTurn(turn.shown_in(place)).buttons()
            if shown:
                return shown
        return []
