"""Block Kit pieces every rendered Slack message is built from, and what rendering knows.

Text passed to :func:`section` is mrkdwn the caller has escaped; labels (buttons, headers,
options) are plain text, kept to one visible line here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from adapters.slack.mrkdwn import SECTION_LIMIT, escaped, markdown_to_mrkdwn
from adapters.slack.translate import button_action_id
from adapters.text import visible
from bot.actions import Button
from bot.events import Person, Place
from bot.i18n.catalogues import SOURCE_LOCALE
from bot.records import Card

__all__ = [
    "JSON",
    "ApiCall",
    "CardPosted",
    "Context",
    "button",
    "buttons",
    "ephemeral",
    "label",
    "mrkdwn_body",
    "name",
    "post",
    "section",
]

JSON = dict[str, Any]
LABEL_LIMIT: Final = 75
BUTTONS_PER_BLOCK: Final = 25


@dataclass(frozen=True)
class CardPosted:
    """After this call succeeds, its message is the ticket's card for ``tier``."""

    key: str
    tier: int


@dataclass(frozen=True)
class ApiCall:
    method: str
    args: JSON
    card: CardPosted | None = None
    thread_for: str | None = None
    """After this call succeeds, the ticket with this key continues in its message's thread."""


@dataclass(frozen=True)
class Context:
    """What rendering needs beyond the action: settings, the knowledge base, card locations.

    ``locale`` is the help desk's default language, the one agents read.
    """

    priorities: tuple[str, ...] = ()
    triage_channels: Mapping[int, str] = field(default_factory=dict)
    top_tier: int = 1
    article_titles: Mapping[str, str] = field(default_factory=dict)
    article_bodies: Mapping[str, str] = field(default_factory=dict)
    tier_groups: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    cards: tuple[Card, ...] = ()
    locale: str = SOURCE_LOCALE


def post(place: Place, fallback: str, blocks: Sequence[JSON]) -> ApiCall:
    args: JSON = {
        "channel": place.channel,
        "text": escaped(fallback),
        "blocks": list(blocks),
        "unfurl_links": False,
        "unfurl_media": False,
    }
    if place.thread:
        args["thread_ts"] = place.thread
    return ApiCall("chat.postMessage", args)


def ephemeral(person: Person, place: Place, fallback: str, blocks: Sequence[JSON] = ()) -> ApiCall:
    """Shown to ``person`` alone where they are; if Slack cannot (they left the channel),
    the call fails and nothing is shown: never a message for everyone there."""
    args: JSON = {"channel": place.channel, "user": person.id, "text": escaped(fallback)}
    if blocks:
        args["blocks"] = list(blocks)
    if place.thread:
        args["thread_ts"] = place.thread
    return ApiCall("chat.postEphemeral", args)


def section(mrkdwn: str) -> JSON:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn or " "}}


def label(text: str, limit: int = LABEL_LIMIT) -> str:
    """Plain text for a button, header or option: one line, nothing invisible."""
    text = " ".join(visible(text).split()) or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def button(text: str, action_id: str, value: str, style: str = "default") -> JSON:
    element: JSON = {
        "type": "button",
        "text": {"type": "plain_text", "text": label(text), "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style != "default":
        element["style"] = style
    return element


def buttons(offered: Sequence[Button], extra: Sequence[JSON] = ()) -> list[JSON]:
    elements = [
        button(b.label, button_action_id(b, i), b.value, b.style) for i, b in enumerate(offered)
    ]
    elements += extra
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def mrkdwn_body(body: str, limit: int | None = SECTION_LIMIT) -> str:
    """An article's Markdown as Slack mrkdwn, cut to ``limit`` characters."""
    text = markdown_to_mrkdwn(body.strip())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def name(person: Person) -> str:
    return person.name or person.id
