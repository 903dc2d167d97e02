"""``SqlStore``: every domain's store (``bot.store.Store``) on SQLAlchemy: SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from bot.events import Person, Place
from bot.records import (
    Conversation,
    LocaleSource,
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
from storage.statements import hot_statements
from storage.tickets import TicketQueries

__all__ = ["SqlStore"]


class SqlStore(TicketQueries, SlaQueries, DeliveryQueries, QuestionQueries):
    """One transaction's view of the database; the caller commits or rolls back."""

    def __init__(self, session: Session, key_prefix: str = "T") -> None:
        self.session = session
        self.key_prefix = key_prefix
        self._hot = hot_statements(session.get_bind().dialect.name)

    # -- de-duplication -------------------------------------------------------------------

    def is_processed(self, platform: str, event_id: str) -> bool:
        found = self.session.scalar(
            self._hot.is_processed, {"b_platform": platform, "b_event_id": event_id}
        )
        return found is not None

    def mark_processed(self, platform: str, event_id: str, now: datetime) -> bool:
        values = {"platform": platform, "event_id": event_id, "processed_at": now}
        return self.session.execute(self._hot.mark_processed, values).first() is not None

    # -- people and places ----------------------------------------------------------------

    def save_user(self, person: Person, role: Role, now: datetime) -> User:
        """One statement for a known person (an UPDATE ... RETURNING), two for a new one:
        this runs for every event, so it never reads before it writes."""
        changes: dict[str, Any] = {
            "b_platform": person.platform,
            "b_platform_user_id": person.id,
            "role": role,
            "platform_roles": " ".join(sorted(person.roles)),
            "updated_at": now,
        }
        if person.name:
            changes["display_name"] = person.name
        update = self._hot.update_user
        if person.locale:
            update, changes["b_locale"] = self._hot.update_user_and_locale, person.locale
        row = self.session.execute(update, changes).first()
        if row is None:
            values = {
                "platform": person.platform,
                "platform_user_id": person.id,
                "display_name": person.name,
                "locale": person.locale,
                "locale_source": "platform",
                "role": role,
                "platform_roles": changes["platform_roles"],
                "created_at": now,
                "updated_at": now,
            }
            row = self.session.execute(self._hot.insert_user, values).first()
            row = row or self.session.execute(update, changes).first()  # another worker's
        if row is None:  # inserted by another worker, then deleted at once
            raise LookupError(f"user {person.platform}:{person.id} vanished while saved")
        self._forget_loaded(UserRow, row.id)
        return user_of(row)

    def set_locale(
        self, user: User, locale: str | None, source: LocaleSource, now: datetime
    ) -> User:
        row = self.session.get_one(UserRow, user.id)
        row.locale, row.locale_source, row.updated_at = locale, source, now
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
        where = {"b_platform": place.platform, "b_channel": place.channel, "b_thread": thread}
        row = self.session.execute(self._hot.conversation, where).first()
        if row is None:
            values = {
                "platform": place.platform,
                "channel": place.channel,
                "thread": thread,
                "kind": "requester",
                "state": "idle",
                "offered": "",
                "created_at": now,
                "updated_at": now,
            }
            # A row this transaction inserted is its own until commit; one another worker
            # inserted first is read (and locked) instead.
            row = self.session.execute(self._hot.insert_conversation, values).first()
            row = row or self.session.execute(self._hot.conversation, where).one()
        return conversation_of(row)

    def save_conversation(self, conversation: Conversation, now: datetime) -> None:
        self.session.execute(
            self._hot.save_conversation,
            {
                "b_id": conversation.id,
                "state": conversation.state,
                "question": conversation.question,
                "article_id": conversation.article_id,
                "offered": "\n".join(conversation.offered),
                "ticket_id": conversation.ticket_id,
                "kind": conversation.kind,
                "requester_id": conversation.requester_id,
                "attempts": conversation.attempts,
                "updated_at": now,
            },
        )
        self._forget_loaded(ConversationRow, conversation.id)

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
        values = {
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
        }
        return self.session.execute(self._hot.record_inbound, values).first() is not None

    def is_inbound_handled(self, platform: str, message_id: str) -> bool:
        where = {"b_platform": platform, "b_message_id": message_id}
        return self.session.scalar(self._hot.is_inbound_handled, where) is not None

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
            self._hot.mark_inbound_handled,
            {
                "b_platform": platform,
                "b_message_id": message_id,
                "handled_at": now,
                "ticket_id": ticket_id,
            },
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
        # Two reads, each served by its own partial index and at most ``limit`` rows, merged.
        # Literal 'in', not a parameter: so the partial index's condition is seen to hold.
        messages = select(MessageRow.created_at).where(
            MessageRow.user_id == user_id,
            MessageRow.direction == literal_column("'in'"),
            MessageRow.created_at > after,
            MessageRow.created_at <= until,
        )
        events = select(ProcessedEventRow.processed_at).where(
            ProcessedEventRow.user_id == user_id,
            ProcessedEventRow.processed_at > after,
            ProcessedEventRow.processed_at <= until,
        )
        sent = [
            *self.session.scalars(messages.order_by(MessageRow.created_at.desc()).limit(limit)),
            *self.session.scalars(
                events.order_by(ProcessedEventRow.processed_at.desc()).limit(limit)
            ),
        ]
        return sorted(sent, reverse=True)[:limit]

    def record_sender(self, platform: str, event_id: str, user_id: int) -> None:
        self.session.execute(
            update(ProcessedEventRow)
            .where(ProcessedEventRow.platform == platform, ProcessedEventRow.event_id == event_id)
            .values(user_id=user_id)
        )

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
        self.session.execute(
            self._hot.record_message,
            {
                "b_conversation_id": conversation_id,
                "platform_message_id": None,
                "conversation_id": conversation_id,
                "user_id": user.id if user else None,
                "ticket_id": ticket_id,
                "direction": direction,
                "event_id": None,
                "event_kind": None,
                "text": text,
                "created_at": now,
                "handled_at": now,
            },
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
        """INSERT ... ON CONFLICT DO NOTHING: a race with another worker is not an error."""
        dialect = self.session.get_bind().dialect.name
        target = cast(Table, table)
        statement: Insert
        if dialect == "postgresql":
            statement = postgresql.insert(target).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(target).values(values).on_conflict_do_nothing()
        else:
            raise NotImplementedError(f"unsupported database dialect: {dialect}")
        return statement.returning(target.c.id)

    def _forget_loaded(self, entity: type[Any], row_id: int) -> None:
        """A row changed by a Core statement is read again if this session had it loaded."""
        loaded = self.session.identity_map.get(identity_key(entity, row_id))
        if loaded is not None:
            self.session.expire(loaded)

    def _inserted(self, statement: Insert) -> bool:
        """Whether the insert added a row (RETURNING is reliable where rowcount is not)."""
        return self.session.execute(statement).first() is not None
