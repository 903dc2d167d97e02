"""The per-person message rate holds across workers: two engines on one database (as two
``tier0 run`` workers are) let a flooder through ``messages_per_minute`` in all, not that
many each; the rest is stored and the writer told once. The count is served by an index."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from bot.config import LimitSettings, Settings
from bot.engine import Engine
from bot.events import MessageReceived, Person, Place
from kb import KnowledgeBase
from storage.db import Database
from storage.models import ConversationRow, MessageRow, UserRow
from tests.scale.test_query_plans import captured
from tests.support.chat import BotTurn, FakeClock

LIMIT = 3
FLOODER = Person("console", "flood", "Flood")
SLOW_DOWN = "You are writing faster than I can follow."


@pytest.fixture
def settings() -> Settings:
    return Settings(limits=LimitSettings(messages_per_minute=LIMIT))


@pytest.fixture
def workers(
    database: Database, sample_kb: KnowledgeBase, settings: Settings, clock: FakeClock
) -> list[Engine]:
    return [Engine(settings, sample_kb, database.unit_of_work, clock) for _ in range(2)]


def flood(workers: list[Engine], count: int, start: int = 0) -> list[BotTurn]:
    """``count`` messages from one person in two places, spread over the workers in turn."""
    turns = []
    for n in range(start, start + count):
        place = Place("console", f"dm:flood:{n % 2}")
        event = MessageReceived(FLOODER, place, f"is the vpn down? ({n})", f"m{n}")
        turns.append(BotTurn([d.action for d in workers[n % len(workers)].handle(event)]))
    return turns


def test_two_workers_let_a_flooder_through_the_limit_once_not_twice(
    workers: list[Engine], database: Database, clock: FakeClock
) -> None:
    turns = flood(workers, 2 * LIMIT + 2)

    texts = [turn.texts() for turn in turns]
    assert all(texts[n] and SLOW_DOWN not in texts[n][0] for n in range(LIMIT))
    assert texts[LIMIT] == [
        "You are writing faster than I can follow. I have kept your messages; "
        "I will answer again in 60 seconds."
    ]
    assert texts[LIMIT + 1 :] == [[]] * (LIMIT + 1)  # stored, not answered, not told again
    with database.session() as session:
        stored = session.scalars(select(MessageRow.text).where(MessageRow.direction == "in"))
        assert len(list(stored)) == 2 * LIMIT + 2

    clock.advance(seconds=61)  # a quiet minute: the flooder is answered again
    assert flood(workers, 1, start=100)[0].texts()


def test_two_workers_at_once_still_answer_no_more_than_the_limit(
    workers: list[Engine], database: Database
) -> None:
    """The same person writing in two places, each handled by its own worker, at once."""
    answered: list[bool] = []
    lock = threading.Lock()

    def write(worker: int) -> None:
        for n in range(LIMIT + 1):
            place = Place("console", f"dm:flood:{worker}")
            event = MessageReceived(
                FLOODER, place, f"is the vpn down? ({worker}.{n})", f"m{worker}.{n}"
            )
            texts = BotTurn([d.action for d in workers[worker].handle(event)]).texts()
            with lock:
                answered.append(bool(texts) and SLOW_DOWN not in texts[0])

    threads = [threading.Thread(target=write, args=(worker,)) for worker in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answered) == 2 * (LIMIT + 1)
    assert 1 <= answered.count(True) <= LIMIT
    with database.session() as session:
        stored = session.scalars(select(MessageRow.text).where(MessageRow.direction == "in"))
        assert len(list(stored)) == 2 * (LIMIT + 1)


def test_the_count_reads_a_persons_recent_messages_from_an_index(
    database: Database, clock: FakeClock
) -> None:
    """EXPLAIN, with thousands of other people's messages stored: the index, not the table."""
    seed_history(database, clock)
    with database.unit_of_work() as store:
        user = store.find_user("console", "p7")
        assert user is not None
        with captured(database) as statements:
            store.recent_inbound(user.id, clock() - timedelta(minutes=1), clock(), LIMIT + 2)
    [(statement, parameters)] = statements
    plan = explain(database, statement, parameters)
    assert "ix_messages_inbound_by_user" in plan, plan


def seed_history(database: Database, clock: FakeClock) -> None:
    now = clock()
    with database.session() as session, session.begin():
        session.execute(
            insert(UserRow),
            [
                dict(
                    platform="console",
                    platform_user_id=f"p{n}",
                    display_name="",
                    locale=None,
                    role="requester",
                    platform_roles="",
                    created_at=now,
                    updated_at=now,
                )
                for n in range(200)
            ],
        )
        session.execute(
            insert(ConversationRow),
            [
                dict(
                    platform="console",
                    channel="dm",
                    thread=None,
                    kind="requester",
                    state="idle",
                    created_at=now,
                    updated_at=now,
                )
            ],
        )
        users = session.scalars(select(UserRow.id)).all()
        conversation = session.scalars(select(ConversationRow.id)).one()
        session.execute(
            insert(MessageRow),
            [
                dict(
                    platform="console",
                    platform_message_id=f"h{n}",
                    conversation_id=conversation,
                    user_id=users[n % len(users)],
                    direction="in" if n % 3 else "out",
                    event_kind="message",
                    text="history",
                    created_at=now - timedelta(seconds=n),
                    handled_at=now,
                )
                for n in range(4000)
            ],
        )
        session.execute(text("ANALYZE"))


def explain(database: Database, statement: str, parameters: Any) -> str:
    """The plan; on PostgreSQL with sequential scans discouraged, so a ``Seq Scan`` left in
    it means no index can serve the query (as in ``tests/scale/test_query_plans.py``)."""
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            raw = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            return json.dumps(raw.scalar())
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return " ".join(str(row[-1]) for row in rows)
