"""Events of one conversation take turns in arrival order; idle conversations cost nothing."""

from __future__ import annotations

import asyncio

from adapters.ordering import TurnTaking


def test_one_conversation_takes_turns_in_order_and_is_forgotten_when_idle() -> None:
    turns = TurnTaking()
    seen: list[str] = []

    async def event(name: str, key: str, hold: float) -> None:
        async with turns.turn(key):
            seen.append(f"{name} in")
            await asyncio.sleep(hold)
            seen.append(f"{name} out")

    async def scenario() -> None:
        first = asyncio.create_task(event("a1", "a", 0.05))
        await asyncio.sleep(0)
        second = asyncio.create_task(event("a2", "a", 0))
        other = asyncio.create_task(event("b1", "b", 0))
        await asyncio.gather(first, second, other)

    asyncio.run(scenario())

    assert seen.index("a1 out") < seen.index("a2 in")
    assert seen.index("b1 in") < seen.index("a1 out")  # another conversation does not wait
    assert len(turns) == 0
