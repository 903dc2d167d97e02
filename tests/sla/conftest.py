"""An SLA desk for tests: the chat engine and the scheduled jobs on one database and clock.

The clock starts on Monday 2 March 2026, 09:00 UTC, when the default desk (Mon-Fri
09:00-17:00 UTC) opens. "you" asks, alice works tier 1 (Service desk), bob tier 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.actions import Action
from bot.jobs.runner import Jobs
from bot.records import Ticket
from bot.settings import Settings
from storage.db import Database
from tests.support.chat import BotTurn, Chat, FakeClock


def utc(text: str) -> datetime:
    """``"2026-03-02 13:00"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Desk:
    chat: Chat
    jobs: Jobs
    clock: FakeClock
    database: Database

    def at(self, text: str) -> None:
        self.clock.now = utc(text)

    def sweep(self) -> BotTurn:
        return BotTurn([delivery.action for delivery in self.jobs.sweep()])

    def digest(self, platform: str = "console") -> BotTurn:
        return BotTurn([delivery.action for delivery in self.jobs.digest([platform])])

    def open(self, text: str = "the printer on floor 3 is on fire") -> str:
        bot = self.chat.command(f"new {text}")
        return bot.card().ticket.key

    def ticket(self, key: str = "T-1") -> Ticket:
        with self.database.unit_of_work() as store:
            ticket = store.ticket_by_key(key)
            assert ticket is not None
            return ticket

    def events(self, key: str = "T-1") -> list[str]:
        with self.database.unit_of_work() as store:
            return [event.kind for event in store.ticket_events(self.ticket(key).id)]

    def outbox(self) -> list[Action]:
        """Everything stored for delivery so far, oldest first."""
        return [d.action for d in self.chat.engine.outbox.pending("console", limit=1000)]


@pytest.fixture
def desk(chat: Chat, database: Database, settings: Settings, clock: FakeClock) -> Desk:
    return Desk(chat, Jobs(settings, database.unit_of_work, clock), clock, database)
