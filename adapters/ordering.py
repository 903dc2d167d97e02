"""One event at a time per conversation, in arrival order, with nothing kept once idle.

Platforms deliver concurrently; without this a quick "!note" and the reply after it could
reach the engine swapped. Entries exist only while someone holds or waits for a turn, so
memory does not grow with the number of conversations ever seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

__all__ = ["TurnTaking"]


@dataclass
class _Queue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class TurnTaking:
    def __init__(self) -> None:
        self._queues: dict[Hashable, _Queue] = {}

    def __len__(self) -> int:
        """Conversations with an event in hand or waiting."""
        return len(self._queues)

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        queue = self._queues.setdefault(key, _Queue())
        queue.waiting += 1
        try:
            async with queue.lock:
                yield
        finally:
            queue.waiting -= 1
            if queue.waiting == 0:
                del self._queues[key]
