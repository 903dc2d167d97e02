"""The storage contract the engine relies on; ``storage.repository`` implements it.

One ``Store`` lives for one unit of work (one transaction); it never commits by itself.
Ticket changes are compare-and-set: ``update_ticket`` only applies when the ticket is
still in one of the expected states, so concurrent agents get one winner.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from bot.events import Person, Place
from bot.records import (
    Card,
    Conversation,
    MessageRecord,
    Role,
    StoredDelivery,
    Ticket,
    TicketClock,
    TicketEventRecord,
    UnhandledMessage,
    User,
)
from kb.gaps import Asked

__all__ = ["Store", "UnitOfWork"]


class Store(Protocol):
    def is_processed(self, platform: str, event_id: str) -> bool: ...

    def mark_processed(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record the event as handled; False when it already was (a duplicate delivery)."""
        ...

    def save_user(self, person: Person, role: Role, now: datetime) -> User:
        """Create or update; the person's roles are stored as seen on this event, and so is
        their platform's locale unless they chose a language (:meth:`set_locale`)."""
        ...

    def set_locale(self, user: User, locale: str | None, chosen: bool, now: datetime) -> User:
        """Write to ``user`` in ``locale``; a ``chosen`` one outlasts what the platform says
        on later events, an unchosen one follows it again."""
        ...

    def find_user(self, platform: str, platform_id: str) -> User | None: ...

    def conversation(self, place: Place, now: datetime) -> Conversation:
        """The conversation in ``place``, created on first contact."""
        ...

    def save_conversation(self, conversation: Conversation, now: datetime) -> None: ...

    def record_inbound(
        self,
        message_id: str,
        text: str,
        user: User,
        conversation: Conversation,
        now: datetime,
        *,
        event_id: str | None = None,
        kind: str = "message",
    ) -> bool:
        """Store an inbound message; False when this platform message id was stored before."""
        ...

    def is_inbound_handled(self, platform: str, message_id: str) -> bool: ...

    def unhandled_inbound(self, before: datetime, limit: int) -> Sequence[UnhandledMessage]:
        """Inbound messages stored before ``before`` and never handled, oldest first."""
        ...

    def mark_inbound_handled(
        self, platform: str, message_id: str, ticket_id: int | None, now: datetime
    ) -> None: ...

    def count_replay(self, platform: str, message_id: str) -> int:
        """One more replay of this inbound message (``bot.delivery.replay``); how many so far."""
        ...

    def recent_inbound(
        self, user_id: int, after: datetime, until: datetime, limit: int
    ) -> Sequence[datetime]:
        """When what the person sent in (``after``, ``until``] came (messages, commands, and
        events marked with :meth:`record_sender`), newest first, at most ``limit``: the rate
        limit all workers share (``bot.conversation.limits``)."""
        ...

    def record_sender(self, platform: str, event_id: str, user_id: int) -> None:
        """Who sent this processed event (a button press, a form): not stored as a message,
        it is counted by :meth:`recent_inbound` through this."""
        ...

    def record_message(
        self,
        conversation_id: int,
        text: str,
        direction: str,
        now: datetime,
        *,
        user: User | None = None,
        ticket_id: int | None = None,
    ) -> None:
        """Store a message the bot sent or relayed, or an internal note."""
        ...

    def open_ticket(
        self,
        *,
        requester: User,
        conversation: Conversation,
        subject: str,
        priority: str,
        tier: int,
        failed_article_id: str | None,
        now: datetime,
    ) -> Ticket: ...

    def ticket(self, ticket_id: int) -> Ticket: ...

    def move_ticket(self, ticket: Ticket, conversation: Conversation, now: datetime) -> Ticket:
        """Make ``conversation`` the ticket's own (e.g. a private thread made for it)."""
        ...

    def ticket_by_key(self, key: str) -> Ticket | None: ...

    def update_ticket(
        self, ticket: Ticket, expected_statuses: Collection[str], now: datetime, **changes: Any
    ) -> Ticket | None:
        """Apply ``changes`` if the ticket's status is still one of ``expected_statuses`` and
        its tier is still ``ticket.tier`` (what permissions were checked against).

        Returns the updated ticket, or None when someone else changed it first.
        """
        ...

    def log_ticket_event(
        self,
        ticket: Ticket,
        actor: User | None,
        kind: str,
        now: datetime,
        *,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: str = "",
    ) -> None: ...

    def ticket_events(self, ticket_id: int) -> Sequence[TicketEventRecord]: ...

    def transcript(self, ticket_id: int) -> Sequence[MessageRecord]: ...

    def list_tickets(
        self,
        statuses: Collection[str] | None = None,
        limit: int = 50,
        *,
        requester_id: int | None = None,
    ) -> Sequence[Ticket]:
        """Newest first, optionally only some statuses and one requester's."""
        ...

    def add_feedback(
        self,
        *,
        user: User,
        conversation: Conversation,
        kind: str,
        now: datetime,
        article_id: str | None = None,
        ticket_id: int | None = None,
        helpful: bool | None = None,
        rating: int | None = None,
        comment: str | None = None,
        question: str | None = None,
    ) -> None: ...

    # -- questions (for reports and KB gaps) ----------------------------------------------

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

    # -- outbox and ticket cards ----------------------------------------------------------

    def enqueue(self, queued: Sequence[tuple[str, str, str]], now: datetime) -> Sequence[int]:
        """Store actions to send, each (platform, lane, payload); their outbox ids, in the
        same order (a lane is sent in id order)."""
        ...

    def pending_deliveries(
        self, platform: str, now: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        """Unsent actions due by ``now``, oldest first; none queued behind an earlier action
        of its lane that waits for a retry, so a lane is never sent out of order."""
        ...

    def claim_deliveries(
        self, platform: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        """Claim for ``worker`` until ``until`` due actions no other worker holds, oldest
        first: whole runs of a lane from its oldest unsent action, so each lane is sent by
        one worker at a time, in order. Of N workers claiming at once, one gets each row."""
        ...

    def renew_claims(
        self, delivery_ids: Collection[int], worker: str, until: datetime
    ) -> Collection[int]:
        """Extend ``worker``'s claims on these unsent actions to ``until``; the ids it holds."""
        ...

    def release_deliveries(self, delivery_ids: Collection[int], worker: str) -> None:
        """Give back claims ``worker`` still holds on these actions, unsent."""
        ...

    def mark_delivered(self, delivery_ids: Collection[int], now: datetime) -> None:
        """Record these actions as sent (one statement for a batch the platform took)."""
        ...

    def mark_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None: ...

    def record_card(self, ticket: Ticket, card: Card, now: datetime) -> None: ...

    def cards(self, ticket_id: int) -> Sequence[Card]:
        """The ticket's cards, oldest first (one per tier it was posted to)."""
        ...

    # -- SLA clocks and scheduled jobs ----------------------------------------------------

    def set_clock(self, ticket: Ticket, clock: TicketClock, now: datetime) -> Ticket:
        """Store the ticket's SLA clock; call it only on a ticket this transaction changed
        or locked, so the clock cannot overwrite someone else's newer one."""
        ...

    def due_ticket_ids(self, now: datetime, limit: int) -> Sequence[int]:
        """Tickets whose clock has something due by ``now`` (``next_at``), earliest first."""
        ...

    def lock_due_ticket(self, ticket_id: int, now: datetime) -> Ticket | None:
        """The ticket, locked until commit, if it is still due and no other worker holds it."""
        ...

    def platform_tickets(self, platform: str, statuses: Collection[str]) -> Sequence[Ticket]:
        """Tickets asked on ``platform`` in one of ``statuses``, oldest first (for digests)."""
        ...

    def count_feedback(self, platform: str, kind: str, start: datetime, end: datetime) -> int:
        """Feedback of ``kind`` (e.g. "solved": a deflection) given on ``platform``."""
        ...

    def claim_job_run(self, job: str, period: str, now: datetime) -> bool:
        """Record that ``job`` runs for ``period``; False when it already did (elsewhere)."""
        ...


UnitOfWork = Callable[[], AbstractContextManager[Store]]
"""Opens one transaction: commits when the block ends normally, rolls back on error."""
