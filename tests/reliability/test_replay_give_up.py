"""A stored message that fails every time it is handled is replayed a few times, then given
up on: its writer is told, the help desk's log says so, and it no longer holds a place in
the replay's batch, so newer unhandled messages get their turn."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.actions import Reply
from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery
from bot.delivery.replay import REPLAY_ATTEMPTS, replay_stale
from bot.events import MessageReceived, Person, Place
from bot.i18n.messages import say
from bot.settings import Settings
from kb import KnowledgeBase, Match
from storage.db import Database
from storage.models import MessageRow
from tests.support.chat import FakeClock


class PoisonedKnowledgeBase(KnowledgeBase):
    """Blows up on any question about "poison" (a bug some text sets off), and on every
    question while ``down`` (a broken KB file, fixed later)."""

    down = False

    def rank(self, query: str, **_: object) -> list[Match]:
        if self.down or "poison" in query:
            raise RuntimeError("matching blew up")
        return []


def message(who: str, text: str) -> MessageReceived:
    return MessageReceived(
        Person("console", who, who.title()), Place("console", f"dm:{who}"), text, f"m-{who}"
    )


def inbound(database: Database) -> dict[str, tuple[bool, int]]:
    """Each stored inbound message: handled?, and how often the replay took it up."""
    with database.session() as session:
        rows = session.execute(
            select(MessageRow.text, MessageRow.handled_at, MessageRow.replay_attempts).where(
                MessageRow.direction == "in"
            )
        ).all()
    return {text: (handled is not None, attempts) for text, handled, attempts in rows}


def replies_to(deliveries: list[Delivery], who: str) -> list[str]:
    return [
        d.action.text
        for d in deliveries
        if d.id and isinstance(d.action, Reply) and d.action.place.channel == f"dm:{who}"
    ]


def test_a_message_failing_every_replay_is_given_up_and_no_longer_starves_newer_ones(
    database: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    kb = PoisonedKnowledgeBase.build([])
    assert isinstance(kb, PoisonedKnowledgeBase)
    engine = Engine(Settings(), kb, database.unit_of_work, clock)
    engine.handle(message("ann", "poison ivy on the keyboard"))
    engine.handle(message("bob", "poison in the coffee machine"))
    kb.down = True
    engine.handle(message("cid", "my monitor flickers"))  # fails now, would work later
    kb.down = False

    def sweep() -> list[Delivery]:
        """The scheduler's replay, with a batch only two messages long."""
        clock.advance(minutes=1)
        return replay_stale(database.unit_of_work, engine.handle, clock(), batch=2)

    tries = [sweep() for _ in range(REPLAY_ATTEMPTS)]
    assert inbound(database) == {
        "poison ivy on the keyboard": (False, REPLAY_ATTEMPTS),
        "poison in the coffee machine": (False, REPLAY_ATTEMPTS),
        "my monitor flickers": (False, 0),  # starved: the two poisoned ones fill the batch
    }
    assert not any(replies_to(deliveries, "ann") for deliveries in tries)  # no spam meanwhile

    with caplog.at_level(logging.ERROR, logger="bot.delivery.replay"):
        gave_up = sweep()
    after = sweep()

    told = say("replay.gave_up")
    assert replies_to(gave_up, "ann") == [told] and replies_to(gave_up, "bob") == [told]
    assert sum("giving up on console message m-ann" in r.message for r in caplog.records) == 1
    assert inbound(database) == {
        "poison ivy on the keyboard": (True, REPLAY_ATTEMPTS + 1),
        "poison in the coffee machine": (True, REPLAY_ATTEMPTS + 1),
        "my monitor flickers": (True, 1),
    }
    assert replies_to(after, "cid") and not replies_to(after, "ann")
    assert sweep() == []
    assert engine.replay_unhandled(older_than=timedelta(0)) == []
