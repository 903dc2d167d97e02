"""``SqlStore``: the engine's ``Store`` contract on SQLAlchemy, for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Insert, Table, case, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.events import Person, Place
from bot.records import (
    Conversation,
    MessageRecord,
    Role,
    UnhandledMessage,
    User,
)
from storage.delivery import DeliveryQueries
from storage.models import (
    ConversationRow,
    FeedbackRow,
    MessageRow,
    ProcessedEventRow,
    UserRow,
)
from storage.questions import QuestionQueries
from storage.rows import conversation_of, place_of, user_of
from storage.sla import SlaQueries
from storage.tickets import TicketQueries

__all__ = ["SqlStore"]

R = TypeVar("R")
_REFRESH = {"populate_existing": True}
"""Rows returned by an INSERT or UPDATE replace what this session had loaded of them."""
_REFRESH_UPDATED = {**_REFRESH, "synchronize_session": False}


class SqlStore(TicketQueries, SlaQueries, DeliveryQueries, QuestionQueries):
    """One transaction's view of the database; the caller commits or rolls back."""

    def __init__(self, session: Session, key_prefix: str = "T") -> None:
        self.session = session
        self.key_prefix = key_prefix

    # -- de-duplication -------------------------------------------------------------------

    def is_processed(self, platform: str, event_id: str) -> bool:
        found = self.session.scalar(
            select(ProcessedEventRow.id).where(
                ProcessedEventRow.platform == platform, ProcessedEventRow.event_id == event_id
            )
        )
        return found is not None

    def mark_processed(self, platform: str, event_id: str, now: datetime) -> bool:
        statement = self._insert_ignoring_duplicates(
            ProcessedEventRow.__table__,
            {"platform": platform, "event_id": event_id, "processed_at": now},
        )
        return self._inserted(statement)

    # -- people and places ----------------------------------------------------------------

    def save_user(self, person: Person, role: Role, now: datetime) -> User:
        """One statement for a known person (an UPDATE ... RETURNING), two for a new one:
        this runs for every event, so it never reads before it writes."""
        changes: dict[str, Any] = {
            "role": role,
            "platform_roles": " ".join(sorted(person.roles)),
            "updated_at": now,
        }
        if person.name:
            changes["display_name"] = person.name
        if person.locale:
            changes["locale"] = case((UserRow.locale_chosen, UserRow.locale), else_=person.locale)
        row = self._update_user(person, changes)
        if row is None:
            inserted = self._insert_or_nothing(
                UserRow,
                {
                    "platform": person.platform,
                    "platform_user_id": person.id,
                    "display_name": person.name,
                    "locale": person.locale,
                    "role": role,
                    "platform_roles": changes["platform_roles"],
                    "created_at": now,
                    "updated_at": now,
                },
            )
            row = self._returned(inserted, UserRow) or self._update_user(person, changes)
        if row is None:  # inserted by another worker, then deleted at once
            raise LookupError(f"user {person.platform}:{person.id} vanished while saved")
        return user_of(row)

    def _update_user(self, person: Person, changes: dict[str, Any]) -> UserRow | None:
        statement = (
            update(UserRow)
            .where(UserRow.platform == person.platform, UserRow.platform_user_id == person.id)
            .values(changes)
            .returning(UserRow)
        )
        return self.session.scalars(statement, execution_options=_REFRESH_UPDATED).first()

    def set_locale(self, user: User, locale: str | None, chosen: bool, now: datetime) -> User:
        row = self.session.get_one(UserRow, user.id)
        row.locale, row.locale_chosen, row.updated_at = locale, chosen, now
        self.session.flush()
        return user_of(row)

    def find_user(self, platform: str, platform_id: str) -> User | None:
        row = self.session.scalar(
            select(UserRow).where(
                UserRow.platform == platform, UserRow.platform_user_id == platform_id
            )
        )
        return user_of(row) if row else None

    def conversation(self, place: Place, now: datetime) -> Conversation:
        """The conversation row, locked until commit (FOR UPDATE on PostgreSQL; SQLite's
        BEGIN IMMEDIATE already serialises), so two events of one conversation handled
        by two threads or workers at once take turns instead of overwriting each other."""
        thread = place.thread or ""
        query = (
            select(ConversationRow)
            .where(
                ConversationRow.platform == place.platform,
                ConversationRow.channel == place.channel,
                ConversationRow.thread == thread,
            )
            .with_for_update()
        )
        row = self.session.scalar(query)
        if row is None:
            inserted = self._insert_or_nothing(
                ConversationRow,
                {
                    "platform": place.platform,
                    "channel": place.channel,
                    "thread": thread,
                    "state": "idle",
                    "offered": "",
                    "created_at": now,
                    "updated_at": now,
                },
            )
            # A row this transaction inserted is its own until commit; one another worker
            # inserted first is read (and locked) instead.
            row = self._returned(inserted, ConversationRow) or self.session.scalars(query).one()
        return conversation_of(row)

    def save_conversation(self, conversation: Conversation, now: datetime) -> None:
        self.session.execute(
            update(ConversationRow)
            .where(ConversationRow.id == conversation.id)
            .values(
                state=conversation.state,
                question=conversation.question,
                article_id=conversation.article_id,
                offered="\n".join(conversation.offered),
                ticket_id=conversation.ticket_id,
                kind=conversation.kind,
                updated_at=now,
            )
        )

    # -- messages -------------------------------------------------------------------------

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
        statement = self._insert_ignoring_duplicates(
            MessageRow.__table__,
            {
                "platform": conversation.place.platform,
                "platform_message_id": message_id,
                "conversation_id": conversation.id,
                "user_id": user.id,
                "ticket_id": None,
                "direction": "in",
                "event_id": event_id,
                "event_kind": kind,
                "text": text,
                "created_at": now,
                "handled_at": None,
            },
        )
        return self._inserted(statement)

    def is_inbound_handled(self, platform: str, message_id: str) -> bool:
        handled = self.session.scalar(
            select(MessageRow.handled_at).where(
                MessageRow.platform == platform, MessageRow.platform_message_id == message_id
            )
        )
        return handled is not None

    def unhandled_inbound(self, before: datetime, limit: int) -> Sequence[UnhandledMessage]:
        rows = self.session.scalars(
            select(MessageRow)
            .where(
                MessageRow.direction == "in",
                MessageRow.handled_at.is_(None),
                MessageRow.event_id.is_not(None),
                MessageRow.created_at < before,
            )
            .order_by(MessageRow.id)
            .limit(limit)
        )
        return [
            UnhandledMessage(
                platform=row.platform,
                message_id=row.platform_message_id or "",
                event_id=row.event_id or "",
                kind=row.event_kind or "message",
                text=row.text,
                person=user_of(row.user).as_person() if row.user else Person(row.platform, ""),
                place=place_of(self.session.get_one(ConversationRow, row.conversation_id)),
            )
            for row in rows
        ]

    def mark_inbound_handled(
        self, platform: str, message_id: str, ticket_id: int | None, now: datetime
    ) -> None:
        self.session.execute(
            update(MessageRow)
            .where(MessageRow.platform == platform, MessageRow.platform_message_id == message_id)
            .values(handled_at=now, ticket_id=ticket_id)
        )

    def count_replay(self, platform: str, message_id: str) -> int:
        mine = (MessageRow.platform == platform, MessageRow.platform_message_id == message_id)
        self.session.execute(
            update(MessageRow).where(*mine).values(replay_attempts=MessageRow.replay_attempts + 1)
        )
        return self.session.scalar(select(MessageRow.replay_attempts).where(*mine)) or 0

    def recent_inbound(
        self, user_id: int, after: datetime, until: datetime, limit: int
    ) -> Sequence[datetime]:
        # Literal 'in', not a parameter: so the partial index's condition is seen to hold.
        return self.session.scalars(
            select(MessageRow.created_at)
            .where(
                MessageRow.user_id == user_id,
                MessageRow.direction == literal_column("'in'"),
                MessageRow.event_kind == "message",
                MessageRow.created_at > after,
                MessageRow.created_at <= until,
            )
            .order_by(MessageRow.created_at.desc())
            .limit(limit)
        ).all()

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
        platform = (
            select(ConversationRow.platform)
            .where(ConversationRow.id == conversation_id)
            .scalar_subquery()
        )
        self.session.execute(
            insert(MessageRow).values(
                platform=platform,
                platform_message_id=None,
                conversation_id=conversation_id,
                user_id=user.id if user else None,
                ticket_id=ticket_id,
                direction=direction,
                text=text,
                created_at=now,
                handled_at=now,
            )
        )

    def transcript(self, ticket_id: int) -> Sequence[MessageRecord]:
        rows = self.session.scalars(
            select(MessageRow).where(MessageRow.ticket_id == ticket_id).order_by(MessageRow.id)
        ).all()
        return [
            MessageRecord(
                direction=row.direction,
                author=row.user.display_name or row.user.platform_user_id if row.user else None,
                text=row.text,
                at=row.created_at,
            )
            for row in rows
        ]

    # -- feedback -------------------------------------------------------------------------

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
    ) -> None:
        self.session.add(
            FeedbackRow(
                user_id=user.id,
                conversation_id=conversation.id,
                ticket_id=ticket_id,
                kind=kind,
                article_id=article_id,
                helpful=helpful,
                rating=rating,
                comment=comment,
                question=question,
                created_at=now,
            )
        )
        self.session.flush()

    def feedback(self, conversation_id: int | None = None) -> Sequence[FeedbackRow]:
        """Feedback rows, for reports and tests."""
        query = select(FeedbackRow).order_by(FeedbackRow.id)
        if conversation_id is not None:
            query = query.where(FeedbackRow.conversation_id == conversation_id)
        return self.session.scalars(query).all()

    # -- helpers --------------------------------------------------------------------------

    def _insert_ignoring_duplicates(self, table: Any, values: dict[str, Any]) -> Insert:
        """INSERT ... ON CONFLICT DO NOTHING RETURNING id: a race with another worker is
        not an error."""
        return self._insert_or_nothing(table, values).returning(cast(Table, table).c.id)

    def _insert_or_nothing(self, target: Any, values: dict[str, Any]) -> Insert:
        """INSERT ... ON CONFLICT DO NOTHING into a table or a mapped class (whose RETURNING
        can then give mapped objects), without RETURNING."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(target).values(values).on_conflict_do_nothing()
        if dialect == "sqlite":
            return sqlite.insert(target).values(values).on_conflict_do_nothing()
        raise NotImplementedError(f"unsupported database dialect: {dialect}")

    def _returned(self, statement: Insert, entity: type[R]) -> R | None:
        """The row ``statement`` inserted, as ``entity``; None when it conflicted."""
        returning = statement.returning(entity)
        return self.session.scalars(returning, execution_options=_REFRESH).first()

    def _inserted(self, statement: Insert) -> bool:
        """Whether the insert added a row (RETURNING is reliable where rowcount is not)."""
        return self.session.execute(statement).first() is not None
