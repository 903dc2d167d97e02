"""Several workers on one database: each has its own units of work (its own connections),
its own outbox claims and its own name, as separate ``tier0 run`` processes would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action, Reply
from bot.delivery.outbox import Outbox, enqueue_all, lane_of
from bot.events import Place
from tests.storage.conftest import race
from tests.support.chat import FakeClock
from tests.support.databases import Backend

__all__ = ["LEASE", "enqueue", "lanes_of", "outboxes", "race", "replies"]

LEASE = timedelta(seconds=30)


def outboxes(database: Backend, clock: FakeClock, count: int) -> list[Outbox]:
    return [
        Outbox(database.unit_of_work, clock, worker=f"worker-{n}", lease=LEASE)
        for n in range(count)
    ]


def replies(lanes: int, per_lane: int) -> list[Action]:
    """``per_lane`` replies in each of ``lanes`` threads, interleaved as busy traffic is."""
    return [
        Reply(Place("slack", "C-HELP", f"thread-{lane}"), f"reply {n} in thread {lane}")
        for n in range(per_lane)
        for lane in range(lanes)
    ]


def enqueue(database: Backend, clock: FakeClock, actions: Sequence[Action]) -> list[int]:
    with database.unit_of_work() as store:
        return [delivery.id for delivery in enqueue_all(store, actions, clock())]


def lanes_of(actions: Sequence[Action]) -> set[str]:
    return {lane_of(action) for action in actions}
