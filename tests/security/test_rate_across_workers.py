"""The per-person message rate holds across workers: two engines on one database (as two
``tier0 run`` workers are) let a flooder through ``messages_per_minute`` in all, not that
many each; the rest is stored and the writer told once. The count is served by an index."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from bot.conversation.engine import Engine
from bot.events import ButtonPressed, CommandIssued, Event, MessageReceived, Person, Place
from bot.settings import LimitSettings, Settings
from kb import KnowledgeBase
from storage.db import Database
from storage.models import ConversationRow, MessageRow, ProcessedEventRow, UserRow
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


IGNORED = "You are sending me more than I can follow, so I did not act on that."


def alternate(workers: list[Engine], events: Sequence[Event]) -> list[BotTurn]:
    """Each event handled by the next worker in turn, as a load balancer spreads them."""
    return [
        BotTurn([d.action for d in workers[n % len(workers)].handle(event)])
        for n, event in enumerate(events)
    ]


def test_two_workers_answer_a_flood_of_commands_up_to_the_limit_once(
    workers: list[Engine], clock: FakeClock
) -> None:
    place = Place("console", "dm:flood")
    commands = [CommandIssued(FLOODER, place, "status", (), f"c{n}") for n in range(600)]

    turns = alternate(workers, commands)

    assert all(turn.actions and IGNORED not in turn.texts()[0] for turn in turns[:LIMIT])
    assert turns[LIMIT].texts() == [f"{IGNORED} I will listen again in 60 seconds."]
    assert [turn for turn in turns[LIMIT + 1 :] if turn.actions] == []
    other = Person("console", "other", "Other")
    question = MessageReceived(other, Place("console", "dm:other"), "is the vpn down?", "o1")
    assert alternate(workers, [question])[0].texts()
    clock.advance(seconds=61)
    assert alternate(workers, [CommandIssued(FLOODER, place, "status", (), "c-later")])[0].texts()


def test_two_workers_count_button_presses_with_the_rest(workers: list[Engine]) -> None:
    place = Place("console", "dm:flood")
    asked = alternate(workers, [MessageReceived(FLOODER, place, "my vpn won't connect", "m0")])
    solved = next(b for b in BotTurn(asked[0].actions).buttons() if b.label == "Solved")
    presses = [
        ButtonPressed(FLOODER, place, solved.action, solved.value, f"b{n}") for n in range(600)
    ]

    turns = alternate(workers, presses)

    assert all(turn.actions and IGNORED not in turn.texts()[0] for turn in turns[: LIMIT - 1])
    assert turns[LIMIT - 1].texts() == [f"{IGNORED} I will listen again in 60 seconds."]
    assert [turn for turn in turns[LIMIT:] if turn.actions] == []


def test_two_workers_at_once_count_one_persons_presses_in_two_places(
    workers: list[Engine],
) -> None:
    """Questions in two places use two of the three; then both places' buttons are pressed
    at once, each place by its own worker: one press is acted on, one refused with word."""
    buttons = []
    for worker in (0, 1):
        place = Place("console", f"dm:flood:{worker}")
        event = MessageReceived(FLOODER, place, "my vpn won't connect", f"m{worker}")
        asked = BotTurn([d.action for d in workers[worker].handle(event)])
        buttons.append(next(b for b in asked.buttons() if b.label == "Solved"))
    texts: list[list[str]] = []
    lock = threading.Lock()

    def press(worker: int) -> None:
        place, solved = Place("console", f"dm:flood:{worker}"), buttons[worker]
        for n in range(LIMIT):
            event = ButtonPressed(FLOODER, place, solved.action, solved.value, f"b{worker}.{n}")
            said = BotTurn([d.action for d in workers[worker].handle(event)]).texts()
            with lock:
                texts.append(said)

    threads = [threading.Thread(target=press, args=(worker,)) for worker in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(texts) == 2 * LIMIT
    told = [said for said in texts if said and IGNORED in said[0]]
    acted = [said for said in texts if said and IGNORED not in said[0]]
    assert (len(acted), len(told)) == (1, 1), texts


def test_the_count_reads_a_persons_recent_messages_and_presses_from_indexes(
    database: Database, clock: FakeClock
) -> None:
    """EXPLAIN, with thousands of other people's messages and presses stored: the indexes,
    not the tables."""
    seed_history(database, clock)
    with database.unit_of_work() as store:
        user = store.find_user("console", "p7")
        assert user is not None
        with captured(database) as statements:
            store.recent_inbound(user.id, clock() - timedelta(minutes=1), clock(), LIMIT + 2)
    plans = [explain(database, statement, parameters) for statement, parameters in statements]
    assert len(plans) == 2
    assert "ix_messages_inbound_by_user" in plans[0], plans[0]
    assert "ix_processed_events_by_user" in plans[1], plans[1]


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
        session.execute(
            insert(ProcessedEventRow),
            [
                dict(
                    platform="console",
                    event_id=f"e{n}",
                    processed_at=now - timedelta(seconds=n),
                    user_id=users[n % len(users)] if n % 3 else None,
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
