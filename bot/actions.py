"""Plain-data actions that the engine returns and adapters render.

Text fields are data, never markup: each adapter escapes them for its platform and
forbids mass mentions, so no user text can ping @everyone or forge formatting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final, Literal

from bot.attempts import Attempt
from bot.events import Person, Place

__all__ = [
    "Action",
    "AnswerArticle",
    "ArticleRef",
    "AskRating",
    "Button",
    "ChangeKind",
    "OfferArticles",
    "PostDigest",
    "PostTicketCard",
    "Refuse",
    "RelayToAgents",
    "RelayToRequester",
    "RemindAgents",
    "Reply",
    "TicketView",
    "UpdateTicketCard",
    "addressee",
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
    """A snapshot of a ticket for rendering cards and notices.

    The SLA fields let a card show what is due: ``first_response_due_at`` (None once
    answered, or without SLA), ``resolution_due_at``, whether the clock is ``sla_paused``
    (waiting on the requester), and which targets were ``breached`` ("first_response",
    "resolution"). ``attempts``: the articles the bot tried before the ticket was opened
    (None: not recorded, the ticket is older than that record).
    """

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
    attempts: tuple[Attempt, ...] | None = ()
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_paused: bool = False
    breached: tuple[str, ...] = ()
    locale: str = "en"
    """The language the bot speaks with the requester (a shipped catalogue's tag)."""


@dataclass(frozen=True)
class Reply:
    """Text to post in a place, with optional buttons.

    ``locale`` (here and on answers and offers) is the language of the person addressed,
    for the words an adapter adds itself (a "Show full answer" button, a form's title).
    ``to``: meant for that person alone (the answer to their command): an adapter shows it
    only to them, or sends it to them privately, or drops it; never where others read it.
    ``ticket_key``: this message announces that ticket. Where a conversation has threads
    but this message is not in one (a Slack DM), the ticket continues in its thread: the
    adapter moves it there (``move_ticket``), so new questions stay outside it.
    """

    place: Place
    text: str
    buttons: tuple[Button, ...] = ()
    locale: str = "en"
    to: Person | None = None
    ticket_key: str | None = None


@dataclass(frozen=True)
class AnswerArticle:
    """A knowledge-base answer, followed by the question whether it solved the problem."""

    place: Place
    article: ArticleRef
    text: str
    buttons: tuple[Button, ...]
    locale: str = "en"


@dataclass(frozen=True)
class OfferArticles:
    """Several plausible articles to pick from, plus a way out ("None of these")."""

    place: Place
    text: str
    articles: tuple[ArticleRef, ...]
    buttons: tuple[Button, ...]
    locale: str = "en"


@dataclass(frozen=True)
class PostTicketCard:
    """A new ticket: post its card where agents of its tier will see it."""

    ticket: TicketView


class ChangeKind(StrEnum):
    """What happened to a ticket, as a code to compare: the kind of its history entry, and
    what a card update is about. The words shown to people are ``UpdateTicketCard.change``.
    """

    OPENED = "opened"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    ASSIGNED = "assigned"
    AGENT_REPLIED = "agent_replied"
    REQUESTER_REPLIED = "requester_replied"
    ESCALATED = "escalated"
    PRIORITY_CHANGED = "priority"
    RESOLVED = "resolved"
    AUTO_RESOLVED = "auto_resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    LINKED = "linked"
    SLA_BREACHED = "sla_breached"
    DESCRIBED = "described"
    """A ticket opened without a question got one: the requester's first words."""
    UNSPECIFIED = "unspecified"
    """A card update stored before updates carried a kind: redraw the card, nothing more."""


_KINDS_BY_CODE: Final = {
    kind.value: kind for kind in ChangeKind if kind is not ChangeKind.UNSPECIFIED
}


@dataclass(frozen=True)
class UpdateTicketCard:
    """A ticket changed (claimed, escalated, resolved...): edit its card in place.

    ``change`` is the text shown on the card; ``kind`` is what code compares.
    """

    ticket: TicketView
    change: str
    kind: ChangeKind = ChangeKind.UNSPECIFIED

    def __post_init__(self) -> None:
        """An update stored before kinds existed said what happened in words alone, and the
        words of those that mattered ("claimed", "reopened"...) were the kind's own code:
        read them as the kind, so an update queued across an upgrade still acts."""
        if self.kind is ChangeKind.UNSPECIFIED and self.change in _KINDS_BY_CODE:
            object.__setattr__(self, "kind", _KINDS_BY_CODE[self.change])


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
class RemindAgents:
    """A nudge for the agents of the ticket's tier, in its triage channel (or card thread).

    ``kind`` is "reminder" (unclaimed, first response due soon) or "breach" (an SLA target
    was missed and there is no higher tier to escalate to, or escalation is off): adapters
    may want to make a breach louder, e.g. by mentioning the tier's role.
    """

    ticket: TicketView
    text: str
    kind: Literal["reminder", "breach"] = "reminder"


@dataclass(frozen=True)
class PostDigest:
    """The daily digest for one tier's triage channel on one platform.

    ``text`` is the whole digest as plain lines; the other fields carry the same numbers
    for adapters that lay it out themselves (Block Kit sections, an embed).
    """

    platform: str
    tier: int
    tier_name: str
    day: date
    text: str
    open_by_priority: tuple[tuple[str, int], ...]
    open_by_age: tuple[tuple[str, int], ...]
    unclaimed: tuple[str, ...]
    breached: tuple[str, ...]
    deflections: int


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
    | RemindAgents
    | PostDigest
    | Refuse
)


def addressee(action: Action) -> Person | None:
    """The one person an action is meant for (a refusal, the answer to a command), or None
    for what may be read by everyone in its place. Stored with the action, so it holds for
    a delivery sent long after the event, when the platform's private route is gone."""
    if isinstance(action, Refuse):
        return action.person
    if isinstance(action, Reply):
        return action.to
    return None
