"""A help desk with a history: "you" had a ticket resolved and rated, carol has one open.

Console people, as in the default configuration: alice is a Service desk agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.privacy.personal_data import PersonalData
from storage.db import Database
from storage.models import Base
from storage.privacy import privacy_unit_of_work
from tests.support.chat import Chat

YOUR_QUESTION = "how do I book a meeting room in Lisbon"
ALICES_REPLY = "Rooms are booked in the Lisbon office calendar"
ALICES_NOTE = "requester sounded stressed, home number 555-0199"
RESOLUTION = "Booked room 3.14 for you"
YOUR_COMMENT = "quick and friendly, my manager Dana was pleased"
CAROLS_QUESTION = "expense report for the Porto offsite is stuck"

YOUR_WORDS = (YOUR_QUESTION, ALICES_REPLY, ALICES_NOTE, RESOLUTION, YOUR_COMMENT)


@dataclass(frozen=True)
class History:
    chat: Chat
    database: Database

    @property
    def personal_data(self) -> PersonalData:
        return PersonalData(privacy_unit_of_work(self.database), self.chat.clock)


@pytest.fixture
def history(chat: Chat, database: Database) -> History:
    chat.say(YOUR_QUESTION)
    chat.command("claim T-1", who="alice")
    chat.command(f"reply T-1 '{ALICES_REPLY}'", who="alice")
    chat.command(f"note T-1 '{ALICES_NOTE}'", who="alice")
    chat.clock.advance(minutes=30)
    chat.command(f"resolve T-1 '{RESOLUTION}'", who="alice")
    chat.press("4")
    chat.say(YOUR_COMMENT)
    chat.say(CAROLS_QUESTION, who="carol")
    return History(chat, database)


def stored_text(database: Database) -> str:
    """Every value in every table, as one string to search for what must be gone."""
    values: list[str] = []
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                values.extend(str(value) for value in row)
    return "\n".join(values)


def table_counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {
            table.name: len(session.execute(select(table)).all())
            for table in Base.metadata.sorted_tables
        }


def rows(database: Database, table: str, *columns: str) -> list[tuple[Any, ...]]:
    """Some columns of a table, in id order (for comparing numbers before and after)."""
    model = Base.metadata.tables[table]
    with database.session() as session:
        query = select(*(model.c[name] for name in columns)).order_by(model.c.id)
        return [tuple(row) for row in session.execute(query)]
