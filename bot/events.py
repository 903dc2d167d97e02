"""Plain-data events that adapters produce from platform payloads.

Events carry no raw payload and no connection handle, so every conversation can be
replayed as a transcript in tests without any chat platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ArticleSubmitted",
    "ButtonPressed",
    "CommandIssued",
    "Event",
    "MessageReceived",
    "Person",
    "Place",
]


@dataclass(frozen=True)
class Person:
    """Someone writing to the bot, as their platform identifies them.

    ``roles`` holds platform role ids (Discord roles, Slack user groups) that the
    configuration may map to agent tiers; the engine decides what they mean.
    """

    platform: str
    id: str
    name: str = ""
    locale: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def ref(self) -> str:
        """``platform:id``, the form agents are listed under in the configuration."""
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True)
class Place:
    """Where a conversation happens: a channel, and optionally a thread inside it."""

    platform: str
    channel: str
    thread: str | None = None


@dataclass(frozen=True)
class MessageReceived:
    """A person wrote text in a place.

    ``message_id`` is the platform's id of the message (unique per platform);
    ``event_id`` is the delivery id used for de-duplication and defaults to it.
    """

    person: Person
    place: Place
    text: str
    message_id: str
    event_id: str = ""

    def __post_init__(self) -> None:
        if not self.event_id:
            object.__setattr__(self, "event_id", f"msg:{self.message_id}")


@dataclass(frozen=True)
class ButtonPressed:
    """A person pressed a button (or picked a menu option) that an action offered."""

    person: Person
    place: Place
    action: str
    value: str
    event_id: str


@dataclass(frozen=True)
class CommandIssued:
    """A person issued a command (``/claim T-1``, a slash command, ``!note ...``).

    ``quoting`` is who wrote the message the command takes its words from ("Create
    ticket" on someone's message): those words are theirs, wherever tier0 copies them.
    """

    person: Person
    place: Place
    name: str
    args: tuple[str, ...]
    event_id: str
    quoting: Person | None = None


@dataclass(frozen=True)
class ArticleSubmitted:
    """An agent approved a knowledge-base article drafted from ``ticket_key``, as they
    edited it in the review form (``event_id`` is the form submission's id)."""

    person: Person
    place: Place
    ticket_key: str
    title: str
    questions: tuple[str, ...]
    answer: str
    event_id: str


Event = MessageReceived | ButtonPressed | CommandIssued | ArticleSubmitted
