"""What the bot tried (``bot.attempts``) as a column: a JSON list on the row it belongs to.

A ticket's attempts are redrawn on every card update, so they are read with the ticket
itself, not joined from a table of their own; they are few, and never queried one by one.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import Text, TypeDecorator
from sqlalchemy.engine import Dialect

from bot.attempts import Attempt

__all__ = ["AttemptsJson"]


class AttemptsJson(TypeDecorator[tuple[Attempt, ...] | None]):
    """A tuple of attempts in, the same tuple out; stored as ``[{"article_id": ...}]``.
    JSON ``null``: not recorded (a ticket opened before tier0 kept them)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: tuple[Attempt, ...] | None, dialect: Dialect) -> str:
        if value is None:
            return "null"
        return json.dumps([asdict(attempt) for attempt in value], ensure_ascii=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[Attempt, ...] | None:
        items = json.loads(value or "[]")
        return None if items is None else tuple(Attempt(**item) for item in items)
