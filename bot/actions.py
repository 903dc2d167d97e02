"""Plain-data actions that the engine returns and adapters render.

Text fields are data, never markup: each adapter escapes them for its platform and
forbids mass mentions, so no user text can ping @everyone or forge formatting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.events import Person, Place

__all__ = [
    "Action",
    "AnswerArticle",
    "ArticleRef",
    "AskRating",
    "Button",
    "OfferArticles",
    "PostTicketCard",
    "Refuse",
    "RelayToAgents",
    "RelayToRequester",
    "Reply",
    "TicketView",
    "UpdateTicketCard",
]

ButtonStyle = Literal["default", "primary", "danger"]


@dataclass(frozen=True)
class Button:
    """A choice offered to the user; pressing it comes back as ``ButtonPressed(action, value)``."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = "default"


@dataclass(frozen=True)
class ArticleRef:
    """An article as shown in chat: enough to render it, not the whole body."""

    id: str
    title: str
    summary: str
    confidence: float
    locale: str = "en"


@dataclass(frozen=True)
class TicketView:
    """A snapshot of a ticket for rendering cards and notices."""

    key: str
    status: str
    tier: int
    tier_name: str
    priority: str
    subject: str
    requester: Person
    place: Place
    assignee: Person | None
    created_at: datetime
    failed_article_id: str | None = None


@dataclass(frozen=True)
class Reply:
    """Text to post in a place, with optional buttons."""

    place: Place
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class AnswerArticle:
    """A knowledge-base answer, followed by the question whether it solved the problem."""

    place: Place
    article: ArticleRef
    text: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class OfferArticles:
    """Several plausible articles to pick from, plus a way out ("None of these")."""

    place: Place
    text: str
    articles: tuple[ArticleRef, ...]
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class PostTicketCard:
    """A new ticket: post its card where agents of its tier will see it."""

    ticket: TicketView


@dataclass(frozen=True)
class UpdateTicketCard:
    """A ticket changed (claimed, escalated, resolved...): edit its card in place."""

    ticket: TicketView
    change: str


@dataclass(frozen=True)
class RelayToRequester:
    """An agent's words for the requester, delivered by the bot in the ticket's place."""

    ticket: TicketView
    text: str
    author: Person


@dataclass(frozen=True)
class RelayToAgents:
    """Words for the agents on a ticket; ``internal`` notes never reach the requester."""

    ticket: TicketView
    text: str
    author: Person
    internal: bool = False


@dataclass(frozen=True)
class AskRating:
    """The ticket was resolved: ask the requester for a 1-5 rating (and offer to reopen)."""

    ticket: TicketView
    text: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Refuse:
    """An action was not allowed or not understood; shown only to ``person`` where possible."""

    person: Person
    place: Place
    reason: str


Action = (
    Reply
    | AnswerArticle
    | OfferArticles
    | PostTicketCard
    | UpdateTicketCard
    | RelayToRequester
    | RelayToAgents
    | AskRating
    | Refuse
)
