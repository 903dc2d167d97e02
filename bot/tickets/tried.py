"""What the bot tried before a ticket was opened, in words for the agents who work it.

The cards (Slack, Discord, console) and ``tier0 tickets show`` list each article tried,
how sure the bot was and how it went, so whoever picks a ticket up never has to ask "what
did you already try?". Plain text: each adapter escapes it for its platform.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.attempts import Attempt
from bot.i18n.messages import say

__all__ = ["article_named", "certainty", "outcome", "tried_lines"]


def tried_lines(attempts: Sequence[Attempt] | None, locale: str) -> list[str]:
    """One line per article, in the order tried: "VPN won't connect (vpn) · 81% sure ·
    answered with: did not help"; none when nothing was tried; for a ticket from before
    they were recorded, a line that says so."""
    if attempts is None:
        return [say("card.tried_not_recorded", locale)]
    return [
        " · ".join(
            part for part in (article_named(a), certainty(a, locale), outcome(a, locale)) if part
        )
        for a in attempts
    ]


def article_named(attempt: Attempt) -> str:
    """Its title and id (just the id when that is all that was kept)."""
    if attempt.title == attempt.article_id:
        return attempt.article_id
    return f"{attempt.title} ({attempt.article_id})"


def certainty(attempt: Attempt, locale: str) -> str:
    """How sure the bot was that it fits ("81% sure"), or nothing when not known."""
    if attempt.confidence is None:
        return ""
    return say("attempt.confidence", locale, percent=round(attempt.confidence * 100))


def outcome(attempt: Attempt, locale: str) -> str:
    """How it was shown and what the person made of it: "offered in a list: another was
    picked"."""
    shown = say(f"attempt.shown.{attempt.shown}", locale)
    return f"{shown}: {say(f'attempt.verdict.{attempt.verdict}', locale)}"
