"""The storage floor and tier0's own per-message cost, measured in one process, same database.

The floor: storing one inbound and one outbound message with plain SQLAlchemy and no engine,
each in its own transaction (tier0 commits what a person wrote before acting on it). tier0's
cost: ``Engine.handle`` for the load test's mix (KB questions, follow-ups on open tickets,
agents' replies), sending its replies from the outbox included (claimed, marked delivered).
Both are timed one message after another (wall time, database round trips included) and in
this process's CPU time (the database server's work excluded from both).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bot.conversation.engine import Engine as Tier0Engine
from bot.events import CommandIssued, Event, MessageReceived, Person, Place
from bot.records import Ticket
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database

__all__ = ["Cost", "floor_cost", "tier0_cost", "tier0_mix"]


@dataclass(frozen=True)
class Cost:
    messages: int
    wall_ms: float  # mean per message
    cpu_ms: float  # mean per message, this process only

    def as_dict(self) -> dict[str, float]:
        return {
            "messages": self.messages,
            "wall_ms": round(self.wall_ms, 3),
            "cpu_ms": round(self.cpu_ms, 3),
        }


def _timed(count: int, one: Callable[[int], None]) -> Cost:
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        one(n)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Cost(count, wall * 1000 / count, cpu * 1000 / count)


class _Base(DeclarativeBase):
    pass


class _Conversation(_Base):
    __tablename__ = "floor_conversations"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(128))


class _Message(_Base):
    __tablename__ = "floor_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("floor_conversations.id"))
    direction: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


def floor_cost(engine: Engine, count: int) -> Cost:
    """One inbound and one outbound message stored per 'message', as plainly as possible."""
    _Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        conversation = _Conversation(channel="C-floor")
        session.add(conversation)
        session.flush()
        conversation_id = conversation.id

    def store(n: int) -> None:
        for direction in ("in", "out"):
            with Session(engine) as session, session.begin():
                session.add(
                    _Message(
                        conversation_id=conversation_id,
                        direction=direction,
                        text=f"message {n}",
                        created_at=datetime.now(UTC),
                    )
                )

    return _timed(count, store)


def tier0_cost(database: Database, kb: KnowledgeBase, questions: list[str], count: int) -> Cost:
    """The load test's mix, handled and sent one after another by one in-process engine."""
    return _timed(count, tier0_mix(database, kb, questions))


def tier0_mix(database: Database, kb: KnowledgeBase, questions: list[str]) -> Callable[[int], None]:
    """An engine with ten open tickets, and what handles and sends the n-th message of the
    mix: 70% KB questions from new people, 20% follow-ups on the tickets, 10% agents'
    replies to them."""
    engine = Tier0Engine(Settings(), kb, database.unit_of_work)
    rng = random.Random(7)
    agent = Person("console", "alice", "Alice")  # an agent in the default settings
    requesters = [Person("console", f"r{n}", f"R{n}") for n in range(10)]
    for n, person in enumerate(requesters):
        engine.handle(CommandIssued(person, _dm(person), "human", (f"p{n}",), f"open-{n}"))
    _send(engine)
    keys = [ticket.key for ticket in _tickets(database)]

    def one(n: int) -> None:
        roll = rng.random()
        event: Event
        if roll < 0.7:
            asker = Person("console", f"q{n}", "Q")
            event = MessageReceived(asker, _dm(asker), rng.choice(questions), f"q{n}", f"q{n}")
        elif roll < 0.9:
            person = rng.choice(requesters)
            event = MessageReceived(person, _dm(person), f"still broken {n}", f"f{n}", f"f{n}")
        else:
            key = rng.choice(keys)
            place = Place("console", "agent:alice")
            event = CommandIssued(agent, place, "reply", (key, f"try now {n}"), f"a{n}")
        engine.handle(event)
        _send(engine)

    return one


def _dm(person: Person) -> Place:
    return Place("console", f"dm-{person.id}")


def _send(engine: Tier0Engine) -> None:
    engine.outbox.delivered(d.id for d in engine.outbox.claim("console", 1000))


def _tickets(database: Database) -> list[Ticket]:
    with database.unit_of_work() as store:
        return list(store.list_tickets(None, 100))
