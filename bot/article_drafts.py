"""Drafting a knowledge-base article from a resolved ticket's transcript.

The draft is only a proposal for an agent to review: the requester's own words become the
title and the ways people ask, the replies the requester was given become the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.records import MessageRecord, Ticket
from kb.articles import Audience

__all__ = ["MAX_QUESTIONS", "TITLE_LIMIT", "ArticleDraft", "audience_for", "draft_article"]

TITLE_LIMIT = 120
QUESTION_LIMIT = 200
MAX_QUESTIONS = 8

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
    """The ticket's question and the requester's other messages as phrasings, and every
    reply relayed to the requester (an agent's words, not the bot's notices) as the answer.

    Commands (``/human ...``) and internal notes are left out.
    """
    requester = ticket.requester.name or ticket.requester.platform_id
    asked = [ticket.subject]
    answers: list[str] = []
    for message in transcript:
        text = message.text.strip()
        if not text or text.startswith("/") or message.author is None:
            continue
        if message.direction == "in" and message.author == requester:
            asked.append(text)
        elif message.direction in ("in", "out"):
            answers.append(text)
    questions = tuple(dict.fromkeys(_one_line(q, QUESTION_LIMIT) for q in asked if q.strip()))
    return ArticleDraft(
        ticket_key=ticket.key,
        title=_one_line(ticket.subject, TITLE_LIMIT),
        questions=questions[:MAX_QUESTIONS],
        answer="\n\n".join(answers),
        audience=audience_for(ticket.place.platform),
        locale=locale,
    )


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]
