"""Personal-data queries, mixed into ``SqlStore``: export, erase, retention purge, audit log.

What belongs to a person is ``storage.belongings``; their export, ``storage.personal_export``.
Erasing and purging blank text but keep every row, its timestamps and numbers, so ticket
counts, response times and ratings still add up in reports. Erasing also redacts the
person's words and names where rows of other people quote them (``storage.quoted``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Delete, Update, delete, select, update

from bot.privacy.traces import KEPT_DETAIL_KINDS, REMOVED, AuditEntry, Quotes, Traces
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
from storage.personal_export import PersonalExport
from storage.repository import SqlStore

__all__ = ["PrivacyQueries", "SqlPrivacyStore", "privacy_unit_of_work"]


class PrivacyQueries(PersonalExport):
    """Export, erase, retention purge and the audit log, on the store's session."""

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

    # -- erase ----------------------------------------------------------------------------

    def erase_person(self, user_id: int, traces: Traces, now: datetime) -> dict[str, int]:
        """Blank the person's text and anonymise their user row, then redact their words
        where others' rows quote them; returns what changed.

        Their stored-but-unhandled messages are marked handled, so a replay never acts on
        an erased message. Outbox rows in their conversations (copies of what was said
        there, sent or not) are deleted: nothing more is said to someone erased.
        """
        mine = self.belongings(user_id)
        own = self.own_rows(mine)
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
                .values(
                    question=None,
                    ticket_id=None,
                    state="idle",
                    offered="",
                    article_id=None,
                    attempts=(),
                )
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
                locale_source="platform",
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
