"""Drafting a knowledge-base article from a resolved ticket's transcript.

The draft is only a proposal for an agent to review: the question that opened the ticket
becomes the title and the way people ask, the replies the requester was given the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.records import MessageRecord, Ticket
from kb.articles import Audience

__all__ = ["TITLE_LIMIT", "ArticleDraft", "audience_for", "draft_article"]

TITLE_LIMIT = 120
QUESTION_LIMIT = 200

_AUDIENCES: dict[str, Audience] = {"slack": "internal", "discord": "external"}
"""Slack is where colleagues ask (an internal help desk), Discord where a community does."""


@dataclass(frozen=True)
class ArticleDraft:
    """What the review form starts with; the agent may change every text field."""

    ticket_key: str
    title: str
    questions: tuple[str, ...]
    answer: str
    audience: Audience
    locale: str


def audience_for(platform: str) -> Audience:
    return _AUDIENCES.get(platform, "all")


def draft_article(ticket: Ticket, transcript: Sequence[MessageRecord], locale: str) -> ArticleDraft:
    """The ticket's question (its subject) as the title and the one phrasing, and every
    reply relayed to the requester (an agent's words, not the bot's notices) as the answer.

    Nothing else the requester wrote is taken: a follow-up or a rating's comment is about
    their own case (an address, a thank-you), not a way others ask; the reviewing agent
    adds phrasings. Commands (``/human ...``) and internal notes are left out.
    """
    requester = ticket.requester.name or ticket.requester.platform_id
    answers = [
        text
        for message in transcript
        if (text := message.text.strip())
        and not text.startswith("/")
        and message.author not in (None, requester)
        and message.direction in ("in", "out")
    ]
    question = _one_line(ticket.subject, QUESTION_LIMIT)
    return ArticleDraft(
        ticket_key=ticket.key,
        title=_one_line(ticket.subject, TITLE_LIMIT),
        questions=(question,) if question else (),
        answer="\n\n".join(answers),
        audience=audience_for(ticket.place.platform),
        locale=locale,
    )


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]
