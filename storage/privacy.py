"""Personal-data queries, mixed into ``SqlStore``: export, erase, retention purge, audit log.

What belongs to a person:

- their user row, the messages they wrote, the feedback they gave;
- the tickets they asked for, with everything written on them (replies, notes, history,
  comments, and agents' messages in the tickets' card threads);
- their own conversations (those no other person wrote in), with what the bot said there.

Erasing and purging blank text but keep every row, its timestamps and numbers, so ticket
counts, response times and ratings still add up in reports. Erasing also redacts the
person's words and names where rows of other people quote them (``storage.quoted``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Delete, Update, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.actions import Reply
from bot.delivery.outbox import lane_of
from bot.privacy.personal_data import KEPT_DETAIL_KINDS, REMOVED, AuditEntry, Quotes, Traces
from bot.records import ACTIVE_STATUSES
from storage.db import Database
from storage.models import (
    AuditLogRow,
    ConversationRow,
    FeedbackRow,
    MessageRow,
    OutboxRow,
    QuestionRow,
    TicketEventRow,
    TicketRow,
    UserRow,
)
from storage.quoted import QuotedCopies
from storage.repository import SqlStore
from storage.rows import place_of

__all__ = ["PrivacyQueries", "SqlPrivacyStore", "privacy_unit_of_work"]


class PrivacyQueries(QuotedCopies):
    session: Session
    key_prefix: str

    # -- what leads to copies -------------------------------------------------------------

    def traces(self, user_id: int) -> Traces:
        """Their tickets' keys, and their words as they wrote them: their messages (those
        others quoted to open a ticket included), their tickets' subjects, their questions
        and comments; their platform id and name."""
        user = self.session.get_one(UserRow, user_id)
        ticket_ids = self.session.scalars(
            select(TicketRow.id).where(TicketRow.requester_id == user_id).order_by(TicketRow.id)
        ).all()
        texts = [
            select(MessageRow.text).where(
                MessageRow.user_id == user_id, MessageRow.direction.in_(("in", "quoted"))
            ),
            select(TicketRow.subject).where(TicketRow.requester_id == user_id),
            select(QuestionRow.text).where(QuestionRow.user_id == user_id),
            select(FeedbackRow.comment).where(FeedbackRow.user_id == user_id),
            select(FeedbackRow.question).where(FeedbackRow.user_id == user_id),
        ]
        words = [text for query in texts for text in self.session.scalars(query) if text]
        names = (user.platform_user_id, user.display_name)
        return Traces(tuple(self._key(i) for i in ticket_ids), Quotes(words, names))

    # -- export ---------------------------------------------------------------------------

    def personal_data(
        self, user_id: int, traces: Traces, *, internal_notes: bool
    ) -> dict[str, Any]:
        """Everything stored about the person, as JSON-ready data; agents' internal notes
        on their tickets only when ``internal_notes`` (they are staff working material).

        ``copies`` lists the rows of other people quoting them (what erasure redacts), by
        kind and ticket, with the words quoted, not the rest of what others wrote."""
        user = self.session.get_one(UserRow, user_id)
        mine = self._belongings(user_id)
        tickets, conversations = mine.tickets, mine.conversations
        messages = self.session.scalars(
            select(MessageRow).where(mine.messages(staff=internal_notes)).order_by(MessageRow.id)
        ).all()
        feedback = self.session.scalars(
            select(FeedbackRow).where(FeedbackRow.user_id == user_id).order_by(FeedbackRow.id)
        ).all()
        questions = self.session.scalars(
            select(QuestionRow).where(QuestionRow.user_id == user_id).order_by(QuestionRow.id)
        ).all()
        keys = {ticket.id: self._key(ticket.id) for ticket in tickets}
        return {
            "person": {
                "platform": user.platform,
                "platform_id": user.platform_user_id,
                "display_name": user.display_name,
                "locale": user.locale,
                "role": user.role,
                "platform_roles": user.platform_roles.split(),
                "created_at": _time(user.created_at),
                "updated_at": _time(user.updated_at),
            },
            "conversations": [
                {
                    "id": c.id,
                    "platform": c.platform,
                    "channel": c.channel,
                    "thread": c.thread or None,
                    "state": c.state,
                    "last_question": c.question,
                    "created_at": _time(c.created_at),
                    "updated_at": _time(c.updated_at),
                }
                for c in conversations
            ],
            "tickets": [self._ticket_export(ticket) for ticket in tickets],
            "messages": [
                {
                    "id": m.id,
                    "conversation_id": m.conversation_id,
                    "ticket": keys.get(m.ticket_id) if m.ticket_id else None,
                    "direction": m.direction,
                    "author": _author(m, user_id),
                    "text": m.text,
                    "created_at": _time(m.created_at),
                }
                for m in messages
                if internal_notes or m.direction != "note"
            ],
            "feedback": [
                {
                    "kind": f.kind,
                    "ticket": self._key(f.ticket_id) if f.ticket_id else None,
                    "article_id": f.article_id,
                    "helpful": f.helpful,
                    "rating": f.rating,
                    "comment": f.comment,
                    "question": f.question,
                    "created_at": _time(f.created_at),
                }
                for f in feedback
            ],
            "questions": [
                {
                    "text": q.text,
                    "decision": q.decision,
                    "article_id": q.article_id,
                    "outcome": q.outcome,
                    "ticket": self._key(q.ticket_id) if q.ticket_id else None,
                    "created_at": _time(q.created_at),
                }
                for q in questions
            ],
            "copies": [
                {
                    "kind": copy.kind,
                    "ticket": self._key(copy.ticket_id) if copy.ticket_id else None,
                    "quoted": copy.quoted,
                }
                for copy in self.quoting(traces.quotes, self._own(mine))
            ],
        }

    def _ticket_export(self, ticket: TicketRow) -> dict[str, Any]:
        history = self.session.scalars(
            select(TicketEventRow)
            .where(TicketEventRow.ticket_id == ticket.id)
            .order_by(TicketEventRow.id)
        ).all()
        return {
            "key": self._key(ticket.id),
            "subject": ticket.subject,
            "status": ticket.status,
            "tier": ticket.tier,
            "priority": ticket.priority,
            "category": ticket.category,
            "created_at": _time(ticket.created_at),
            "first_response_at": _time(ticket.first_response_at),
            "resolved_at": _time(ticket.resolved_at),
            "closed_at": _time(ticket.closed_at),
            "history": [
                {
                    "kind": event.kind,
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "detail": event.detail,
                    "at": _time(event.created_at),
                }
                for event in history
            ],
        }

    # -- erase ----------------------------------------------------------------------------

    def erase_person(self, user_id: int, traces: Traces, now: datetime) -> dict[str, int]:
        """Blank the person's text and anonymise their user row, then redact their words
        where others' rows quote them; returns what changed.

        Their stored-but-unhandled messages are marked handled, so a replay never acts on
        an erased message. Outbox rows in their conversations (copies of what was said
        there, sent or not) are deleted: nothing more is said to someone erased.
        """
        mine = self._belongings(user_id)
        own = self._own(mine)
        counts = {
            "messages": self._blank_messages(own["message"], now),
            "tickets": self._blank_subjects(own["ticket_subject"]),
            "ticket_history": self._blank_details(own["ticket_history"]),
            "feedback": self._blank_feedback(own["feedback"]),
            "questions": self._blank_question_log(own["question"]),
            # Forgotten, and no longer leading to their tickets: writing again starts anew.
            "conversations": self._update(
                update(ConversationRow)
                .where(own["conversation"])
                .values(question=None, ticket_id=None, state="idle", offered="", article_id=None)
            ),
            "outbox": self._delete_outbox(own["outbox"]),
        }
        counts["quoted"] = self.redact_copies(traces.quotes)
        self.session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(
                platform_user_id=f"erased-{user_id}",
                display_name="",
                locale=None,
                platform_roles="",
                updated_at=now,
            )
        )
        return counts

    # -- retention ------------------------------------------------------------------------

    def purge_transcripts(self, before: datetime, now: datetime) -> dict[str, int]:
        """Blank text older than ``before``; tickets still being worked keep theirs.

        Messages not handled yet are kept: a replay still needs them.
        """
        finished = select(TicketRow.id).where(TicketRow.status.not_in(list(ACTIVE_STATUSES)))
        closed_before = select(TicketRow.id).where(
            TicketRow.status == "closed", TicketRow.closed_at < before
        )
        old_messages = (
            (MessageRow.created_at < before)
            & MessageRow.handled_at.is_not(None)
            & (MessageRow.ticket_id.is_(None) | MessageRow.ticket_id.in_(finished))
        )
        return {
            "messages": self._blank_messages(old_messages, now),
            "tickets": self._blank_subjects(TicketRow.id.in_(closed_before)),
            "ticket_history": self._blank_details(TicketEventRow.ticket_id.in_(closed_before)),
            "feedback": self._blank_feedback(FeedbackRow.created_at < before),
            "questions": self._blank_question_log(
                (QuestionRow.created_at < before)
                & (QuestionRow.ticket_id.is_(None) | QuestionRow.ticket_id.in_(finished))
            ),
            "conversations": self._blank_questions(ConversationRow.updated_at < before),
            "outbox": self._delete_outbox(
                OutboxRow.sent_at.is_not(None) & (OutboxRow.sent_at < before)
            ),
        }

    # -- audit log ------------------------------------------------------------------------

    def audit(
        self, action: str, actor: str, subject: str, detail: Mapping[str, Any], now: datetime
    ) -> None:
        self.session.add(
            AuditLogRow(
                action=action,
                actor=actor,
                subject=subject,
                detail=json.dumps(dict(detail), sort_keys=True),
                created_at=now,
            )
        )
        self.session.flush()

    def audit_log(self, limit: int = 100) -> Sequence[AuditEntry]:
        """The newest entries first."""
        rows = self.session.scalars(
            select(AuditLogRow).order_by(AuditLogRow.id.desc()).limit(limit)
        )
        return [
            AuditEntry(row.action, row.actor, row.subject, json.loads(row.detail), row.created_at)
            for row in rows
        ]

    # -- what belongs to a person ---------------------------------------------------------

    def _own(self, mine: _Belongings) -> dict[str, ColumnElement[bool]]:
        """The person's rows, by kind (as ``storage.quoted`` names them): blanked whole."""
        ticket_ids = mine.ticket_ids
        return {
            "message": mine.messages(staff=True),
            "ticket_subject": TicketRow.id.in_(ticket_ids),
            "ticket_history": TicketEventRow.ticket_id.in_(ticket_ids),
            "feedback": FeedbackRow.user_id == mine.user_id,
            "question": (QuestionRow.user_id == mine.user_id)
            | QuestionRow.ticket_id.in_(ticket_ids),
            "conversation": ConversationRow.id.in_([c.id for c in mine.conversations]),
            "outbox": OutboxRow.lane.in_([_lane(c) for c in mine.conversations]),
        }

    def _belongings(self, user_id: int) -> _Belongings:
        tickets = self.session.scalars(
            select(TicketRow).where(TicketRow.requester_id == user_id).order_by(TicketRow.id)
        ).all()
        ticket_ids = [ticket.id for ticket in tickets]
        return _Belongings(
            user_id,
            tickets,
            self._conversations_of(user_id, ticket_ids),
            self._commands_naming([self._key(ticket_id) for ticket_id in ticket_ids]),
            self._workspaces_of(ticket_ids),
        )

    def _workspaces_of(self, ticket_ids: Collection[int]) -> list[int]:
        """Their tickets' card threads, where agents write about the ticket (the replies
        relayed to them, notes, and what else agents say there)."""
        return list(
            self.session.scalars(
                select(ConversationRow.id).where(
                    ConversationRow.kind == "agents", ConversationRow.ticket_id.in_(ticket_ids)
                )
            )
        )

    def _conversations_of(
        self, user_id: int, ticket_ids: Collection[int]
    ) -> Sequence[ConversationRow]:
        """Their tickets' conversations, and those only they wrote in (a DM, their thread)."""
        wrote_in = select(MessageRow.conversation_id).where(
            MessageRow.direction == "in", MessageRow.user_id == user_id
        )
        others_wrote_in = select(MessageRow.conversation_id).where(
            MessageRow.direction == "in", MessageRow.user_id != user_id
        )
        ticket_places = select(TicketRow.conversation_id).where(TicketRow.id.in_(ticket_ids))
        return self.session.scalars(
            select(ConversationRow)
            .where(
                ConversationRow.id.in_(ticket_places)
                | (
                    ConversationRow.id.in_(wrote_in)
                    & ConversationRow.id.not_in(others_wrote_in)
                    & (ConversationRow.kind == "requester")
                )
            )
            .order_by(ConversationRow.id)
        ).all()

    def _commands_naming(self, keys: Sequence[str]) -> list[int]:
        """Agents' commands typed elsewhere about these tickets (``/reply T-7 ...``): the
        stored command is not part of the ticket, but its words are about the requester."""
        if not keys:
            return []
        candidates = self.session.execute(
            select(MessageRow.id, MessageRow.text).where(
                MessageRow.direction == "in",
                MessageRow.event_kind == "command",
                or_(*(MessageRow.text.icontains(key, autoescape=True) for key in keys)),
            )
        )
        naming = re.compile(
            "|".join(rf"(?<![\w-]){re.escape(key)}(?!\d)" for key in keys), re.IGNORECASE
        )
        return [row.id for row in candidates if naming.search(row.text)]

    # -- blanking -------------------------------------------------------------------------

    def _blank_messages(self, which: ColumnElement[bool], now: datetime) -> int:
        blanked = self._update(
            update(MessageRow).where(which, MessageRow.text != REMOVED).values(text=REMOVED)
        )
        # Erased before it was handled: it will never be handled.
        self.session.execute(
            update(MessageRow)
            .where(which, MessageRow.handled_at.is_(None))
            .values(handled_at=now)
            .execution_options(synchronize_session=False)
        )
        return blanked

    def _blank_subjects(self, which: ColumnElement[bool]) -> int:
        return self._update(
            update(TicketRow).where(which, TicketRow.subject != REMOVED).values(subject=REMOVED)
        )

    def _blank_details(self, which: ColumnElement[bool]) -> int:
        return self._update(
            update(TicketEventRow)
            .where(
                which,
                TicketEventRow.kind.not_in(sorted(KEPT_DETAIL_KINDS)),
                TicketEventRow.detail != "",
            )
            .values(detail="")
        )

    def _blank_feedback(self, which: ColumnElement[bool]) -> int:
        return self._update(
            update(FeedbackRow)
            .where(which, FeedbackRow.comment.is_not(None) | FeedbackRow.question.is_not(None))
            .values(comment=None, question=None)
        )

    def _blank_question_log(self, which: ColumnElement[bool]) -> int:
        return self._update(
            update(QuestionRow).where(which, QuestionRow.text != REMOVED).values(text=REMOVED)
        )

    def _blank_questions(self, which: ColumnElement[bool]) -> int:
        return self._update(
            update(ConversationRow)
            .where(which, ConversationRow.question.is_not(None))
            .values(question=None)
        )

    def _delete_outbox(self, which: ColumnElement[bool]) -> int:
        return self._update(delete(OutboxRow).where(which))

    def _update(self, statement: Update | Delete) -> int:
        """Rows changed (an UPDATE's or DELETE's rowcount is exact on both backends)."""
        options = statement.execution_options(synchronize_session=False)
        result = cast(CursorResult[Any], self.session.execute(options))
        return int(result.rowcount or 0)

    def _key(self, ticket_id: int) -> str:
        return f"{self.key_prefix}-{ticket_id}"


@dataclass(frozen=True)
class _Belongings:
    """What is stored about one person (see the module docstring)."""

    user_id: int
    tickets: Sequence[TicketRow]
    conversations: Sequence[ConversationRow]
    staff_commands: Sequence[int]
    workspaces: Sequence[int]

    @property
    def ticket_ids(self) -> list[int]:
        return [ticket.id for ticket in self.tickets]

    def messages(self, *, staff: bool) -> ColumnElement[bool]:
        """What they wrote, everything on their tickets, what the bot said to them, and
        (``staff``) what agents wrote about their tickets: commands naming them, and every
        message in their card threads (notes typed there included, hence staff only)."""
        return or_(
            MessageRow.user_id == self.user_id,
            MessageRow.ticket_id.in_(self.ticket_ids),
            MessageRow.user_id.is_(None)
            & MessageRow.conversation_id.in_([c.id for c in self.conversations]),
            MessageRow.id.in_(self.staff_commands if staff else []),
            MessageRow.conversation_id.in_(self.workspaces if staff else []),
        )


class SqlPrivacyStore(SqlStore, PrivacyQueries):
    """The store with personal-data queries: for privacy commands and the retention job."""


def privacy_unit_of_work(
    database: Database,
) -> Callable[[], AbstractContextManager[SqlPrivacyStore]]:
    """Units of work on ``database`` whose store also answers the personal-data queries."""

    @contextmanager
    def unit_of_work() -> Iterator[SqlPrivacyStore]:
        with database.unit_of_work() as store:
            yield SqlPrivacyStore(store.session, store.key_prefix)

    return unit_of_work


def _lane(conversation: ConversationRow) -> str:
    """The outbox lane of everything said in (or about a ticket of) this conversation."""
    return lane_of(Reply(place_of(conversation), ""))


def _author(message: MessageRow, user_id: int) -> str:
    """Who wrote it, without naming staff: the person, the bot or an agent."""
    if message.user_id == user_id:
        return "you"
    return "bot" if message.user_id is None else "staff"


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
