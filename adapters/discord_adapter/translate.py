"""Discord payloads -> tier0 events. Pure: wire-shaped dicts in, plain events out.

The payloads are the JSON Discord sends (MESSAGE_CREATE, INTERACTION_CREATE); only the
keys read here matter, so recorded payload files are the test fixtures. Where a message
counts (a support channel, a ticket's private thread...) is decided by :class:`Layout`
from the channel alone, without asking the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

import discord

from adapters.discord_adapter.ids import PLATFORM, parse_custom_id, personal_place, place
from adapters.discord_adapter.payloads import InteractionPayload, MessagePayload
from adapters.malformed import ignoring_malformed
from bot.commands import command
from bot.events import (
    ArticleSubmitted,
    ButtonPressed,
    CommandIssued,
    Event,
    MessageReceived,
    Person,
    Place,
)

__all__ = [
    "NO_REASON",
    "PANEL_COMMAND",
    "ArticleReview",
    "Channel",
    "ChannelKind",
    "Layout",
    "ModalRequest",
    "data_of",
    "interaction_event",
    "message_event",
    "person_of",
]

Json = Mapping[str, Any]
ChannelKind = Literal["support", "dm", "ticket_thread", "card_thread", "triage", "text", "other"]
THREADS: Final = frozenset(
    {
        discord.ChannelType.news_thread,
        discord.ChannelType.public_thread,
        discord.ChannelType.private_thread,
    }
)
CHAT_MESSAGE_TYPES: Final = frozenset(
    {discord.MessageType.default.value, discord.MessageType.reply.value}
)
"""A person writing (or replying); not joins, pins or thread notices."""
PANEL_COMMAND: Final = "support-panel"
NO_REASON: Final = "(no reason given)"
_MODALS: Final[tuple[Literal["ask", "escalate", "comment"], ...]] = ("ask", "escalate", "comment")


@dataclass(frozen=True)
class Channel:
    """What the adapter needs to know about a channel to tell what happens in it."""

    id: str
    type: discord.ChannelType
    parent_id: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True)
class Layout:
    """The configured channels and the bot's own id."""

    bot_id: str
    support_channels: frozenset[str]
    triage_channels: frozenset[str]
    support_command: str = "support"

    def classify(self, channel: Channel) -> ChannelKind:
        if channel.type is discord.ChannelType.private:
            return "dm"
        if channel.type in THREADS:
            if (
                channel.parent_id in self.support_channels
                and channel.type is discord.ChannelType.private_thread
                and channel.owner_id == self.bot_id
            ):
                return "ticket_thread"
            if channel.parent_id in self.triage_channels:
                return "card_thread"
            return "other"
        if channel.id in self.support_channels:
            return "support"
        return "triage" if channel.id in self.triage_channels else "text"


@dataclass(frozen=True)
class ModalRequest:
    """The press asks for text first: ``ask`` a question, ``escalate`` (reason), ``comment``."""

    kind: Literal["ask", "escalate", "comment"]
    value: str = ""
    locale: str | None = None
    """The language of the person's Discord client, for the form's words."""


@dataclass(frozen=True)
class ArticleReview:
    """An agent pressed "Save as article" on ``key``'s card: answer with the review form."""

    key: str
    person: Person


def person_of(payload: MessagePayload | InteractionPayload, locale: str | None = None) -> Person:
    """The author of a message or the user of an interaction, with their role ids."""
    raw = cast(Json, payload)  # a message has an author, an interaction a user
    member: Json = raw.get("member") or {}
    user: Json = raw.get("author") or member.get("user") or raw.get("user") or {}
    name = member.get("nick") or user.get("global_name") or user.get("username") or ""
    roles = frozenset(str(role) for role in member.get("roles") or ())
    return Person(PLATFORM, str(user.get("id", "")), str(name), locale, roles)


@ignoring_malformed(PLATFORM, None)
def message_event(
    payload: MessagePayload, kind: ChannelKind, layout: Layout
) -> MessageReceived | None:
    """A person's message in a support channel, a DM, a ticket thread or a card thread."""
    author: Json = payload.get("author") or {}
    if author.get("bot") or payload.get("webhook_id") or str(author.get("id")) == layout.bot_id:
        return None
    if int(payload.get("type") or 0) not in CHAT_MESSAGE_TYPES:
        return None
    channel_id = str(payload["channel_id"])
    if kind == "support":
        where = personal_place(channel_id, str(author["id"]))
    elif kind in ("dm", "ticket_thread", "card_thread"):
        where = place(channel_id)
    else:
        return None
    return MessageReceived(person_of(payload), where, _text(payload), message_id=str(payload["id"]))


@ignoring_malformed(PLATFORM, None)
def interaction_event(
    payload: InteractionPayload, kind: ChannelKind, layout: Layout
) -> Event | ModalRequest | ArticleReview | None:
    """A slash command, a button or menu press, or a modal submission; None if not tier0's."""
    data = data_of(payload)
    person = person_of(payload, payload.get("locale"))
    where = _interaction_place(kind, str(payload.get("channel_id")), person.id)
    event_id = str(payload["id"])
    kind_of = int(payload.get("type") or 0)
    if kind_of == discord.InteractionType.application_command.value:
        return _command(str(data.get("name")), _options(data), person, where, event_id, layout)
    parsed = parse_custom_id(str(data.get("custom_id", "")))
    if parsed is None:
        return None
    action, value = parsed
    if kind_of == discord.InteractionType.component.value:
        return _component(action, value, data.get("values"), person, where, event_id)
    if kind_of == discord.InteractionType.modal_submit.value:
        return _modal(action, value, _fields(data), person, where, event_id)
    return None


def data_of(payload: InteractionPayload) -> Json:
    """The interaction's data (a command's name and options, a component's custom id...),
    read key by key: its shape depends on the interaction's type."""
    return cast(Json, payload.get("data") or {})


def _interaction_place(kind: ChannelKind, channel_id: str, user_id: str) -> Place:
    if kind in ("dm", "ticket_thread", "card_thread", "triage"):
        return place(channel_id)
    return personal_place(channel_id, user_id)


def _command(
    name: str,
    options: dict[str, str],
    person: Person,
    where: Place,
    event_id: str,
    layout: Layout,
) -> Event | ModalRequest | None:
    if name == layout.support_command:
        question = options.get("question", "").strip()
        if not question:
            return ModalRequest("ask", locale=person.locale)
        return MessageReceived(person, where, question, message_id=event_id)
    declared = command(name)
    if declared is None:
        return None
    args: list[str] = [options["ticket"]] if options.get("ticket") else []
    argument = declared.argument
    if argument is not None and options.get(argument.name):
        value = options[argument.name]
        args.append(f"{PLATFORM}:{value}" if argument.kind == "agent" else value)
    elif name == "escalate":
        args.append(NO_REASON)
    return CommandIssued(person, where, name, tuple(args), event_id)


def _component(
    action: str,
    value: str,
    values: Sequence[str] | None,
    person: Person,
    where: Place,
    event_id: str,
) -> Event | ModalRequest | ArticleReview | None:
    picked = str(values[0]) if values else ""
    if action == "priority":
        return (
            CommandIssued(person, where, "priority", (value, picked), event_id) if picked else None
        )
    if action == "save_article":
        return ArticleReview(value, person)
    for modal_kind in _MODALS:
        if action == modal_kind:
            return ModalRequest(modal_kind, value, person.locale)
    if action == "pick" and values is not None:
        value = picked
    return ButtonPressed(person, where, action, value, event_id)


def _modal(
    action: str,
    value: str,
    fields: dict[str, str],
    person: Person,
    where: Place,
    event_id: str,
) -> Event | None:
    text = fields.get("text", "").strip()
    if action == "ask":
        return MessageReceived(person, where, text, message_id=event_id)
    if action == "escalate":
        return CommandIssued(person, where, "escalate", (value, text or NO_REASON), event_id)
    if action == "article":
        questions = tuple(fields.get("questions", "").splitlines())
        title, answer = fields.get("title", ""), fields.get("answer", "")
        return ArticleSubmitted(person, where, value, title, questions, answer, event_id)
    if action == "comment":
        if not text:
            return ButtonPressed(person, where, "skip_comment", value, event_id)
        return MessageReceived(person, where, text, message_id=event_id)
    return None


def _options(data: Json) -> dict[str, str]:
    """Top-level options by name; user options arrive as the user's id."""
    return {str(o["name"]): str(o.get("value", "")) for o in data.get("options") or ()}


def _fields(data: Json) -> dict[str, str]:
    """Text inputs of a modal submission, in action rows or (newer forms) labels."""
    found: dict[str, str] = {}
    for top in data.get("components") or ():
        inner = top.get("components") or ([top["component"]] if "component" in top else [])
        for component in inner:
            found[str(component.get("custom_id"))] = str(component.get("value") or "")
    return found


def _text(payload: Json) -> str:
    """The message text, with links to any attachments so agents can open them."""
    content = str(payload.get("content") or "")
    links = [str(a["url"]) for a in payload.get("attachments") or () if a.get("url")]
    return "\n".join([content, *links]) if links else content
