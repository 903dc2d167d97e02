"""The engine's threads shared fairly between people: one event of each person at a time.

The engine runs on a few threads fed first come, first served. Without this, 600 commands
from one person queued 600 engine calls, and anyone writing after them waited for all of
them (seconds). With it, each person has at most one event handed to the engine; their
next waits here, so someone else's event is next in line as soon as a thread is free, and
a flood is served round robin with everyone else's events. It only orders: every event is
still handled (and stored first); the rate is counted by the engine, in the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from adapters.ordering import TurnTaking
from bot.events import Person

__all__ = ["FairShare"]

T = TypeVar("T")


class FairShare:
    def __init__(self) -> None:
        self._people = TurnTaking()

    async def run(self, person: Person, call: Callable[[], T]) -> T:
        """``call`` on an engine thread, once ``person``'s event before it is done there.

        Taken inside a conversation's turn, never around one, so the two never wait for
        each other.
        """
        async with self._people.turn((person.platform, person.id)):
            return await asyncio.to_thread(call)
