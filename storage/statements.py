"""The statements every event runs, built once (per dialect) instead of once per call.

Building a SQLAlchemy statement (coercing each ``column == value``, then computing the key
of its compiled form) cost about three times as much CPU as executing it: 300-400 us a
statement against about 100 us for the same statement built once with bound parameters.
These run many times per event, so they are plain Core statements on the tables, built at
first use; values are passed at execution. ``b_`` names are bound parameters of WHERE
clauses; every other key of the values passed is a column to insert or set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Select, Table, Update, bindparam, case, exists, insert, or_, select
from sqlalchemy import update as update_
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ConversationRow, MessageRow, OutboxRow, ProcessedEventRow, UserRow

__all__ = ["HotStatements", "hot_statements"]

_USERS = cast(Table, UserRow.__table__)
_CONVERSATIONS = cast(Table, ConversationRow.__table__)
_MESSAGES = cast(Table, MessageRow.__table__)
_PROCESSED = cast(Table, ProcessedEventRow.__table__)
_OUTBOX = cast(Table, OutboxRow.__table__)
_FOLLOWS_PLATFORM = _USERS.c.locale_source == "platform"  # nothing stronger set the locale


@dataclass(frozen=True)
class HotStatements:
    is_processed: Select[Any]
    mark_processed: Insert  # RETURNING id: a row when it was not processed before
    update_user: Update  # RETURNING the user
    update_user_and_locale: Update  # the same, and the platform's locale if it still rules
    insert_user: Insert  # RETURNING the user, none when another worker inserted them first
    conversation: Select[Any]  # FOR UPDATE
    insert_conversation: Insert  # RETURNING the conversation, as insert_user
    save_conversation: Update
    record_inbound: Insert  # RETURNING id, none when the message was stored before
    is_inbound_handled: Select[Any]
    mark_inbound_handled: Update
    record_message: Insert  # the platform is the conversation's
    enqueue: Insert  # RETURNING id
    enqueue_many: Insert  # RETURNING ids in the order of the rows given
    mark_delivered: Update  # ``b_ids``: expanding
    claim_heads: Select[Any]  # FOR UPDATE SKIP LOCKED
    claim_queued: Select[Any]  # ``b_lanes``: expanding
    claim: Update  # ``b_ids``: expanding


@cache
def hot_statements(dialect: str) -> HotStatements:
    """The statements for ``dialect`` ("postgresql" or "sqlite")."""
    insert_or_nothing: Callable[[Table], postgresql.Insert | sqlite.Insert]
    if dialect == "postgresql":
        insert_or_nothing = postgresql.insert
    elif dialect == "sqlite":
        insert_or_nothing = sqlite.insert
    else:
        raise NotImplementedError(f"unsupported database dialect: {dialect}")
    users, conversations, messages = _USERS, _CONVERSATIONS, _MESSAGES
    update_user = update_(users).where(
        users.c.platform == bindparam("b_platform"),
        users.c.platform_user_id == bindparam("b_platform_user_id"),
    )
    return HotStatements(
        is_processed=select(_PROCESSED.c.id).where(
            _PROCESSED.c.platform == bindparam("b_platform"),
            _PROCESSED.c.event_id == bindparam("b_event_id"),
        ),
        mark_processed=insert_or_nothing(_PROCESSED)
        .on_conflict_do_nothing()
        .returning(_PROCESSED.c.id),
        update_user=update_user.returning(*users.c),
        update_user_and_locale=update_user.values(
            locale=case((_FOLLOWS_PLATFORM, bindparam("b_locale")), else_=users.c.locale)
        ).returning(*users.c),
        insert_user=insert_or_nothing(users).on_conflict_do_nothing().returning(*users.c),
        conversation=select(conversations)
        .where(
            conversations.c.platform == bindparam("b_platform"),
            conversations.c.channel == bindparam("b_channel"),
            conversations.c.thread == bindparam("b_thread"),
        )
        .with_for_update(),
        insert_conversation=insert_or_nothing(conversations)
        .on_conflict_do_nothing()
        .returning(*conversations.c),
        save_conversation=update_(conversations).where(conversations.c.id == bindparam("b_id")),
        record_inbound=insert_or_nothing(messages)
        .on_conflict_do_nothing()
        .returning(messages.c.id),
        is_inbound_handled=select(messages.c.handled_at).where(
            messages.c.platform == bindparam("b_platform"),
            messages.c.platform_message_id == bindparam("b_message_id"),
        ),
        mark_inbound_handled=update_(messages).where(
            messages.c.platform == bindparam("b_platform"),
            messages.c.platform_message_id == bindparam("b_message_id"),
        ),
        record_message=insert(messages).values(
            platform=select(conversations.c.platform)
            .where(conversations.c.id == bindparam("b_conversation_id"))
            .scalar_subquery()
        ),
        enqueue=insert(_OUTBOX).returning(_OUTBOX.c.id),
        enqueue_many=insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True),
        mark_delivered=update_(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("b_ids", expanding=True))),
        **_claiming(),
    )


_CLAIM_READS = (
    "id",
    "lane",
    "payload",
    "attempts",
    "next_attempt_at",
    "claimed_by",
    "claimed_until",
)
"""What claiming reads of each queued row (fewer columns, less to decode per statement)."""


def _claiming() -> dict[str, Any]:
    """Claiming lanes of the outbox (``storage.delivery`` says how)."""
    outbox = _OUTBOX
    earlier = outbox.alias("earlier")
    behind_another = exists().where(
        earlier.c.platform == outbox.c.platform,
        earlier.c.lane == outbox.c.lane,
        earlier.c.sent_at.is_(None),
        earlier.c.id < outbox.c.id,
    )
    now = bindparam("b_now", type_=outbox.c.next_attempt_at.type)
    return {
        "claim_heads": select(outbox.c.id, outbox.c.lane)
        .where(
            outbox.c.platform == bindparam("b_platform"),
            outbox.c.sent_at.is_(None),
            outbox.c.next_attempt_at <= now,
            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            ~behind_another,
        )
        .order_by(outbox.c.id)
        .limit(bindparam("b_limit"))
        .with_for_update(skip_locked=True, of=outbox),
        "claim_queued": select(*(outbox.c[name] for name in _CLAIM_READS))
        .where(
            outbox.c.platform == bindparam("b_platform"),
            outbox.c.lane.in_(bindparam("b_lanes", expanding=True)),
            outbox.c.sent_at.is_(None),
        )
        .order_by(outbox.c.id),
        "claim": update_(outbox).where(outbox.c.id.in_(bindparam("b_ids", expanding=True))),
    }
