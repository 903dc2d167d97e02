"""No query on the per-message path, in the outbox or in the scheduler's sweep reads a table
whole: each is answered from an index, so its cost does not grow with the number of tickets,
messages or replies ever stored.

The queries checked are the ones tier0 actually sends (captured while it handles a question,
a follow-up on a ticket, an agent's claim, sends its replies, sweeps and replays) against a
database with a few thousand rows of history; each is explained by the database itself.
PostgreSQL is asked with sequential scans discouraged (``enable_seqscan = off``), so a
``Seq Scan`` left in a plan means no index can serve the query at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert, text

from bot.conversation.engine import Engine
from bot.events import CommandIssued, MessageReceived, Person, Place
from bot.jobs.runner import Jobs
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database
from storage.leases import DatabaseLease
from storage.models import (
    ConversationRow,
    FeedbackRow,
    MessageRow,
    OutboxRow,
    ProcessedEventRow,
    TicketCardRow,
    TicketEventRow,
    TicketRow,
    UserRow,
)
from tests.support.chat import FakeClock

HISTORY = 3000
"""Rows of history per table: enough for plans to be real, quick to insert."""
GROWING = frozenset(
    {
        "users",
        "conversations",
        "tickets",
        "messages",
        "outbox",
        "processed_events",
        "ticket_events",
        "ticket_cards",
        "feedback",
        "questions",
    }
)
"""Tables that grow with people, tickets and messages (not leases, job_runs ...)."""
ALICE = Person("console", "alice", "Alice")
Statement = tuple[str, Any]


def seed_history(database: Database, clock: FakeClock) -> None:
    """HISTORY people, each with a conversation, a closed ticket, messages and replies sent."""
    past = clock() - timedelta(days=30)
    ids = range(1, HISTORY + 1)
    with database.session() as session, session.begin():
        session.execute(
            insert(UserRow),
            [
                dict(
                    platform="console",
                    platform_user_id=f"old{n}",
                    display_name="",
                    locale=None,
                    role="requester",
                    platform_roles="",
                    created_at=past,
                    updated_at=past,
                )
                for n in ids
            ],
        )
        session.execute(
            insert(ConversationRow),
            [
                dict(
                    platform="console",
                    channel=f"old{n}",
                    thread="",
                    kind="requester",
                    state="idle",
                    offered="",
                    created_at=past,
                    updated_at=past,
                )
                for n in ids
            ],
        )
        session.execute(
            insert(TicketRow),
            [
                dict(
                    requester_id=n,
                    conversation_id=n,
                    status="closed",
                    tier=1,
                    priority="normal",
                    subject="old",
                    created_at=past,
                    updated_at=past,
                    closed_at=past,
                )
                for n in ids
            ],
        )
        session.execute(
            insert(MessageRow),
            [
                dict(
                    platform="console",
                    platform_message_id=f"old{n}-{k}",
                    conversation_id=n,
                    user_id=n,
                    ticket_id=n,
                    direction="in",
                    event_id=f"old{n}-{k}",
                    event_kind="message",
                    text="old",
                    created_at=past,
                    handled_at=past,
                )
                for n in ids
                for k in range(2)
            ],
        )
        session.execute(
            insert(ProcessedEventRow),
            [
                dict(platform="console", event_id=f"old{n}-{k}", processed_at=past)
                for n in ids
                for k in range(2)
            ],
        )
        session.execute(
            insert(OutboxRow),
            [
                dict(
                    platform="console",
                    lane=f"console:old{n}:",
                    payload="{}",
                    attempts=0,
                    created_at=past,
                    next_attempt_at=past,
                    sent_at=past,
                )
                for n in ids
            ],
        )
        session.execute(
            insert(TicketEventRow),
            [dict(ticket_id=n, kind="closed", detail="", created_at=past) for n in ids],
        )
        session.execute(
            insert(TicketCardRow),
            [
                dict(
                    ticket_id=n,
                    platform="console",
                    tier=1,
                    channel="triage",
                    message_id=f"card{n}",
                    created_at=past,
                )
                for n in ids
            ],
        )
        session.execute(
            insert(FeedbackRow),
            [dict(user_id=n, conversation_id=n, kind="solved", created_at=past) for n in ids],
        )
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.execute(text("ANALYZE"))


@contextmanager
def captured(database: Database) -> Iterator[list[Statement]]:
    statements: list[Statement] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        reads = re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)\b", statement, re.IGNORECASE)
        if reads and statement.strip().upper() != "SELECT 1":
            statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def everything_tier0_does_per_message(
    database: Database, kb: KnowledgeBase, clock: FakeClock
) -> None:
    engine = Engine(Settings(), kb, database.unit_of_work, clock)
    dana, place = Person("console", "dana", "Dana"), Place("console", "dana-dm")
    engine.handle(MessageReceived(dana, place, "my vpn keeps dropping", "q1", "q1"))
    opened = engine.handle(CommandIssued(dana, place, "human", ("still broken",), "h1"))
    engine.handle(MessageReceived(dana, place, "any news?", "q2", "q2"))
    key = next(d.action.ticket.key for d in opened if hasattr(d.action, "ticket"))
    engine.handle(CommandIssued(ALICE, Place("console", "agent:alice"), "claim", (key,), "c1"))
    engine.handle(CommandIssued(ALICE, Place("console", "agent:alice"), "reply", (key, "ok"), "r1"))
    claimed = engine.outbox.claim("console")
    engine.outbox.delivered(d.id for d in claimed[:-1])
    engine.outbox.failed(claimed[-1], "HTTP 503")
    clock.advance(hours=30)  # the ticket's SLA clock is due: the sweep acts on it
    Jobs(Settings(), database.unit_of_work, clock).sweep()
    with database.unit_of_work() as store:  # a message stored, then the worker died
        user = store.save_user(dana, "requester", clock())
        conversation = store.conversation(Place("console", "eve-dm"), clock())
        store.record_inbound("lost", "hello?", user, conversation, clock(), event_id="lost")
    clock.advance(minutes=5)
    assert engine.replay_unhandled()
    DatabaseLease(database.engine, "scheduler", "me", timedelta(seconds=30), clock).hold()


QUEUE_INDEX = "% WHERE %IS NULL%"
"""A partial index of work not yet done (unhandled messages, unsent replies) stays small
however much history there is, so reading it whole is fine; one over every inbound
message (``direction = 'in'``) grows with the table and is not."""


def whole_table_reads(database: Database, statements: list[Statement]) -> list[str]:
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "postgresql":
            return _postgres_full_reads(connection, statements)
        return _sqlite_full_reads(connection, statements)


def _postgres_full_reads(connection: Any, statements: list[Statement]) -> list[str]:
    queues = set(
        connection.execute(
            text(f"SELECT indexname FROM pg_indexes WHERE indexdef LIKE '{QUEUE_INDEX}'")
        ).scalars()
    )
    connection.execute(text("SET enable_seqscan = off"))
    found = []
    for statement, parameters in statements:
        raw = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        value = raw.scalar()
        plan = (json.loads(value) if isinstance(value, str) else value)[0]["Plan"]
        for node, table in _nodes(plan, ""):
            if table not in GROWING:
                continue
            whole = node["Node Type"] == "Seq Scan" or (
                "Index" in node["Node Type"]
                and "Index Cond" not in node
                and node.get("Index Name") not in queues
            )
            if whole:
                found.append(f"{node['Node Type']} on {table}: {statement}")
    return found


def _nodes(plan: dict[str, Any], table: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every node with the table it reads: a Bitmap Index Scan names only its index, and
    reads for the Bitmap Heap Scan above it."""
    table = plan.get("Relation Name", table)
    yield plan, table
    for child in plan.get("Plans", []):
        yield from _nodes(child, table)


def _sqlite_full_reads(connection: Any, statements: list[Statement]) -> list[str]:
    queues = set(
        connection.execute(
            text(
                f"SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '{QUEUE_INDEX}'"
            )
        ).scalars()
    )
    found = []
    for statement, parameters in statements:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        for *_, detail in rows:
            scan = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", detail)
            if scan and scan.group(1) in GROWING and scan.group(2) not in queues:
                found.append(f"{detail}: {statement}")
    return found


def test_no_query_per_message_in_the_outbox_or_the_sweep_reads_a_whole_table(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    seed_history(database, clock)
    with captured(database) as statements:
        everything_tier0_does_per_message(database, sample_kb, clock)

    assert len(statements) > 40  # the whole path was captured, not a few pings
    assert whole_table_reads(database, statements) == []


def test_reading_a_partial_index_that_grows_with_history_counts_as_a_whole_table_read(
    database: Database, clock: FakeClock
) -> None:
    """Every inbound message is in ``ix_messages_inbound_by_user``: a query that reads that
    index from end to end costs as much as reading the table, and must be caught."""
    seed_history(database, clock)
    every_inbound = ("SELECT user_id, created_at FROM messages WHERE direction = 'in'", ())
    one_users_recent = (
        "SELECT created_at FROM messages WHERE direction = 'in' AND user_id = 1"
        " AND created_at > '2000-01-01'",
        (),
    )
    assert len(whole_table_reads(database, [every_inbound])) == 1
    assert whole_table_reads(database, [one_users_recent]) == []
