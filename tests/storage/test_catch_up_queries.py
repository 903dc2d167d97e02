"""``storage.catch_up``: which Discord channels a new session reads back, from where, and
that each of its queries is served by an index (EXPLAINed as in
``tests/scale/test_query_plans.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.conversation.engine import Engine
from bot.events import CommandIssued, MessageReceived, Person, Place
from bot.records import Card
from bot.settings import Settings
from kb import KnowledgeBase
from storage.catch_up import channels_to_catch_up, stored_message_ids
from storage.db import Database
from tests.scale.test_query_plans import Statement, captured, seed_history, whole_table_reads
from tests.support.chat import FakeClock

ALICE = Person("discord", "1001", "Alice")
CAROL = Person("discord", "1002", "Carol")
DANA = Person("discord", "1003", "Dana")
WINDOW = timedelta(hours=24)


def support(who: Person) -> Place:
    """A person's conversation in the support channel 500."""
    return Place("discord", "500", f"user:{who.id}")


def test_channels_with_recent_messages_or_active_tickets_and_where_to_start(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    engine = Engine(Settings(), sample_kb, database.unit_of_work, clock)
    ask = "the coffee machine on floor three is leaking water"
    engine.handle(MessageReceived(DANA, Place("discord", "700"), ask, "90"))
    opened = engine.handle(CommandIssued(DANA, Place("discord", "700"), "human", (ask,), "h1"))
    key = next(d.action.ticket.key for d in opened if hasattr(d.action, "ticket"))
    engine.attach_card(key, Card("discord", 1, "800", "91", "801"), Place("discord", "801"))
    engine.handle(MessageReceived(CAROL, Place("discord", "900"), "hello", "92"))  # goes quiet
    clock.advance(hours=30)
    engine.handle(MessageReceived(ALICE, support(ALICE), "my vpn keeps dropping", "101"))
    engine.handle(MessageReceived(CAROL, support(CAROL), "how do I reset my password", "105"))
    engine.handle(MessageReceived(CAROL, Place("discord", "600"), "are you there?", "110"))
    engine.handle(MessageReceived(ALICE, Place("console", "alice"), "not discord", "c1"))

    found = channels_to_catch_up(database.engine, "discord", clock() - WINDOW)

    assert found == {
        "500": "105",  # the newest stored of everyone's conversations in the channel
        "600": "110",  # a DM
        "700": None,  # the active ticket's thread, quiet for longer than the window
        "801": None,  # its card thread
    }
    assert channels_to_catch_up(database.engine, "slack", clock() - WINDOW) == {}
    stored = stored_message_ids(database.engine, "discord", ["101", "102", "105", "c1"])
    assert stored == {"101", "105"}  # "c1" is a console message's id


def test_the_look_back_reads_no_table_whole(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    seed_history(database, clock)
    engine = Engine(Settings(), sample_kb, database.unit_of_work, clock)
    opened = engine.handle(CommandIssued(DANA, Place("discord", "700"), "human", ("help",), "h1"))
    key = next(d.action.ticket.key for d in opened if hasattr(d.action, "ticket"))
    engine.attach_card(key, Card("discord", 1, "800", "91", "801"), Place("discord", "801"))
    engine.handle(MessageReceived(ALICE, support(ALICE), "my vpn keeps dropping", "101"))

    with captured(database) as statements:
        assert channels_to_catch_up(database.engine, "discord", clock() - WINDOW)
        assert stored_message_ids(database.engine, "discord", ["101", "102"]) == {"101"}

    assert len(statements) == 6
    assert whole_table_reads(database, statements) == []
    # Every inbound message is in the rate limit's partial index too, which the check
    # above lets pass whole: the window must be read from its own index, by range.
    recent = plan(database, statements[0])
    assert "ix_messages_inbound_recent" in recent and "created_at" in recent, recent


def plan(database: Database, statement: Statement) -> str:
    """The database's plan for ``statement``, as text with each step's index condition."""
    sql, parameters = statement
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            rows = connection.exec_driver_sql(f"EXPLAIN {sql}", parameters).scalars()
            return "\n".join(rows)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
        return "\n".join(str(row[-1]) for row in rows)
