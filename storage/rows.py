"""Mapping database rows onto the engine's records."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Row

from bot.events import Place
from bot.records import (
    Conversation,
    ConversationKind,
    ConversationState,
    LocaleSource,
    Role,
    User,
)
from storage.models import ConversationRow, UserRow

__all__ = ["conversation_of", "place_of", "user_of"]


def user_of(row: UserRow | Row[Any]) -> User:
    """From a mapped row or a Core one (the hot path's statements return those)."""
    return User(
        id=row.id,
        platform=row.platform,
        platform_id=row.platform_user_id,
        name=row.display_name,
        locale=row.locale,
        role=cast(Role, row.role),
        roles=frozenset(row.platform_roles.split()),
        locale_source=cast(LocaleSource, row.locale_source),
    )


def place_of(row: ConversationRow | Row[Any]) -> Place:
    return Place(row.platform, row.channel, row.thread or None)


def conversation_of(row: ConversationRow | Row[Any]) -> Conversation:
    return Conversation(
        id=row.id,
        place=place_of(row),
        state=cast(ConversationState, row.state),
        question=row.question,
        article_id=row.article_id,
        offered=tuple(row.offered.split("\n")) if row.offered else (),
        ticket_id=row.ticket_id,
        kind=cast(ConversationKind, row.kind),
        requester_id=row.requester_id,
        attempts=row.attempts,
    )
