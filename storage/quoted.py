"""Copies of a person's words in rows keyed to other people, found and redacted.

Every free-text column tier0 writes is looked at: messages (raw card-thread messages,
notes, relays, commands), ticket subjects (a ticket opened from someone's message),
ticket history, feedback, the question log, conversations' last question and the
outbox's queued actions. The database narrows the rows by :attr:`Quotes.hints` (a row
holding none of those words quotes nothing); Python matches the fragments, since no SQL
both backends share matches words across any spacing and case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, not_, null, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.privacy.traces import Quotes
from storage.models import (
    ConversationRow,
    FeedbackRow,
    MessageRow,
    OutboxRow,
    QuestionRow,
    TicketEventRow,
    TicketRow,
)

__all__ = ["QUOTABLE", "Quoted", "QuotedCopies"]

_HINTS_PER_QUERY = 50
"""Enough to keep the number of queries small, few enough for SQLite's expression limit."""


@dataclass(frozen=True)
class _Column:
    kind: str
    model: Any
    column: InstrumentedAttribute[Any]
    ticket: InstrumentedAttribute[Any] | None
    json: bool = False

    def strings(self, stored: str) -> list[str]:
        return list(_json_strings(json.loads(stored))) if self.json else [stored]

    def redacted(self, stored: str, quotes: Quotes) -> str:
        if not self.json:
            return quotes.redact(stored)
        return json.dumps(_redact_json(json.loads(stored), quotes), ensure_ascii=False)


QUOTABLE = (
    _Column("message", MessageRow, MessageRow.text, MessageRow.ticket_id),
    _Column("ticket_subject", TicketRow, TicketRow.subject, TicketRow.id),
    _Column("ticket_history", TicketEventRow, TicketEventRow.detail, TicketEventRow.ticket_id),
    _Column("feedback", FeedbackRow, FeedbackRow.comment, FeedbackRow.ticket_id),
    _Column("feedback", FeedbackRow, FeedbackRow.question, FeedbackRow.ticket_id),
    _Column("question", QuestionRow, QuestionRow.text, QuestionRow.ticket_id),
    _Column("conversation", ConversationRow, ConversationRow.question, ConversationRow.ticket_id),
    # Queued actions as JSON: matched and redacted in its strings, so it still decodes.
    _Column("outbox", OutboxRow, OutboxRow.payload, None, json=True),
)
"""Every free-text column, with the kind of row it is and the column naming its ticket."""


@dataclass(frozen=True)
class Quoted:
    """A row holding some of the person's words."""

    kind: str
    ticket_id: int | None
    quoted: list[str]


class QuotedCopies:
    session: Session

    def quoting(self, quotes: Quotes, exclude: Mapping[str, ColumnElement[bool]]) -> list[Quoted]:
        """Rows quoting the person, other than those ``exclude`` names by kind (theirs)."""
        found: list[Quoted] = []
        for target, _, ticket_id, stored in self._candidates(quotes, exclude):
            quoted = [q for text in target.strings(stored) for q in quotes.found_in(text)]
            if quoted:
                found.append(Quoted(target.kind, ticket_id, list(dict.fromkeys(quoted))))
        return found

    def redact_copies(self, quotes: Quotes) -> int:
        """Replace the person's words wherever they are quoted; the number of rows changed."""
        changed = 0
        for target, row_id, _, stored in self._candidates(quotes, {}):
            redacted = target.redacted(stored, quotes)
            if redacted != stored:
                self.session.execute(
                    update(target.model)
                    .where(target.model.id == row_id)
                    .values({target.column.key: redacted})
                    .execution_options(synchronize_session=False)
                )
                changed += 1
        return changed

    def _candidates(
        self, quotes: Quotes, exclude: Mapping[str, ColumnElement[bool]]
    ) -> Iterator[tuple[_Column, int, int | None, str]]:
        """Rows whose text holds one of the hints: (where, row id, ticket id, text)."""
        hints = quotes.hints
        for target in QUOTABLE:
            ticket = target.ticket if target.ticket is not None else null()
            others = [not_(exclude[target.kind])] if target.kind in exclude else []
            seen: set[int] = set()
            for start in range(0, len(hints), _HINTS_PER_QUERY):
                batch = hints[start : start + _HINTS_PER_QUERY]
                # All read before any is changed: the caller updates these very tables.
                rows = self.session.execute(
                    select(target.model.id, ticket, target.column)
                    .where(
                        target.column.is_not(None),
                        *others,
                        or_(*(target.column.icontains(hint, autoescape=True) for hint in batch)),
                    )
                    .order_by(target.model.id)
                ).all()
                for row_id, ticket_id, stored in rows:
                    if row_id not in seen:
                        seen.add(row_id)
                        yield target, row_id, ticket_id, stored


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)


def _redact_json(value: Any, quotes: Quotes) -> Any:
    if isinstance(value, str):
        return quotes.redact(value)
    if isinstance(value, list):
        return [_redact_json(item, quotes) for item in value]
    if isinstance(value, dict):
        return {key: _redact_json(item, quotes) for key, item in value.items()}
    return value
