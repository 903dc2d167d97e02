"""The questions the bot looked up and how each went on: what KB gaps are found from.

Part of the storage contract (``bot.store``): ``storage.repository`` implements it on
SQLAlchemy, ``tests.fakes.memory`` in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.records import Conversation, User
from bot.store.sla import JobRuns
from kb.gaps import Asked

__all__ = ["GapsStore", "QuestionStore"]


class QuestionStore(Protocol):
    def record_question(
        self,
        conversation: Conversation,
        user: User,
        text: str,
        decision: str,
        now: datetime,
        *,
        article_id: str | None = None,
    ) -> None:
        """A question the bot looked up: its decision, and the article it answered with."""
        ...

    def settle_question(
        self,
        conversation_id: int,
        now: datetime,
        *,
        outcome: str | None = None,
        article_id: str | None = None,
        ticket_id: int | None = None,
    ) -> None:
        """Note how the conversation's latest question went on (an article picked from a
        list) or ended (solved, still need help, none of these, a ticket)."""
        ...

    def unsettled_questions(
        self, since: datetime, until: datetime, platform: str | None = None
    ) -> Sequence[Asked]:
        """Questions asked in [since, until) that the KB did not settle, oldest first."""
        ...


class GapsStore(QuestionStore, JobRuns, Protocol):
    """The weekly KB-gaps post: the week's unsettled questions, posted once a week."""
